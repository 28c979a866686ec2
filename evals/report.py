"""report.json and report.html of an eval run.

The HTML is a Jinja2 template (templates/report.html.j2) with its CSS beside it
(templates/report.css), inlined on render: one self-contained file without scripts or
external assets, so it opens anywhere, from a CI artefact as well as a laptop. This module
only turns an `EvalReport` into the plain rows and charts the template lays out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markdown_it import MarkdownIt
from markupsafe import Markup

from evals.metrics import (
    CASE_CHECKS,
    HEADLINE,
    LABELS,
    METRICS,
    bound,
    format_score,
    judge,
    label,
    meets,
)
from evals.runner import DEFAULT_K, EvalReport

TEMPLATES = Path(__file__).resolve().parent / "templates"
COLOURS = {"assistant": "#1f6feb", "naive": "#8c959f", "bm25": "#d4a72c", "dense": "#2da44e"}
OTHER_COLOUR = "#555"
GROUPS = (("stakeholder", "Per stakeholder"), ("phase", "Per phase"),
          ("kind", "Per kind of question"))
CHART_DIMENSIONS = ("stakeholder", "phase")
BASELINE_IDS_SHOWN = 8

_environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                           undefined=StrictUndefined, keep_trailing_newline=True)
_environment.filters["score"] = format_score
# Answers are Markdown; raw HTML in one (a document's text) stays text.
_markdown = MarkdownIt("commonmark", {"html": False})


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


def render_html(report: EvalReport) -> str:
    config = report.config
    minimum = config.get("thresholds", {})
    k = config.get("k", DEFAULT_K)
    runs = [{"label": r.label, "colour": COLOURS.get(r.name, OTHER_COLOUR)} for r in report.runs]
    return _environment.get_template("report.html.j2").render(
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),  # ours: trusted
        config=config,
        cases=report.cases,
        runs=runs,
        timings=", ".join(f"{r.label} {r.seconds:.1f} s" for r in report.runs),
        failed_checks=[LABELS[c.metric] for c in report.checks if not c.passed],
        overall=[_overall_row(report, metric, minimum, k) for metric in METRICS],
        charts=[_chart(report, dimension, metric, minimum.get(metric))
                for dimension in CHART_DIMENSIONS for metric in HEADLINE],
        group_tables=[_group_table(report, group, heading) for group, heading in GROUPS],
        cards=[_card(report, i) for i in report.failing()],
        case_rows=[{"id": case.id, "kind": case.kind, "question": case.question,
                    "scores": [run.scores[i][m] for run in report.runs for m in HEADLINE]}
                   for i, case in enumerate(report.cases)],
    )


def _overall_row(report: EvalReport, metric: str, minimum: dict[str, float],
                 k: int) -> dict[str, Any]:
    cells = []
    for i, run in enumerate(report.runs):
        agg = run.aggregates["overall"][metric]
        css = ""
        if i == 0 and metric in minimum and agg.value is not None:  # only the assistant is gated
            css = "good" if meets(metric, agg.value, minimum[metric]) else "bad"
        cells.append({"value": agg.value, "n": agg.n, "css": css})
    return {"label": label(metric, k),
            "target": bound(metric, minimum[metric]) if metric in minimum else "",
            "cells": cells}


def _chart(report: EvalReport, dimension: str, metric: str,
           threshold: float | None) -> dict[str, Any]:
    """One bar per pipeline for each stakeholder (or phase)."""
    groups = []
    for group in report.assistant.aggregates[dimension]:
        bars = []
        for run in report.runs:
            agg = run.aggregates[dimension].get(group, {}).get(metric)
            bars.append({"label": run.label, "colour": COLOURS.get(run.name, OTHER_COLOUR),
                         "value": agg.value if agg is not None else None})
        groups.append({"label": group, "bars": bars})
    return {"title": f"{LABELS[metric]} by {dimension}", "runs": report.runs,
            "groups": groups, "threshold": threshold}


def _group_table(report: EvalReport, group: str, heading: str) -> dict[str, Any]:
    """Hit rate, recall and precision per stakeholder, phase or kind, for every pipeline."""
    sizes = report.group_sizes(group)
    rows = []
    for name in report.assistant.aggregates[group]:
        values = []
        for run in report.runs:
            agg = run.aggregates[group].get(name, {})
            values.extend(agg[m].value if m in agg else None for m in HEADLINE)
        rows.append({"label": name, "size": sizes[name], "scores": values})
    return {"heading": heading, "name": group, "runs": [r.label for r in report.runs],
            "rows": rows}


def _card(report: EvalReport, index: int) -> dict[str, Any]:
    """A case the assistant got wrong: its answer, and which ids were right or wrong."""
    case = report.cases[index]
    outcome, scores = report.assistant.outcomes[index], report.assistant.scores[index]
    score_text = ", ".join(f"{LABELS[m].lower()} {format_score(scores[m])}"
                           for m in CASE_CHECKS if scores[m] is not None)
    if scores.get("false_refusal_rate") == 1.0:
        score_text += ", refused an in-scope question"
    return {"case": case, "scores": score_text, "grounded": str(outcome.grounded),
            "verdict": judge(case, outcome.cited),
            "answer": Markup(_markdown.render(outcome.answer)),  # escaped by markdown-it
            "baselines": [(other.label, list(other.outcomes[index].cited)[:BASELINE_IDS_SHOWN])
                          for other in report.runs[1:]]}
