"""The baselines' crediting rules, and the naive LangChain pipeline end to end on a fake
embedder (the real MiniLM run is in evals/test_quality.py and `talenthub eval`)."""

from __future__ import annotations

from pathlib import Path

from eval_fakes import FakeAssistant
from support import FakeEmbedder

from corpus.load import CorpusLoad
from corpus.models import Document, Section
from evals.baselines import NaiveBaseline, RetrieverBaseline, credit_units
from evals.dataset import Case

AP = "employers/pre-departure/1"
LONG = "web#surveys"
SECTIONS = {
    AP: "Engage with local municipality to offer services to incoming talent.",
    "employers/pre-departure/2": "Build an attraction brand together with local partners.",
    LONG: "The survey received 68 responses. It ran from 9 to 22 November 2023 online.",
    "web#about": "About",
}


def test_unit_inside_a_raw_chunk_is_credited_despite_markup() -> None:
    chunk = ("<li>1. <b>Engage with local municipality</b> to offer services to\n"
             "incoming talent.</li> <li>2. <b>Build an attraction</b> brand")
    # the first action point lies whole in the chunk (tags and line break aside); the second
    # is cut off mid-sentence, so it is not credited
    assert credit_units([chunk], SECTIONS) == [[AP]]


def test_chunk_inside_one_long_section_points_at_it() -> None:
    assert credit_units(["received 68 responses. It ran from 9"], SECTIONS) == [[LONG]]
    # a piece that occurs in two sections (a stray word, a heading) points at neither
    assert credit_units(["local"], SECTIONS) == [[]]


FILLER = " ".join(["Lasagna needs pasta sheets, tomato sauce and cheese."] * 18)  # ~950 chars


def _corpus(tmp_path: Path) -> CorpusLoad:
    """Three paragraphs, each too long to share a 1000-character chunk with the next."""
    path = tmp_path / "guide.md"
    paragraphs = [SECTIONS[AP] + " " + SECTIONS["employers/pre-departure/2"], FILLER,
                  SECTIONS[LONG]]
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    document = Document(slug="guide", path=path, title="Guide")
    sections = [Section(id=uid, document="guide", kind="action-points" if "/" in uid else
                        "other", title=uid, text=text, breadcrumb=uid)
                for uid, text in SECTIONS.items()]
    return CorpusLoad(documents=[document], sections=sections)


def test_naive_pipeline_cites_what_its_top_chunks_hold(tmp_path: Path,
                                                       embedder: FakeEmbedder) -> None:
    naive = NaiveBaseline(_corpus(tmp_path), embedder, k=10, cite=1)
    try:
        assert len(naive.chunks) == 3
        outcome = naive.run(Case(id="c", question="How many survey responses in November?",
                                 kind="fact", expected=(LONG,), must_contain=("68",)))
        # top chunk: the survey paragraph, which is the whole LONG section
        assert outcome.cited == (LONG,)
        assert outcome.grounded and "68 responses" in outcome.answer
        # the ranking goes on past the cited chunk: both action points come later
        assert set(outcome.ranked) == {LONG, AP, "employers/pre-departure/2"}
    finally:
        naive.close()


def test_retriever_baseline_cites_its_top_four_units(corpus: CorpusLoad) -> None:
    ids = ["employers/pre-departure/1", "employers/pre-departure/2",
           "employers/pre-departure/3", "employers/pre-departure/4",
           "employers/pre-departure/5"]
    question = "What should a firm do before hires move?"
    bm25 = RetrieverBaseline(FakeAssistant(corpus, {question: ids}), "bm25", k=10)
    outcome = bm25.run(Case(id="c", question=question, kind="list", expected=tuple(ids)))
    # the fake's BM25 ranks the script in reverse: 5, 4, 3, 2, then fillers
    assert outcome.cited == tuple(reversed(ids))[:4]
    assert outcome.ranked[:5] == tuple(reversed(ids))
    assert bm25.label == "BM25 only"
