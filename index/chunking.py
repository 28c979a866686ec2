"""Sections -> chunks. A citable unit stays whole; long prose is split on sentences.

The breadcrumb is prepended to the embedded text only, so each chunk carries its context
into the vector while `text` stays a verbatim piece of the source for quoting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corpus.models import Section
from corpus.text import sentence_spans

CHUNKER_VERSION = "4"
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
        pieces = [section.text]
    else:
        pieces = _windows(section.text, max_words)
    chunks = []
    for part, text in enumerate(pieces, start=1):
        chunk_id = section.id if len(pieces) == 1 else f"{section.id}~{part}"
        chunks.append(Chunk(
            id=chunk_id, unit_id=section.id, text=text,
            embed_text=f"{section.breadcrumb}\n{text}",
            metadata=_metadata(section, part=part, parts=len(pieces)),
        ))
    return chunks


def chunk_sections(sections: list[Section]) -> list[Chunk]:
    return [chunk for section in sections for chunk in chunk_section(section)]


def _windows(text: str, max_words: int) -> list[str]:
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
    return [text[w[0][0]: w[-1][1]] for w in windows if w]


def _metadata(section: Section, *, part: int, parts: int) -> dict[str, Any]:
    """Flat, None-free metadata: Chroma filters on these keys."""
    meta: dict[str, Any] = {
        "unit_id": section.id, "document": section.document, "kind": section.kind,
        "title": section.title, "breadcrumb": section.breadcrumb, "part": part, "parts": parts,
        "stakeholder": section.stakeholder or "", "phase": section.phase or "",
        "theme": section.theme or "", "focus": section.focus or "",
        "heading": section.heading or "", "number": section.number or 0,
        "page": section.page or 0, "pages": ",".join(str(p) for p in section.pages),
    }
    if section.footnotes:
        meta["footnotes"] = "\n".join(section.footnotes)
    if attribution := section.extra.get("attribution"):
        meta["attribution"] = attribution
    return meta
