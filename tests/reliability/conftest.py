"""Fixtures for the fault, bad-input and scale-out tests: indexes built once per session in
tmp dirs and a `chroma run` server that is stopped even when a test fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability_support import ChromaServer
from support import FakeEmbedder, copy_corpus

from corpus.settings import Settings
from index.build import build_index

SMALL_CORPUS = ("dg-reform-talent-hub.txt", "mpf-labour-migration-news.txt")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path / "chroma")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The repo corpus indexed with the fake embedder: a real Chroma build in a second."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("fake-index"))
    build_index(settings, FakeEmbedder)
    return settings


@pytest.fixture(scope="session")
def small_real_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Two short documents indexed with the real model: what a `talenthub` subprocess can
    answer from, in seconds rather than the whole corpus's half minute."""
    from index.embeddings import load_embedder

    root = tmp_path_factory.mktemp("small-real-index")
    corpus = copy_corpus(root / "corpus")
    for document in corpus.iterdir():
        if document.name not in (*SMALL_CORPUS, "manifest.toml"):
            document.unlink()
    settings = Settings(data_dir=root / "data", corpus_dir=corpus)
    build_index(settings, lambda: load_embedder(settings.embedding_model))
    return settings
