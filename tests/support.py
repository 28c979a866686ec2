"""Test helpers shared across the suite: a fake embedder for fast tests and the one real
index (real model) that the slow tests share."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import numpy as np

from corpus.settings import Settings


class FakeEmbedder:
    """Hashed bag of words: texts sharing words get similar vectors, deterministically."""

    name = "all-MiniLM-L6-v2"  # the default model name, so an index it builds is accepted

    def __init__(self, *, fail_after: int | None = None):
        self.calls = 0
        self.texts = 0
        self.fail_after = fail_after

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("simulated crash mid-build")
        self.texts += len(texts)
        vectors = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                vectors[row, zlib.crc32(word.encode()) % 64] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


def build_real_index(data_dir: Path) -> Settings:
    """The repo corpus indexed with the real MiniLM model (about 20 s)."""
    from index.build import build_index
    from index.embeddings import load_embedder

    settings = Settings(data_dir=data_dir)
    build_index(settings, lambda: load_embedder(settings.embedding_model))
    return settings


def copy_corpus(target: Path) -> Path:
    """A writable copy of the repo corpus and its manifest, for add/change/delete tests."""
    import shutil

    from corpus.settings import DEFAULT_CORPUS_DIR

    shutil.copytree(DEFAULT_CORPUS_DIR, target)
    shutil.copy(DEFAULT_CORPUS_DIR.parent / "manifest.toml", target / "manifest.toml")
    return target
