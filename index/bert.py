"""BERT sentence embedders (all-MiniLM-L6-v2 among them) run in plain numpy.

Why not sentence-transformers here: importing it pulls in torch, transformers, scikit-learn
and scipy, which is most of a cold `talenthub ask` (see benchmarks/README.md) and ~400 MB of
memory, all for six small transformer layers. This module reads the same `model.safetensors`
and `tokenizer.json` and computes the same thing: the encoder, mean pooling over real
tokens, L2 normalisation. A slow test checks the vectors against sentence-transformers.
Models of any other shape still go through sentence-transformers (`index.embeddings`).
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

# Small batches: attention memory grows with batch x length^2; measured on the corpus, 8
# needs 270 MB at peak instead of 500 MB for 32, and is no slower (length-sorted, less padding).
BATCH = 8
MEAN_POOLING = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False,
                "pooling_mode_max_tokens": False}
TRANSFORMER_MODULE = "sentence_transformers.models.Transformer"
ALLOWED_MODULES = {TRANSFORMER_MODULE, "sentence_transformers.models.Pooling",
                   "sentence_transformers.models.Normalize"}


def supported(path: str | Path) -> bool:
    """A local sentence-transformers folder holding a BERT encoder with mean pooling."""
    folder = Path(path)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        pooling_dirs = [m["path"] for m in modules if m["type"].endswith("Pooling")]
        pooling = json.loads((folder / pooling_dirs[0] / "config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False
    return (config.get("model_type") == "bert" and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and {m["type"] for m in modules} <= ALLOWED_MODULES
            and all(pooling.get(k, False) == v for k, v in MEAN_POOLING.items())
            and (folder / "model.safetensors").is_file()
            and (folder / "tokenizer.json").is_file())


class NumpyBertEmbedder:
    """Same vectors as `SentenceTransformer(path).encode(..., normalize_embeddings=True)`.

    Thread-safe without a model lock: the weights are read-only and numpy releases the GIL
    in matrix products, so concurrent requests use both cores. Loading it holds the process's
    BLAS to one thread: for a query's small matrices its worker threads only add hand-offs,
    and on a busy machine they spin against each other (measured 20x slower per query).
    """

    def __init__(self, name: str, path: str | Path):
        folder = Path(path)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        st_config = _read_json(folder / "sentence_bert_config.json")
        self.name = name
        self.dim = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_tokens = int(st_config.get("max_seq_length")
                              or config.get("max_position_embeddings", 512))
        self.lowercase = bool(st_config.get("do_lower_case", False))
        self.weights = _weights(folder / "model.safetensors")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        self._tokenizer_lock = threading.Lock()
        threadpool_limits(limits=1, user_api="blas")

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        """Batches of similar length, so little work is spent on padding."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.lowercase:
            texts = [t.lower() for t in texts]
        with self._tokenizer_lock:
            encodings = self.tokenizer.encode_batch(texts)
        ids = [e.ids for e in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            batch = order[start: start + BATCH]
            out[batch] = self._forward([ids[i] for i in batch])
        return out

    def _forward(self, ids: list[list[int]]) -> np.ndarray:
        w = self.weights
        length = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for i, row in enumerate(ids):
            tokens[i, : len(row)] = row
            mask[i, : len(row)] = 1.0
        x = (w["embeddings.word_embeddings.weight"][tokens]
             + w["embeddings.position_embeddings.weight"][:length][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        batch, _, hidden = x.shape
        head = hidden // self.heads
        blocked = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            qkv = x @ w[p + "qkv.weight"] + w[p + "qkv.bias"]
            q, k, v = (qkv[..., i * hidden: (i + 1) * hidden]
                       .reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)
                       for i in range(3))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(self._dense(context, p + "attention.output.dense") + x,
                           p + "attention.output.LayerNorm")
            inner = _gelu(self._dense(x, p + "intermediate.dense"))
            x = self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.weights[name + ".weight"] + self.weights[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return ((x - mean) / np.sqrt(var + self.eps) * self.weights[name + ".weight"]
                + self.weights[name + ".bias"])


def _weights(path: Path) -> dict[str, Any]:
    """float32 weights, linear layers stored input-major (x @ W), Q/K/V fused into one."""
    raw = {k.removeprefix("bert."): v for k, v in load_file(str(path)).items()}
    weights: dict[str, Any] = {}
    for key, value in raw.items():
        value = value.astype(np.float32)
        is_linear = value.ndim == 2 and not key.startswith("embeddings.")
        weights[key] = np.ascontiguousarray(value.T) if is_linear else value
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in weights:
        p = f"encoder.layer.{layer}."
        parts = [p + f"attention.self.{n}" for n in ("query", "key", "value")]
        weights[p + "qkv.weight"] = np.concatenate([weights.pop(n + ".weight") for n in parts],
                                                   axis=1)
        weights[p + "qkv.bias"] = np.concatenate([weights.pop(n + ".bias") for n in parts])
        layer += 1
    return weights


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz & Stegun 7.1.26 (error below
    1.5e-7, under float32 resolution): numpy has no erf, and scipy costs a second to import."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                       + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
