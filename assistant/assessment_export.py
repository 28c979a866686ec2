"""An `Assessment` as Markdown, CSV, a printable HTML page, or the answers JSON to keep.

Every piece of text that reaches HTML goes through `html.escape`: statements and actions come
from the corpus, which a partner may replace, and the page is meant to be passed around.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable

from assistant.assessment import ANSWERS, Assessment, Gap, PlanAction, PlanGroup, Statement
from assistant.models import Citation
from corpus.models import FOCUS_GROUPS, STAKEHOLDERS

FORMATS = ("md", "csv", "html")
SOURCE = "IOM Talent Hub EU Guidebook"
CSV_COLUMNS = ("statement_id", "focus", "statement", "answer", "marker", "action_id",
               "section", "phase", "action", "score")
COUNT_KEYS = (*ANSWERS, "unanswered")
COUNT_TITLES = ("Yes", "No", "Not sure", "Unanswered")


def render(assessment: Assessment, fmt: str) -> str:
    """One of FORMATS; the CLI and the API pick the format by name."""
    renderers = {"md": to_markdown, "csv": to_csv, "html": to_html}
    if fmt not in renderers:
        raise ValueError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    return renderers[fmt](assessment)


def answers_json(assessment: Assessment) -> str:
    """The file to load next time (`talenthub assess --previous`, the tab's upload)."""
    return json.dumps(assessment.sheet().to_dict(), ensure_ascii=False, indent=2) + "\n"


def title(assessment: Assessment) -> str:
    return f"Self-assessment action plan: {STAKEHOLDERS[assessment.stakeholder]}"


def _label(statement: Statement | None, statement_id: str) -> str:
    if statement is None:
        return statement_id
    return statement.label or f"Statement {statement.number}"


def _gap_names(assessment: Assessment, ids: Iterable[str]) -> list[tuple[str, str]]:
    """(label, answer) of each gap id, for 'closes: ...' lines."""
    return [(_label(assessment.statement(i), i), ANSWERS.get(assessment.answers.get(i, ""), ""))
            for i in ids]


# -- Markdown --------------------------------------------------------------------------------


def to_markdown(assessment: Assessment) -> str:
    lines = [f"# {title(assessment)}", ""]
    when = f"Assessed on {assessment.date}. " if assessment.date else ""
    lines += [f"{when}Actions are quoted from the {SOURCE}; [n] numbers them.", ""]
    lines += ["## Summary", "", "| Focus group | " + " | ".join(COUNT_TITLES) + " |",
              "|---|" + "---:|" * len(COUNT_TITLES)]
    summary = assessment.summary
    for row in summary["by_focus"].values():
        lines.append(f"| {row['title']} | " + " | ".join(str(row[k]) for k in COUNT_KEYS) + " |")
    lines.append("| **Total** | " + " | ".join(f"**{summary['total'][k]}**"
                                              for k in COUNT_KEYS) + " |")
    lines += ["", _totals_sentence(assessment), ""]
    if unanswered := _unanswered(assessment):
        lines += [f"Not answered: {unanswered}.", ""]
    if assessment.progress:
        lines += _markdown_progress(assessment)
    lines += ["## Action plan", ""]
    if not assessment.plan:
        lines += [_empty_plan_sentence(assessment), ""]
    for group in assessment.plan:
        lines += [f"### {group.title}", ""]
        for action in group.actions:
            lines += _markdown_action(assessment, action)
        lines.append("")
    if assessment.gaps:
        lines += ["## Gaps", ""]
        for gap in assessment.gaps:
            markers = _markers(gap)
            lines += [f"- **{_label(gap.statement, gap.statement.id)}** "
                      f"({ANSWERS[gap.answer]}; `{gap.statement.id}`): {gap.statement.body}  ",
                      f"  Actions: {markers}"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _markdown_action(assessment: Assessment, action: PlanAction) -> list[str]:
    c = action.citation
    closes = "; ".join(f"{name} ({answer.lower()})"
                       for name, answer in _gap_names(assessment, action.gaps))
    if c.section == "interventions":
        return [f"- [{c.marker}] **{_where(c)}** (`{c.id}`)  ", f"  > {c.quote}  ",
                f"  Relates to: {closes}"]
    return [f"- [{c.marker}] {c.quote} (`{c.id}`)  ", f"  Closes: {closes}"]


def _markdown_progress(assessment: Assessment) -> list[str]:
    progress = assessment.progress
    assert progress is not None
    since = f" since {progress.previous_date}" if progress.previous_date else ""
    lines = [f"## Progress{since}", ""]
    for name, ids in _progress_rows(assessment):
        names = ", ".join(label for label, _ in _gap_names(assessment, ids)) or "none"
        lines.append(f"- {name}: {names}")
    return [*lines, ""]


# -- CSV -------------------------------------------------------------------------------------


def to_csv(assessment: Assessment) -> str:
    """One row per gap and action; a gap with no action has one row with empty action."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for gap in assessment.gaps:
        s = gap.statement
        head = [s.id, s.focus, s.text, gap.answer]
        if not gap.actions:
            writer.writerow([*head, "", "", "", "", "", ""])
        for c in gap.actions:
            writer.writerow([*head, c.marker, c.id, c.section, c.phase or "", c.quote,
                             f"{c.score:.4f}"])
    return out.getvalue()


# -- HTML ------------------------------------------------------------------------------------

CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0b5cad;
  --soft: #f3f6fa; --no: #b42318; --unsure: #9a6700; --yes: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 860px; margin: 0 auto; padding: 28px 28px 40px; }
h1 { font-size: 1.55rem; margin: 0 0 2px; color: var(--accent); }
h2 { font-size: 1.15rem; margin: 26px 0 8px; padding-bottom: 4px;
  border-bottom: 2px solid var(--accent); }
h3.th-plan-group { font-size: 1rem; margin: 18px 0 2px; padding: 3px 10px;
  background: var(--soft); border-left: 4px solid var(--accent); }
.th-plan-meta { margin: 0 0 14px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 8px; }
.th-plan-table { overflow-x: auto; max-width: 100%; }
.th-plan-unanswered { margin: -8px 0 14px; color: var(--muted); }
th, td { border: 1px solid var(--line); padding: 5px 9px; text-align: left;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.n, th.n { text-align: right; width: 6.5em; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; background: var(--soft); }
.th-plan-phase { margin: 0; padding: 0; list-style: none; }
.th-plan-action { display: grid; grid-template-columns: 2.6em 1fr; gap: 2px 8px;
  padding: 9px 0; border-bottom: 1px solid var(--line); break-inside: avoid; }
.th-plan-marker { font-weight: 700; color: var(--accent); }
.th-plan-text { margin: 0; }
.th-plan-quote { margin: 4px 0 0; padding-left: 10px; border-left: 3px solid var(--line);
  color: var(--ink); }
.th-plan-closes, .th-plan-id { grid-column: 2; margin: 0; font-size: .88rem;
  color: var(--muted); }
.th-plan-where { margin: 4px 0 0; font-size: .85rem; color: var(--muted); }
.th-plan-id code, .th-plan-where code { font-size: .85em; }
details.th-plan-source summary { cursor: pointer; }
.th-badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: .8rem;
  font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.th-badge.no { color: var(--no); } .th-badge.not-sure { color: var(--unsure); }
.th-badge.yes { color: var(--yes); }
.th-plan-progress { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr));
  gap: 10px; }
.th-plan-progress div { background: var(--soft); border-radius: 6px; padding: 8px 10px; }
.th-plan-progress h3 { margin: 0 0 4px; font-size: .9rem; }
.th-plan-progress ul { margin: 0; padding-left: 18px; font-size: .9rem; }
.th-plan-empty { color: var(--muted); }
footer { margin-top: 28px; font-size: .8rem; color: var(--muted); }
@page { margin: 16mm 14mm; }
@media print {
  body { font-size: 11pt; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; }
  tr, .th-plan-progress div { break-inside: avoid; }
  .th-badge { border-width: 1px; }
}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _where(c: Citation) -> str:
    return " › ".join(part.strip() for part in c.title.split(" / "))


def _badge(answer: str) -> str:
    return f'<span class="th-badge {_e(answer)}">{_e(ANSWERS.get(answer, answer))}</span>'


def to_html(assessment: Assessment) -> str:
    """A self-contained page (inline CSS, no scripts, no external requests) that prints."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title(assessment))}</title><style>{CSS}</style></head>"
            f"<body><main>{plan_html(assessment, collapsible=False)}"
            f"<footer>Made with the Talent Hub Assistant. Every action is quoted word for word "
            f"from the {_e(SOURCE)}; the id after it says where.</footer></main></body></html>\n")


def plan_html(assessment: Assessment, *, collapsible: bool) -> str:
    """The plan's body. In the app (`collapsible`) sources fold into <details>; on paper
    they are spelt out, because a closed <details> does not print."""
    parts = [f"<h1>{_e(title(assessment))}</h1>"]
    when = f"Assessed on {_e(assessment.date)} · " if assessment.date else ""
    parts.append(f'<p class="th-plan-meta">{when}{_e(_totals_sentence(assessment))}</p>')
    if unanswered := _unanswered(assessment):
        parts.append(f'<p class="th-plan-unanswered">Not answered: {_e(unanswered)}.</p>')
    parts.append(_summary_table(assessment))
    if assessment.progress:
        parts.append(_progress_html(assessment))
    parts.append("<h2>Action plan</h2>")
    if not assessment.plan:
        parts.append(f'<p class="th-plan-empty">{_e(_empty_plan_sentence(assessment))}</p>')
    for group in assessment.plan:
        parts.append(_group_html(assessment, group, collapsible))
    if assessment.gaps:
        parts.append(_gaps_table(assessment))
    return "".join(parts)


def _summary_table(assessment: Assessment) -> str:
    summary = assessment.summary
    head = "".join(f'<th class="n">{t}</th>' for t in COUNT_TITLES)
    rows = "".join(
        f"<tr><td>{_e(row['title'])}</td>"
        + "".join(f'<td class="n">{row[k]}</td>' for k in COUNT_KEYS) + "</tr>"
        for row in summary["by_focus"].values())
    total = "".join(f'<td class="n">{summary["total"][k]}</td>' for k in COUNT_KEYS)
    return ("<h2>Summary</h2>" + _scrolling(
        "Summary", f"<table><thead><tr><th>Focus group</th>{head}</tr></thead>"
                   f'<tbody>{rows}<tr class="total"><td>Total</td>{total}</tr></tbody></table>'))


def _progress_html(assessment: Assessment) -> str:
    progress = assessment.progress
    assert progress is not None
    since = f" since {_e(progress.previous_date)}" if progress.previous_date else ""
    boxes = []
    for name, ids in _progress_rows(assessment):
        items = "".join(f"<li>{_e(label)}</li>" for label, _ in _gap_names(assessment, ids))
        boxes.append(f"<div><h3>{_e(name)} ({len(ids)})</h3>"
                     f"{f'<ul>{items}</ul>' if items else '<p>None</p>'}</div>")
    return f'<h2>Progress{since}</h2><div class="th-plan-progress">{"".join(boxes)}</div>'


def _group_html(assessment: Assessment, group: PlanGroup, collapsible: bool) -> str:
    items = "".join(_action_html(assessment, a, collapsible) for a in group.actions)
    return (f'<h3 class="th-plan-group">{_e(group.title)}</h3>'
            f'<ol class="th-plan-phase">{items}</ol>')


def _action_html(assessment: Assessment, action: PlanAction, collapsible: bool) -> str:
    """An action point shows its words; a paragraph its theme, then the quote. The id is
    the citation; the breadcrumb would only repeat the headings above it."""
    c = action.citation
    verb = "Relates to" if c.section == "interventions" else "Closes"
    closes = "; ".join(f"{_e(name)} {_badge(assessment.answers.get(i, ''))}"
                       for i, (name, _) in zip(action.gaps, _gap_names(assessment, action.gaps),
                                               strict=True))
    quote = f'<blockquote class="th-plan-quote">{_e(c.quote)}</blockquote>'
    where = (f'<p class="th-plan-where">{_e(c.breadcrumb or _where(c))} · '
             f"<code>{_e(c.id)}</code></p>")
    if c.section == "interventions":
        theme = _e(c.title.split(" / ")[-1].strip())
        text = (f'<details class="th-plan-source"><summary>{theme}</summary>{quote}{where}'
                "</details>" if collapsible else
                f'<p class="th-plan-text"><strong>{theme}</strong></p>{quote}')
    elif collapsible:
        # The action's words are its whole quote: opening it shows where it comes from.
        text = (f'<details class="th-plan-source"><summary>{_e(c.quote)}</summary>{where}'
                "</details>")
    else:
        text = f'<p class="th-plan-text">{_e(c.quote)}</p>'
    source = "" if collapsible else f'<p class="th-plan-id"><code>{_e(c.id)}</code></p>'
    return (f'<li class="th-plan-action" id="th-plan-{c.marker}">'
            f'<span class="th-plan-marker">[{c.marker}]</span><div>{text}</div>'
            f'<p class="th-plan-closes">{verb}: {closes}</p>{source}</li>')


def _gaps_table(assessment: Assessment) -> str:
    rows = [_gap_row(gap) for gap in assessment.gaps]
    return "<h2>Your gaps</h2>" + _scrolling(
        "Your gaps", '<table class="th-gaps"><thead><tr><th>Statement</th><th>Focus</th>'
                     "<th>Answer</th><th>Actions</th></tr></thead><tbody>" + "".join(rows) +
                     "</tbody></table>")


def _scrolling(label: str, table: str) -> str:
    """A table that scrolls sideways on a narrow screen; focusable, so the keyboard can too."""
    return (f'<div class="th-plan-table" role="region" aria-label="{_e(label)}" tabindex="0">'
            f"{table}</div>")


def _gap_row(gap: Gap) -> str:
    s = gap.statement
    return (f"<tr><td><strong>{_e(_label(s, s.id))}.</strong> {_e(s.body)}</td>"
            f"<td>{_e(FOCUS_GROUPS.get(s.focus, s.focus).removeprefix('Focus on '))}</td>"
            f"<td>{_badge(gap.answer)}</td><td>{_e(_markers(gap))}</td></tr>")


def _markers(gap: Gap) -> str:
    """The plan numbers of a gap's actions, in plan order for a reader to look up."""
    return ", ".join(f"[{m}]" for m in sorted(c.marker for c in gap.actions)) or "none found"


# -- shared wording --------------------------------------------------------------------------


def _totals_sentence(assessment: Assessment) -> str:
    s = assessment.summary
    gaps = f"{s['gaps']} gap{'s' if s['gaps'] != 1 else ''}"
    actions = f"{s['actions']} action{'s' if s['actions'] != 1 else ''}"
    return (f"{s['answered']} of {s['statements']} statements answered: {gaps}, "
            f"{actions} proposed.")


def _unanswered(assessment: Assessment) -> str:
    """'2. Onboarding prior to arrival; 5. Internships': the statements left unanswered."""
    return "; ".join(f"{s.number}. {_label(s, s.id)}" for s in assessment.statements
                     if s.id not in assessment.answers)


def _empty_plan_sentence(assessment: Assessment) -> str:
    if not assessment.gaps:
        return "No gaps: every answered statement was answered yes."
    return "The guidebook has no action point that closes these gaps directly."


def _progress_rows(assessment: Assessment) -> list[tuple[str, tuple[str, ...]]]:
    p = assessment.progress
    assert p is not None
    rows = [("Closed", p.closed), ("New gaps", p.new), ("Still open", p.unchanged)]
    if p.unanswered:
        rows.append(("Not answered this time", p.unanswered))
    return rows
