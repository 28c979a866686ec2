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
from collections.abc import Iterable
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


PageStarts = tuple[tuple[int, int], ...]


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
    page_starts: PageStarts = ()  # (text offset, page) where a page break falls in the text

    @property
    def page_map(self) -> PageStarts:
        """Where each page begins in `text`: (0, first page) and one pair per break."""
        return self.page_starts or (((0, self.pages[0]),) if self.pages else ())

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


def row(cells: Iterable[Iterable[Block]]) -> Block:
    """A table row; its text is the cells' texts between separators."""
    runs = tuple(tuple(b for b in cell if b.text) for cell in cells)
    pieces = [(" ".join(b.text for b in cell), cell) for cell in runs]
    text, starts = "", []
    for n, (cell_text, cell) in enumerate(pieces):
        if n:
            text += CELL_SEPARATOR
        _, cell_starts = join_blocks(cell, " ")
        starts += [(offset + len(text), page) for offset, page in cell_starts]
        text += cell_text
    lead = len(text) - len(text.lstrip(" |"))
    return Block(ROW, text.strip(" |"), tuple(sorted({p for _, p in starts})), cells=runs,
                 notes=tuple(n for cell in runs for b in cell for n in b.notes),
                 page_starts=_compact([(max(0, o - lead), p) for o, p in starts]))


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
    shift = len(first.text) + 1
    starts = [*first.page_map, *((o + shift, p) for o, p in second.page_map)]
    return replace(first, text=join_text(first.text, second.text),
                   pages=tuple(sorted(set(first.pages) | set(second.pages))),
                   notes=first.notes + second.notes, page_starts=_compact(starts))


def join_blocks(blocks: Iterable[Block], separator: str = "\n\n") -> tuple[str, PageStarts]:
    """The blocks' texts as one text (each as it reads in a section), and its page map."""
    text, starts = "", []
    for block in blocks:
        piece = unit_text(block)
        if not piece:
            continue
        if text:
            text += separator
        begin = len(text)
        shift = begin + len(piece) - len(block.text)  # past a number before an item
        starts += [(begin if o == 0 else o + shift, p) for o, p in block.page_map]
        text += piece
    return text, _compact(starts)


def _compact(starts: Iterable[tuple[int, int]]) -> PageStarts:
    """Page starts in order, each page once, from offset 0."""
    out: list[tuple[int, int]] = []
    for offset, page in sorted(starts):
        if not out or page != out[-1][1]:
            out.append((offset if out else 0, page))
    return tuple(out)


def pages_between(page_map: PageStarts, start: int, end: int) -> list[int]:
    """The pages text[start:end] lies on."""
    pages = [p for o, p in page_map if start < o < end]
    before = [p for o, p in page_map if o <= start]
    return sorted({*before[-1:], *pages})




def unit_text(block: Block) -> str:
    """How a block reads inside a section: a numbered item keeps its number."""
    if block.kind == ITEM and block.number is not None:
        return f"{block.number}. {block.text}"
    if block.kind == FOOTNOTE and block.marker:
        return f"{block.marker} {block.text}"
    return block.text


class LoaderError(Exception):
    """A document could not be read; the message is one line naming the file."""
