"""Shared fixtures for the eval suite's unit tests."""

from __future__ import annotations

import pytest
from support import FakeEmbedder

from corpus.load import CorpusLoad, load_corpus
from corpus.settings import DEFAULT_CORPUS_DIR


@pytest.fixture(scope="session")
def corpus() -> CorpusLoad:
    """The real corpus: fakes quote its section texts, so quote checks run for real."""
    return load_corpus(DEFAULT_CORPUS_DIR)


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()
