"""The feedback store and its export to eval-set candidates, including the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import sqlite_store

from ui.cli import cli
from ui.feedback import Feedback, eval_candidate, labels

UP = Feedback(rating="up", question="What should employers do before arrival?",
              answer="Offer language courses [1].",
              citations=("employers/pre-departure/4", "employers/interventions/language",
                         "iom-germany-talent-hub#surveys"),
              history=(("Hi", "Hello"),), comment="great")
DOWN = Feedback(rating="down", question="Which visa do I need?", answer="...",
                citations=("government/on-boarding/2",))


def test_store_round_trip(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "deep" / "feedback.sqlite3")
    assert store.all() == []
    first = store.add(UP)
    second = store.add(DOWN)
    assert second == first + 1
    stored = store.all()
    assert [f.question for f in stored] == [UP.question, DOWN.question]
    assert stored[0].citations == UP.citations and stored[0].history == UP.history
    assert stored[0].created
    store.update(second, rating="up", comment="changed my mind")
    store.delete(first)
    (only,) = store.all()
    assert (only.rating, only.comment) == ("up", "changed my mind")


def test_unknown_rating_is_refused(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "feedback.sqlite3")
    with pytest.raises(ValueError, match="rating"):
        store.add(Feedback(rating="meh", question="q", answer="a"))


def test_thumbs_up_vouches_for_its_citations() -> None:
    record = eval_candidate(Feedback(**{**UP.__dict__, "id": 7}))
    assert record == {
        "id": "feedback-7", "question": UP.question, "history": [["Hi", "Hello"]],
        "expected": list(UP.citations), "acceptable": [], "kind": "action-point",
        "stakeholders": ["employers"], "phases": ["pre-departure"], "source": "feedback",
        "rating": "up", "comment": "great"}


def test_thumbs_down_leaves_expected_empty() -> None:
    record = eval_candidate(Feedback(**{**DOWN.__dict__, "id": 8}))
    assert record["expected"] == [] and record["stakeholders"] == []
    assert "history" not in record
    assert (record["rating"], record["comment"]) == ("down", None)


def test_labels_come_from_citation_ids() -> None:
    assert labels(["trade-unions/integration/1", "trade-unions/quotes/2",
                   "municipalities/on-boarding/3"]) == (
        ["trade-unions", "municipalities"], ["integration", "on-boarding"])


def test_cli_exports_jsonl(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "talenthub.sqlite3")  # the data dir's database
    store.add(UP)
    store.add(DOWN)
    runner = CliRunner()
    result = runner.invoke(cli, ["--data-dir", str(tmp_path), "feedback", "export"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in lines] == ["feedback-1", "feedback-2"]
    out = tmp_path / "candidates.jsonl"
    result = runner.invoke(cli, ["--data-dir", str(tmp_path), "feedback", "export",
                                 "--output", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").count("\n") == 2
    assert "2 feedback records exported" in result.stderr


def test_cli_export_with_no_feedback_and_unwritable_output(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(cli, ["--data-dir", str(tmp_path), "feedback", "export"])
    assert (empty.exit_code, empty.stdout) == (0, "")
    assert not (tmp_path / "feedback.sqlite3").exists()
    bad = runner.invoke(cli, ["--data-dir", str(tmp_path), "feedback", "export", "--output",
                              str(tmp_path)])
    assert bad.exit_code == 2
    assert "cannot write" in bad.stderr
