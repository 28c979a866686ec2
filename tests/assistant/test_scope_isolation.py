"""Scopes seen from outside, as an attacker would try them: one index holds the shared
documents and two partners' own, and no scope's questions can reach, or be changed by,
another's documents. Fast: the fake embedder, one build with partners and one without."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import BETA_QUOTE, FakeEmbedder, add_partners, copy_corpus

from assistant import Assistant
from assistant.lexicon import lexicon_for
from corpus.scopes import SHARED, Scope
from corpus.settings import Settings
from evals.dataset import split_path
from index.build import build_index
from index.reader import IndexReader

ALPHA, BETA = Scope("alpha"), Scope("beta")


def built(corpus: Path, data: Path) -> Assistant:
    settings = Settings(corpus_dir=corpus, data_dir=data)
    build_index(settings, FakeEmbedder)
    return Assistant(settings, IndexReader(settings), FakeEmbedder())


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("plain")
    return built(copy_corpus(root / "corpus"), root / "data")


@pytest.fixture(scope="module")
def partnered(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("partnered")
    return built(add_partners(copy_corpus(root / "corpus")), root / "data")


def documents_of(answer: Any) -> set[str]:
    return {c.document for c in answer.citations}


def test_a_verbatim_quote_of_another_partners_document_finds_nothing_of_it(
        partnered: Assistant) -> None:
    for scope in (Scope(), ALPHA):
        answer = partnered.scoped(scope).ask(BETA_QUOTE)
        assert "beta/member-handbook" not in documents_of(answer)
        assert "Zorblatt" not in answer.answer and "58,000" not in answer.answer
        hits = partnered.scoped(scope).retrieve(BETA_QUOTE, k=50)
        assert all(not h.unit_id.startswith("beta/") for h in hits)
    own = partnered.scoped(BETA).ask(BETA_QUOTE)
    assert "beta/member-handbook" in documents_of(own)  # the owner does find it


def test_no_search_of_a_scope_returns_another_scopes_units(partnered: Assistant) -> None:
    texts = [chunk.text for chunk in partnered.check_index().chunks]  # shared texts
    texts += ["Harbourgate welcome desk opening hours", "Quillonberg mentor",
              "relocation grant of 2,400 euros", BETA_QUOTE]
    for scope, allowed in ((Scope(), {SHARED}), (ALPHA, {SHARED, "alpha"})):
        assistant = partnered.scoped(scope)
        for text in texts[::15] + texts[-4:]:
            for hit in assistant.retrieve(text, k=20):
                assert hit.metadata["scope"] in allowed, (scope, text, hit.unit_id)


def test_another_scopes_unit_id_is_unknown_exactly_like_a_made_up_one(
        partnered: Assistant) -> None:
    unit_id = next(u for u in partnered.scoped(BETA).check_index().units
                   if u.startswith("beta/"))
    assert partnered.scoped(BETA).unit(unit_id) is not None
    for scope in (Scope(), ALPHA):
        assert partnered.scoped(scope).unit(unit_id) is None
        assert partnered.scoped(scope).unit("beta/made-up#nothing") is None
        assert all(not h.unit_id.startswith("beta/")
                   for h in partnered.scoped(scope).units())


def test_counts_and_status_are_the_scopes_own(plain: Assistant, partnered: Assistant) -> None:
    shared = partnered.status()  # an assistant without a scope sees the shared one
    alone = plain.status()
    for key in ("documents", "units", "chunks", "kinds"):
        assert shared[key] == alone[key]
    assert partnered.scoped(ALPHA).status()["documents"] == alone["documents"] + 1
    listed = partnered.scoped(ALPHA).check_index().catalogue()["documents"]
    assert {d["scope"] for d in listed} == {SHARED, "alpha"}


def test_typos_are_corrected_only_to_words_the_scope_may_see(partnered: Assistant) -> None:
    question = "Who gets the zorblat benchmark?"
    assert "zorblatt" in partnered.scoped(BETA).analyse(question).query.lower()
    for scope in (Scope(), ALPHA):
        assert "zorblatt" not in partnered.scoped(scope).analyse(question).query.lower()


def test_partners_documents_change_nothing_for_the_shared_scope(
        plain: Assistant, partnered: Assistant) -> None:
    """Not a score, not a lexicon entry, not a word of an answer: the shared scope of an
    index with partners answers exactly as an index without them."""
    assert lexicon_for(partnered.check_index()) == lexicon_for(plain.check_index())
    cases = [json.loads(line) for line in split_path("dev").read_text().splitlines()[:40]]
    for case in cases:
        ours, theirs = (a.ask(case["question"]).to_dict() for a in (partnered, plain))
        for answer in (ours, theirs):
            answer["meta"].pop("elapsed_ms")
            answer["meta"].pop("build")
        assert ours == theirs, case["id"]


def test_documents_are_found_under_the_slug_the_index_cites_and_only_in_scope(
        tmp_path: Path) -> None:
    """A guidebook saved under another name, with no manifest, is cited as
    `talent-hub-guidebook`: its title and file must be found under that slug."""
    corpus = add_partners(copy_corpus(tmp_path / "corpus"))
    (corpus / "manifest.toml").unlink()
    (corpus / "talent-hub-guidebook.md").rename(corpus / "Guidebook 2024 final.md")
    assistant = built(corpus, tmp_path / "data")
    guidebook = assistant.document("talent-hub-guidebook")
    assert guidebook is not None and guidebook.path.name == "Guidebook 2024 final.md"
    assert guidebook.title and "final" not in guidebook.title  # its own, not the file's
    assert assistant.scoped(BETA).document("beta/member-handbook") is not None
    assert assistant.scoped(ALPHA).document("beta/member-handbook") is None
    assert assistant.document("beta/member-handbook") is None
