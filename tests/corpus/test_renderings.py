"""The guidebook and the web pages in the formats partners hold them: every rendering gives
the Markdown seed's units, ids and texts, each with its page where the format has pages; a
folder of documents works anywhere, with or without a manifest; detection never misfires."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from support import FakeEmbedder

from corpus.guidebook import SLUG
from corpus.load import MANIFEST_NAME, CorpusLoad, load_corpus
from corpus.models import Section
from corpus.settings import DEFAULT_CORPUS_DIR, Settings
from corpus.text import split_sentences
from evals.formats import on_pages, pdf_page_words

GUIDEBOOK_KINDS = {"action-points", "self-assessment", "interventions", "quotes"}


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed() -> dict[str, Section]:
    return {s.id: s for s in load_corpus(DEFAULT_CORPUS_DIR).sections_of(SLUG)}


@pytest.mark.parametrize("fmt", ["html", "pdf", "docx"])
def test_every_rendering_gives_the_seeds_units(fmt: str,
                                               rendered_corpus: dict[str, CorpusLoad],
                                               seed: dict[str, Section]) -> None:
    loaded = rendered_corpus[fmt]
    assert loaded.skipped == []
    units = {s.id: s for s in loaded.sections}
    assert set(units) == set(seed)
    assert Counter(s.kind for s in units.values()) == Counter(s.kind for s in seed.values())
    for unit_id, unit in units.items():
        expected = seed[unit_id]
        assert _norm(unit.text) == _norm(expected.text), unit_id
        assert (unit.title, unit.breadcrumb, unit.footnotes) == (
            expected.title, expected.breadcrumb, expected.footnotes), unit_id
        assert bool(unit.pages) == (fmt == "pdf"), unit_id


def test_pdf_units_cite_the_page_their_text_is_on(
        renderings: dict[str, Path], rendered_corpus: dict[str, CorpusLoad]) -> None:
    pages = pdf_page_words(renderings["pdf"])[SLUG]
    units = rendered_corpus["pdf"].sections
    for unit in units:
        assert unit.page == unit.pages[0] and unit.pages == tuple(sorted(unit.pages))
        assert on_pages(unit.text, unit.pages, pages), unit.id  # starts and ends there
    assert {u.id: u.pages for u in units}["employers/pre-departure/4"] in ((4,), (5,), (6,))


def test_each_quoted_sentence_names_exactly_its_own_pages(
        renderings: dict[str, Path], rendered_corpus: dict[str, CorpusLoad]) -> None:
    from index.chunking import chunk_sections, quoted_pages

    page_words = pdf_page_words(renderings["pdf"])[SLUG]
    spanning = [s for s in rendered_corpus["pdf"].sections if len(s.pages) > 1]
    assert len(spanning) >= 5
    for chunk in chunk_sections(spanning):
        for sentence in split_sentences(chunk.text):
            pages = quoted_pages(sentence, chunk.text, chunk.metadata["page_map"])
            assert on_pages(sentence, pages, page_words), (chunk.id, sentence, pages)
            assert len(pages) <= 2


def test_a_copied_folder_without_manifest_at_any_depth(tmp_path: Path,
                                                       seed: dict[str, Section]) -> None:
    corpus = tmp_path / "partner"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus / "common" / "iom")
    (corpus / "common" / "iom" / MANIFEST_NAME).unlink()
    loaded = load_corpus(corpus)
    points = [s for s in loaded.sections if s.kind == "action-points"]
    assert len(points) == 83
    assert len({s.stakeholder for s in points}) == 6
    assert {s.id for s in loaded.sections_of(SLUG)} == set(seed)
    guidebook = next(d for d in loaded.documents if d.slug == SLUG)
    assert guidebook.relative_path == "common/iom/talent-hub-guidebook.md"
    assert guidebook.title == "TALENT HUB GUIDEBOOK"  # its first heading, not its file name


def test_web_pages_printed_to_pdf_keep_their_section_ids(
        rendered_corpus: dict[str, CorpusLoad]) -> None:
    seed = {s.id: s for s in load_corpus(DEFAULT_CORPUS_DIR).sections if s.document != SLUG}
    printed = {s.id: s for s in rendered_corpus["web-pdf"].sections}
    assert set(seed) <= set(printed)
    for unit_id, unit in seed.items():
        assert _norm(printed[unit_id].text) == _norm(unit.text), unit_id
        assert printed[unit_id].pages, unit_id
    assert not [s for s in printed.values() if s.kind in GUIDEBOOK_KINDS]
    titles = {d.slug: d.title for d in rendered_corpus["web-pdf"].documents}
    assert titles["mpf-labour-migration-news"] == \
        "Migration Partnership Facility: labour migration news"  # from the PDF's metadata


def test_detection_never_misfires(tmp_path: Path) -> None:
    (tmp_path / "employers-note.md").write_text(
        "# II.1 Employers/companies\n\nEmployers should offer language courses to employers' "
        "staff. Municipalities and trade unions help employers.\n\n## Employer/company "
        "action points – the implementation phase\n\n1. Engage with the municipality.\n",
        encoding="utf-8")
    (tmp_path / "brief.md").write_text(
        "# Employers and municipalities\n\nEmployers, municipalities, government authorities, "
        "educational institutions, trade unions and civil society all play a part.\n",
        encoding="utf-8")
    for dump in DEFAULT_CORPUS_DIR.glob("*.txt"):
        shutil.copy(dump, tmp_path / dump.name)
    loaded = load_corpus(tmp_path)
    assert loaded.skipped == []
    assert {s.kind for s in loaded.sections} == {"other"}
    assert not any(s.stakeholder or s.phase for s in loaded.sections)


def test_the_manifest_can_force_or_disable_the_guidebook_parser(tmp_path: Path) -> None:
    shutil.copy(DEFAULT_CORPUS_DIR / f"{SLUG}.md", tmp_path / "chapter.md")
    (tmp_path / "notes.md").write_text("# Notes\n\nA page of notes on housing.\n")
    (tmp_path / MANIFEST_NAME).write_text(
        '[[document]]\nfile = "chapter.md"\nparser = "generic"\n\n'
        '[[document]]\nfile = "notes.md"\nparser = "guidebook"\n', encoding="utf-8")
    loaded = load_corpus(tmp_path)
    assert {s.kind for s in loaded.sections} == {"other"}
    assert [s.path.name for s in loaded.skipped] == ["notes.md"]
    assert "II.1 to II.6" in loaded.skipped[0].reason


def test_a_second_copy_of_the_guidebook_is_skipped_not_duplicated(
        tmp_path: Path, renderings: dict[str, Path]) -> None:
    shutil.copy(DEFAULT_CORPUS_DIR / f"{SLUG}.md", tmp_path / "a-guidebook.md")
    shutil.copy(renderings["docx"] / f"{SLUG}.docx", tmp_path / "b-guidebook.docx")
    loaded = load_corpus(tmp_path)
    assert len([s for s in loaded.sections if s.kind == "action-points"]) == 83
    assert [(s.path.name, "a-guidebook.md" in s.reason) for s in loaded.skipped] == [
        ("b-guidebook.docx", True)]


def test_an_index_of_the_guidebook_pdf_alone(tmp_path: Path,
                                             renderings: dict[str, Path]) -> None:
    from index.build import build_index
    from index.reader import IndexReader

    settings = Settings(corpus_dir=renderings["pdf"], data_dir=tmp_path)
    report = build_index(settings, FakeEmbedder)
    assert (report.counts["stakeholders"], report.counts["action-points"]) == (6, 83)
    chunk = IndexReader(settings).snapshot().units["employers/pre-departure/4"][0]
    assert chunk.metadata["page"] >= 1
    assert chunk.metadata["pages"] == str(chunk.metadata["page"])
