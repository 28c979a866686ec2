"""Test helpers shared across the suite: a fake embedder for fast tests and the one real
index (real model) that the slow tests share."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import pytest

from corpus.settings import Settings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from playwright.sync_api import Browser


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


def client_for(settings: Settings, assistant: Any, **overrides: Any) -> TestClient:
    """The whole server in process, with some settings overridden."""
    from fastapi.testclient import TestClient

    from ui.server import create_app

    return TestClient(create_app(settings.model_copy(update=overrides), assistant),
                      raise_server_exceptions=False)


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


CHROMIUM_ENV = "TALENTHUB_TEST_CHROMIUM"  # a Chromium binary other than the one on PATH
LIVE_KEY = "live-test-key"  # the API key of the shared `live_server`
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTALL_CHROMIUM = f"install it (apt-get install chromium) or set {CHROMIUM_ENV}"
SHORT_PATH = 40  # leaves room for Chromium's own folder and socket name under it


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def browser_unavailable(reason: str) -> NoReturn:
    """A browser test that cannot run: in CI (`CI=true`) that fails the run, so CI cannot go
    green without the browser tests; elsewhere it is skipped, saying why."""
    if in_ci():
        pytest.fail(f"CI needs the browser tests, and {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        if not Path(configured).is_file():
            browser_unavailable(f"{CHROMIUM_ENV}={configured} is not a file")
        return configured
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        browser_unavailable(f"Chromium is not on PATH: {INSTALL_CHROMIUM}")
    return found


@contextmanager
def launch_browser() -> Iterator[Browser]:
    """Headless Chromium through Playwright, closed afterwards."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        browser_unavailable("the playwright package is missing: pip install -e '.[dev]'")
    path = chromium_path()
    with sync_playwright() as playwright, short_tmpdir() as tmpdir:
        try:
            browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS,
                                                 env={**os.environ, "TMPDIR": tmpdir})
        except Error as exc:
            lines = str(exc).strip().splitlines() or [repr(exc)]
            reason = next((line for line in lines if "FATAL" in line), lines[0])
            browser_unavailable(f"Chromium at {path} cannot start ({reason.strip()}); "
                                f"{INSTALL_CHROMIUM}")
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def short_tmpdir() -> Iterator[str]:
    """A private temporary folder with a short path. Chromium puts a Unix socket under
    $TMPDIR, and a socket path may not exceed about 100 bytes: under a long TMPDIR the
    browser aborts ("Socket path too long")."""
    root = tempfile.gettempdir()
    if len(root) > SHORT_PATH and Path("/tmp").is_dir():
        root = "/tmp"
    with tempfile.TemporaryDirectory(prefix="browser-", dir=root) as path:
        yield path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(data_dir: Path, log: Path, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """`talenthub serve` as a subprocess on a free loopback port, healthy before it yields."""
    port = free_port()
    environment = {**os.environ, "TALENTHUB_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
                   "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    with log.open("w") as out:
        process = subprocess.Popen([*talenthub_command(), "serve", "--host", "127.0.0.1",
                                    "--port", str(port)], env=environment, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(process, url, log)
        yield url
    finally:
        stop(process)


def talenthub_command() -> list[str]:
    """The `talenthub` of this interpreter's environment."""
    talenthub = shutil.which("talenthub", path=str(Path(sys.executable).parent))
    return [talenthub] if talenthub else [sys.executable, "-m", "ui.cli"]


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
