"""`talenthub eval`: run the assistant (and the baselines) over a dataset, score every case,
check the thresholds, and write report.json and a self-contained report.html.

The model and index are loaded once and shared by every pipeline, so a full run with
baselines stays well under the two-minute budget on two cores.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from corpus.load import load_corpus
from corpus.settings import Settings, read_toml
from evals.baselines import AssistantPipeline, NaiveBaseline, Pipeline, RetrieverBaseline
from evals.dataset import Case, load_dataset, validate_ids
from evals.metrics import (
    LOWER_IS_BETTER,
    METRICS,
    Outcome,
    Scores,
    breakdown,
    case_groups,
    judge,
    score_case,
)

THRESHOLDS_PATH = Path(__file__).resolve().parent / "thresholds.toml"
DEFAULT_K = 10
HEADLINE = ("hit_rate", "citation_recall", "citation_precision")
# Per-case metrics whose shortfall makes a case worth reading in the report.
CASE_CHECKS = ("hit_rate", "citation_recall", "citation_precision", "refusal_accuracy",
               "fact_accuracy", "quote_faithfulness")
LABELS = {
    "hit_rate": "Hit rate", "citation_recall": "Citation recall",
    "citation_precision": "Citation precision", "retrieval_recall": "Retrieval recall@k",
    "mrr": "MRR@k", "refusal_accuracy": "Refusal accuracy",
    "false_refusal_rate": "False refusals (in scope)", "fact_accuracy": "Fact accuracy",
    "quote_faithfulness": "Quote faithfulness",
}
COLOURS = {"assistant": "#1f6feb", "naive": "#8c959f", "bm25": "#d4a72c", "dense": "#2da44e"}
Progressed = Callable[[str, int, int], None]


class ThresholdError(ValueError):
    """thresholds.toml names a metric that does not exist or a value outside [0, 1]."""


@dataclass(frozen=True)
class Check:
    """One threshold against the assistant's overall score; no cases means not applicable."""

    metric: str
    minimum: float
    value: float | None
    n: int

    @property
    def applicable(self) -> bool:
        return self.value is not None

    @property
    def passed(self) -> bool:
        return self.value is None or self.value >= self.minimum - 1e-9

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "minimum": self.minimum,
                "value": None if self.value is None else round(self.value, 4), "n": self.n,
                "passed": self.passed, "applicable": self.applicable}


@dataclass
class PipelineRun:
    """One pipeline's outcomes and scores, aligned with the cases."""

    name: str
    label: str
    outcomes: list[Outcome]
    scores: list[Scores]
    seconds: float
    aggregates: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalReport:
    cases: list[Case]
    runs: list[PipelineRun]
    checks: list[Check]
    config: dict[str, Any]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def assistant(self) -> PipelineRun:
        return self.runs[0]

    def failing(self) -> list[int]:
        """Indexes of the cases where the assistant got something wrong, the worst first."""
        scores = self.assistant.scores
        bad = [i for i, s in enumerate(scores) if case_failed(s)]
        return sorted(bad, key=lambda i: _severity(scores[i]))

    def group_sizes(self, group: str) -> dict[str, int]:
        """How many cases count in each stakeholder, phase or kind row."""
        sizes: dict[str, int] = {}
        for case in self.cases:
            for label in case_groups(case)[group]:
                sizes[label] = sizes.get(label, 0) + 1
        return sizes

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "passed": self.passed,
            "checks": [c.to_dict() for c in self.checks],
            "pipelines": {r.name: {"label": r.label, "seconds": round(r.seconds, 2),
                                   "aggregates": _aggregates_dict(r.aggregates)}
                          for r in self.runs},
            "cases": [_case_dict(case, i, self.runs) for i, case in enumerate(self.cases)],
        }


def case_failed(scores: Mapping[str, float | None]) -> bool:
    if scores.get("false_refusal_rate") == 1.0:
        return True
    return any((v := scores.get(m)) is not None and v < 1.0 for m in CASE_CHECKS)


def _severity(scores: Mapping[str, float | None]) -> tuple[float, ...]:
    return tuple(1.0 if (v := scores.get(m)) is None else v
                 for m in ("refusal_accuracy", "hit_rate", "fact_accuracy", "citation_recall",
                           "citation_precision"))


# -- thresholds ----------------------------------------------------------------------------

def load_thresholds(path: Path = THRESHOLDS_PATH) -> dict[str, float]:
    """The `[minimum]` table of thresholds.toml, checked against the metric names."""
    try:
        data = read_toml(path, "thresholds file")
    except ValueError as exc:
        raise ThresholdError(str(exc)) from exc
    minimum = data.get("minimum", {})
    thresholds = {}
    for metric, value in minimum.items():
        if metric not in METRICS or metric in LOWER_IS_BETTER:
            raise ThresholdError(f"{path}: unknown metric '{metric}'; choose from "
                                 f"{', '.join(m for m in METRICS if m not in LOWER_IS_BETTER)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ThresholdError(f"{path}: '{metric}' must be a number from 0 to 1")
        thresholds[metric] = float(value)
    return thresholds


def check_thresholds(overall: Mapping[str, Any], thresholds: Mapping[str, float]) -> list[Check]:
    return [Check(metric, minimum, overall[metric].value, overall[metric].n)
            for metric, minimum in thresholds.items()]


# -- running -------------------------------------------------------------------------------

def run_pipelines(cases: Sequence[Case], pipelines: Sequence[Pipeline], *, k: int,
                  sources: Mapping[str, str], progress: Progressed | None = None
                  ) -> list[PipelineRun]:
    """Every pipeline over every case, scored; `progress(name, done, total)` after each."""
    runs = []
    for pipeline in pipelines:
        started = time.perf_counter()
        outcomes, scores = [], []
        for done, case in enumerate(cases, start=1):
            outcome = pipeline.run(case)
            outcomes.append(outcome)
            scores.append(score_case(case, outcome, k=k, sources=sources))
            if progress:
                progress(pipeline.name, done, len(cases))
        runs.append(PipelineRun(pipeline.name, pipeline.label, outcomes, scores,
                                time.perf_counter() - started, breakdown(cases, scores)))
    return runs


def evaluate(cases: Sequence[Case], pipelines: Sequence[Pipeline], *, k: int,
             sources: Mapping[str, str], thresholds: Mapping[str, float],
             config: dict[str, Any], progress: Progressed | None = None) -> EvalReport:
    """Score the pipelines (the first one is gated by the thresholds) into a report."""
    runs = run_pipelines(cases, pipelines, k=k, sources=sources, progress=progress)
    checks = check_thresholds(runs[0].aggregates["overall"], thresholds)
    return EvalReport(list(cases), runs, checks, {**config, "k": k,
                                                  "thresholds": dict(thresholds)})


def run_suite(settings: Settings, *, dataset: Path, split: str | None = None,
              baselines: bool = False, thresholds_path: Path = THRESHOLDS_PATH,
              k: int = DEFAULT_K, console: Console | None = None) -> EvalReport:
    """What `talenthub eval` does: load everything once, validate, run with a progress bar."""
    from assistant.api import Assistant

    started = time.perf_counter()
    cases = load_dataset(dataset)
    thresholds = load_thresholds(thresholds_path)
    assistant = Assistant.from_settings(settings)
    snapshot = assistant.reader.snapshot()
    validate_ids(cases, {c.unit_id for c in snapshot.chunks})
    corpus = load_corpus(settings.corpus_dir)
    sources = {s.id: s.text for s in corpus.sections}
    console = console or Console(stderr=True)
    pipelines: list[Pipeline] = [AssistantPipeline(assistant, k=k)]
    naive: NaiveBaseline | None = None
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True, disable=not console.is_terminal) as bar:
        if baselines:
            task = bar.add_task("Building the naive LangChain baseline", total=None)
            naive = NaiveBaseline(corpus, assistant.embedder, k=k)
            bar.remove_task(task)
            pipelines += [naive, RetrieverBaseline(assistant, "bm25", k=k),
                          RetrieverBaseline(assistant, "dense", k=k)]
        tasks = {p.name: bar.add_task(f"{p.label:<16}", total=len(cases)) for p in pipelines}

        def progress(name: str, done: int, total: int) -> None:
            bar.update(tasks[name], completed=done, total=total)

        try:
            report = evaluate(cases, pipelines, k=k, sources=sources, thresholds=thresholds,
                              progress=progress, config={
                                  "dataset": str(dataset), "split": split,
                                  "dataset_sha256": hashlib.sha256(dataset.read_bytes())
                                  .hexdigest()[:16],
                                  "cases": len(cases), "build": snapshot.build_id,
                                  "model": assistant.embedder.name,
                                  "corpus_dir": str(settings.corpus_dir),
                                  "llm": settings.llm,
                                  "baselines": [p.name for p in pipelines[1:]],
                                  "started": datetime.now(UTC).isoformat(timespec="seconds"),
                                  "python": platform.python_version(),
                              })
        finally:
            if naive is not None:
                naive.close()
    report.config["seconds"] = round(time.perf_counter() - started, 2)
    return report


# -- report.json ---------------------------------------------------------------------------

def _aggregates_dict(aggregates: Mapping[str, Any]) -> dict[str, Any]:
    return {group: ({m: a.to_dict() for m, a in members.items()} if group == "overall" else
                    {label: {m: a.to_dict() for m, a in metrics.items()}
                     for label, metrics in members.items()})
            for group, members in aggregates.items()}


def _case_dict(case: Case, index: int, runs: Sequence[PipelineRun]) -> dict[str, Any]:
    results = {}
    for run in runs:
        outcome, scores = run.outcomes[index], run.scores[index]
        results[run.name] = {
            "answer": outcome.answer, "grounded": outcome.grounded,
            "cited": list(outcome.cited), "citations": list(outcome.citations),
            "ranked": list(outcome.ranked), **judge(case, outcome.cited),
            "scores": {m: None if v is None else round(v, 4) for m, v in scores.items()},
            "failed": case_failed(scores),
        }
    return {**case.to_dict(), "line": case.line, "results": results}


def write_reports(report: EvalReport, directory: Path) -> tuple[Path, Path]:
    """report.json and report.html, each written whole or not at all."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = (directory / "report.json", directory / "report.html")
    texts = (json.dumps(report.to_dict(), ensure_ascii=False, indent=2), render_html(report))
    for path, text in zip(paths, texts, strict=True):
        partial = path.with_suffix(path.suffix + ".tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    return paths


# -- console -------------------------------------------------------------------------------

def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def print_summary(report: EvalReport, console: Console) -> None:
    """The overall table (metric rows, one column per pipeline), the headline metrics per
    stakeholder and phase, and the verdict of each threshold."""
    minimum = report.config.get("thresholds", {})
    table = Table(title=f"{report.config.get('dataset', '')}: {len(report.cases)} cases",
                  title_justify="left")
    table.add_column("metric")
    table.add_column("target", justify="right")
    for run in report.runs:
        table.add_column(run.label, justify="right")
    for metric in METRICS:
        cells = []
        for run in report.runs:
            agg = run.aggregates["overall"][metric]
            # three decimals where thresholds are judged: 0.797 must not read as 0.80
            cells.append(f"{_fmt(agg.value, 3)} [dim]({agg.n})[/]")
        target = f"≥ {minimum[metric]:.2f}" if metric in minimum else ""
        label = LABELS[metric].replace("@k", f"@{report.config.get('k', DEFAULT_K)}")
        table.add_row(label, target, *cells)
    console.print(table)
    for group in ("stakeholder", "phase", "kind"):
        grouped = Table(title=f"Hit rate / citation recall / citation precision by {group}",
                        title_justify="left")
        grouped.add_column(group)
        for run in report.runs:
            grouped.add_column(run.label, justify="right")
        sizes = report.group_sizes(group)
        for label in report.assistant.aggregates[group]:
            row = []
            for run in report.runs:
                agg = run.aggregates[group].get(label, {})
                row.append(" / ".join(_fmt(agg[m].value) if m in agg else "–"
                                      for m in HEADLINE))
            grouped.add_row(f"{label} [dim]({sizes[label]})[/]", *row)
        console.print(grouped)
    for check in report.checks:
        mark = "[green]pass[/]" if check.passed else "[bold red]FAIL[/]"
        value = "n/a (no cases)" if not check.applicable else f"{check.value:.3f}"
        console.print(f"  {mark}  {LABELS[check.metric]}: {value} (minimum "
                      f"{check.minimum:.2f})", highlight=False)
    failing = report.failing()
    if failing:
        console.print(f"  {len(failing)} case(s) with errors: "
                      f"{', '.join(report.cases[i].id for i in failing)}", highlight=False)


# -- report.html ---------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;margin:0;
background:#f6f8fa}
main{max-width:1240px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
h3{font-size:14px;margin:0 0 6px}
.meta{color:#59636e;font-size:12px}
.verdict{display:inline-block;padding:4px 10px;border-radius:6px;font-weight:600;color:#fff}
.pass{background:#1a7f37}.fail{background:#cf222e}
table{border-collapse:collapse;background:#fff;border:1px solid #d1d9e0;font-size:13px}
th,td{padding:5px 9px;border-bottom:1px solid #e6eaef;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{background:#f0f3f6;font-weight:600}
td.good{background:#dafbe1}td.bad{background:#ffebe9}
.n{color:#8c959f;font-size:11px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:12px}
.card svg{width:100%;height:auto;display:block}
th.sep,td.sep{border-left:1px solid #d1d9e0}
.card{background:#fff;border:1px solid #d1d9e0;border-radius:6px;padding:10px}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.case{background:#fff;border:1px solid #d1d9e0;border-radius:6px;padding:12px;margin:10px 0}
.case .q{font-weight:600}
.answer{white-space:pre-wrap;background:#f6f8fa;border-radius:4px;padding:8px;
font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:260px;overflow:auto}
.id{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;padding:1px 4px;border-radius:3px;
margin:1px;display:inline-block}
.right{background:#dafbe1}.ok{background:#ddf4ff}.missing{background:#fff8c5}
.wrong{background:#ffebe9}
.small{font-size:12px;color:#59636e}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _ids(ids: Sequence[str], css: str) -> str:
    return " ".join(f'<span class="id {css}">{_e(i)}</span>' for i in ids) or "–"


def _cell(value: float | None, n: int | None = None, *, css: str = "", digits: int = 2) -> str:
    count = f' <span class="n">({n})</span>' if n is not None else ""
    cls = f' class="{css.strip()}"' if css.strip() else ""
    return f"<td{cls}>{_fmt(value, digits)}{count}</td>"


def _legend(runs: Sequence[PipelineRun]) -> str:
    items = "".join(f'<span><i style="background:{COLOURS.get(r.name, "#555")}"></i>'
                    f"{_e(r.label)}</span>" for r in runs)
    return f'<div class="legend">{items}</div>'


def bar_chart(title: str, groups: Sequence[str], runs: Sequence[PipelineRun], metric: str,
              dimension: str, threshold: float | None = None) -> str:
    """Horizontal grouped bars: one group per stakeholder (or phase), one bar per pipeline."""
    label_w, bar_w, bar_h, gap = 118, 230, 9, 10
    group_h = len(runs) * (bar_h + 2) + gap
    height = 16 + len(groups) * group_h
    width = label_w + bar_w + 34
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{_e(title)}">']
    for tick in (0.0, 0.5, 1.0):
        x = label_w + tick * bar_w
        parts.append(f'<line x1="{x:.1f}" y1="12" x2="{x:.1f}" y2="{height}" stroke="#e6eaef"/>'
                     f'<text x="{x:.1f}" y="9" font-size="9" text-anchor="middle" '
                     f'fill="#8c959f">{tick:.1f}</text>')
    if threshold is not None:
        x = label_w + threshold * bar_w
        parts.append(f'<line x1="{x:.1f}" y1="12" x2="{x:.1f}" y2="{height}" stroke="#cf222e" '
                     'stroke-dasharray="3,2"/>')
    for g, group in enumerate(groups):
        top = 16 + g * group_h
        parts.append(f'<text x="{label_w - 6}" y="{top + group_h / 2 - gap / 2 + 3:.1f}" '
                     f'font-size="11" text-anchor="end" fill="#1f2328">{_e(group)}</text>')
        for r, run in enumerate(runs):
            agg = run.aggregates[dimension].get(group, {}).get(metric)
            value = agg.value if agg is not None else None
            y = top + r * (bar_h + 2)
            length = 0.0 if value is None else value * bar_w
            parts.append(f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" '
                         f'fill="{COLOURS.get(run.name, "#555")}"><title>{_e(run.label)}: '
                         f'{_fmt(value)}</title></rect>'
                         f'<text x="{label_w + length + 3:.1f}" y="{y + bar_h - 1}" '
                         f'font-size="9" fill="#59636e">{_fmt(value)}</text>')
    parts.append("</svg>")
    return f'<div class="card"><h3>{_e(title)}</h3>{"".join(parts)}</div>'


def _overall_table(report: EvalReport) -> str:
    minimum = report.config.get("thresholds", {})
    head = "".join(f"<th>{_e(r.label)}</th>" for r in report.runs)
    rows = []
    for metric in METRICS:
        label = LABELS[metric].replace("@k", f"@{report.config.get('k', DEFAULT_K)}")
        target = f"≥ {minimum[metric]:.2f}" if metric in minimum else ""
        cells = []
        for i, run in enumerate(report.runs):
            agg = run.aggregates["overall"][metric]
            css = ""
            if i == 0 and metric in minimum and agg.value is not None:
                css = "good" if agg.value >= minimum[metric] - 1e-9 else "bad"
            cells.append(_cell(agg.value, agg.n, css=css, digits=3))  # 0.797 is not 0.80
        rows.append(f"<tr><td>{_e(label)}</td><td>{_e(target)}</td>{''.join(cells)}</tr>")
    return (f"<table><thead><tr><th>metric</th><th>target</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _group_table(report: EvalReport, group: str) -> str:
    top = "".join(f'<th colspan="3" class="sep">{_e(r.label)}</th>' for r in report.runs)
    sub = '<th class="sep">hit</th><th>recall</th><th>precision</th>' * len(report.runs)
    rows = []
    sizes = report.group_sizes(group)
    for label in report.assistant.aggregates[group]:
        cells = []
        for run in report.runs:
            agg = run.aggregates[group].get(label, {})
            cells.extend(_cell(agg[m].value if m in agg else None, css="sep" if j == 0 else "")
                         for j, m in enumerate(HEADLINE))
        rows.append(f'<tr><td>{_e(label)} <span class="n">({sizes[label]})</span>'
                    f"</td>{''.join(cells)}</tr>")
    return (f"<table><thead><tr><th rowspan=\"2\">{_e(group)}</th>{top}</tr><tr>{sub}</tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def _case_card(report: EvalReport, index: int) -> str:
    case = report.cases[index]
    run = report.assistant
    outcome, scores = run.outcomes[index], run.scores[index]
    verdict = judge(case, outcome.cited)
    history = "".join(f'<div class="small">earlier: {_e(user)}</div>'
                      for user, _ in case.history)
    score_text = ", ".join(f"{LABELS[m].lower()} {_fmt(scores[m])}" for m in CASE_CHECKS
                           if scores[m] is not None)
    if scores.get("false_refusal_rate") == 1.0:
        score_text += ", refused an in-scope question"
    baselines = "".join(
        f'<div class="small">{_e(other.label)}: '
        f'{_ids(list(other.outcomes[index].cited)[:8], "")}</div>' for other in report.runs[1:])
    must = (f'<div class="small">must contain: {_e(", ".join(case.must_contain))}</div>'
            if case.must_contain else "")
    return (f'<div class="case"><div class="small">{_e(case.id)} · {_e(case.kind)} · '
            f"line {case.line}</div>{history}<div class=\"q\">{_e(case.question)}</div>"
            f'<div class="small">{_e(score_text)}; grounded: {str(outcome.grounded).lower()}'
            f"</div><p>right {_ids(verdict['right'], 'right')} · also fine "
            f"{_ids(verdict['acceptable'], 'ok')} · missing "
            f"{_ids(verdict['missing'], 'missing')} · wrong {_ids(verdict['wrong'], 'wrong')}"
            f'</p>{must}<div class="answer">{_e(outcome.answer)}</div>{baselines}</div>')


def _cases_table(report: EvalReport) -> str:
    top = "".join(f'<th colspan="3" class="sep">{_e(r.label)}</th>' for r in report.runs)
    sub = '<th class="sep">hit</th><th>rec</th><th>prec</th>' * len(report.runs)
    rows = []
    for i, case in enumerate(report.cases):
        cells = []
        for run in report.runs:
            for j, m in enumerate(HEADLINE):
                value = run.scores[i][m]
                css = "" if value is None else ("good" if value >= 1.0 else "bad")
                cells.append(_cell(value, css=f"{css} sep" if j == 0 else css))
        rows.append(f"<tr><td>{_e(case.id)}</td><td>{_e(case.kind)}</td>"
                    f"<td style=\"text-align:left\">{_e(_shorten(case.question, 90))}</td>"
                    f"{''.join(cells)}</tr>")
    return (f'<table><thead><tr><th rowspan="2">case</th><th rowspan="2">kind</th>'
            f'<th rowspan="2">question</th>{top}</tr><tr>{sub}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def render_html(report: EvalReport) -> str:
    """One file, inline CSS and SVG, no scripts or external assets: it opens anywhere."""
    config = report.config
    minimum = config.get("thresholds", {})
    verdict = ('<span class="verdict pass">all thresholds met</span>' if report.passed else
               '<span class="verdict fail">below threshold: ' + _e(", ".join(
                   LABELS[c.metric] for c in report.checks if not c.passed)) + "</span>")
    charts = []
    for dimension in ("stakeholder", "phase"):
        groups = list(report.assistant.aggregates[dimension])
        for metric in HEADLINE:
            charts.append(bar_chart(f"{LABELS[metric]} by {dimension}", groups, report.runs,
                                    metric, dimension, minimum.get(metric)))
    failing = report.failing()
    cards = "".join(_case_card(report, i) for i in failing) or "<p>None.</p>"
    timings = ", ".join(f"{r.label} {r.seconds:.1f} s" for r in report.runs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Talent Hub eval: {_e(config.get("split") or config.get("dataset", ""))}</title>
<style>{CSS}</style></head><body><main>
<h1>Talent Hub Assistant evaluation</h1>
<div class="meta">{_e(config.get("dataset", ""))} · {len(report.cases)} cases ·
index {_e(config.get("build", ""))} · model {_e(config.get("model", ""))} ·
{_e(config.get("started", ""))} · {_e(timings)}</div>
<p>{verdict}</p>
<h2>Overall: the assistant beside the baselines</h2>
<p class="small">Macro means over the cases where a metric is defined (count in brackets).
Retrieval metrics use each pipeline's own ranking; baselines "cite" their top units.</p>
{_overall_table(report)}
<h2>By stakeholder and phase</h2>
{_legend(report.runs)}
<div class="charts">{"".join(charts)}</div>
<h2>Per stakeholder</h2>{_group_table(report, "stakeholder")}
<h2>Per phase</h2>{_group_table(report, "phase")}
<h2>Per kind of question</h2>{_group_table(report, "kind")}
<h2>Cases with errors ({len(failing)})</h2>
<p class="small">The assistant's answer, with
<span class="id right">expected and cited</span> <span class="id ok">acceptable</span>
<span class="id missing">expected, not cited</span> <span class="id wrong">not correct</span>.
</p>
{cards}
<h2>Every case</h2>{_cases_table(report)}
</main></body></html>
"""


# -- compare -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseChange:
    """How one case moved between two reports (for one pipeline)."""

    id: str
    question: str
    status: str  # better, worse, mixed, changed, added, removed
    deltas: dict[str, tuple[float | None, float | None]]
    gained: list[str]
    lost: list[str]


def load_report(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the report ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a JSON report ({exc.msg})") from exc
    if not isinstance(data, dict) or "cases" not in data or "pipelines" not in data:
        raise ValueError(f"{path}: not a `talenthub eval` report.json")
    return data


def compare_reports(old: Mapping[str, Any], new: Mapping[str, Any], *,
                    pipeline: str = "assistant") -> list[CaseChange]:
    """Cases whose citations or scores changed, in the new report's order."""
    def results(report: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
        return {c["id"]: (c["question"], c["results"][pipeline]) for c in report["cases"]
                if pipeline in c.get("results", {})}

    before, after = results(old), results(new)
    changes = []
    for case_id, (question, now) in after.items():
        if case_id not in before:
            changes.append(CaseChange(case_id, question, "added", {}, now["cited"], []))
            continue
        then = before[case_id][1]
        deltas = {m: (then["scores"].get(m), now["scores"].get(m)) for m in METRICS
                  if then["scores"].get(m) != now["scores"].get(m)}
        gained = [i for i in now["cited"] if i not in then["cited"]]
        lost = [i for i in then["cited"] if i not in now["cited"]]
        if deltas or gained or lost:
            changes.append(CaseChange(case_id, question, _direction(deltas), deltas,
                                      gained, lost))
    changes.extend(CaseChange(case_id, question, "removed", {}, [], then["cited"])
                   for case_id, (question, then) in before.items() if case_id not in after)
    return changes


def _direction(deltas: Mapping[str, tuple[float | None, float | None]]) -> str:
    ups = downs = 0
    for metric, (then, now) in deltas.items():
        if then is None or now is None:
            continue
        better = now < then if metric in LOWER_IS_BETTER else now > then
        ups, downs = ups + better, downs + (not better)
    if ups and downs:
        return "mixed"
    return "better" if ups else "worse" if downs else "changed"


def print_comparison(old: Mapping[str, Any], new: Mapping[str, Any], console: Console) -> None:
    """Overall deltas per pipeline both reports ran, then every changed case."""
    table = Table(title="Overall: old → new", title_justify="left")
    table.add_column("metric")
    shared = [p for p in new["pipelines"] if p in old["pipelines"]]
    for name in shared:
        table.add_column(new["pipelines"][name]["label"], justify="right")
    for metric in METRICS:
        cells = []
        for name in shared:
            then = old["pipelines"][name]["aggregates"]["overall"][metric]["value"]
            now = new["pipelines"][name]["aggregates"]["overall"][metric]["value"]
            style = ""
            if then is not None and now is not None and then != now:
                better = (now < then) if metric in LOWER_IS_BETTER else (now > then)
                style = "green" if better else "red"
            text = f"{_fmt(then)} → {_fmt(now)}"
            cells.append(f"[{style}]{text}[/]" if style else text)
        k = new.get("config", {}).get("k", DEFAULT_K)
        table.add_row(LABELS[metric].replace("@k", f"@{k}"), *cells)
    console.print(table)
    changes = compare_reports(old, new)
    if not changes:
        console.print("No case changed for the assistant.")
        return
    cases = Table(title=f"Assistant: {len(changes)} case(s) changed", title_justify="left")
    for column in ("case", "status", "scores", "citations", "question"):
        cases.add_column(column, overflow="fold")
    colour = {"better": "green", "worse": "red", "mixed": "yellow"}
    for change in changes:
        scores = "; ".join(f"{m} {_fmt(a)}→{_fmt(b)}" for m, (a, b) in change.deltas.items())
        cited = " ".join([f"+{i}" for i in change.gained] + [f"-{i}" for i in change.lost])
        status = change.status
        if status in colour:
            status = f"[{colour[status]}]{status}[/]"
        cases.add_row(change.id, status, scores, cited, _shorten(change.question, 70))
    console.print(cases)
