"""What `talenthub eval` prints: the summary of a run and the comparison of two reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table

from evals.compare import compare_reports
from evals.metrics import (
    HEADLINE,
    LABELS,
    LOWER_IS_BETTER,
    METRICS,
    bound,
    format_score,
    label,
)
from evals.runner import DEFAULT_K, EvalReport


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _with_interval(agg: Any) -> str:
    """'0.871 [0.82-0.91] (147)': three decimals where thresholds are judged (0.797 must
    not read as 0.80), the bootstrap 95% interval, and the number of cases."""
    if agg.value is None:
        return f"– [dim]({agg.n})[/]"
    return (f"{format_score(agg.value, 3)} [dim][{agg.low:.2f}–{agg.high:.2f}] "
            f"({agg.n})[/]")


def print_summary(report: EvalReport, console: Console) -> None:
    """The overall table (metric rows, one column per pipeline, each with its interval and
    n), the headline metrics per task, stakeholder, phase, kind and tag, refusals per
    stakeholder and kind, and the verdict of each threshold."""
    minimum = report.config.get("thresholds", {})
    table = Table(title=f"{report.config.get('dataset', '')}: {len(report.cases)} cases",
                  title_justify="left")
    table.add_column("metric")
    table.add_column("target", justify="right")
    for run in report.runs:
        table.add_column(run.label, justify="right")
    for metric in METRICS:
        cells = [_with_interval(run.aggregates["overall"][metric]) for run in report.runs]
        target = bound(metric, minimum[metric]) if metric in minimum else ""
        table.add_row(label(metric, report.config.get("k", DEFAULT_K)), target, *cells)
    console.print(table)
    for group in ("task", "stakeholder", "phase", "kind", "tag"):
        _group_table(report, console, group, HEADLINE,
                     "Hit rate / citation recall / citation precision")
    for group in ("stakeholder", "kind"):
        _group_table(report, console, group, ("refusal_accuracy", "false_refusal_rate"),
                     "Refusals / false refusals")
    for check in report.checks:
        mark = "[green]pass[/]" if check.passed else "[bold red]FAIL[/]"
        value = "n/a (no cases)" if not check.applicable else f"{check.value:.3f}"
        console.print(f"  {mark}  {LABELS[check.metric]}: {value} (needs "
                      f"{bound(check.metric, check.minimum)})", highlight=False)
    moved = report.config.get("moved_from_test", 0)
    if moved:
        console.print(f"  {moved} case(s) of this set were moved here from the test split "
                      "after being read", highlight=False)
    failing = report.failing()
    if failing and report.config.get("split") == "test":
        # held out: tuning to its cases would make it one more dev split
        console.print(f"  {len(failing)} case(s) below full marks (the test split is held "
                      "out: its cases are in report.json, not listed here)", highlight=False)
    elif failing:
        console.print(f"  {len(failing)} case(s) below full marks: "
                      f"{', '.join(report.cases[i].id for i in failing)}", highlight=False)


def _group_table(report: EvalReport, console: Console, group: str, metrics: tuple[str, ...],
                 title: str) -> None:
    """One row per label of `group` (with its number of cases), one column per pipeline;
    rows where none of `metrics` applies are left out."""
    rows = []
    sizes = report.group_sizes(group)
    for name in report.assistant.aggregates[group]:
        cells = []
        for run in report.runs:
            agg = run.aggregates[group].get(name, {})
            cells.append(" / ".join(format_score(agg[m].value if m in agg else None)
                                    for m in metrics))
        if any(report.assistant.aggregates[group][name][m].n for m in metrics):
            rows.append((f"{name} [dim]({sizes[name]})[/]", cells))
    if not rows:
        return
    table = Table(title=f"{title} by {group}", title_justify="left")
    table.add_column(group)
    for run in report.runs:
        table.add_column(run.label, justify="right")
    for name, cells in rows:
        table.add_row(name, *cells)
    console.print(table)


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
            text = f"{format_score(then)} → {format_score(now)}"
            cells.append(f"[{style}]{text}[/]" if style else text)
        table.add_row(label(metric, new.get("config", {}).get("k", DEFAULT_K)), *cells)
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
        scores = "; ".join(f"{m} {format_score(a)}→{format_score(b)}"
                           for m, (a, b) in change.deltas.items())
        cited = " ".join([f"+{i}" for i in change.gained] + [f"-{i}" for i in change.lost])
        status = change.status
        if status in colour:
            status = f"[{colour[status]}]{status}[/]"
        cases.add_row(change.id, status, scores, cited, _shorten(change.question, 70))
    console.print(cases)
