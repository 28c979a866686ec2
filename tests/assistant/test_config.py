"""Tuned numbers load from a TOML file, validated; a mistake is one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import AnswerConfig, GapConfig, RetrievalConfig, Tuning, load_tuning


def test_defaults_without_a_file() -> None:
    assert load_tuning(None) == Tuning()


def test_a_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "tuning.toml"
    path.write_text("[retrieval]\ndense_weight = 0.7\n[answer]\nmax_actions = 3\n")
    tuning = load_tuning(path)
    assert tuning.retrieval.dense_weight == 0.7
    assert tuning.answer.max_actions == 3
    assert tuning.retrieval.bm25_saturation == RetrievalConfig().bm25_saturation
    assert tuning.gap == GapConfig()


@pytest.mark.parametrize(("text", "problem"), [
    ("[retrieval]\ndense_wieght = 0.7\n", "retrieval.dense_wieght: Extra inputs"),
    ("[answer]\nrelative = 1.5\n", "answer.relative: Input should be less than or equal to 1"),
    ("[gap]\nmax_actions = 0\n", "gap.max_actions: Input should be greater than or equal"),
    ("[retrieval]\nfusion = 'max'\n", "retrieval.fusion"),
    ("[answers]\n", "answers: Extra inputs"),
    ("not toml", "is not valid TOML"),
])
def test_mistakes_are_one_line_errors(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "tuning.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        load_tuning(path)
    assert problem in str(error.value) and "\n" not in str(error.value)
    assert str(path) in str(error.value)


def test_every_field_says_why() -> None:
    """A maintainer reads the rationale next to the number."""
    for model in (RetrievalConfig, AnswerConfig, GapConfig):
        for name, field in model.model_fields.items():
            assert field.description and len(field.description) > 20, f"{model.__name__}.{name}"
