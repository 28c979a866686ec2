"""The block stream: what every format reader produces and every structure parser reads.

A reader (Markdown, HTML, PDF, DOCX, text) turns a file into headings, paragraphs, list
items, table rows and footnotes, each with the pages it sits on. The guidebook recogniser and
the generic sectioner work on blocks only, so structure is detected once for all formats.

A block's `text` is the document's own words as a person reads them: one line, whitespace
collapsed, markup and footnote markers gone, lines and pages joined back into paragraphs.
Section texts are built by joining block texts, which is what citations quote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

HEADING = "heading"
PARAGRAPH = "paragraph"
ITEM = "item"
ROW = "row"
FOOTNOTE = "footnote"
CELL_SEPARATOR = " | "
# A paragraph that ends one of these is complete; anything else continues on the next line
# or page. Closing quotes and brackets may follow the stop.
_COMPLETE = re.compile(r"[.!?:;…][\"”’)\]]*$")
_LIGATURES = re.compile("[\ufb00-\ufb06]")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\ufeff]")  # soft hyphen, zero widths, BOM


@dataclass(frozen=True)
class Block:
    """One structural piece of a document.

    kind: heading (with `level`, 1 = top), paragraph, item (`number` for an ordered list,
    None for a bullet), row (its `cells`, each a run of blocks) or footnote (`marker`).
    `notes` are the footnote markers the text referred to before they were removed.
    """

    kind: str
    text: str
    pages: tuple[int, ...] = ()
    level: int = 0
    number: int | None = None
    marker: str = ""
    cells: tuple[tuple[Block, ...], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def page(self) -> int | None:
        return self.pages[0] if self.pages else None

    def cell_text(self, index: int) -> str:
        """One cell's text: its blocks joined as they read."""
        if index >= len(self.cells):
            return ""
        return " ".join(b.text for b in self.cells[index] if b.text)


@dataclass
class ReadDocument:
    """What a reader returns: the blocks, and the title the file's metadata gives, if any."""

    blocks: list[Block] = field(default_factory=list)
    title: str = ""

    def first_heading(self) -> str:
        headings = [b for b in self.blocks if b.kind == HEADING and b.text]
        if not headings:
            return ""
        top = min(b.level for b in headings)
        return next(b.text for b in headings if b.level == top)


def tidy(text: str) -> str:
    """One line: ligatures spelled out, invisible characters dropped, whitespace collapsed."""
    text = _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return " ".join(_INVISIBLE.sub("", text).split())


def row(cells: Iterable[Iterable[Block]], pages: Iterable[int] = ()) -> Block:
    """A table row; its text is the cells' texts between separators."""
    runs = tuple(tuple(b for b in cell if b.text) for cell in cells)
    text = CELL_SEPARATOR.join(" ".join(b.text for b in cell) for cell in runs)
    all_pages = set(pages) | {p for cell in runs for b in cell for p in b.pages}
    return Block(ROW, text.strip(" |"), tuple(sorted(all_pages)), cells=runs,
                 notes=tuple(n for cell in runs for b in cell for n in b.notes))


def is_complete(text: str) -> bool:
    """Does the text end a sentence (so a following line starts a new one)?"""
    return bool(_COMPLETE.search(text))


def join_text(before: str, after: str) -> str:
    """Two pieces of one paragraph, split by a line or page break, read as one."""
    if not before:
        return after
    if not after:
        return before
    return f"{before} {after}"


def merge(first: Block, second: Block) -> Block:
    """`second` continues `first` (a paragraph or item cut by a page or column break)."""
    return replace(first, text=join_text(first.text, second.text),
                   pages=tuple(sorted(set(first.pages) | set(second.pages))),
                   notes=first.notes + second.notes)


def walk(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block, the blocks inside table cells included, in reading order."""
    for block in blocks:
        yield block
        for cell in block.cells:
            yield from walk(cell)


def unit_text(block: Block) -> str:
    """How a block reads inside a section: a numbered item keeps its number."""
    if block.kind == ITEM and block.number is not None:
        return f"{block.number}. {block.text}"
    if block.kind == FOOTNOTE and block.marker:
        return f"{block.marker} {block.text}"
    return block.text


class LoaderError(Exception):
    """A document could not be read; the message is one line naming the file."""
