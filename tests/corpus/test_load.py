"""Reading a corpus folder: manifest attribution, skipped files, and nothing aborts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from support import copy_corpus

from corpus.load import discover, load_corpus
from corpus.settings import DEFAULT_CORPUS_DIR


def test_repo_corpus_loads_with_manifest_attribution() -> None:
    loaded = load_corpus(DEFAULT_CORPUS_DIR)
    slugs = {d.slug for d in loaded.documents}
    assert slugs == {"talent-hub-guidebook", "iom-germany-talent-hub", "dg-reform-talent-hub",
                     "mpf-labour-migration-news", "emn-belgium-skills-mobility-conference"}
    assert loaded.skipped == []
    guidebook = next(d for d in loaded.documents if d.slug == "talent-hub-guidebook")
    assert guidebook.licence == "CC BY-NC-ND 3.0 IGO"
    assert guidebook.citation.startswith("International Organization for Migration (IOM), 2024")
    assert len({s.id for s in loaded.sections}) == len(loaded.sections)


def test_bad_files_are_skipped_with_a_named_warning(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (corpus / "empty.md").write_text("   \n")
    (corpus / "table.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 in K\xf8benhavn".encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        loaded = load_corpus(corpus)
    skipped = {s.path.name: s.reason for s in loaded.skipped}
    assert set(skipped) == {"broken.pdf", "empty.md", "table.xlsx", "latin1.txt"}
    assert "unsupported" in skipped["table.xlsx"]
    for name in skipped:
        assert name in caplog.text
    assert len(loaded.documents) == 5  # the good ones are all still there


def test_unlisted_files_get_a_slug_from_their_name_and_a_title_from_their_text(
        tmp_path: Path) -> None:
    (tmp_path / "Partner Brief 2025.md").write_text("# Housing\n\nCities should help.\n")
    (document,) = load_corpus(tmp_path).documents
    assert document.slug == "partner-brief-2025"
    assert document.title == "Housing"


def test_missing_corpus_folder_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="TALENTHUB_CORPUS_DIR"):
        load_corpus(tmp_path / "nowhere")


def test_files_with_the_same_name_get_distinct_slugs(tmp_path: Path) -> None:
    (tmp_path / "brief.md").write_text("# A\n\nText about housing for newcomers.\n")
    (tmp_path / "brief.txt").write_text("Other text about language courses for talent.\n")
    assert sorted(d.slug for d in discover(tmp_path)) == ["brief", "brief-txt"]
