"""A corpus lexicon for query-analysis tests: mined from the real corpus, no model needed."""

from __future__ import annotations

import pytest

from assistant.lexicon import Lexicon
from corpus.load import load_corpus
from corpus.settings import DEFAULT_CORPUS_DIR


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    sections = load_corpus(DEFAULT_CORPUS_DIR).sections
    return Lexicon.from_units(
        (s.text, {"kind": s.kind, "stakeholder": s.stakeholder or "", "theme": s.theme or ""})
        for s in sections)
