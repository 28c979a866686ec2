"""The Self-assessment tab's handlers, called directly (no app launched)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import gradio as gr
import pytest

from assistant import assessment
from assistant.api import Assistant
from assistant.assessment import AnswerSheet, Statement, parse_sheet
from assistant.errors import InvalidInput, NoIndex
from ui.assessment_tab import (
    NO_INDEX,
    answered,
    build_assessment_tab,
    build_plan,
    friendly,
    load_answers,
    prune,
    sheet_html,
    status_html,
)

S = "employers"
STATEMENTS = [
    Statement(f"{S}/self-assessment/1", S, 1, "talent", "Onboarding", "Onboarding. We <start>."),
    Statement(f"{S}/self-assessment/2", S, 2, "family", "Network", "Network. We help."),
]


def test_each_statement_is_one_labelled_group_of_radios() -> None:
    page = sheet_html(S, STATEMENTS)
    assert page.count('<fieldset class="th-sa-statement"') == 2
    first = page[page.index('id="th-sa-1"'): page.index('id="th-sa-2"')]
    assert "<legend>1. Onboarding</legend>" in first
    assert 'aria-describedby="th-sa-1-text"' in first
    assert set(re.findall(r'name="([^"]+)"', first)) == {"th-sa-1"}  # one group: arrow keys
    assert "We &lt;start&gt;." in first
    assert "0</span> of 2 statements answered" in page
    assert 'data-stakeholder="employers"' in page and "data-loaded" not in page
    assert page.index("Focus on talent") < page.index("Focus on accompanying family")


def test_answers_loaded_from_a_file_travel_to_the_browser() -> None:
    loaded = AnswerSheet({f"{S}/self-assessment/2": "no"}, S, "2025-01-01", "q1.json")
    page = sheet_html(S, STATEMENTS, loaded)
    assert 'data-loaded="{&quot;employers/self-assessment/2&quot;: &quot;no&quot;}"' in page
    assert 'data-source="q1.json"' in page


def test_answers_from_the_browser_keep_only_this_sheet_s_statements() -> None:
    raw = {f"{S}/self-assessment/1": "yes", f"{S}/self-assessment/2": "maybe",
           "education/self-assessment/1": "no"}
    assert answered(raw, STATEMENTS) == {f"{S}/self-assessment/1": "yes"}
    assert answered(None, STATEMENTS) == {}


def test_errors_are_alerts_and_notes_are_statuses() -> None:
    assert friendly(NoIndex("no index")) == NO_INDEX
    assert friendly(InvalidInput("answer at least one statement first")) == \
        "Answer at least one statement first."
    assert status_html("<b>x</b>", error=True) == \
        '<p class="th-sa-error" role="alert">&lt;b&gt;x&lt;/b&gt;</p>'
    assert 'role="status"' in status_html("Loaded")
    assert status_html("") == ""


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
        tab = build_assessment_tab(Untouchable())  # type: ignore[arg-type]
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert {"th-sa-stakeholder", "th-sa-build", "th-sa-plan", "th-sa-upload",
            "th-sa-sheet", "th-sa-status"} <= ids
    assert len(tab.outputs) == 7
    config = demo.get_config_file()
    assert all(d.get("api_visibility") == "private" for d in config["dependencies"])


@pytest.fixture(scope="session")
def assistant(real_assistant: Assistant) -> Assistant:
    """The suite's real index and model (tests/conftest.py), built once per session."""
    return real_assistant


@pytest.mark.slow
def test_the_sheet_shows_the_stakeholder_s_statements_by_focus(assistant: Assistant) -> None:
    page = sheet_html(S, assessment.load_statements(assistant, S))
    assert page.count("<fieldset") == 16
    assert "<legend>7. Network</legend>" in page
    assert "0</span> of 16 statements answered" in page


@pytest.mark.slow
def test_loading_saved_answers_names_stakeholder_and_previous(
        assistant: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "q1.json"
    path.write_text(json.dumps({"stakeholder": "education", "date": "2024-12-31",
                                "answers": {"education/self-assessment/2": "no"}}))
    who, statements, previous, message = load_answers(path, S, assistant=assistant)
    assert who == "education" and len(statements) == 10
    assert previous == AnswerSheet({"education/self-assessment/2": "no"}, "education",
                                   "2024-12-31")
    assert previous.source == "q1.json"
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
    assert "Not answered: 2. Onboarding prior to arrival; 4. Collecting feedback" in view.html
    assert 'class="th-plan-table" role="region"' in view.html
    assert view.summary.startswith("Your action plan is ready below: 1 gap, ")
    assert set(view.files) == {"md", "csv", "html", "json"}
    assert all(p.is_file() and p.parent.parent == tmp_path for p in view.files.values())
    assert view.files["html"].name.startswith(f"talenthub-plan-{S}-")
    saved = parse_sheet(json.loads(view.files["json"].read_text(encoding="utf-8")))
    assert saved.answers == answers and saved.stakeholder == S
