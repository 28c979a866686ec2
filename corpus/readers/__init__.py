"""The format registry: one reader function per file type, registered in one place.

Adding a format means writing `read_xyz(path) -> ReadDocument` and registering it below.
A plain mapping is enough; there is no plugin system to learn (the shape follows
simonw/llm's hook registry, without the plugin manager).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from corpus.blocks import ReadDocument
from corpus.readers.docx import read_docx
from corpus.readers.markup import read_html, read_markdown
from corpus.readers.pdf import read_pdf
from corpus.readers.text import read_text

Reader = Callable[[Path], ReadDocument]

READERS: dict[str, Reader] = {}


def register(reader: Reader, *suffixes: str) -> None:
    """Make `reader` the one for files ending in any of `suffixes` (".pdf")."""
    for suffix in suffixes:
        READERS[suffix.lower()] = reader


register(read_markdown, ".md", ".markdown")
register(read_html, ".html", ".htm")
register(read_pdf, ".pdf")
register(read_docx, ".docx")
register(read_text, ".txt")


def reader_for(path: Path) -> Reader | None:
    return READERS.get(path.suffix.lower())


def supported_suffixes() -> frozenset[str]:
    return frozenset(READERS)
