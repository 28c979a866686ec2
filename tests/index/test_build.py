"""Incremental builds and the atomic switch-over, with a fake embedder (no model needed)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from support import FakeEmbedder, copy_corpus

from corpus.settings import Settings
from index.build import build_index, build_lock
from index.reader import IndexReader
from index.store import (
    ANN_EF_SEARCH,
    EXACT_SEARCH_MAX_CHUNKS,
    LocalLayout,
    NoIndex,
    hnsw_configuration,
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=copy_corpus(tmp_path / "corpus"), data_dir=tmp_path / "data")


def test_first_build_reports_the_corpus(settings: Settings) -> None:
    embedder = FakeEmbedder()
    report = build_index(settings, lambda: embedder)
    assert report.documents == 5
    assert report.counts["action-points"] == 83
    assert report.counts["stakeholders"] == 6
    assert report.counts["intervention areas"] == 8
    assert report.counts["self-assessment"] == 76
    assert report.embedded == report.chunks == embedder.texts
    assert IndexReader(settings).snapshot().stats()["chunks"] == report.chunks


def test_dense_search_is_exhaustive_up_to_the_threshold_and_approximate_above(
        settings: Settings) -> None:
    report = build_index(settings, FakeEmbedder)
    configuration = IndexReader(settings).snapshot().collection.configuration["hnsw"]
    assert configuration["ef_search"] >= report.chunks  # every vector is visited
    large = hnsw_configuration(EXACT_SEARCH_MAX_CHUNKS + 1)["hnsw"]
    assert large["ef_search"] == ANN_EF_SEARCH


def test_second_run_embeds_nothing_and_loads_no_model(settings: Settings) -> None:
    build_index(settings, FakeEmbedder)

    def no_model() -> FakeEmbedder:
        raise AssertionError("an up-to-date index must not load the model")

    report = build_index(settings, no_model)
    assert report.up_to_date
    assert report.embedded == 0


def test_add_change_and_delete_documents(settings: Settings) -> None:
    first = build_index(settings, FakeEmbedder)
    corpus = settings.corpus_dir
    (corpus / "partner-brief.md").write_text(
        "# Housing support\n\nCities should keep a list of rooms for newcomers in their "
        "first month, in cooperation with employers.\n")
    embedder = FakeEmbedder()
    added = build_index(settings, lambda: embedder)
    assert added.added == ["partner-brief"]
    assert added.embedded == 1 == embedder.texts
    assert added.reused == first.chunks

    path = corpus / "emn-belgium-skills-mobility-conference.txt"
    path.write_text(path.read_text() + "\nA closing note added later by the publisher.\n")
    changed = build_index(settings, FakeEmbedder)
    assert changed.changed == ["emn-belgium-skills-mobility-conference"]
    assert 0 < changed.embedded < 10  # only that page's chunks
    assert changed.reused == changed.chunks - changed.embedded

    (corpus / "partner-brief.md").unlink()
    removed = build_index(settings, FakeEmbedder)
    assert removed.removed == ["partner-brief"]
    assert removed.embedded == 0
    units = {c.unit_id for c in IndexReader(settings).snapshot().chunks}
    assert not any(u.startswith("partner-brief#") for u in units)


def test_a_crash_mid_build_leaves_the_previous_build_serving(settings: Settings) -> None:
    build_index(settings, FakeEmbedder)
    layout = LocalLayout(settings.index_dir)
    before = layout.current()
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(settings, lambda: FakeEmbedder(fail_after=2), rebuild=True)
    assert layout.current() == before
    assert IndexReader(settings).snapshot().build_id == before


def test_the_reader_switches_to_a_new_build(settings: Settings) -> None:
    build_index(settings, FakeEmbedder)
    reader = IndexReader(settings)
    old = reader.snapshot().build_id
    time.sleep(0.01)
    build_index(settings, FakeEmbedder, rebuild=True)
    assert reader.snapshot().build_id != old


def test_old_builds_are_pruned(settings: Settings) -> None:
    for _ in range(4):
        build_index(settings, FakeEmbedder, rebuild=True)
    assert len(LocalLayout(settings.index_dir).builds()) == 2


def test_no_index_says_what_to_run(settings: Settings) -> None:
    with pytest.raises(NoIndex, match="talenthub index"):
        IndexReader(settings).snapshot()


def test_builds_are_serialised_by_the_lock(tmp_path: Path) -> None:
    order: list[str] = []

    def hold(name: str) -> None:
        with build_lock(tmp_path):
            order.append(f"{name} in")
            time.sleep(0.2)
            order.append(f"{name} out")

    threads = [threading.Thread(target=hold, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert order == ["a in", "a out", "b in", "b out"]


def test_reads_of_a_large_build_go_in_pages(settings: Settings,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Chroma refuses one get() of ~30,000 chunks ("too many SQL variables")."""
    import index.store

    report = build_index(settings, FakeEmbedder)
    monkeypatch.setattr(index.store, "GET_PAGE", 7)
    snapshot = IndexReader(settings).snapshot()
    assert len({c.id for c in snapshot.chunks}) == report.chunks
    (settings.corpus_dir / "mpf-labour-migration-news.txt").write_text(
        "Changed\n\nA short replacement page about labour migration news in 2025.\n")
    assert build_index(settings, FakeEmbedder).reused > 7  # copied across, page by page
