"""Faults: a killed rebuild, a missing or damaged index, concurrent builds, and a Chroma
server that goes away. Each must end in the previous index serving or in one clear line
(CLI exit 2, HTTP 503 with a `detail`), never a traceback and never a half-written index."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from reliability_support import (
    TALENTHUB,
    ChromaServer,
    cli_env,
    copy_index,
    talenthub,
)
from support import FakeEmbedder, stop

from assistant.api import Assistant
from assistant.errors import IndexUnavailable, NoIndex
from corpus.settings import DEFAULT_CORPUS_DIR, Settings
from index.build import build_index
from index.reader import IndexReader
from index.store import LocalLayout
from ui.server import create_app

QUESTION = "What should employers do before talent arrives?"
SMALL_QUESTION = "How can practitioners engage the private sector in labour migration?"
KILL_DEADLINE = 90.0


def fake_assistant(settings: Settings) -> Assistant:
    return Assistant(settings, IndexReader(settings), FakeEmbedder())


def current_build(settings: Settings) -> str:
    return (settings.index_dir / "CURRENT").read_text().strip()


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


# -- a rebuild killed mid-way -------------------------------------------------------------

@pytest.mark.slow
def test_killed_rebuild_leaves_the_previous_build_serving(small_real_index: Settings,
                                                          tmp_path: Path) -> None:
    settings = copy_index(small_real_index, tmp_path / "data")
    before = current_build(settings)
    env = cli_env(settings.data_dir, TALENTHUB_CORPUS_DIR=str(settings.corpus_dir))
    # The whole corpus: embedding it takes long enough to be killed in the middle.
    rebuild_env = {**env, "TALENTHUB_CORPUS_DIR": str(DEFAULT_CORPUS_DIR)}
    process = subprocess.Popen([TALENTHUB, "index", "--rebuild"], env=rebuild_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL)
    builds = settings.index_dir / "builds"
    try:
        deadline = time.monotonic() + KILL_DEADLINE
        while not [p for p in builds.iterdir() if p.name != before]:
            assert process.poll() is None, "the rebuild finished before it could be killed"
            assert time.monotonic() < deadline, "no new build appeared"
            time.sleep(0.05)
        time.sleep(0.5)  # into the embedding loop: the new build is being written
        assert process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        stop(process)
    assert current_build(settings) == before
    assert len(list(builds.iterdir())) == 2  # the abandoned build is still on disk

    result = talenthub("ask", SMALL_QUESTION, "--json", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["meta"]["build"] == before
    assert answer["citations"]
    # The lock died with the process: the next run is not blocked, and finds nothing to do.
    again = talenthub("index", env=env)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stdout


# -- a missing or damaged index -----------------------------------------------------------

@pytest.mark.slow
def test_missing_index_is_one_line_telling_what_to_run(tmp_path: Path) -> None:
    result = talenthub("ask", QUESTION, env=cli_env(tmp_path / "empty"))
    assert_one_line_error(result, "talenthub index")


def garbage_pointer(index_dir: Path) -> None:
    (index_dir / "CURRENT").write_bytes(b"\x00\xff not a build id\n")


def escaping_pointer(index_dir: Path) -> None:
    (index_dir / "CURRENT").write_text("..\n")


def deleted_build(index_dir: Path) -> None:
    shutil.rmtree(index_dir / "builds" / (index_dir / "CURRENT").read_text().strip())


def truncated_sqlite(index_dir: Path) -> None:
    database = index_dir / "builds" / (index_dir / "CURRENT").read_text().strip() / \
        "chroma.sqlite3"
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 3])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage pointer": garbage_pointer, "pointer escaping the builds folder": escaping_pointer,
    "deleted build": deleted_build, "truncated sqlite": truncated_sqlite,
}


@pytest.fixture(params=list(DAMAGE))
def damaged(request: pytest.FixtureRequest, fake_index: Settings, tmp_path: Path) -> Settings:
    settings = copy_index(fake_index, tmp_path / "data")
    DAMAGE[request.param](settings.index_dir)
    return settings


def test_damaged_index_is_a_clear_error_then_503(damaged: Settings) -> None:
    assistant = fake_assistant(damaged)
    with pytest.raises(IndexUnavailable, match="talenthub index") as caught:
        assistant.ask(QUESTION)
    assert "\n" not in str(caught.value)
    client = TestClient(create_app(damaged, assistant), raise_server_exceptions=False)
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 503
    assert "talenthub index" in response.json()["detail"]
    assert client.get("/api/health").status_code == 503
    # Nothing was created outside the builds folder by following a bad pointer.
    assert not (damaged.index_dir / "chroma.sqlite3").exists()


def test_talenthub_index_repairs_a_damaged_index(damaged: Settings) -> None:
    report = build_index(damaged, FakeEmbedder)
    assert report.build_id and report.embedded == report.chunks  # everything re-embedded
    assert current_build(damaged) == report.build_id
    answer = fake_assistant(damaged).ask(QUESTION)
    assert answer.citations and answer.meta["build"] == report.build_id


@pytest.mark.slow
def test_damaged_index_in_the_cli_is_one_line(fake_index: Settings, tmp_path: Path) -> None:
    settings = copy_index(fake_index, tmp_path / "data")
    truncated_sqlite(settings.index_dir)
    result = talenthub("ask", QUESTION, env=cli_env(settings.data_dir))
    assert_one_line_error(result, "talenthub index --rebuild")


# -- concurrent builds --------------------------------------------------------------------

@pytest.mark.slow
def test_two_index_runs_at_once_are_serialised(small_real_index: Settings,
                                               tmp_path: Path) -> None:
    settings = copy_index(small_real_index, tmp_path / "data")
    corpus = tmp_path / "corpus"
    shutil.copytree(small_real_index.corpus_dir, corpus)
    changed = corpus / "mpf-labour-migration-news.txt"
    changed.chmod(0o644)
    with changed.open("a", encoding="utf-8") as handle:
        handle.write("\nEmployers in partner countries now co-finance language courses.\n")
    env = cli_env(settings.data_dir, TALENTHUB_CORPUS_DIR=str(corpus))
    before = current_build(settings)
    runs = [subprocess.Popen([TALENTHUB, "index"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
            for _ in range(2)]
    try:
        outputs = [run.communicate(timeout=180) for run in runs]
    finally:
        for run in runs:
            stop(run)
    assert [run.returncode for run in runs] == [0, 0], outputs
    built = [out for out, _ in outputs if "Built index" in out]
    idle = [out for out, _ in outputs if "up to date" in out]
    # Interleaved runs would both have seen the old build and both have built a new one.
    assert len(built) == 1 and len(idle) == 1, outputs
    builds = LocalLayout(settings.index_dir).builds()
    after = current_build(settings)
    assert after != before and set(builds) == {before, after}
    snapshot = IndexReader(settings.model_copy(update={"corpus_dir": corpus})).snapshot()
    assert snapshot.build_id == after
    assert len({c.id for c in snapshot.chunks}) == len(snapshot.chunks)
    assert any("co-finance language courses" in c.text for c in snapshot.chunks)


# -- a Chroma server that goes away -------------------------------------------------------

def ask_until(client: TestClient, status: int, *, seconds: float = 20.0) -> dict[str, object]:
    """Ask until the expected status comes back (bounded): the reader re-checks the server
    on the next request, not in the background."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.post("/api/ask", json={"question": QUESTION})
        if response.status_code == status or time.monotonic() > deadline:
            assert response.status_code == status, response.text
            return response.json()  # type: ignore[no-any-return]
        time.sleep(0.2)


def test_unreachable_chroma_server_is_503_and_recovers(chroma_server: ChromaServer,
                                                       tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_server.url,
                        rate_limit_per_minute=0)
    build = build_index(settings, FakeEmbedder).build_id
    client = TestClient(create_app(settings, fake_assistant(settings)),
                        raise_server_exceptions=False)
    assert ask_until(client, 200)["citations"]

    chroma_server.stop()
    detail = ask_until(client, 503)["detail"]
    assert isinstance(detail, str) and "Chroma server" in detail and "\n" not in detail
    health = client.get("/api/health")
    assert health.status_code == 503 and health.json()["status"] == "unavailable"

    chroma_server.start()
    answer = ask_until(client, 200)
    assert answer["citations"] and answer["meta"]["build"] == build  # type: ignore[index]
    assert client.get("/api/health").status_code == 200


def test_index_and_ask_without_the_server_is_one_line(tmp_path: Path) -> None:
    from support import free_port

    settings = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(IndexUnavailable, match="unreachable"):
        build_index(settings, FakeEmbedder)
    with pytest.raises(IndexUnavailable, match="unreachable") as caught:
        fake_assistant(settings).ask(QUESTION)
    assert not isinstance(caught.value, NoIndex)
