"""Citable units stay whole; long prose is split on sentences with context prepended."""

from __future__ import annotations

from corpus.load import load_corpus
from corpus.models import Section
from corpus.settings import DEFAULT_CORPUS_DIR
from corpus.text import normalise_space
from index.chunking import chunk_section, chunk_sections, quoted_pages


def section(kind: str, text: str, **fields: object) -> Section:
    return Section(id="employers/x/1", document="doc", kind=kind, title="T",
                   text=text, breadcrumb="Guidebook › II.1 Employers › X", **fields)


def test_an_action_point_is_one_chunk_however_long() -> None:
    text = "Offer language training. " * 80
    (chunk,) = chunk_section(section("action-points", text))
    assert chunk.id == chunk.unit_id == "employers/x/1"
    assert chunk.text == text


def test_long_prose_splits_on_sentences_with_the_breadcrumb_in_the_embedded_text() -> None:
    sentences = [f"Sentence number {i} talks about housing for newcomers." for i in range(40)]
    chunks = chunk_section(section("interventions", " ".join(sentences)), max_words=50)
    assert len(chunks) > 1
    assert [c.id for c in chunks] == [f"employers/x/1~{i}" for i in range(1, len(chunks) + 1)]
    assert all(c.unit_id == "employers/x/1" for c in chunks)
    assert all(c.embed_text.startswith("Guidebook › II.1 Employers › X\n") for c in chunks)
    assert " ".join(c.text for c in chunks) == " ".join(sentences)
    assert all(len(c.text.split()) <= 50 for c in chunks)


def test_metadata_is_flat_and_filterable() -> None:
    (chunk,) = chunk_section(section("action-points", "Do it.", stakeholder="employers",
                                     phase="on-boarding", number=2))
    assert chunk.metadata["stakeholder"] == "employers"
    assert chunk.metadata["phase"] == "on-boarding"
    assert chunk.metadata["number"] == 2
    assert chunk.metadata["theme"] == ""
    assert all(value is not None for value in chunk.metadata.values())


def test_every_chunk_of_the_corpus_is_a_verbatim_piece_of_its_section() -> None:
    loaded = load_corpus(DEFAULT_CORPUS_DIR)
    texts = {s.id: normalise_space(s.text) for s in loaded.sections}
    chunks = chunk_sections(loaded.sections)
    assert len({c.id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert normalise_space(chunk.text) in texts[chunk.unit_id]


def test_each_chunk_knows_where_its_pages_begin_so_a_quote_names_its_own_pages() -> None:
    sentences = [f"Sentence {i} is about housing." for i in range(30)]
    text = " ".join(sentences)
    breaks = [(0, 4), (text.index("Sentence 12 "), 5), (text.index("Sentence 25 "), 6)]
    chunks = chunk_section(section("other", text, pages=(4, 5, 6), page_starts=tuple(breaks)),
                           max_words=50)
    assert len(chunks) == 3
    first, second, third = chunks
    assert quoted_pages("Sentence 3 is about housing.", first.text,
                        first.metadata["page_map"]) == [4]
    both = "Sentence 11 is about housing. Sentence 12 is about housing."
    assert quoted_pages(both, first.text + " " + second.text, "0:4,"
                        f"{(first.text + ' ' + second.text).index('Sentence 12 ')}:5") == [4, 5]
    assert quoted_pages("Sentence 26 is about housing.", third.text,
                        third.metadata["page_map"]) == [6]
    assert quoted_pages("not in the text", third.text, third.metadata["page_map"]) == []
    assert quoted_pages("Sentence 26 is about housing.", third.text, "") == []
