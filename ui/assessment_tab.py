"""The "Self-assessment" tab: answer your stakeholder's statements, get a cited action plan.

The statements are one form, rendered here as HTML (a fieldset with a legend per
statement, so each statement's radios are one group that arrow keys move through), and
the answers live in the browser: ui/static/assessment.js keeps them per organisation in
local storage, so they survive focus and blur, switching organisation, and a reload;
discarding them asks first. Python sees them only when the plan is built. Every event is
private, and the layout needs no index when the server starts.

The handlers are plain typed functions; `build_assessment_tab` only wires them up.
"""

from __future__ import annotations

import html
import json
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import assessment
from assistant.api import Assistant
from assistant.assessment import ANSWERS, AnswerSheet, Assessment, Statement
from assistant.assessment_export import answers_json, plan_html, to_csv, to_html, to_markdown
from assistant.errors import IndexUnavailable, InvalidInput, NoIndex, TalentHubError
from corpus.models import FOCUS_GROUPS, STAKEHOLDERS

log = logging.getLogger(__name__)

ASSESSMENT_TAB = "Self-assessment"
INTRO = ("Answer the statements of the guidebook's self-assessment table for your "
         "organisation. Every **No** or **Not sure** is a gap; the plan lists the guidebook's "
         "actions that close it, by customer-journey phase, each quoted with its source. "
         "Your answers stay in this browser, per organisation; save them as a file to "
         "compare next time.")
NO_INDEX = ("The guidebook has not been indexed on this server yet. Whoever runs it needs to "
            "run `talenthub index`; then reload this page.")
UNAVAILABLE = "The guidebook index cannot be reached right now. Please try again in a minute."
FAILED = "Something went wrong while building the plan. Please try again."
KEEP_FILES_SECONDS = 3600
STATIC = Path(__file__).resolve().parent / "static"
DOWNLOADS = (("json", "Save answers (.json)"), ("md", "Plan as Markdown"),
             ("csv", "Plan as CSV"), ("html", "Printable plan (HTML)"))
SHEET_CSS = """
.th-sa-bar { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 6px 12px;
  align-items: center; padding: 8px 10px; margin: 0 0 8px; border-radius: 6px;
  background: var(--background-fill-secondary); }
.th-sa-progress { margin: 0; font-weight: 600; }
.th-sa-bar button, .th-sa-confirm button { font: inherit; font-size: .9rem; padding: 4px 10px;
  border-radius: 6px; border: 1px solid var(--border-color-primary); cursor: pointer;
  background: var(--background-fill-primary); color: var(--body-text-color); }
.th-sa-confirm { flex-basis: 100%; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.th-sa-confirm[hidden] { display: none; }
.th-sa-confirm p { margin: 0; flex-basis: 100%; }
.th-sa-focus { font-size: 1rem; margin: 14px 0 6px; }
.th-sa-statement { border: 1px solid var(--border-color-primary); border-radius: 6px;
  margin: 0 0 8px; padding: 8px 12px 10px; min-width: 0; }
.th-sa-statement legend { font-weight: 600; padding: 0 4px; }
.th-sa-text { margin: 0 0 6px; }
.th-sa-choices { display: flex; flex-wrap: wrap; gap: 6px 14px; }
.th-sa-choices label { display: inline-flex; gap: 6px; align-items: center; padding: 4px 8px;
  border: 1px solid var(--border-color-primary); border-radius: 6px; cursor: pointer; }
.th-sa-choices input { accent-color: var(--th-primary, #0f5ea8); }
.th-sa-empty { margin: 0; }
"""
STATUS_CSS = """
.th-sa-error { margin: 0; padding: 6px 10px; border-radius: 6px; color: #9f1c12;
  background: #fdecea; }
.th-sa-note { margin: 0; padding: 6px 10px; border-radius: 6px;
  background: var(--background-fill-secondary); }
"""
PLAN_CSS = """
.th-plan { font-size: .95rem; max-width: 100%; min-width: 0; }
.th-plan p, .th-plan li { overflow-wrap: anywhere; }
.th-plan th { white-space: nowrap; }
.th-plan h1 { font-size: 1.25rem; margin: .2em 0; color: var(--th-primary, #0f5ea8); }
.th-plan h2 { font-size: 1.05rem; margin: 1.1em 0 .4em; padding-bottom: 3px;
  border-bottom: 2px solid var(--th-primary, #0f5ea8); }
.th-plan h3.th-plan-group { font-size: .98rem; margin: .9em 0 .2em; padding: 2px 8px;
  border-left: 4px solid var(--th-primary, #0f5ea8); background: var(--background-fill-secondary); }
.th-plan-meta, .th-plan-closes, .th-plan-where, .th-plan-empty, .th-plan-unanswered {
  color: var(--body-text-color-subdued); }
.th-plan-table { display: block; width: 100%; overflow-x: auto; contain: inline-size; }
.th-plan table { border-collapse: collapse; width: 100%; margin: .3em 0; }
.th-plan th, .th-plan td { border: 1px solid var(--border-color-primary); padding: 4px 8px;
  text-align: left; vertical-align: top; }
.th-plan td.n, .th-plan th.n { text-align: right; }
.th-plan tr.total td { font-weight: 600; }
.th-plan-phase { list-style: none; margin: 0; padding: 0; }
.th-plan-action { display: grid; grid-template-columns: 2.4em minmax(0, 1fr); gap: 2px 6px;
  padding: 7px 0; border-bottom: 1px solid var(--border-color-primary); }
.th-plan-marker { font-weight: 700; color: var(--th-primary, #0f5ea8); }
.th-plan-closes { grid-column: 2; margin: 0; font-size: .85rem; }
.th-plan-source summary { cursor: pointer; }
.th-plan-quote { margin: .35em 0 .2em .1em; padding-left: .7em;
  border-left: 3px solid var(--th-primary, #0f5ea8); }
.th-plan-where { margin: 0 0 .3em .1em; font-size: .8rem; }
.th-plan-text { margin: 0; }
.th-badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: .78rem;
  font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.th-badge.no { color: #b42318; } .th-badge.not-sure { color: #7a5200; }
.th-badge.yes { color: #1a7f37; }
.th-plan-progress { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr));
  gap: 8px; }
.th-plan-progress div { background: var(--background-fill-secondary); border-radius: 6px;
  padding: 6px 10px; }
.th-plan-progress h3 { margin: 0 0 4px; font-size: .9rem; }
.th-plan-progress ul { margin: 0; padding-left: 18px; }
@media (max-width: 600px) {
  .th-plan table.th-gaps thead { display: none; }
  .th-plan table.th-gaps, .th-plan table.th-gaps tbody, .th-plan table.th-gaps tr,
  .th-plan table.th-gaps td { display: block; width: 100%; }
  .th-plan table.th-gaps tr { margin-bottom: 8px; border: 1px solid var(--border-color-primary); }
  .th-plan table.th-gaps td { border: 0; }
}
"""


@dataclass(frozen=True)
class PlanView:
    """What "Build my action plan" shows: the plan's HTML and the four files to download."""

    html: str
    files: dict[str, Path]
    summary: str


@dataclass(frozen=True)
class AssessmentTab:
    """What the chat needs to open this tab at a stakeholder (`open` gives the updates of
    `outputs`)."""

    open: Callable[[str, Any], list[Any]]  # (stakeholder, the Gradio request)
    outputs: list[Any]


# -- handlers --------------------------------------------------------------------------------


def sheet_html(stakeholder: str, statements: Sequence[Statement],
               loaded: AnswerSheet | None = None) -> str:
    """The statements as one form, grouped by focus. Answers loaded from a file travel in
    `data-loaded`; the browser applies them, asking first if they would replace others."""
    name = STAKEHOLDERS[stakeholder]
    data = {"stakeholder": stakeholder, "name": name, "total": str(len(statements))}
    if loaded is not None:
        data |= {"loaded": json.dumps(loaded.answers), "source": loaded.source}
    attributes = " ".join(f'data-{k}="{html.escape(v)}"' for k, v in data.items())
    parts = [f'<form class="th-sa-form" {attributes} aria-label="Self-assessment: {name}">'
             f'<div class="th-sa-bar"><p class="th-sa-progress" aria-live="polite">'
             f'<span class="th-sa-count">0</span> of {len(statements)} statements answered</p>'
             '<button type="button" class="th-sa-clear">Clear answers</button>'
             '<div class="th-sa-confirm" role="group" aria-label="Confirm" hidden>'
             '<p class="th-sa-question"></p><button type="button" class="th-sa-yes"></button>'
             '<button type="button" class="th-sa-no"></button></div></div>']
    for focus, title in FOCUS_GROUPS.items():
        mine = [s for s in statements if s.focus == focus]
        if mine:
            parts.append(f'<h2 class="th-sa-focus">{html.escape(title)}</h2>')
            parts += [_statement_html(s) for s in mine]
    return "".join(parts) + "</form>"


def _statement_html(statement: Statement) -> str:
    anchor = f"th-sa-{statement.number}"
    choices = "".join(f'<label><input type="radio" name="{anchor}" value="{value}"> '
                      f"{html.escape(label)}</label>" for value, label in ANSWERS.items())
    return (f'<fieldset class="th-sa-statement" id="{anchor}" '
            f'data-id="{html.escape(statement.id)}" aria-describedby="{anchor}-text">'
            f"<legend>{statement.number}. {html.escape(statement.label)}</legend>"
            f'<p class="th-sa-text" id="{anchor}-text">{html.escape(statement.body)}</p>'
            f'<div class="th-sa-choices">{choices}</div></fieldset>')


def answered(raw: object, statements: Sequence[Statement]) -> dict[str, str]:
    """The answers the browser sent that belong to these statements (local storage may hold
    ids of an older index): unknown ids and values are dropped, not an error."""
    ids = {s.id for s in statements}
    if not isinstance(raw, Mapping):
        return {}
    return {k: v for k, v in raw.items() if k in ids and v in ANSWERS}


def load_answers(path: str | Path, stakeholder: str | None, *, assistant: Assistant
                 ) -> tuple[str, list[Statement], AnswerSheet, str]:
    """A saved answers file: its stakeholder (if it names one) wins, its answers are
    pre-selected, and it becomes the previous assessment the plan reports progress against.

    Raises `TalentHubError` (shown as a message) for a file that does not fit.
    """
    name = Path(path).name
    sheet = assessment.read_sheet(Path(path))
    chosen = sheet.stakeholder or stakeholder
    if not chosen:
        raise InvalidInput(f"{name} does not say whose answers these are; choose your "
                           "organisation first")
    statements = assessment.load_statements(assistant, chosen)
    answers = assessment.validate_answers(sheet.answers, statements, chosen, source=name)
    when = f" of {sheet.date}" if sheet.date else ""
    count = f"{len(answers)} answer{'s' if len(answers) != 1 else ''}"
    message = (f"Loaded {count}{when} for {STAKEHOLDERS[chosen]}. Change what has changed "
               "since, then build the plan to see your progress.")
    return chosen, statements, AnswerSheet(answers, chosen, sheet.date, name), message


def build_plan(stakeholder: str | None, answers: Mapping[str, str],
               previous: AnswerSheet | None, *, assistant: Assistant, directory: Path
               ) -> PlanView:
    """The plan as HTML for the page, and as files (Markdown, CSV, HTML, answers JSON)."""
    if not stakeholder:
        raise InvalidInput("choose your organisation first")
    if not answers:
        raise InvalidInput("answer at least one statement first")
    result = assessment.assess(assistant, stakeholder, answers, previous=previous,
                               date=time.strftime("%Y-%m-%d"))
    s = result.summary
    summary = (f"Your action plan is ready below: {s['gaps']} gap{'s' if s['gaps'] != 1 else ''}"
               f", {s['actions']} action{'s' if s['actions'] != 1 else ''}.")
    return PlanView(f'<div class="th-plan">{plan_html(result, collapsible=True)}</div>',
                    write_files(result, directory), summary)


def write_files(result: Assessment, directory: Path) -> dict[str, Path]:
    """One fresh folder per plan (so two users never share a file); old ones are pruned."""
    prune(directory)
    folder = directory / uuid.uuid4().hex
    folder.mkdir(parents=True)
    stem = f"talenthub-plan-{result.stakeholder}-{result.date or 'undated'}"
    contents = {"md": to_markdown(result), "csv": to_csv(result), "html": to_html(result),
                "json": answers_json(result)}
    files = {}
    for kind, text in contents.items():
        name = f"{stem}-answers.json" if kind == "json" else f"{stem}.{kind}"
        files[kind] = folder / name
        files[kind].write_text(text, encoding="utf-8")
    return files


def prune(directory: Path, *, older_than: float = KEEP_FILES_SECONDS) -> None:
    """Gradio copies downloads into its own cache, so ours only need to outlive a build."""
    if not directory.is_dir():
        return
    cutoff = time.time() - older_than
    for folder in directory.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def friendly(exc: Exception) -> str:
    """The one line a person sees instead of a traceback."""
    if isinstance(exc, NoIndex):
        return NO_INDEX
    if isinstance(exc, IndexUnavailable):
        return UNAVAILABLE
    if isinstance(exc, TalentHubError):
        text = str(exc)
        return text[:1].upper() + text[1:] + "."
    log.exception("self-assessment failed", exc_info=exc)
    return FAILED


def status_html(message: str, *, error: bool = False) -> str:
    """An error is an alert (read out at once, beside the button); a note is a status."""
    if not message:
        return ""
    role, css = ("alert", "th-sa-error") if error else ("status", "th-sa-note")
    return f'<p class="{css}" role="{role}">{html.escape(message)}</p>'


# -- layout ----------------------------------------------------------------------------------


def build_assessment_tab(assistant_for: Callable[[Any], Assistant]) -> AssessmentTab:
    """Lay out the tab inside the current `gr.Tab`; `assistant_for(request)` is the
    assistant a Gradio request's user may use (its scope)."""
    directory = Path(tempfile.gettempdir()) / "talenthub-plans"
    gr.Markdown(INTRO, elem_classes="th-sa-intro")
    with gr.Row(equal_height=True):
        stakeholder = gr.Dropdown([(label, slug) for slug, label in STAKEHOLDERS.items()],
                                  value=None, label="Your organisation", min_width=200,
                                  scale=2, elem_id="th-sa-stakeholder",
                                  info="Choose it to see its statements.")
        upload = gr.UploadButton("Load saved answers (.json)", file_types=[".json"],
                                 size="md", scale=1, min_width=200, elem_id="th-sa-upload")
    sheet = gr.HTML("", elem_id="th-sa-sheet", css_template=SHEET_CSS, padding=False,
                    js_on_load=(STATIC / "assessment.js").read_text(encoding="utf-8"))
    with gr.Row(elem_id="th-sa-actions", visible=False) as actions:
        build = gr.Button("Build my action plan", variant="primary", elem_id="th-sa-build",
                          scale=0, min_width=220)
        status = gr.HTML("", elem_id="th-sa-status", css_template=STATUS_CSS, js_on_load=None,
                         padding=False, min_width=260)
    with gr.Column(visible=False, elem_id="th-sa-downloads") as downloads:
        gr.HTML('<p class="th-sa-keep">Keep this plan:</p>', padding=False, js_on_load=None)
        with gr.Row():
            buttons = {kind: gr.DownloadButton(label, size="sm", min_width=150,
                                               elem_id=f"th-sa-download-{kind}")
                       for kind, label in DOWNLOADS}
    plan = gr.HTML("", elem_id="th-sa-plan", css_template=PLAN_CSS, js_on_load=None)
    answers = gr.JSON(visible=False)
    current = gr.State(None)  # whose statements the sheet shows
    previous = gr.State({})  # stakeholder -> the AnswerSheet loaded from a file
    shown = [stakeholder, sheet, current, actions, plan, downloads, status]

    def show(assistant: Assistant, who: str | None, now: str | None, *,
             loaded: AnswerSheet | None = None, message: str = "") -> list[Any]:
        """`shown` updates for `who`'s statements; nothing changes when they are already
        shown (a dropdown that merely lost focus), so nothing is ever wiped."""
        if not who or (who == now and loaded is None):
            return [gr.update() for _ in shown]
        try:
            statements = assessment.load_statements(assistant, who)
        except Exception as exc:
            return [*(gr.update() for _ in shown[:-1]), status_html(friendly(exc), error=True)]
        return [gr.update(value=who), sheet_html(who, statements, loaded), who,
                gr.update(visible=True), "", gr.update(visible=False), status_html(message)]

    def on_upload(file: str | None, who: str | None, now: str | None,
                  before: dict[str, AnswerSheet], request: gr.Request) -> list[Any]:
        if not file:
            return [*(gr.update() for _ in shown), before]
        assistant = assistant_for(request)
        try:
            chosen, _, sheet_, message = load_answers(file, who, assistant=assistant)
        except Exception as exc:
            return [*(gr.update() for _ in shown[:-1]),
                    status_html(friendly(exc), error=True), before]
        return [*show(assistant, chosen, now, loaded=sheet_, message=message),
                {**before, chosen: sheet_}]

    def on_build(who: str | None, raw: object, before: dict[str, AnswerSheet],
                 request: gr.Request) -> list[Any]:
        assistant = assistant_for(request)
        try:
            statements = assessment.load_statements(assistant, who) if who else []
            view = build_plan(who, answered(raw, statements), before.get(who or ""),
                              assistant=assistant, directory=directory)
        except Exception as exc:
            return [status_html(friendly(exc), error=True), gr.update(),
                    gr.update(visible=False), *(gr.update() for _ in buttons)]
        return [status_html(view.summary), view.html, gr.update(visible=True),
                *(gr.update(value=str(view.files[kind])) for kind in buttons)]

    private: dict[str, Any] = {"api_visibility": "private"}
    def on_stakeholder(who: str | None, now: str | None, request: gr.Request) -> list[Any]:
        return show(assistant_for(request), who, now)

    stakeholder.input(on_stakeholder, [stakeholder, current], shown, **private)
    upload.upload(on_upload, [upload, stakeholder, current, previous], [*shown, previous],
                  **private)
    build.click(on_build, [stakeholder, answers, previous],
                [status, plan, downloads, *buttons.values()], **private,
                js="(who, answers, before) => [who, window.talenthubAnswers?.() ?? {}, before]",
                ).then(fn=None, js="() => window.talenthub?.planned()", **private)
    return AssessmentTab(open=lambda who, request: show(assistant_for(request), who, None),
                         outputs=shown)
