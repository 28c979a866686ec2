"""PDF reader: the page layout (pdfplumber, on pdfminer.six) read back into blocks.

What a PDF holds is glyphs at positions. A person reads paragraphs, so this reader rebuilds
them: lines are joined across line and page breaks, end-of-line hyphens are undone where the
document's own words say so, running headers, footers and page numbers are dropped,
superscript footnote markers are lifted out of the text, headings are told by font size and
weight, list items by their markers, and ruled tables are read cell by cell, a row at a time.
benchmarks/README.md has the measurements behind choosing pdfplumber.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.blocks import (
    FOOTNOTE,
    HEADING,
    ITEM,
    PARAGRAPH,
    ROW,
    Block,
    LoaderError,
    ReadDocument,
    is_complete,
    join_text,
    merge,
    row,
    tidy,
)


@dataclass(frozen=True)
class PdfLayout:
    """Thresholds of the layout reading, in units of the font size unless said otherwise.

    Tuned on the guidebook and web pages printed by Chromium and on hand-built PDFs in the
    tests; each is a typographic convention rather than a fitted number.
    """

    band: float = 0.09  # running headers and footers sit in this top/bottom share of a page
    repeated_on: float = 0.4  # ...and recur on at least this share of pages (min. 2)
    heading_size: float = 1.12  # lines this much larger than body text are headings
    superscript_size: float = 0.8  # a smaller, raised marker is a footnote reference
    footnote_size: float = 0.88  # a smaller paragraph opening "1 ..." at a page foot
    paragraph_gap: float = 0.45  # extra space between lines that ends a paragraph
    joined_word_gap: float = 0.12  # closer words are one word split by a font change
    column_gap: float = 3.0  # a wider gap inside a line separates columns
    full_line: float = 0.9  # a line this share of its text column's width is wrapped text
    column_lines: int = 5  # a column holds at least this many lines on a page
    column_crossing: float = 0.15  # at most this share of a page's lines span both columns


LAYOUT = PdfLayout()
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_NOTE_MARKER = re.compile(r"\d{1,3}|[*†‡§]")
_NUMBERED = re.compile(r"(\d{1,3})[.)]\s+(?=\S)")
_BULLET = re.compile(r"[•●◦▪■▸►‣⁃–\-·]\s*(?=\S)")
_PAGE_NUMBER = re.compile(r"(page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(\s*(/|of)\s*\d{1,4})?", re.I)
_FOOTNOTE_LEAD = re.compile(r"(\d{1,3})\s+(?=\S)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_FILE_TITLE = re.compile(r"\.(docx?|pdf|indd|odt|pptx?|xlsx?|txt|html?)$|^untitled|^microsoft",
                         re.I)
# A hyphen at a line end followed by one of these is a suspended compound: "pre- and post-".
_COORDINATING = frozenset({"and", "or", "nor", "und", "oder", "og", "eller", "et", "ou"})


@dataclass
class _Line:
    """One text line (or one column's part of it) with what the layout says about it."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    notes: tuple[str, ...] = ()
    lead: str = ""  # a superscript marker opening the line: a footnote's own text


@dataclass
class _Table:
    top: float
    rows: list[list[list[_Line]]]


@dataclass
class _Page:
    number: int
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)


def read_pdf(path: Path, layout: PdfLayout = LAYOUT) -> ReadDocument:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        pdf = pdfplumber.open(path)
    except PdfminerException as exc:
        if exc.args and isinstance(exc.args[0], PDFPasswordIncorrect):
            raise LoaderError(f"{path}: cannot read: PDF is password-protected") from exc
        raise
    with pdf:
        title = tidy(str(pdf.metadata.get("Title") or ""))
        pages = []
        for number, page in enumerate(pdf.pages, start=1):
            pages.append(_read_page(page, number, layout))
            page.close()  # pdfplumber caches every object of a page: free them as we go
    title = "" if _FILE_TITLE.search(title) else title
    _drop_running_chrome(pages, layout, title)
    return ReadDocument(_Assembler(pages, layout).blocks(), title)


# -- from glyphs to lines ---------------------------------------------------------------------


def _read_page(page: Any, number: int, layout: PdfLayout) -> _Page:
    # A table cut by a page break has no rule where the page cuts it: close its cells with
    # a rule where its column rules end, at the foot of one page and the head of the next.
    verticals = [e for e in page.edges if e["orientation"] == "v"]
    closing = [min(e["top"] for e in verticals), max(e["bottom"] for e in verticals)] \
        if verticals else []
    tables = [t for t in page.find_tables({"explicit_horizontal_lines": closing})
              if t.rows and len(t.rows[0].cells) >= 2]
    words = page.extract_words(extra_attrs=["size", "fontname"], use_text_flow=False)
    boxes = [t.bbox for t in tables]
    loose = [w for w in words if not any(_inside(w, box) for box in boxes)]
    result = _Page(number, float(page.height), _lines(loose, number, layout))
    for table in tables:
        rows = []
        for table_row in table.rows:
            cells = []
            for box in table_row.cells:
                inside = [w for w in words if box is not None and _inside(w, box)]
                cells.append(_lines(inside, number, layout))
            rows.append(cells)
        result.tables.append(_Table(float(table.bbox[1]), rows))
    return result


def _inside(word: dict[str, Any], box: Sequence[float]) -> bool:
    x = (word["x0"] + word["x1"]) / 2
    y = (word["top"] + word["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _lines(words: list[dict[str, Any]], page: int, layout: PdfLayout) -> list[_Line]:
    """Words grouped into lines by vertical overlap, split where a wide gap parts columns."""
    groups: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if groups and _overlaps(groups[-1], word):
            groups[-1].append(word)
        else:
            groups.append([word])
    lines = []
    for group in groups:
        group.sort(key=lambda w: w["x0"])
        size = _dominant_size(group)
        segment: list[dict[str, Any]] = []
        for word in group:
            if segment and word["x0"] - segment[-1]["x1"] > layout.column_gap * size:
                lines.append(_line(segment, page, size, layout))
                segment = []
            segment.append(word)
        lines.append(_line(segment, page, size, layout))
    return [line for line in lines if line.text or line.lead]


def _overlaps(group: list[dict[str, Any]], word: dict[str, Any]) -> bool:
    main = max(group, key=lambda w: w["size"])
    overlap = min(main["bottom"], word["bottom"]) - max(main["top"], word["top"])
    return overlap >= 0.5 * min(main["bottom"] - main["top"], word["bottom"] - word["top"])


def _dominant_size(words: list[dict[str, Any]]) -> float:
    sizes: Counter[float] = Counter()
    for word in words:
        sizes[round(word["size"], 1)] += len(word["text"])
    return sizes.most_common(1)[0][0]


def _line(words: list[dict[str, Any]], page: int, size: float, layout: PdfLayout) -> _Line:
    """The words as text, with superscript footnote markers lifted out."""
    baseline = max(w["bottom"] for w in words if round(w["size"], 1) == size)
    text, notes, lead, bold_chars, chars = "", [], "", 0, 0
    previous: dict[str, Any] | None = None
    for word in words:
        raised = word["bottom"] < baseline - 0.15 * size
        if (word["size"] <= layout.superscript_size * size and raised
                and _NOTE_MARKER.fullmatch(word["text"])):
            if text:
                notes.append(word["text"])
            else:
                lead = word["text"]
            continue
        touching = previous is not None and \
            word["x0"] - previous["x1"] < layout.joined_word_gap * size
        text = text + word["text"] if touching or not text else f"{text} {word['text']}"
        chars += len(word["text"])
        bold_chars += len(word["text"]) if _BOLD.search(word["fontname"]) else 0
        previous = word
    return _Line(tidy(text), page, min(w["x0"] for w in words), max(w["x1"] for w in words),
                 min(w["top"] for w in words), baseline, size,
                 bold=chars > 0 and bold_chars >= 0.95 * chars, notes=tuple(notes), lead=lead)


def _reading_order(page: _Page, layout: PdfLayout) -> list[_Line | _Table]:
    """Top to bottom; on a page set in two columns, the left column before the right one,
    stretch by stretch between lines that run across both."""
    items: list[_Line | _Table] = sorted([*page.lines, *page.tables], key=lambda i: i.top)
    gutter = None if page.tables else _gutter(page.lines, layout)
    if gutter is None:
        return items
    ordered: list[_Line | _Table] = []
    left: list[_Line | _Table] = []
    right: list[_Line | _Table] = []
    for line in sorted(page.lines, key=lambda i: i.top):
        if line.x1 <= gutter:
            left.append(line)
        elif line.x0 >= gutter:
            right.append(line)
        else:
            ordered += [*left, *right, line]
            left, right = [], []
    return [*ordered, *left, *right]


def _gutter(lines: list[_Line], layout: PdfLayout) -> float | None:
    """The x between two columns: many lines end before it and many start after it, and
    hardly any cross it."""
    if len(lines) < 2 * layout.column_lines:
        return None
    low, high = min(line.x0 for line in lines), max(line.x1 for line in lines)
    found = []
    for tenth in range(30, 71):
        x = low + (high - low) * tenth / 100
        crossing = sum(line.x0 < x < line.x1 for line in lines)
        if (crossing <= layout.column_crossing * len(lines)
                and sum(line.x1 <= x for line in lines) >= layout.column_lines
                and sum(line.x0 >= x for line in lines) >= layout.column_lines):
            found.append((crossing, abs(tenth - 50), x))
    return min(found)[2] if found else None


def _drop_running_chrome(pages: list[_Page], layout: PdfLayout, title: str) -> None:
    """Lines in the top or bottom band that recur on many pages (digits ignored, so "Page 3"
    and "Page 4" are one text), bare page numbers there, and the running title."""

    def in_band(line: _Line, page: _Page) -> bool:
        return line.top < page.height * layout.band or \
            line.bottom > page.height * (1 - layout.band)

    def signature(text: str) -> str:
        return re.sub(r"\d+", "#", text.lower())

    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({signature(line.text) for line in page.lines if in_band(line, page)})
    needed = max(2, layout.repeated_on * len(pages))
    for page in pages:
        page.lines = [line for line in page.lines if not in_band(line, page) or (
            seen[signature(line.text)] < needed and not _PAGE_NUMBER.fullmatch(line.text)
            and line.text != title)]


# -- from lines to blocks ---------------------------------------------------------------------


class _Assembler:
    """Turns every page's lines and tables into blocks, in reading order."""

    def __init__(self, pages: list[_Page], layout: PdfLayout):
        self.pages = pages
        self.layout = layout
        lines = [line for page in pages for line in page.lines]
        cell_lines = [line for page in pages for table in page.tables for r in table.rows
                      for cell in r for line in cell]
        self.body = _body_size([*lines, *cell_lines])
        self.gap = _normal_gap(pages, self.body)
        self.vocabulary = _vocabulary(line.text for line in [*lines, *cell_lines])
        self.heading_levels = self._heading_levels(lines)
        self.width = max((line.x1 for line in lines), default=0.0) - \
            min((line.x0 for line in lines), default=0.0)

    def blocks(self) -> list[Block]:
        blocks: list[Block] = []
        header = ""  # the first row of the table in progress, which a page may repeat
        for page in self.pages:
            page_blocks: list[Block] = []
            pending: list[_Line] = []
            for item in _reading_order(page, self.layout):
                if isinstance(item, _Line):
                    pending.append(item)
                    continue
                page_blocks += self._runs(pending)
                pending = []
                for cells in item.rows:
                    block = row(self._runs(lines, in_cell=True) for lines in cells)
                    if not block.text or (block.text == header and not page_blocks):
                        continue
                    if _last_kind(blocks + page_blocks) != ROW:  # a new table starts
                        header = block.text
                    page_blocks.append(block)
            page_blocks += self._runs(pending)
            _continue(blocks, page_blocks)
        return blocks

    def _runs(self, lines: list[_Line], *, in_cell: bool = False) -> list[Block]:
        """Consecutive lines grouped into paragraphs, items, headings and footnotes."""
        runs: list[tuple[list[_Line], tuple[int | None, int] | None]] = []
        # The last list number seen, so "12. The" wrapped mid-paragraph stays prose; on the
        # first line of a page or cell any number opens an item (a list may go on there).
        number: int | None = None
        for line in lines:
            marker = self._item_marker(line, number)
            if not runs or marker is not None or self._breaks(runs[-1][0][-1], line, in_cell):
                runs.append(([], marker))
                if marker is not None and marker[0] is not None:
                    number = marker[0]
            runs[-1][0].append(line)
            number = 0 if number is None else number
        blocks = [self._block(run, marker, in_cell) for run, marker in runs]
        return [b for b in blocks if b.text]

    def _item_marker(self, line: _Line, last: int | None) -> tuple[int | None, int] | None:
        """(number or None for a bullet, length of the marker) when the line opens an item."""
        if match := _NUMBERED.match(line.text):
            number = int(match.group(1))
            if last is None or number in (1, last + 1):
                return number, match.end()
        if match := _BULLET.match(line.text):
            return None, match.end()
        return None

    def _breaks(self, above: _Line, below: _Line, in_cell: bool) -> bool:
        """Does a new paragraph start at `below`? (A table cell holds no headings.)"""
        if below.page != above.page or below.lead:
            return True
        if below.top < above.top:  # the next column: a paragraph may go on there
            return is_complete(above.text)
        if abs(below.size - above.size) > 0.1 * self.body:
            return True
        if below.top - above.bottom > self.gap + self.layout.paragraph_gap * below.size:
            return True
        if in_cell:
            return False
        if above.bold != below.bold and self._is_heading_style(above):
            # a bold line that does not fill the column is a heading over the text below
            return above.x1 - above.x0 < self.layout.full_line * self.width
        return self._is_heading_style(above) != self._is_heading_style(below)

    def _is_heading_style(self, line: _Line) -> bool:
        return line.size >= self.layout.heading_size * self.body or (
            line.bold and line.size >= 0.97 * self.body)

    def _block(self, run: list[_Line], marker: tuple[int | None, int] | None,
               in_cell: bool) -> Block:
        text = ""
        for line in run:
            text = self._join(text, line.text)
        pages = tuple(sorted({line.page for line in run}))
        notes = tuple(n for line in run for n in line.notes)
        first = run[0]
        if first.lead:
            return Block(FOOTNOTE, text, pages, marker=first.lead, notes=notes)
        if first.size <= self.layout.footnote_size * self.body and \
                (lead := _FOOTNOTE_LEAD.match(text)) and not in_cell:
            return Block(FOOTNOTE, text[lead.end():], pages, marker=lead.group(1), notes=notes)
        if marker is not None:
            return Block(ITEM, text[marker[1]:].lstrip(), pages, number=marker[0], notes=notes)
        # A bold sentence ending in a full stop is emphasis; a heading has none.
        heading = all(self._is_heading_style(line) for line in run) and \
            not re.search(r"\.[\"”’)]*$", text)
        if heading and not in_cell:
            return Block(HEADING, text, pages, level=self._level(first), notes=notes)
        return Block(PARAGRAPH, text, pages, notes=notes)

    def _join(self, before: str, after: str) -> str:
        """Join two lines of a paragraph. A hyphen ending the first line is undone where the
        document spells the word without it elsewhere and kept where it spells a compound
        with it (or the word is unknown); "pre- and post-" keeps its space."""
        match = re.search(r"(\w+)-$", before)
        first_word = re.match(r"\w+", after)
        if not match or not first_word:
            return join_text(before, after)
        head, tail = match.group(1).lower(), first_word.group().lower()
        if tail in _COORDINATING:
            return join_text(before, after)
        if head.isalpha() and after[:1].islower() and f"{head}-{tail}" not in \
                self.vocabulary and head + tail in self.vocabulary:
            return before[:-1] + after
        return before + after

    def _heading_levels(self, lines: list[_Line]) -> dict[float, int]:
        sizes = sorted({round(line.size, 1) for line in lines if self._is_heading_style(line)},
                       reverse=True)
        return {size: level for level, size in enumerate(sizes, start=1)}

    def _level(self, line: _Line) -> int:
        return self.heading_levels.get(round(line.size, 1), len(self.heading_levels) or 1)


def _body_size(lines: Iterable[_Line]) -> float:
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _normal_gap(pages: list[_Page], body: float) -> float:
    """The usual space between two lines of body text: the median over the document."""
    gaps = [below.top - above.bottom for page in pages
            for above, below in zip(page.lines, page.lines[1:], strict=False)
            if abs(above.size - body) < 0.05 * body and abs(below.size - body) < 0.05 * body
            and 0 <= below.top - above.bottom < 2 * body]
    return statistics.median(gaps) if gaps else 0.3 * body


def _vocabulary(texts: Iterable[str]) -> set[str]:
    """Every word and hyphenated compound the document spells out within a line."""
    words: set[str] = set()
    for text in texts:
        for word in _WORD.findall(text.lower()):
            words.add(word)
            words.update(word.split("-"))
    return words


def _last_kind(blocks: list[Block]) -> str:
    """The kind of the last block that is not a footnote (notes sit at page feet)."""
    return next((b.kind for b in reversed(blocks) if b.kind != FOOTNOTE), "")


def _continue(blocks: list[Block], page_blocks: list[Block]) -> None:
    """Append a page's blocks, joining what the page break cut: a paragraph or item that did
    not end its sentence, or a table row whose rest starts the next page."""
    if not page_blocks:
        return
    last = next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i].kind != FOOTNOTE),
                None)
    first = page_blocks[0]
    if last is not None:
        before = blocks[last]
        if before.kind in (PARAGRAPH, ITEM) and first.kind == PARAGRAPH and (
                not is_complete(before.text) or first.text[:1].islower()):
            blocks[last] = merge(before, first)
            page_blocks = page_blocks[1:]
        elif before.kind == ROW and first.kind == ROW and _continues_row(before, first):
            blocks[last] = _merge_rows(before, first)
            page_blocks = page_blocks[1:]
    blocks += page_blocks


def _continues_row(before: Block, after: Block) -> bool:
    """The rest of a row cut by a page break: same columns, and its first cell is empty or
    every cell goes on mid-sentence."""
    if len(before.cells) != len(after.cells):
        return False
    if not after.cells[0]:
        return True
    return all(not cell or cell[0].text[:1].islower() for cell in after.cells)


def _merge_rows(before: Block, after: Block) -> Block:
    cells = []
    for head, tail in zip(before.cells, after.cells, strict=True):
        joined = list(head)
        rest = list(tail)
        if joined and rest and rest[0].kind == PARAGRAPH and (
                not is_complete(joined[-1].text) or rest[0].text[:1].islower()):
            joined[-1] = merge(joined[-1], rest.pop(0))
        cells.append(joined + rest)
    return row(cells)
