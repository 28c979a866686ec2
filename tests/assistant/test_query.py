"""Query analysis on its own: roles, phases, kinds of question and request, follow-ups."""

from __future__ import annotations

import pytest

from assistant.lexicon import Lexicon
from assistant.query import QuestionKind, Request, analyse, detect, is_follow_up


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
def test_role_names(lexicon: Lexicon, question: str, stakeholder: str) -> None:
    assert detect(question, lexicon).stakeholders == [stakeholder]


def test_whom_a_role_serves_is_not_who_asks(lexicon: Lexicon) -> None:
    """'students' fill the education section, but here the union asks about them."""
    assert detect("How can our union reach international students?", lexicon
                  ).stakeholders == ["trade-unions"]


@pytest.mark.parametrize(("question", "phase"), [
    ("What should we do before they move?", "pre-departure"),
    ("What should employers do before talent arrives?", "pre-departure"),
    ("What can HR do before our new hires relocate?", "pre-departure"),
    ("What do we owe a nurse before the woman we hired in Manila actually travels?",
     "pre-departure"),
    ("Before the summer break, what helps retention?", "integration"),  # one clause only
    ("What should happen when they arrive?", "on-boarding"),
    ("How do we help in the first weeks?", "on-boarding"),
    ("How do we keep them?", "integration"),
    ("What helps retention?", "integration"),
    ("How can they feel part of the community?", "integration"),
])
def test_phases(lexicon: Lexicon, question: str, phase: str) -> None:
    assert detect(question, lexicon).phases == [phase]


def test_the_closing_question_decides_the_phase(lexicon: Lexicon) -> None:
    question = ("Our members arrived years ago, so arrival support is not what we need. "
                "How do we keep them involved for the long term?")
    assert detect(question, lexicon).phases == ["integration"]


def test_the_role_in_the_closing_question_comes_first(lexicon: Lexicon) -> None:
    question = ("Our graduates never hear back from Danish employers. "
                "What could a uni careers service do about that?")
    assert detect(question, lexicon).stakeholders == ["education", "employers"]


def test_civil_society_is_not_a_phase(lexicon: Lexicon) -> None:
    assert detect("What should civil society groups do when families have just arrived?",
                  lexicon).phases == ["on-boarding"]


@pytest.mark.parametrize(("question", "theme"), [
    ("How do we collect feedback and data from staff?", "data"),
    ("Danish language learning for staff", "language"),
    ("Can they get their qualifications recognised?", "professional-development"),
    ("How do we build our brand abroad?", "branding"),
])
def test_themes_come_from_the_corpus(lexicon: Lexicon, question: str, theme: str) -> None:
    assert theme in detect(question, lexicon).themes


@pytest.mark.parametrize(("question", "kind"), [
    ("What should employers do before talent arrives?", QuestionKind.LIST),
    ("Give me the checklist for municipalities in the on-boarding phase", QuestionKind.LIST),
    ("How can a trade union reach international students?", QuestionKind.ACTION_POINT),
    ("Which stakeholders should help spouses find jobs?", QuestionKind.CROSS_STAKEHOLDER),
    ("Which faith-based organisations take part in orientation?",
     QuestionKind.CROSS_STAKEHOLDER),
    ("How many people answered the remote work survey?", QuestionKind.FACT),
    ("Which organisations launched the Talent Hub project with IOM?", QuestionKind.FACT),
    ("Compare what unions and NGOs do about language", QuestionKind.CROSS_STAKEHOLDER),
    ("What should a union have ready before skilled workers relocate?", QuestionKind.LIST),
    # a theme named: that theme's actions, not the whole phase
    ("What should employers do about language before talent arrives?",
     QuestionKind.ACTION_POINT),
    ("what did the talent hub survey find?", QuestionKind.FACT),  # project words, lower case
    # "home" is a project word (the news pages), but one weak one is an everyday word here
    ("my colleague's kids miss home. anything on helping families settle?",
     QuestionKind.ACTION_POINT),
])
def test_question_kind(lexicon: Lexicon, question: str, kind: QuestionKind) -> None:
    assert detect(question, lexicon).kind == kind


@pytest.mark.parametrize(("question", "form"), [
    ("Can you translate this into Danish for our welcome email: 'Welcome aboard!'",
     Request.TASK),
    ("Draft a welcome letter for our new engineers", Request.TASK),
    ("Am I allowed to stay if my permit expires?", Request.PERSONAL),
    ("Can my employer fire me for failing the language exam?", Request.PERSONAL),
    ("Is Denmark's immigration policy too strict?", Request.OPINION),
    ("What do you think of the pay limit scheme?", Request.OPINION),
    ("I run the international office. What should we do before students arrive?",
     Request.QUESTION),
    ("Should municipalities translate their websites for newcomers?", Request.QUESTION),
])
def test_the_form_of_the_request(lexicon: Lexicon, question: str, form: Request) -> None:
    assert detect(question, lexicon).request == form


def test_words_the_corpus_never_uses_are_counted(lexicon: Lexicon) -> None:
    analysis = detect("What does an Austrian work permit cost?", lexicon)
    assert analysis.unknown == ("austrian",)
    assert analysis.unknown_share == 0.25  # of: austrian, work, permit, cost
    assert detect("How do we retain international staff?", lexicon).unknown_share < 0.5


def test_out_of_domain_questions_are_flagged(lexicon: Lexicon) -> None:
    assert not detect("Give me a lasagna recipe", lexicon).in_domain
    assert detect("How do we retain international staff?", lexicon).in_domain


def test_follow_up_keeps_the_topic_and_changes_the_stakeholder(lexicon: Lexicon) -> None:
    history = [("What should employers do before talent arrives?", "...")]
    analysis = analyse("And what about municipalities?", lexicon, history=history)
    assert analysis.follow_up
    assert analysis.stakeholders == ["municipalities"]
    assert analysis.phases == ["pre-departure"]
    assert analysis.kind == QuestionKind.LIST
    assert "employers" not in analysis.query.lower()


def test_follow_up_changes_only_the_phase(lexicon: Lexicon) -> None:
    history = [("How can our union reach foreign workers before they come?", "...")]
    analysis = analyse("And after they arrive?", lexicon, history=history)
    assert analysis.stakeholders == ["trade-unions"]
    assert analysis.phases == ["on-boarding"]
    assert "before they come" not in analysis.query


def test_a_new_question_is_not_a_follow_up(lexicon: Lexicon) -> None:
    history = [("What should employers do before talent arrives?", "...")]
    question = "How can a university help international students find internships?"
    analysis = analyse(question, lexicon, history=history)
    assert not analysis.follow_up
    assert analysis.stakeholders == ["education"]
    assert not is_follow_up(question)


def test_explicit_arguments_override_detection(lexicon: Lexicon) -> None:
    analysis = analyse("What should employers do before talent arrives?", lexicon,
                       stakeholder="municipalities", phase="integration")
    assert analysis.stakeholders == ["municipalities"]
    assert analysis.phases == ["integration"]
    assert analysis.explicit_stakeholder and analysis.explicit_phase


def test_a_question_across_roles_is_not_a_project_fact(lexicon: Lexicon) -> None:
    """"survey" is a project word, but in "which organisations ..." only as a name."""
    assert "survey" in lexicon.project
    assert detect("Which organisations should survey newcomers?", lexicon).kind == \
        QuestionKind.CROSS_STAKEHOLDER
    assert detect("Which organisations ran the Talent Hub Survey?", lexicon).kind == \
        QuestionKind.FACT
