"""Country marks: names from CLDR that the corpus uses, and languages of exactly one of them."""

from __future__ import annotations

from assistant.countries import Countries, example_label


def test_countries_the_texts_name_are_found_in_order() -> None:
    countries = Countries.from_texts(["In Denmark, talent is welcomed.", "Germany and Chad."])
    assert countries.named_in("Living in Germany or Denmark") == ["Germany", "Denmark"]
    assert countries.named_in("Germany's rules, then Germany again") == ["Germany"]
    # a word that is a country only when written as a name
    assert countries.named_in("chad and denmark") == []


def test_a_country_the_corpus_never_names_is_not_a_mark() -> None:
    countries = Countries.from_texts(["In Denmark, talent is welcomed."])
    assert countries.named_in("In Sweden, too.") == []


def test_a_language_marks_its_country_only_when_it_is_unambiguous() -> None:
    countries = Countries.from_texts(["Denmark, Germany and Austria: Danish and German."])
    assert countries.named_in("the benefits of learning Danish") == ["Denmark"]
    # German is official in Germany and in Austria, both named: it says nothing about which
    assert countries.named_in("courses in German") == []


def test_example_labels_read_as_english() -> None:
    assert example_label([]) == ""
    assert example_label(["Denmark"]) == "example from Denmark"
    assert example_label(["Denmark", "Germany", "Belgium"]) == \
        "example from Denmark, Germany and Belgium"
