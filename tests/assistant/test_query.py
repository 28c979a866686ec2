"""Query analysis on its own: practitioners' vocabulary, follow-ups, overrides."""

from __future__ import annotations

import pytest

from assistant.query import analyse, detect, is_follow_up


@pytest.mark.parametrize(("question", "stakeholder"), [
    ("How can our company help new staff?", "employers"),
    ("HR wants to support foreign hires", "employers"),
    ("What should a small firm do?", "employers"),
    ("What can the city council offer?", "municipalities"),
    ("Is this a job for the local authority?", "municipalities"),
    ("What should the ministry change?", "government"),
    ("What is the role of the state?", "government"),
    ("How can a university help?", "education"),
    ("Our college has many international students", "education"),
    ("How can a union reach members?", "trade-unions"),
    ("What can an NGO do?", "civil-society"),
    ("We are a diaspora group", "civil-society"),
])
def test_stakeholder_vocabulary(question: str, stakeholder: str) -> None:
    assert detect(question).stakeholders == [stakeholder]


@pytest.mark.parametrize(("question", "phase"), [
    ("What should we do before they move?", "pre-departure"),
    ("What should employers do before talent arrives?", "pre-departure"),
    ("What can HR do before our new hires relocate?", "pre-departure"),
    ("What should happen when they arrive?", "on-boarding"),
    ("How do we help in the first weeks?", "on-boarding"),
    ("How do we keep them?", "integration"),
    ("What helps retention?", "integration"),
    ("How can they feel part of the community?", "integration"),
])
def test_phase_vocabulary(question: str, phase: str) -> None:
    assert detect(question).phases == [phase]


def test_the_role_in_the_closing_question_comes_first() -> None:
    question = ("Our graduates never hear back from Danish employers. "
                "What could a uni careers service do about that?")
    assert detect(question).stakeholders == ["education", "employers"]


def test_civil_society_is_not_a_phase() -> None:
    assert detect("What should civil society groups do when families have just arrived?"
                  ).phases == ["on-boarding"]


@pytest.mark.parametrize(("question", "themes"), [
    ("How do we help spouses find work?", {"family", "jobs"}),
    ("Danish language classes for staff", {"language"}),
    ("Can they get their diplomas recognised?", {"qualifications"}),
    ("We want to be known abroad as a good place to work", {"branding", "jobs"}),
    ("Help with finding housing", {"housing"}),
])
def test_themes(question: str, themes: set[str]) -> None:
    assert themes <= set(detect(question).themes)


@pytest.mark.parametrize(("question", "kind"), [
    ("What should employers do before talent arrives?", "list"),
    ("Give me the checklist for municipalities in the on-boarding phase", "list"),
    ("How can a trade union reach international students?", "action-point"),
    ("Which stakeholders should help spouses find jobs?", "cross-stakeholder"),
    ("How many people answered the remote work survey?", "fact"),
    ("Which organisations launched the Talent Hub project with IOM?", "fact"),
    ("Compare what unions and NGOs do about language", "cross-stakeholder"),
])
def test_question_kind(question: str, kind: str) -> None:
    assert detect(question).kind == kind


@pytest.mark.parametrize("question", [
    "Can you translate this into Danish for our welcome email: 'Welcome aboard!'",
    "How do I correct my årsopgørelse on skat.dk?",
    "I have had a fever for four days, should I take antibiotics?",
    "Write a Python function that sorts a list",
])
def test_tasks_and_personal_advice_are_out_of_scope(question: str) -> None:
    assert detect(question).kind == "out-of-scope"


def test_translation_as_a_topic_is_in_scope() -> None:
    assert detect("Should municipalities translate their websites for newcomers?"
                  ).kind != "out-of-scope"


def test_out_of_domain_questions_are_flagged() -> None:
    assert not detect("Give me a lasagna recipe").in_domain
    assert detect("How do we retain international staff?").in_domain


def test_follow_up_keeps_the_topic_and_changes_the_stakeholder() -> None:
    history = [("What should employers do before talent arrives?", "...")]
    analysis = analyse("And what about municipalities?", history=history)
    assert analysis.follow_up
    assert analysis.stakeholders == ["municipalities"]
    assert analysis.phases == ["pre-departure"]
    assert analysis.kind == "list"
    assert "employers" not in analysis.query.lower()


def test_follow_up_changes_only_the_phase() -> None:
    history = [("How can our union reach foreign workers before they come?", "...")]
    analysis = analyse("And after they arrive?", history=history)
    assert analysis.stakeholders == ["trade-unions"]
    assert analysis.phases == ["on-boarding"]
    assert "before they come" not in analysis.query


def test_a_new_question_is_not_a_follow_up() -> None:
    history = [("What should employers do before talent arrives?", "...")]
    analysis = analyse("How can a university help international students find internships?",
                       history=history)
    assert not analysis.follow_up
    assert analysis.stakeholders == ["education"]
    assert not is_follow_up("How can a university help international students find internships?")


def test_explicit_arguments_override_detection() -> None:
    analysis = analyse("What should employers do before talent arrives?",
                       stakeholder="municipalities", phase="integration")
    assert analysis.stakeholders == ["municipalities"]
    assert analysis.phases == ["integration"]
    assert analysis.explicit_stakeholder and analysis.explicit_phase
