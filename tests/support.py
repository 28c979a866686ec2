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
    from playwright.sync_api import Browser, Page


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


def sqlite_store(path: Path) -> Any:
    """A feedback store in its own SQLite file (the server's database, without a server)."""
    from ui.feedback import FeedbackStore
    from ui.storage import Database

    return FeedbackStore(Database(f"sqlite:///{path}"))


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


# Two partners' own documents. Each holds words no other document uses ("Zorblatt",
# "Harbourgate"), so a leak between scopes is easy to see in an answer.
ALPHA_DOCUMENT = """# Alpha City welcome desk

## Opening hours

The Harbourgate welcome desk for international staff of Alpha City is open on Tuesdays and
Thursdays from 9:00 to 15:00, in room 4.12 of the town hall.

## Relocation grant

Employees recruited from abroad by Alpha City departments receive a relocation grant of
2,400 euros, paid with their first salary.
"""
BETA_DOCUMENT = """# Beta Employers' Association member handbook

## Salary benchmark

Members may request the Zorblatt salary benchmark for engineers, which lists a median
starting salary of 58,000 euros; the benchmark is shared with members only.

## Mentoring scheme

Each newly arrived engineer is paired with a Quillonberg mentor from another member
company for the first six months after arrival.
"""
BETA_QUOTE = ("Members may request the Zorblatt salary benchmark for engineers, which lists "
              "a median starting salary of 58,000 euros")


def add_partners(corpus: Path) -> Path:
    """Partner alpha's and partner beta's documents, in their folders under `corpus`."""
    for partner, name, text in (("alpha", "welcome-desk.md", ALPHA_DOCUMENT),
                                ("beta", "member-handbook.md", BETA_DOCUMENT)):
        folder = corpus / "partners" / partner
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return corpus


CHROMIUM_ENV = "TALENTHUB_TEST_CHROMIUM"  # a Chromium binary other than the one on PATH
LIVE_KEY = "live-test-key"  # the API key of the shared `live_server`
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
INSTALL_CHROMIUM = f"install it (apt-get install chromium) or set {CHROMIUM_ENV}"
SHORT_PATH = 40  # leaves room for Chromium's own folder and socket name under it


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(what: str, reason: str) -> NoReturn:
    """A test that cannot run for want of `what` (a browser, a database server): in CI
    (`CI=true`) that fails the run, so CI cannot go green without it; elsewhere it is
    skipped, saying why."""
    if in_ci():
        pytest.fail(f"CI needs the {what} tests, and {reason}", pytrace=False)
    pytest.skip(reason)


def browser_unavailable(reason: str) -> NoReturn:
    unavailable("browser", reason)


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


POSTGRES_USER = "postgres"  # Debian's: PostgreSQL refuses to run as root


def postgres_bin() -> Path:
    """The folder of Debian's PostgreSQL programs (the newest version installed)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    initdb = found[-1] if found else Path(shutil.which("initdb") or "")
    if not initdb.is_file():
        unavailable("PostgreSQL", "PostgreSQL is not installed (apt-get install postgresql)")
    return initdb.parent


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free loopback port, its data in a temporary
    folder; yields its SQLAlchemy URL. As root, the server runs as the `postgres` user."""
    import pwd

    programs = postgres_bin()
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="talenthub-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            unavailable("PostgreSQL", f"there is no '{POSTGRES_USER}' user to run it as")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", POSTGRES_USER, "--"]
    data, port = root / "data", free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True,
                              timeout=120, check=False)
        if done.returncode != 0:
            unavailable("PostgreSQL", f"{Path(command[0]).name} failed: "
                                      f"{(done.stderr or done.stdout).strip()[-500:]}")

    try:
        run(str(programs / "initdb"), "-D", str(data), "-U", "talenthub", "--auth=trust",
            "-E", "UTF8", "--no-locale")
        run(str(programs / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
            "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        try:
            yield f"postgresql+psycopg://talenthub@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([*as_user, str(programs / "pg_ctl"), "-D", str(data), "-m",
                            "immediate", "-w", "stop"], capture_output=True, timeout=60,
                           check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


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


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # WCAG 2.1 level AA
AXE_BLOCKING = ("critical", "serious")


def axe_violations(page: Page) -> list[str]:
    """axe-core's critical or serious WCAG 2.1 AA violations on the page, each as
    'rule (impact): n nodes, first-selector'."""
    axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright",
                                         reason="pip install -e '.[dev]'")
    result = axe_playwright.Axe().run(page, options={"runOnly": {"type": "tag",
                                                                 "values": AXE_TAGS}})
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])} nodes, {v['nodes'][0]['target']}"
            for v in result.response["violations"] if v["impact"] in AXE_BLOCKING]
