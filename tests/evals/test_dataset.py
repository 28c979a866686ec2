"""Dataset loading and validation: a bad line is refused with its file and line number."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corpus.load import load_corpus
from corpus.models import PHASES, STAKEHOLDERS
from corpus.settings import DEFAULT_CORPUS_DIR, Settings
from evals.dataset import KINDS, Case, DatasetError, load_dataset, split_path, validate_ids
from evals.twins import find_twins, twins_from_vectors
from ui.feedback import Feedback, eval_candidate

GOOD = {"id": "x-1", "question": "What should a firm do before talent moves?",
        "expected": ["employers/pre-departure/1"], "acceptable": [], "kind": "action-point",
        "stakeholders": ["employers"], "phases": ["pre-departure"]}


def write(tmp_path: Path, *rows: dict[str, object] | str) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_loads_cases_with_their_line_numbers(tmp_path: Path) -> None:
    follow_up = {**GOOD, "id": "x-2", "kind": "follow-up",
                 "history": [["What about employers?", "They should ..."]]}
    path = write(tmp_path, GOOD, "", follow_up)
    cases = load_dataset(path)
    assert [c.id for c in cases] == ["x-1", "x-2"]
    assert cases[1].line == 3  # the blank line still counts
    assert cases[1].request()["history"] == [["What about employers?", "They should ..."]]


def test_missing_id_is_rejected_naming_file_line_and_id(tmp_path: Path) -> None:
    typo = {**GOOD, "id": "x-2", "expected": ["employers/pre-departure/99"]}
    path = write(tmp_path, GOOD, typo)
    cases = load_dataset(path)
    with pytest.raises(DatasetError) as error:
        validate_ids(cases, {"employers/pre-departure/1"})
    message = str(error.value)
    assert f"{path}:2" in message
    assert "'employers/pre-departure/99'" in message
    assert "x-2" in message


def test_missing_acceptable_id_is_rejected_too(tmp_path: Path) -> None:
    path = write(tmp_path, {**GOOD, "acceptable": ["employers/interventions/nope"]})
    with pytest.raises(DatasetError, match=r":1: .*acceptable id 'employers/interventions/nope'"):
        validate_ids(load_dataset(path), {"employers/pre-departure/1"})


@pytest.mark.parametrize(("row", "problem"), [
    ("{not json", "not valid JSON"),
    ({**GOOD, "kind": "trivia"}, "unknown kind 'trivia'"),
    ({k: v for k, v in GOOD.items() if k != "expected"}, "missing key 'expected'"),
    ({**GOOD, "expected": "employers/pre-departure/1"}, "'expected' must be a list"),
    ({**GOOD, "stakeholders": ["firms"]}, "unknown stakeholder 'firms'"),
    ({**GOOD, "phase": "arrival"}, "unknown phase 'arrival'"),
    ({**GOOD, "kind": "fact"}, "needs 'must_contain'"),
    ({**GOOD, "kind": "out-of-scope"}, "cannot expect citations"),
    ({**GOOD, "expected": []}, "need at least one expected id"),
    ({**GOOD, "history": [["only the question"]]}, "[user, assistant] pairs"),
    ({**GOOD, "answer": "x"}, "unknown keys ['answer']"),
])
def test_schema_errors_name_the_line(tmp_path: Path, row: dict[str, object] | str,
                                     problem: str) -> None:
    path = write(tmp_path, GOOD | {"id": "first"}, row)
    with pytest.raises(DatasetError) as error:
        load_dataset(path)
    assert f"{path}:2: " in str(error.value)
    assert problem in str(error.value)


def test_reviewed_feedback_candidates_load(tmp_path: Path) -> None:
    """`talenthub feedback export` lines load once a reviewer has checked them; a
    thumbs-down candidate still needs its expected ids filled in."""
    up = eval_candidate(Feedback(rating="up", question="How do firms brand themselves?",
                                 answer="...", citations=("employers/pre-departure/2",),
                                 id=1))
    down = eval_candidate(Feedback(rating="down", question="And unions?", answer="...",
                                   comment="wrong stakeholder", id=2))
    (case,) = load_dataset(write(tmp_path, up))
    assert case.expected == ("employers/pre-departure/2",)
    with pytest.raises(DatasetError, match=":2: 'action-point' cases need at least one"):
        load_dataset(write(tmp_path, up, down))


def test_duplicate_ids_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="duplicate case id 'x-1' \\(first on line 1\\)"):
        load_dataset(write(tmp_path, GOOD, GOOD))
    with pytest.raises(DatasetError, match="no such dataset file"):
        load_dataset(tmp_path / "missing.jsonl")
    with pytest.raises(DatasetError, match="unknown split"):
        split_path("train")


def test_bundled_splits_are_valid_and_cover_the_guidebook() -> None:
    """The splits' coverage requirements, checked against the real corpus ids."""
    known = {s.id for s in load_corpus(DEFAULT_CORPUS_DIR).sections}
    splits = {name: load_dataset(split_path(name)) for name in ("dev", "test")}
    assert sum(len(cases) for cases in splits.values()) >= 80
    dev_ids = {c.id for c in splits["dev"]}
    dev_questions = {c.question for c in splits["dev"]}
    for name, cases in splits.items():
        validate_ids(cases, known)
        assert {s for c in cases for s in c.stakeholders} == set(STAKEHOLDERS), name
        assert {p for c in cases for p in c.phases} == set(PHASES), name
        assert {c.kind for c in cases} == set(KINDS), name
        # every project fact points at the web-page section that holds it
        assert all(c.expected for c in cases if c.kind == "fact"), name
    test_cases = splits["test"]
    assert not dev_ids & {c.id for c in test_cases}
    assert not dev_questions & {c.question for c in test_cases}


def test_the_test_split_is_held_out_in_size_and_scope() -> None:
    """At least 120 cases, every stakeholder x phase, in-domain refusals and web facts."""
    cases = load_dataset(split_path("test"))
    assert len(cases) >= 120
    cells = {(s, p) for c in cases for s in c.stakeholders for p in c.phases}
    assert cells == {(s, p) for s in STAKEHOLDERS for p in PHASES}
    refusals = [c for c in cases if c.kind == "out-of-scope"
                and any(t.startswith("refusal-") and t != "refusal-off-topic" for t in c.tags)]
    assert len(refusals) >= 15
    assert sum(1 for c in cases if c.kind == "fact" and "web-fact" in c.tags) >= 10
    assert sum(1 for c in cases if "scenario" in c.tags) >= 10
    assert sum(1 for c in cases if "own-words" in c.tags) >= 10


def test_twins_are_found_from_vectors() -> None:
    """Hand-made unit vectors: cosine is the dot product."""
    a = _case("a", "When did the project start?", ["web#a"])
    b = _case("b", "When did the project end?", ["web#a"])
    c = _case("c", "Who funded it?", ["web#b"])
    d = _case("d", "Something else entirely", ["web#c"])
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    # a-b: same expected, cosine 0.8 >= 0.6 -> twin; c-d: different ids, cosine 0.6 < 0.85
    found = twins_from_vectors([a, c], vectors[[0, 2]], [b, d], vectors[[1, 1]])
    assert [(t.case.id, t.twin.id, t.reason) for t in found] == [
        ("a", "b", "same expected ids, similar wording")]
    # an identical question is a twin whatever the vectors say
    same = _case("e", " when did the project START? ", ["web#z"])
    assert twins_from_vectors([a], vectors[[0]], [same], vectors[[2]])[0].reason == \
        "identical question"


@pytest.mark.slow
def test_no_dev_case_is_a_paraphrase_twin_of_a_test_case() -> None:
    """A test case with a twin in dev is not held out: tuning on dev would lift it."""
    from index.embeddings import load_embedder

    embedder = load_embedder(Settings().embedding_model)
    twins = find_twins(load_dataset(split_path("dev")), load_dataset(split_path("test")),
                       embedder)
    assert not twins, [f"{t.case.id} ~ {t.twin.id} ({t.reason}, {t.similarity:.2f})"
                       for t in twins]


def _case(case_id: str, question: str, expected: list[str]) -> Case:
    return Case(id=case_id, question=question, kind="fact", expected=tuple(expected))
