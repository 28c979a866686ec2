"""The gap-to-action eval: its dataset is sound, its scoring is the suite's, and the real
mapping clears the thresholds in evals/assessment_eval.py (slow)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.api import Assistant
from corpus.load import CorpusLoad
from corpus.models import STAKEHOLDERS
from evals.assessment_eval import (
    HELDOUT_DATASET,
    THRESHOLDS,
    GapCase,
    load_gap_cases,
    run_assessment_eval,
    score_gap,
)
from evals.dataset import DatasetError


def test_the_dataset_covers_every_stakeholder_with_real_ids(corpus: CorpusLoad) -> None:
    cases = load_gap_cases()
    ids = {s.id for s in corpus.sections}
    assert len(cases) >= 12
    per_stakeholder = Counter(c.stakeholder for c in cases)
    assert all(per_stakeholder[s] >= 2 for s in STAKEHOLDERS), per_stakeholder
    for case in cases:
        assert case.statement in ids, case.line
        assert set(case.expected) | set(case.acceptable) <= ids, case.line
        assert not set(case.expected) & set(case.acceptable), case.line
    assert len({c.statement for c in cases}) == len(cases)


def test_the_language_learning_gap_is_annotated() -> None:
    cases = {c.statement: c for c in load_gap_cases()}
    assert set(cases["employers/self-assessment/3"].expected) == {
        "employers/pre-departure/4", "employers/pre-departure/5"}


@pytest.mark.parametrize(("line", "message"), [
    ('{"statement": "employers/self-assessment/3", "expected": []}', "exactly"),
    ('{"statement": "bakers/self-assessment/1", "expected": ["bakers/pre-departure/1"], '
     '"acceptable": []}', "not a self-assessment statement id"),
    ('{"statement": "employers/self-assessment/3", "expected": ["municipalities/'
     'pre-departure/2"], "acceptable": []}', "must be action point ids of employers"),
    ("{not json", "not valid JSON"),
])
def test_a_broken_case_names_its_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "gaps.jsonl"
    path.write_text("\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=f"gaps.jsonl:2: .*{message}"):
        load_gap_cases(path)


def test_scores_are_the_suites_id_metrics() -> None:
    case = GapCase("employers/self-assessment/3", ("employers/pre-departure/4",
                                                   "employers/pre-departure/5"),
                   ("employers/integration/3",), 1)
    # Proposed: one expected, one acceptable, one wrong, one paragraph (not counted).
    proposed = ["employers/pre-departure/5", "employers/integration/3",
                "employers/integration/7", "employers/interventions/language"]
    assert score_gap(case, proposed) == {"hit_rate": 1.0, "citation_precision": 2 / 3,
                                         "citation_recall": 0.5}
    assert score_gap(case, ["employers/interventions/language"])["citation_precision"] == 0.0


@pytest.fixture(scope="session")
def assistant(real_assistant: Assistant) -> Assistant:
    """The suite's real index and model (tests/conftest.py), built once per session."""
    return real_assistant


@pytest.mark.slow
def test_the_heldout_half_covers_statements_never_tuned_on() -> None:
    tuned = {c.statement for c in load_gap_cases()}
    heldout = load_gap_cases(HELDOUT_DATASET)
    assert len(heldout) >= 40 and not tuned & {c.statement for c in heldout}


@pytest.mark.slow
def test_the_mapping_clears_its_thresholds(assistant: Assistant) -> None:
    report = run_assessment_eval(assistant)
    figures = {m: v["value"] for m, v in report["metrics"].items()}
    assert report["cases"] == len(load_gap_cases())
    assert report["passed"], (figures, THRESHOLDS)
    assert set(report["by_stakeholder"]) == set(STAKEHOLDERS)
