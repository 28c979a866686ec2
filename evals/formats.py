"""Quality by document format: the eval's cases on the guidebook as Markdown, HTML, PDF and
DOCX, and fact questions on generic documents (web pages printed to PDF, a Word brief).

For each rendering it builds an index with the real model, runs `talenthub eval`'s suite and
then checks every quote in every answer:

- whole: the quote is one or more whole sentences (or whole lines, for list items and table
  rows) of the unit's reference text, which is the Markdown seed's wherever the unit exists
  there, so a rendering cannot hide fragments by cutting its own text into fragments;
- in text: the quote occurs (whitespace normalised) in the unit's text as this rendering read
  it, that is in the document's own text;
- on its pages: for a PDF, the quote starts on the first page the citation names and ends on
  the last one.

    python -m evals.formats [--split dev] [--split test] [--documents] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from corpus.guidebook import SLUG
from corpus.load import MANIFEST_NAME, load_corpus
from corpus.settings import DEFAULT_CORPUS_DIR, Settings
from corpus.text import normalise_space, split_sentences
from evals.dataset import DATASETS_DIR, split_path
from evals.metrics import HEADLINE, format_score
from evals.renderings import FORMATS, guidebook_folder, web_page_pdfs, word_brief
from evals.runner import EvalReport, run_suite
from index.embeddings import Embedder
from index.reader import IndexReader

DOCUMENTS_DATASET = DATASETS_DIR / "documents.jsonl"
GATE = 0.03  # a rendering's citation metrics may trail the Markdown seed's by this much
_TERMINAL = re.compile(r"[.!?…:;][\"”’)\]]*$")


@dataclass
class QuoteChecks:
    """Counts over every citation of every answer in one run."""

    quotes: int = 0
    fragments: list[str] = field(default_factory=list)  # "id: quote" of each fragment
    not_in_text: list[str] = field(default_factory=list)
    off_page: list[str] = field(default_factory=list)
    paged: int = 0  # quotes whose citation names pages

    @property
    def fragment_rate(self) -> float:
        return len(self.fragments) / self.quotes if self.quotes else 0.0


@dataclass
class FormatRun:
    name: str
    report: EvalReport
    checks: QuoteChecks
    parse_seconds: float
    index_seconds: float

    def metric(self, name: str) -> float | None:
        return self.report.assistant.aggregates["overall"][name].value


def whole_sentences(quote: str, text: str) -> bool:
    """Is the quote a run of whole sentences (or lines) of `text`, ending as a sentence or a
    line does?"""
    quote = normalise_space(quote)
    lines = [line for paragraph in text.split("\n\n") for line in paragraph.split("\n")]
    for line in lines:
        pieces = [normalise_space(s) for s in split_sentences(line)]
        for start in range(len(pieces)):
            for end in range(start + 1, len(pieces) + 1):
                if " ".join(pieces[start:end]) == quote:
                    return end == len(pieces) or bool(_TERMINAL.search(quote))
    return False


def words(text: str) -> set[str]:
    """The words of a text: what survives any layout's line breaks, hyphens, footnote
    markers and table columns read line by line across."""
    return set(re.findall(r"[^\W\d_]{3,}", text.lower()))


def pdf_page_words(folder: Path) -> dict[str, list[set[str]]]:
    """Each PDF's pages as word sets, extracted independently of the reader under test."""
    import pdfplumber

    documents = {}
    for path in folder.rglob("*.pdf"):
        with pdfplumber.open(path) as pdf:
            documents[path.stem] = [words(page.extract_text() or "") for page in pdf.pages]
    return documents


def on_pages(quote: str, pages: Sequence[int], page_words: Sequence[set[str]]) -> bool:
    """Every word of the quote is on the pages the citation names."""
    if not pages or pages[-1] > len(page_words):
        return False
    return words(quote) <= set().union(*(page_words[p - 1] for p in pages))


def check_quotes(report: EvalReport, texts: Mapping[str, str], reference: Mapping[str, str],
                 pdf_pages: Mapping[str, list[set[str]]]) -> QuoteChecks:
    """Every citation of the assistant's answers, against the texts it quotes."""
    checks = QuoteChecks()
    for outcome in report.assistant.outcomes:
        for citation in outcome.citations:
            unit, quote = citation["id"], citation["quote"]
            checks.quotes += 1
            where = f"{unit}: {normalise_space(quote)[:90]}"
            if not whole_sentences(quote, reference.get(unit, texts.get(unit, ""))):
                checks.fragments.append(where)
            if normalise_space(quote) not in normalise_space(texts.get(unit, "")):
                checks.not_in_text.append(where)
            pages = citation.get("pages") or []
            document = pdf_pages.get(citation["document"])
            if pages and document is not None:
                checks.paged += 1
                if not on_pages(quote, pages, document):
                    checks.off_page.append(where)
    return checks


def evaluate_folder(name: str, corpus_dir: Path, data_dir: Path, dataset: Path, *,
                    split: str | None, reference: Mapping[str, str],
                    embedder: Embedder | None = None) -> FormatRun:
    """Index one corpus folder with the real model (or `embedder`) and run the suite."""
    from index.build import build_index
    from index.embeddings import load_embedder

    settings = Settings(corpus_dir=corpus_dir, data_dir=data_dir, chroma_url=None)
    read: list[float] = []

    def progress(stage: str, done: int, total: int, what: str) -> None:
        if stage == "parse" and done == total:
            read.append(time.perf_counter())

    started = time.perf_counter()
    build_index(settings, lambda: embedder or load_embedder(settings.embedding_model),
                progress=progress)
    index_seconds = time.perf_counter() - started
    report = run_suite(settings, dataset=dataset, split=split, console=Console(quiet=True))
    units = IndexReader(settings).snapshot().units
    texts = {unit: "\n\n".join(c.text for c in chunks) for unit, chunks in units.items()}
    checks = check_quotes(report, texts, reference, pdf_page_words(corpus_dir))
    return FormatRun(name, report, checks, read[0] - started, index_seconds)


class RememberingEmbedder:
    """The real model, remembering each text's vector: renderings share most chunk texts, so
    a gate over several of them embeds each text once. (Index times are then not real.)"""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.name = embedder.name
        self.vectors: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], *, show_progress: bool = False) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.embedder.encode(missing), strict=True))
        return np.stack([self.vectors[t] for t in texts])


def seed_texts() -> dict[str, str]:
    """The reference texts: units as read from the repository's own (Markdown, text) seed."""
    return {s.id: s.text for s in load_corpus(DEFAULT_CORPUS_DIR).sections}


def format_folder(workdir: Path, fmt: str) -> Path:
    """The guidebook in `fmt` beside the web pages and the manifest as they are, so only the
    guidebook's format varies."""
    folder = guidebook_folder(workdir / fmt, fmt)
    for name in [p.name for p in DEFAULT_CORPUS_DIR.glob("*.txt")] + [MANIFEST_NAME]:
        shutil.copy(DEFAULT_CORPUS_DIR / name, folder / name)
    return folder


def documents_folder(workdir: Path) -> Path:
    """Generic documents as partners hold them: the web pages printed to PDF and a Word
    brief, beside the guidebook."""
    folder = web_page_pdfs(workdir / "documents")
    word_brief(folder / "talent-desk-brief.docx")
    shutil.copy(DEFAULT_CORPUS_DIR / f"{SLUG}.md", folder)
    return folder


def run_formats(workdir: Path, splits: Iterable[str], formats: Iterable[str] = FORMATS
                ) -> dict[str, list[FormatRun]]:
    reference = seed_texts()
    folders = {fmt: format_folder(workdir, fmt) for fmt in formats}
    return {split: [evaluate_folder(fmt, folder, workdir / f"data-{fmt}-{split}",
                                    split_path(split), split=split, reference=reference)
                    for fmt, folder in folders.items()]
            for split in splits}


def run_documents(workdir: Path) -> FormatRun:
    folder = documents_folder(workdir)
    return evaluate_folder("documents", folder, workdir / "data-documents", DOCUMENTS_DATASET,
                           split=None, reference=seed_texts())


def print_formats(runs: list[FormatRun], title: str, console: Console) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("format", "hit", "recall", "precision", "fact", "quotes", "fragments",
                   "not in text", "off page", "parse s", "index s"):
        table.add_column(column, justify="left" if column == "format" else "right")
    for run in runs:
        c = run.checks
        table.add_row(run.name,
                      *(format_score(run.metric(m), 3) for m in (*HEADLINE, "fact_accuracy")),
                      str(c.quotes), f"{len(c.fragments)} ({c.fragment_rate:.1%})",
                      str(len(c.not_in_text)), f"{len(c.off_page)}/{c.paged}",
                      f"{run.parse_seconds:.1f}", f"{run.index_seconds:.1f}")
    console.print(table)
    for run in runs:
        for label, items in (("fragment", run.checks.fragments),
                             ("not in text", run.checks.not_in_text),
                             ("off page", run.checks.off_page)):
            for item in items[:5]:
                console.print(f"  {run.name} {label}: {item}", highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", action="append", choices=["dev", "test"])
    parser.add_argument("--format", action="append", choices=list(FORMATS))
    parser.add_argument("--documents", action="store_true",
                        help="also the fact questions on generic documents")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    console = Console(width=max(Console().width, 140))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="talenthub-formats-"))
    for split, runs in run_formats(workdir, args.split or ["dev"],
                                   args.format or FORMATS).items():
        print_formats(runs, f"{split} split, guidebook by format", console)
    if args.documents:
        print_formats([run_documents(workdir)], "fact questions on generic documents",
                      console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
