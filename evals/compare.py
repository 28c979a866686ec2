"""`talenthub eval --compare`: what changed between two report.json files, case by case."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.metrics import LOWER_IS_BETTER, METRICS


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
