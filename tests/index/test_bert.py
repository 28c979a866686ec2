"""The numpy BERT embedder must give sentence-transformers' vectors, or the index built by
one and searched by the other would silently drift."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from corpus.settings import DEFAULT_EMBEDDING_MODEL
from index.bert import NumpyBertEmbedder, supported
from index.embeddings import load_embedder, resolve_model_path

MODEL_PATH = resolve_model_path(DEFAULT_EMBEDDING_MODEL)
TEXTS = [
    "What should employers do before talent arrives?",
    "Offer online and preparatory language learning opportunities to incoming talent.",
    "",
    "   ",
    "<script>alert('x')</script> <b>bold</b> &amp;",
    "Déjà vu: Zuwanderung, миграция, 移民, هجرة, 🙂",
    "control\x00chars\x1b[31m here",
    "word " * 400,  # longer than the model's 256 tokens: truncated the same way
]


@pytest.fixture(scope="module")
def embedder() -> NumpyBertEmbedder:
    return NumpyBertEmbedder(DEFAULT_EMBEDDING_MODEL, MODEL_PATH)


@pytest.mark.slow
def test_the_bundled_model_is_supported() -> None:
    assert supported(MODEL_PATH)
    assert isinstance(load_embedder(DEFAULT_EMBEDDING_MODEL), NumpyBertEmbedder)


def test_other_shapes_fall_back_to_sentence_transformers(tmp_path: Path) -> None:
    assert not supported(tmp_path)  # empty folder
    assert not supported("sentence-transformers/all-mpnet-base-v2")  # a hub name
    for name in ("config.json", "modules.json", "model.safetensors", "tokenizer.json"):
        (tmp_path / name).write_bytes((Path(MODEL_PATH) / name).read_bytes())
    (tmp_path / "1_Pooling").mkdir()
    pooling = json.loads((Path(MODEL_PATH) / "1_Pooling" / "config.json").read_text())
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert supported(tmp_path)
    pooling.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert not supported(tmp_path)  # CLS pooling is not what this module computes


@pytest.mark.slow
def test_vectors_are_unit_length_and_batch_independent(embedder: NumpyBertEmbedder) -> None:
    together = embedder.encode(TEXTS)
    alone = np.stack([embedder.encode([t])[0] for t in TEXTS])
    assert together.shape == (len(TEXTS), 384)
    assert together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert embedder.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_threads_share_one_model(embedder: NumpyBertEmbedder) -> None:
    expected = embedder.encode(TEXTS[:2])
    results: list[np.ndarray] = []

    def work() -> None:
        for _ in range(5):
            results.append(embedder.encode(TEXTS[:2]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 20
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-6)


@pytest.mark.slow
def test_same_vectors_as_sentence_transformers(embedder: NumpyBertEmbedder) -> None:
    from index.embeddings import SentenceTransformerEmbedder

    reference = SentenceTransformerEmbedder(DEFAULT_EMBEDDING_MODEL)
    ours, theirs = embedder.encode(TEXTS), reference.encode(TEXTS)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)
    assert float((ours * theirs).sum(axis=1).min()) > 0.99999
