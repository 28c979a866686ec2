"""Follow-ups computed from the index: each names a stakeholder, phase or theme the
corpus answers for, and asking it gives a grounded answer about that stakeholder."""

from __future__ import annotations

import pytest

from assistant import Assistant

pytestmark = pytest.mark.slow


def test_the_next_phase_and_a_neighbour_follow_an_answer(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("What should municipalities do before talent arrives?")
    kinds = [f.kind for f in answer.followups]
    assert kinds[:2] == ["next-phase", "neighbour"]
    assert answer.followups[0].question == \
        "What should municipalities do in the on-boarding phase?"
    assert "after pre-departure" in answer.followups[0].why
    assert answer.followups[1].stakeholder != "municipalities"
    assert answer.to_dict()["followups"][0]["kind"] == "next-phase"


def test_own_organisation_questions_point_to_the_self_assessment(
        real_assistant: Assistant) -> None:
    ours = real_assistant.ask("How can our company help the spouses of our hires?")
    (pointer,) = [f for f in ours.followups if f.kind == "self-assessment"]
    assert pointer.stakeholder == "employers"
    assert pointer.why.startswith("16 statements")
    theirs = real_assistant.ask("How can companies help the spouses of their hires?")
    assert all(f.kind != "self-assessment" for f in theirs.followups)


def test_refusals_suggest_nothing_and_asked_questions_are_not_suggested(
        real_assistant: Assistant) -> None:
    assert real_assistant.ask("Give me a lasagna recipe").followups == []
    first = real_assistant.ask("What should municipalities do before talent arrives?")
    asked = first.followups[0].question
    again = real_assistant.ask("And what about housing?", history=[
        ["What should municipalities do before talent arrives?", first.answer],
        [asked, "..."]])
    assert asked not in [f.question for f in again.followups]


@pytest.mark.parametrize("question", [
    "What should employers do before talent arrives?",
    "What can the government do about language learning?",
    "How can a trade union reach international students?",
])
def test_every_suggested_question_is_answered_for_its_stakeholder(
        real_assistant: Assistant, question: str) -> None:
    followups = real_assistant.ask(question).followups
    assert 2 <= len(followups) <= 3
    for followup in followups:
        answer = real_assistant.ask(followup.question)
        assert answer.grounded, followup.question
        assert followup.stakeholder in {c.stakeholder for c in answer.citations}
