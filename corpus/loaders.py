"""Generic documents (a partner's brief, report or saved web page) as citable sections.

Any format's reader (corpus/readers) gives blocks; here headings cut them into sections with
ids `{document-slug}#{heading-slug}`, breadcrumbs from the heading hierarchy and the pages
each section spans. Section text is the blocks' text, one paragraph, item or table row per
paragraph, so a citation quotes the document's own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from corpus.blocks import FOOTNOTE, HEADING, Block, LoaderError, ReadDocument, join_blocks
from corpus.models import Document, Section, page_label
from corpus.readers import reader_for, supported_suffixes

__all__ = ["SUPPORTED_SUFFIXES", "LoaderError", "generic_sections", "load_document",
           "read_document", "slugify"]

SUPPORTED_SUFFIXES = supported_suffixes()
INTRODUCTION = "introduction"
MAX_SLUG_CHARS = 60


def read_document(path: Path) -> ReadDocument:
    """The file's blocks, by the reader registered for its suffix; one-line LoaderError."""
    reader = reader_for(path)
    if reader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoaderError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; "
                          f"use {supported}")
    if not path.is_file():
        raise LoaderError(f"{path}: cannot read: file not found")
    try:
        read = reader(path)
    except LoaderError:
        raise
    except Exception as exc:  # each library has its own zoo of parse errors
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise LoaderError(f"{path}: cannot read: {reason}") from exc
    if not any(b.text for b in read.blocks):
        raise LoaderError(f"{path}: empty document")
    return read


def load_document(document: Document) -> list[Section]:
    """Read one document as a generic one: sections cut at its headings."""
    return generic_sections(document, read_document(Path(document.path)).blocks)


def slugify(text: str) -> str:
    """Short, stable, ASCII slug for a heading; parentheticals such as dates are dropped."""
    text = re.sub(r"\([^)]*\)", " ", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"['’]", "", text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        cut = slug[:MAX_SLUG_CHARS]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or "section"


@dataclass
class _Part:
    """A heading, the headings above it, and the blocks under it."""

    heading: str | None  # None: text before the first heading
    trail: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> list[int]:
        return sorted({p for b in self.blocks for p in b.pages})


def generic_sections(document: Document, blocks: list[Block]) -> list[Section]:
    """Sections cut at headings; a paged document without headings gets one per page."""
    parts = _by_heading(blocks) if any(b.kind == HEADING for b in blocks) else _by_page(blocks)
    sections: list[Section] = []
    used: set[str] = set()
    for part in parts:
        text, starts = join_blocks(part.blocks)
        if not text.strip():
            continue
        heading = part.heading or ""
        base = slugify(heading) if heading else INTRODUCTION
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        crumbs = [h for h in [*part.trail, heading]
                  if h and h.casefold() != document.title.casefold()]
        breadcrumb = " › ".join([document.title, *crumbs])
        pages = part.pages
        title = f"{breadcrumb} ({page_label(pages)})" if pages else breadcrumb
        sections.append(Section(
            id=f"{document.slug}#{slug}", document=document.slug, kind="other", title=title,
            text=text, breadcrumb=breadcrumb, heading=heading or document.title,
            page=pages[0] if pages else None, pages=tuple(pages), page_starts=starts,
            footnotes=tuple(part.notes),
        ))
    return sections


def _by_heading(blocks: list[Block]) -> list[_Part]:
    parts = [_Part(None)]
    stack: list[Block] = []  # the open headings, outermost first
    for block in blocks:
        if block.kind == HEADING:
            while stack and stack[-1].level >= block.level:
                stack.pop()
            parts.append(_Part(block.text, [h.text for h in stack]))
            if block.level > 0:  # a Title names the document, not a part of it
                stack.append(block)
        else:
            _add(parts, block)
    return parts


def _by_page(blocks: list[Block]) -> list[_Part]:
    """Without headings, pages are the only structure a reader can point to."""
    if not any(b.pages for b in blocks):
        parts = [_Part(None)]
        for block in blocks:
            _add(parts, block)
        return parts
    by_page: dict[int, _Part] = {}
    for block in blocks:
        page = block.pages[0] if block.pages else 0
        part = by_page.setdefault(page, _Part(f"Page {page}") if page else _Part(None))
        _add([part], block)
    return list(by_page.values())


def _add(parts: list[_Part], block: Block) -> None:
    """A footnote joins the section citing it (the nearest above), else its own section."""
    if block.kind != FOOTNOTE:
        parts[-1].blocks.append(block)
        return
    citing = [p for p in parts if any(block.marker in b.notes for b in p.blocks)]
    (citing[-1] if citing else parts[-1]).notes.append(block.text)
