"""Spelling correction on hand-made vocabularies: what counts as a typo and what it becomes."""

from __future__ import annotations

from assistant.spelling import correct_spelling

VOCABULARY = frozenset({"families", "housing", "municipalities", "stages", "the", "help"})
TERMS = {"famili", "hous", "municip", "stage", "help"}


def test_typos_become_the_closest_corpus_word() -> None:
    assert (correct_spelling("help familes find housng", VOCABULARY, TERMS)
            == "help families find housing")
    assert correct_spelling("What should municipalites do?", VOCABULARY, TERMS) == \
        "What should municipalities do?"


def test_short_known_inflected_and_distant_words_are_left_alone() -> None:
    text = "hte stage of Families and bakeries"
    assert correct_spelling(text, VOCABULARY, TERMS) == text
