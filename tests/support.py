"""Test helpers shared across the suite: a fake embedder for fast tests and the one real
index (real model) that the slow tests share."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
    """A writable copy of the repo corpus (its manifest inside), for add/change/delete tests."""
    from corpus.settings import DEFAULT_CORPUS_DIR

    shutil.copytree(DEFAULT_CORPUS_DIR, target)
    return target


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(data_dir: Path, log: Path, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """`talenthub serve` as a subprocess on a free loopback port, healthy before it yields."""
    port = free_port()
    talenthub = shutil.which("talenthub", path=str(Path(sys.executable).parent))
    command = [talenthub] if talenthub else [sys.executable, "-m", "ui.cli"]
    environment = {**os.environ, "TALENTHUB_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
                   "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    with log.open("w") as out:
        process = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port",
                                    str(port)], env=environment, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(process, url, log)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL if it lingers; always reaped."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_healthy(process: subprocess.Popen[Any], url: str, log: Path) -> None:
    import httpx
    import pytest

    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            pytest.fail(f"talenthub serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"talenthub serve did not become healthy: {log.read_text()}")
        time.sleep(0.5)
