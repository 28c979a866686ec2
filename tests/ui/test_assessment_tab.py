"""The Self-assessment tab's handlers, called directly (no app launched)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import gradio as gr
import pytest

from assistant.api import Assistant
from assistant.assessment import AnswerSheet, parse_sheet
from assistant.errors import InvalidInput, NoIndex
from ui.assessment_tab import (
    NO_INDEX,
    SLOTS,
    build_assessment_tab,
    build_plan,
    collect,
    friendly,
    layout,
    load_answers,
    prune,
    status_html,
)

S = "employers"


def test_the_radios_are_read_back_by_slot() -> None:
    ids = [f"{S}/self-assessment/1", None, f"{S}/self-assessment/2", f"{S}/self-assessment/3"]
    values = ["yes", None, None, "not-sure"]
    assert collect(ids, values) == {f"{S}/self-assessment/1": "yes",
                                    f"{S}/self-assessment/3": "not-sure"}


def test_errors_read_as_sentences_and_are_escaped() -> None:
    assert friendly(NoIndex("no index")) == NO_INDEX
    assert friendly(InvalidInput("answer at least one statement first")) == \
        "Answer at least one statement first."
    assert status_html("<b>x</b>", error=True) == \
        '<p class="th-sa-error">&lt;b&gt;x&lt;/b&gt;</p>'


def test_old_download_folders_are_pruned(tmp_path: Path) -> None:
    old, fresh = tmp_path / "old", tmp_path / "fresh"
    old.mkdir()
    fresh.mkdir()
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    prune(tmp_path)
    assert not old.exists() and fresh.exists()


def test_the_tab_lays_out_without_touching_the_index() -> None:
    class Untouchable:
        def __getattr__(self, name: str) -> object:
            raise AssertionError(f"the layout used assistant.{name}")

    with gr.Blocks() as demo, gr.Tab("Self-assessment"):
        build_assessment_tab(Untouchable())  # type: ignore[arg-type]
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert {"th-sa-stakeholder", "th-sa-build", "th-sa-plan", "th-sa-upload"} <= ids
    config = demo.get_config_file()
    assert sum(c["type"] == "radio" for c in config["components"]) == 3 * SLOTS
    assert all(d.get("api_visibility") == "private" for d in config["dependencies"])


@pytest.fixture(scope="session")
def assistant(real_assistant: Assistant) -> Assistant:
    """The suite's real index and model (tests/conftest.py), built once per session."""
    return real_assistant


@pytest.mark.slow
def test_the_slots_hold_the_statements_by_focus(assistant: Assistant) -> None:
    view = layout(assistant, S, {f"{S}/self-assessment/7": "no"})
    assert view.titles == ("Focus on talent", "Focus on accompanying family",
                           "Focus on partnerships")
    assert len(view.slots) == 3 * SLOTS
    talent, family = view.slots[:SLOTS], view.slots[SLOTS: 2 * SLOTS]
    assert [s.statement.number for s in talent if s.statement] == [1, 2, 3, 4, 5, 6]
    assert family[0].label == "7. Network" and family[0].value == "no"
    assert family[4].statement is None and view.ids[SLOTS + 4] is None
    assert view.ids[0] == f"{S}/self-assessment/1"


@pytest.mark.slow
def test_loading_saved_answers_sets_stakeholder_radios_and_previous(
        assistant: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "q1.json"
    path.write_text(json.dumps({"stakeholder": "education", "date": "2024-12-31",
                                "answers": {"education/self-assessment/2": "no"}}))
    view, previous, message = load_answers(path, S, assistant=assistant)
    assert previous == AnswerSheet({"education/self-assessment/2": "no"}, "education",
                                   "2024-12-31")
    assert [s.value for s in view.slots if s.statement][:3] == [None, "no", None]
    assert "Loaded 1 answer of 2024-12-31 for Educational institutions" in message
    path.write_text(json.dumps({f"{S}/self-assessment/40": "no"}))
    with pytest.raises(InvalidInput, match=r"q1\.json: .*self-assessment/40.*unknown"):
        load_answers(path, S, assistant=assistant)
    with pytest.raises(InvalidInput, match="choose your organisation first"):
        load_answers(path, None, assistant=assistant)


@pytest.mark.slow
def test_building_the_plan_renders_it_and_writes_the_downloads(
        assistant: Assistant, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="answer at least one statement"):
        build_plan(S, {}, None, assistant=assistant, directory=tmp_path)
    with pytest.raises(InvalidInput, match="choose your organisation"):
        build_plan(None, {"x": "no"}, None, assistant=assistant, directory=tmp_path)
    answers = {f"{S}/self-assessment/3": "no", f"{S}/self-assessment/1": "yes"}
    previous = AnswerSheet({f"{S}/self-assessment/1": "no"}, S, "2024-12-31")
    view = build_plan(S, answers, previous, assistant=assistant, directory=tmp_path)
    assert view.html.startswith('<div class="th-plan">')
    assert "<details" in view.html and f"{S}/pre-departure/4" in view.html
    assert "Progress since 2024-12-31" in view.html
    assert set(view.files) == {"md", "csv", "html", "json"}
    assert all(p.is_file() and p.parent.parent == tmp_path for p in view.files.values())
    assert view.files["html"].name.startswith(f"talenthub-plan-{S}-")
    saved = parse_sheet(json.loads(view.files["json"].read_text(encoding="utf-8")))
    assert saved.answers == answers and saved.stakeholder == S
