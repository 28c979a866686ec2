"""The quality gate across formats in `make test`: the guidebook as PDF and DOCX answers the
dev split as well as its Markdown seed (citation metrics within 0.03), and no answer from any
format quotes a fragment, a text the document does not hold, or the wrong page."""

from __future__ import annotations

import pytest

from evals.dataset import split_path
from evals.formats import (
    GATE,
    FormatRun,
    RememberingEmbedder,
    evaluate_folder,
    format_folder,
    seed_texts,
)
from evals.metrics import HEADLINE

pytestmark = pytest.mark.slow
FORMATS = ("md", "pdf", "docx")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FormatRun]:
    from index.embeddings import load_embedder

    workdir = tmp_path_factory.mktemp("formats")
    embedder = RememberingEmbedder(load_embedder("all-MiniLM-L6-v2"))
    reference = seed_texts()
    return {fmt: evaluate_folder(fmt, format_folder(workdir, fmt), workdir / f"data-{fmt}",
                                 split_path("dev"), split="dev", reference=reference,
                                 embedder=embedder)
            for fmt in FORMATS}


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_citation_metrics_match_the_markdown_seed(runs: dict[str, FormatRun], fmt: str) -> None:
    for metric in HEADLINE:
        seed, rendered = runs["md"].metric(metric), runs[fmt].metric(metric)
        assert seed is not None and rendered is not None
        assert rendered >= seed - GATE, f"{fmt} {metric} {rendered:.3f} < md {seed:.3f} - {GATE}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_quotes_are_whole_sentences_of_the_text_on_the_cited_pages(
        runs: dict[str, FormatRun], fmt: str) -> None:
    checks = runs[fmt].checks
    assert checks.quotes > 80
    assert checks.fragments == []
    assert checks.not_in_text == []
    assert checks.off_page == []
    assert (checks.paged > 0) == (fmt == "pdf")
