"""End to end with the real model and index: practitioners' example questions, refusals,
the answer contract, follow-ups, and quotes that are the source text verbatim."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant, InvalidInput
from corpus.load import load_corpus
from corpus.models import STAKEHOLDERS
from corpus.settings import DEFAULT_CORPUS_DIR
from corpus.text import normalise_space

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def unit_texts() -> dict[str, str]:
    return {s.id: normalise_space(s.text) for s in load_corpus(DEFAULT_CORPUS_DIR).sections}


@pytest.mark.parametrize(("question", "must_cite"), [
    ("How can a trade union reach international students?", "trade-unions/pre-departure/1"),
    ("Which stakeholders should help spouses find jobs?", "trade-unions/integration/2"),
    ("How many people answered the remote work survey?", "iom-germany-talent-hub#surveys"),
])
def test_example_questions_cite_the_right_unit(real_assistant: Assistant, question: str,
                                               must_cite: str) -> None:
    answer = real_assistant.ask(question)
    assert answer.grounded
    assert must_cite in answer.cited_ids


def test_survey_count_is_quoted(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("How many people answered the remote work survey?")
    assert "68 responses" in answer.answer
    assert "110" not in answer.answer


def test_phase_list_is_the_whole_list_in_order(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("What should employers do before talent arrives?")
    points = [i for i in answer.cited_ids if "/pre-departure/" in i]
    assert points == [f"employers/pre-departure/{n}" for n in range(1, 7)]
    assert answer.answer.startswith(
        "For **employers** in the **pre-departure** phase, the guidebook suggests:")


def test_cross_stakeholder_answers_group_by_stakeholder(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("Which stakeholders should help spouses find jobs?")
    stakeholders = [c.stakeholder for c in answer.citations]
    assert len(set(stakeholders)) >= 2
    # each stakeholder's citations sit together under its own bold heading
    assert stakeholders == sorted(stakeholders, key=list(STAKEHOLDERS).index)
    for slug in set(stakeholders):
        assert f"**{STAKEHOLDERS[slug]}**" in answer.answer


@pytest.mark.parametrize("question", [
    "Give me a lasagna recipe",
    "Who won the football match last night?",
    "Write a Python function that sorts a list",
    "What is the capital of France?",
])
def test_out_of_scope_is_refused_politely(real_assistant: Assistant, question: str) -> None:
    answer = real_assistant.ask(question)
    assert not answer.grounded
    assert answer.citations == []
    assert answer.answer.startswith("I can only answer questions about retaining")
    assert "\n" not in answer.answer


def test_answer_json_contract(real_assistant: Assistant, unit_texts: dict[str, str]) -> None:
    data = real_assistant.ask("How can the city council help newcomers find housing?").to_dict()
    assert {"question", "answer", "grounded", "citations"} <= set(data)
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", data["answer"])]
    assert sorted(set(markers)) == [c["marker"] for c in data["citations"]]
    for c in data["citations"]:
        assert {"marker", "id", "document", "stakeholder", "section", "phase", "number",
                "title", "quote", "score"} <= set(c)
        assert c["section"] in ("action-points", "interventions", "self-assessment", "quotes",
                                "other")
        assert normalise_space(c["quote"]) in unit_texts[c["id"]]
    point = next(c for c in data["citations"] if c["section"] == "action-points")
    assert point["id"] == f"{point['stakeholder']}/{point['phase']}/{point['number']}"


def test_follow_up_changes_the_stakeholder(real_assistant: Assistant) -> None:
    history = [["What should employers do before talent arrives?", "..."]]
    answer = real_assistant.ask("And what about municipalities?", history=history)
    assert {c.stakeholder for c in answer.citations} == {"municipalities"}
    assert "municipalities/pre-departure/4" in answer.cited_ids


def test_follow_up_changes_the_phase(real_assistant: Assistant) -> None:
    history = [["What should employers do before talent arrives?", "..."]]
    answer = real_assistant.ask("And after they arrive?", history=history)
    assert "employers/on-boarding/1" in answer.cited_ids
    assert not any("/pre-departure/" in i for i in answer.cited_ids)


def test_explicit_filters_override_detection(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("What should we do?", stakeholder="education",
                                phase="on-boarding")
    assert answer.cited_ids[:2] == ["education/on-boarding/1", "education/on-boarding/2"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"question": "   "}, "empty"),
    ({"question": "x" * 2001}, "limit is 2000"),
    ({"question": "Hi", "stakeholder": "bakers"}, "unknown stakeholder 'bakers'"),
    ({"question": "Hi", "phase": "later"}, "unknown phase"),
    ({"question": "Hi", "history": [["only one"]]}, r"history\[0\]"),
])
def test_bad_input_is_a_clear_error(real_assistant: Assistant, kwargs: dict[str, object],
                                    message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        real_assistant.ask(**kwargs)  # type: ignore[arg-type]


def test_typos_still_find_the_guidebook_words(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("what shoud municipalites do to help familes find housng?")
    assert "municipalities/pre-departure/4" in answer.cited_ids
    assert answer.question == "what shoud municipalites do to help familes find housng?"
