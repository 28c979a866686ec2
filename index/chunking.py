"""Sections -> chunks. A citable unit stays whole; long prose is split on sentences.

The breadcrumb is prepended to the embedded text only, so each chunk carries its context
into the vector while `text` stays a verbatim piece of the source for quoting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corpus.blocks import pages_between
from corpus.models import Section
from corpus.text import quote_span, sentence_spans

CHUNKER_VERSION = "5"  # 5: chunks carry their scope
WHOLE_KINDS = {"action-points", "self-assessment", "quotes"}
MAX_WORDS = 110


@dataclass(frozen=True)
class Chunk:
    """One vector in the index; `unit_id` is the citation id it resolves to."""

    id: str
    unit_id: str
    text: str
    embed_text: str
    metadata: dict[str, Any]


def chunk_section(section: Section, *, max_words: int = MAX_WORDS) -> list[Chunk]:
    if section.kind in WHOLE_KINDS or len(section.text.split()) <= max_words:
        spans = [(0, len(section.text))]
    else:
        spans = _windows(section.text, max_words)
    chunks = []
    for part, (start, end) in enumerate(spans, start=1):
        chunk_id = section.id if len(spans) == 1 else f"{section.id}~{part}"
        text = section.text[start:end]
        metadata = _metadata(section, part=part, parts=len(spans))
        metadata["page_map"] = _page_map(section, start, end)
        chunks.append(Chunk(id=chunk_id, unit_id=section.id, text=text,
                            embed_text=f"{section.breadcrumb}\n{text}", metadata=metadata))
    return chunks


def chunk_sections(sections: list[Section]) -> list[Chunk]:
    return [chunk for section in sections for chunk in chunk_section(section)]


def _windows(text: str, max_words: int) -> list[tuple[int, int]]:
    """Greedy runs of whole sentences, each at most `max_words` (a longer sentence stands
    alone), sliced from the text so line breaks and spacing stay as in the source."""
    windows: list[list[tuple[int, int]]] = [[]]
    count = 0
    for start, end in sentence_spans(text):
        words = len(text[start:end].split())
        if windows[-1] and count + words > max_words:
            windows.append([])
            count = 0
        windows[-1].append((start, end))
        count += words
    return [(w[0][0], w[-1][1]) for w in windows if w]


def _page_map(section: Section, start: int, end: int) -> str:
    """Where each page begins in the chunk's text, as "offset:page,...", so a citation can
    name the pages of exactly what it quotes."""
    starts = [(0, p) for o, p in section.page_starts if o <= start][-1:]
    starts += [(o - start, p) for o, p in section.page_starts if start < o < end]
    return ",".join(f"{o}:{p}" for o, p in starts)


def _metadata(section: Section, *, part: int, parts: int) -> dict[str, Any]:
    """Flat, None-free metadata: Chroma filters on these keys."""
    meta: dict[str, Any] = {
        "unit_id": section.id, "document": section.document, "kind": section.kind,
        "title": section.title, "breadcrumb": section.breadcrumb, "part": part, "parts": parts,
        "stakeholder": section.stakeholder or "", "phase": section.phase or "",
        "theme": section.theme or "", "focus": section.focus or "",
        "heading": section.heading or "", "number": section.number or 0,
        "page": section.page or 0, "pages": ",".join(str(p) for p in section.pages),
        "scope": section.scope,
    }
    if section.footnotes:
        meta["footnotes"] = "\n".join(section.footnotes)
    if attribution := section.extra.get("attribution"):
        meta["attribution"] = attribution
    return meta


def quoted_pages(quote: str, text: str, page_map: str) -> list[int]:
    """The pages a quote from a chunk's `text` lies on, from the chunk's page map; none when
    the document has no pages or the quote is not in the text."""
    starts = tuple((int(o), int(p)) for o, p in
                   (pair.split(":") for pair in page_map.split(",") if pair))
    span = quote_span(quote, text)
    return pages_between(starts, *span) if starts and span else []
