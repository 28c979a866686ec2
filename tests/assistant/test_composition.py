"""How the extractive answer reads: no leaning "This ..." quote, near-duplicate actions
once, country-specific advice marked. The pure functions need no model; the rest use the
session's real index."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant
from assistant.extractive import _wants_value_absent_from, best_sentences

TEXT = ("Talent needs housing. Newcomers may need help with contracts and deposits. "
        "This could be done with municipal services. Employers may also help.")


def test_a_quote_never_opens_with_a_sentence_that_leans_back() -> None:
    quote = best_sentences(TEXT, "could be done with municipal services employers", 2, {})
    assert quote.startswith("Newcomers may need help")
    assert quote.endswith("Employers may also help.")
    assert best_sentences(TEXT, "talent housing newcomers contracts", 2, {}) == \
        "Talent needs housing. Newcomers may need help with contracts and deposits."


@pytest.mark.parametrize(("question", "quote", "answers"), [
    ("When is the desk open?", "It opens on Tuesdays from 9:00 to 15:00.", True),
    ("How long is the permit valid?", "The permit is valid for two years.", True),
    ("When did the project start?", "The project started in March 2021.", True),
    ("When was the conference?", "The conference took place in Brussels.", False),
    ("How many people took part?", "Many people took part.", False),
    ("We had a number of complaints. What helps?", "Offer counselling.", True),
])
def test_a_fact_quote_must_hold_the_kind_of_value_asked_for(question: str, quote: str,
                                                             answers: bool) -> None:
    """A time is a date, a weekday, a clock time or a duration, not only a year."""
    assert _wants_value_absent_from(question, quote) is not answers


@pytest.mark.slow
def test_an_action_repeated_for_two_phases_is_one_bullet_citing_both(
        real_assistant: Assistant) -> None:
    answer = real_assistant.ask("Which stakeholders take part in onboarding orientations?")
    line = next(line for line in answer.answer.splitlines()
                if "onboarding orientations if organised" in line)
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", line)]
    cited = {answer.citations[m - 1].id for m in markers}
    assert cited == {"trade-unions/pre-departure/4", "trade-unions/on-boarding/1"}
    assert "*(Pre-departure, On-boarding)*" in line
    assert answer.answer.count("onboarding orientations if organised") == 1


@pytest.mark.slow
def test_advice_specific_to_a_country_is_marked(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("What should employers do when talent arrives?")
    danish = next(c for c in answer.citations if c.id == "employers/on-boarding/1")
    assert danish.countries == ["Denmark"]
    line = next(line for line in answer.answer.splitlines() if "learning Danish" in line)
    assert line.endswith("*(Example from Denmark)*")
    general = next(c for c in answer.citations if c.id == "employers/on-boarding/3")
    assert general.countries == []


@pytest.mark.slow
def test_a_count_the_guidance_does_not_state_is_refused(real_assistant: Assistant) -> None:
    """The action points hold no numbers: quoting one would not answer "how many"."""
    answer = real_assistant.ask("How many language teachers should an employer hire for its "
                                "international staff?")
    assert not answer.grounded and not answer.citations
