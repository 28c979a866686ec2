"""Scale-out on one Chroma server (`chroma run`): replicas share its index and all move to
a new build when it is re-indexed, without a restart."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from reliability_support import ChromaServer, cli_env, talenthub
from support import FakeEmbedder, copy_corpus

import index.reader
from assistant.api import Assistant
from corpus.settings import Settings
from index.build import build_index
from index.reader import IndexReader
from index.store import ServerLayout

QUESTION = "What should employers do before talent arrives?"
NEW_TEXT = "Employers in partner countries now co-finance language courses for newcomers."
SWITCH_TIMEOUT = 15.0


def replica(settings: Settings) -> Assistant:
    """What one `talenthub serve` process holds: its own reader and model."""
    return Assistant(settings, IndexReader(settings), FakeEmbedder())


def test_replicas_share_the_server_and_follow_a_reindex(chroma_server: ChromaServer,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index.reader, "SERVER_POINTER_CHECK_SECONDS", 0.2)
    corpus = copy_corpus(tmp_path / "corpus")
    # Each replica has its own data dir: nothing of the index lives there in server mode.
    settings = [Settings(data_dir=tmp_path / f"replica-{i}", corpus_dir=corpus,
                         chroma_url=chroma_server.url) for i in range(2)]
    first = build_index(settings[0], FakeEmbedder).build_id
    replicas = [replica(s) for s in settings]
    answers = [r.ask(QUESTION) for r in replicas]
    assert answers[0].citations and answers[0].cited_ids == answers[1].cited_ids
    assert {a.meta["build"] for a in answers} == {first}

    changed = corpus / "mpf-labour-migration-news.txt"
    changed.chmod(0o644)
    with changed.open("a", encoding="utf-8") as handle:
        handle.write(f"\n{NEW_TEXT}\n")
    report = build_index(settings[1], FakeEmbedder)  # re-indexed from the other replica
    assert report.changed == ["mpf-labour-migration-news"] and report.reused > 0
    second = report.build_id
    deadline = time.monotonic() + SWITCH_TIMEOUT
    builds: set[str] = set()
    while builds != {second} and time.monotonic() < deadline:
        time.sleep(0.25)
        builds = {r.ask(QUESTION).meta["build"] for r in replicas}
    assert builds == {second}
    for r in replicas:
        assert any(NEW_TEXT in c.text for c in r.reader.snapshot().chunks)
    assert ServerLayout(chroma_server.url).builds() == sorted([first, second])


@pytest.mark.slow
def test_cli_indexes_into_and_answers_from_the_server(chroma_server: ChromaServer,
                                                      small_real_index: Settings,
                                                      tmp_path: Path) -> None:
    env = cli_env(tmp_path / "data", TALENTHUB_CHROMA_URL=chroma_server.url,
                  TALENTHUB_CORPUS_DIR=str(small_real_index.corpus_dir))
    built = talenthub("index", env=env)
    assert built.returncode == 0, built.stderr
    assert "Built index" in built.stdout and chroma_server.url in built.stdout
    result = talenthub("ask", "How can practitioners engage the private sector?", "--json",
                       env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["citations"]
    assert answer["meta"]["build"] == ServerLayout(chroma_server.url).current()
    assert not (tmp_path / "data" / "index" / "CURRENT").exists()  # nothing local
