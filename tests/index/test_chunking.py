"""Citable units stay whole; long prose is split on sentences with context prepended."""

from __future__ import annotations

from corpus.load import load_corpus
from corpus.models import Section
from corpus.settings import DEFAULT_CORPUS_DIR
from corpus.text import normalise_space
from index.chunking import chunk_section, chunk_sections


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
