"""The gap-to-action mapping of the self-assessment, scored against annotated gaps.

Each case of `datasets/assessment.jsonl` is one statement answered "no", with the action
points an annotator judged to close that gap (`expected`) and those that also help
(`acceptable`), written from the guidebook before looking at the system's output. The
metrics are the suite's own (evals/metrics.py) on the action points proposed for the gap:
hit rate (at least one expected), precision (proposed action points that are expected or
acceptable; intervention paragraphs are context and not counted) and recall (expected ones
proposed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from assistant.assessment import GapConfig, gap_hits, load_statements, select_actions
from corpus.models import STAKEHOLDERS
from corpus.settings import Settings
from evals.dataset import DATASETS_DIR, DatasetError, read_jsonl
from evals.metrics import aggregate, citation_precision, citation_recall, hit, is_action_point

if TYPE_CHECKING:
    from assistant.api import Assistant

ASSESSMENT_DATASET = DATASETS_DIR / "assessment.jsonl"
# The other half, annotated by someone who never saw the mapping's output, for statements
# the mapping was never tuned on: reported beside the tuned half, never tuned on.
HELDOUT_DATASET = DATASETS_DIR / "assessment-heldout.jsonl"
METRICS = ("hit_rate", "citation_precision", "citation_recall")
# Minimums for `talenthub eval` and tests/evals/test_assessment_quality.py. One case of 28
# moves a mean by 0.036; each bar sits two cases below the measured figure (hit 0.964,
# precision 0.893, recall 0.911), so a change that breaks several gaps fails, while a
# one-case change (an annotation judgement, a tie broken differently) does not.
THRESHOLDS = {"hit_rate": 0.89, "citation_precision": 0.82, "citation_recall": 0.84}


@dataclass(frozen=True)
class GapCase:
    statement: str
    expected: tuple[str, ...]
    acceptable: tuple[str, ...]
    line: int

    @property
    def stakeholder(self) -> str:
        return self.statement.split("/", 1)[0]


def load_gap_cases(path: Path = ASSESSMENT_DATASET) -> list[GapCase]:
    """Cases, checked: a typo in an id must be an error, not a silently lower score."""
    cases = []
    for where, number, data in read_jsonl(path):
        if not isinstance(data, dict) or set(data) != {"statement", "expected", "acceptable"}:
            raise DatasetError(f'{where}: expected exactly "statement", "expected" and '
                               '"acceptable"')
        statement = data["statement"]
        stakeholder = str(statement).split("/", 1)[0]
        if stakeholder not in STAKEHOLDERS or "/self-assessment/" not in str(statement):
            raise DatasetError(f"{where}: {statement!r} is not a self-assessment statement id")
        ids = [*data["expected"], *data["acceptable"]]
        wrong = [i for i in ids if not is_action_point(i) or not i.startswith(f"{stakeholder}/")]
        if wrong or not ids:
            raise DatasetError(f"{where}: expected and acceptable must be action point ids "
                               f"of {stakeholder}, at least one in all; check {wrong}")
        cases.append(GapCase(statement, tuple(data["expected"]), tuple(data["acceptable"]),
                             number))
    if not cases:
        raise DatasetError(f"{path}: no cases")
    return cases


def score_gap(case: GapCase, proposed: Sequence[str]) -> dict[str, float | None]:
    """The suite's metrics over the action points proposed; the intervention paragraphs
    shown beside them are context, not proposals."""
    points = [i for i in proposed if is_action_point(i)]
    return {"hit_rate": hit(case.expected, points),
            "citation_precision": citation_precision(points, case.expected, case.acceptable),
            "citation_recall": citation_recall(case.expected, points)}


def run_assessment_eval(assistant: Assistant, *, path: Path = ASSESSMENT_DATASET,
                        config: GapConfig | None = None) -> dict[str, Any]:
    """Score every annotated gap; the report dict is JSON-ready.

    Each gap is ranked alone, exactly as `assess` ranks it, so a case's result does not
    depend on the other cases.
    """
    config = config or assistant.tuning.gap
    cases = load_gap_cases(path)
    results = []
    for stakeholder in dict.fromkeys(c.stakeholder for c in cases):
        statements = {s.id: s for s in load_statements(assistant, stakeholder)}
        mine = [c for c in cases if c.stakeholder == stakeholder]
        missing = [c.statement for c in mine if c.statement not in statements]
        if missing:
            raise DatasetError(f"{path}: statements not in the index: {missing}")
        ranked = gap_hits(assistant, [statements[c.statement] for c in mine], config)
        for case in mine:
            proposed = [h.unit_id for h in select_actions(ranked[case.statement], config)]
            results.append((case, proposed, score_gap(case, proposed)))
    overall = aggregate([scores for _, _, scores in results])
    by_stakeholder = {
        s: {m: aggregate([sc for c, _, sc in results if c.stakeholder == s])[m].to_dict()
            for m in METRICS}
        for s in STAKEHOLDERS if any(c.stakeholder == s for c, _, _ in results)}
    metrics = {m: overall[m].to_dict() for m in METRICS}
    checks = {m: {"value": metrics[m]["value"], "minimum": minimum,
                  "passed": metrics[m]["value"] is not None and metrics[m]["value"] >= minimum}
              for m, minimum in THRESHOLDS.items()}
    return {
        "dataset": str(path), "cases": len(results), "metrics": metrics,
        "by_stakeholder": by_stakeholder, "checks": checks,
        "passed": all(c["passed"] for c in checks.values()),
        "results": [{"statement": c.statement, "proposed": proposed,
                     "expected": list(c.expected), "acceptable": list(c.acceptable),
                     "scores": scores} for c, proposed, scores in results],
    }


def run_and_report(settings: Settings, directory: Path, console: Console) -> bool:
    """The `talenthub eval` step: run both halves, write `assessment.json` beside the main
    report, print a line of figures for each (and what fell short). True when every
    threshold is met; the thresholds guard the tuned half against regressions, the
    held-out half says how well the mapping generalises."""
    from assistant.api import Assistant

    assistant = Assistant.from_settings(settings)
    report = run_assessment_eval(assistant)
    report["heldout"] = run_assessment_eval(assistant, path=HELDOUT_DATASET)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "assessment.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, half in (("tuned half", report), ("held-out half", report["heldout"])):
        figures = ", ".join(f"{m.replace('citation_', '')} {v['value']:.3f} (n={v['n']})"
                            for m, v in half["metrics"].items() if v["value"] is not None)
        console.print(f"Self-assessment gaps, {name}: {figures}", highlight=False)
    console.print(f"  ({path})", highlight=False)
    failed = [f"{m} {c['value']:.3f} < {c['minimum']:.2f}"
              for m, c in report["checks"].items() if not c["passed"]]
    if failed:
        console.print(f"[bold red]self-assessment below threshold:[/] {', '.join(failed)}",
                      highlight=False)
    return not failed
