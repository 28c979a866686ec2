"""Word reader (python-docx): heading styles, numbered and bulleted lists, tables, footnotes.

Word does not store a list item's number: it counts items as it lays them out, from the
numbering definitions. This reader counts the same way, so "4." in Word is item 4 here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.blocks import FOOTNOTE, HEADING, ITEM, PARAGRAPH, Block, ReadDocument, row, tidy

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"(heading|überschrift|titre|overskrift)\s*(\d)", re.I)
_NOTE_MARKER = re.compile(r"\s*(\d{1,3}|[*†‡§])\s*")


def read_docx(path: Path) -> ReadDocument:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = docx.Document(str(path))
    numbering = _Numbering(document)
    notes = {}
    try:
        part = document.part.part_related_by(RT.FOOTNOTES)
        from lxml import etree

        for note in etree.fromstring(part.blob).iter(f"{W}footnote"):
            text = tidy("".join(t.text or "" for t in note.iter(f"{W}t")))
            if text and int(note.get(f"{W}id", "0")) > 0:
                notes[note.get(f"{W}id")] = text
    except KeyError:
        pass  # no footnotes part
    reader = _Reader(document, numbering, notes)
    blocks = reader.body(document.element.body)
    title = tidy(document.core_properties.title or "")
    return ReadDocument(blocks, title)


@dataclass
class _Reader:
    document: Any
    numbering: _Numbering
    notes: dict[str, str]
    shown: dict[str, str] = field(default_factory=dict)  # footnote id -> number shown

    def body(self, element: Any) -> list[Block]:
        """Paragraphs and tables in order; a footnote follows the block citing it."""
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        blocks: list[Block] = []
        for child in element.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                block = self.paragraph(Paragraph(child, self.document))
                if block is not None:
                    blocks.append(block)
                    blocks += self.footnotes(block)
            elif tag == "tbl":
                blocks += self.table(Table(child, self.document))
            elif tag == "sdt":  # content controls wrap ordinary paragraphs
                content = child.find(f"{W}sdtContent")
                if content is not None:
                    blocks += self.body(content)
        return blocks

    def paragraph(self, paragraph: Any) -> Block | None:
        text, notes, lead = self.runs(paragraph)
        if not text:
            return None
        if lead:
            return Block(FOOTNOTE, text, marker=lead, notes=notes)
        style = paragraph.style.name if paragraph.style is not None else ""
        if style == "Title":
            return Block(HEADING, text, level=0, notes=notes)
        if heading := _HEADING_STYLE.search(style):
            return Block(HEADING, text, level=int(heading.group(2)), notes=notes)
        item = self.numbering.item(paragraph)
        if item is not None:
            return Block(ITEM, text, number=item, notes=notes)
        if self.numbering.is_bullet(paragraph):
            return Block(ITEM, text, notes=notes)
        return Block(PARAGRAPH, text, notes=notes)

    def runs(self, paragraph: Any) -> tuple[str, tuple[str, ...], str]:
        """The text; footnote references (real ones, or superscript digits typed as
        markers) come out of it as notes, one opening the paragraph as its marker."""
        text, notes, lead = "", [], ""
        for run in paragraph._p.iter(f"{W}r"):
            reference = run.find(f"{W}footnoteReference")
            if reference is not None:
                marker = self.shown.setdefault(reference.get(f"{W}id"),
                                               str(len(self.shown) + 1))
                notes.append(marker)
                continue
            piece = "".join(
                (node.text or "") if node.tag == f"{W}t" else " "
                for node in run if node.tag in (f"{W}t", f"{W}tab", f"{W}br"))
            vertical = run.find(f"{W}rPr/{W}vertAlign")
            if vertical is not None and vertical.get(f"{W}val") == "superscript" and \
                    _NOTE_MARKER.fullmatch(piece):
                if text.strip():
                    notes.append(piece.strip())
                else:
                    lead = piece.strip()
                continue
            text += piece
        return tidy(text), tuple(notes), lead

    def footnotes(self, block: Block) -> list[Block]:
        ids = {number: note for note, number in self.shown.items()}
        return [Block(FOOTNOTE, self.notes[ids[n]], marker=n) for n in block.notes
                if n in ids and ids[n] in self.notes]

    def table(self, table: Any) -> list[Block]:
        blocks = []
        seen: set[Any] = set()  # holding the elements keeps their proxies stable
        for table_row in table.rows:
            cells = []
            for cell in table_row.cells:
                if cell._tc in seen:  # a merged cell repeats in every row/column it spans
                    continue
                seen.add(cell._tc)
                cells.append([b for b in self.body(cell._tc) if b.kind != FOOTNOTE])
            block = row(cells)
            if block.text:
                blocks.append(block)
                blocks += self.footnotes(block)
        return blocks


class _Numbering:
    """Counts list items as Word does: per list instance and level, from its start value;
    a new item at one level restarts the levels below it."""

    def __init__(self, document: Any):
        self.formats: dict[tuple[str, int], str] = {}
        self.starts: dict[tuple[str, int], int] = {}
        self.abstract: dict[str, str] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        levels: dict[tuple[str, int], tuple[str, int]] = {}
        for abstract in root.iter(f"{W}abstractNum"):
            aid = abstract.get(f"{W}abstractNumId")
            for level in abstract.iter(f"{W}lvl"):
                fmt = level.find(f"{W}numFmt")
                start = level.find(f"{W}start")
                levels[(aid, int(level.get(f"{W}ilvl")))] = (
                    fmt.get(f"{W}val") if fmt is not None else "decimal",
                    int(start.get(f"{W}val")) if start is not None else 1)
        for num in root.iter(f"{W}num"):
            nid = num.get(f"{W}numId")
            aid = num.find(f"{W}abstractNumId").get(f"{W}val")
            self.abstract[nid] = aid
            for (a, ilvl), (fmt, start) in levels.items():
                if a == aid:
                    self.formats[(nid, ilvl)] = fmt
                    self.starts[(nid, ilvl)] = start
            for override in num.iter(f"{W}lvlOverride"):
                value = override.find(f"{W}startOverride")
                if value is not None:
                    self.starts[(nid, int(override.get(f"{W}ilvl")))] = int(value.get(f"{W}val"))

    def _level(self, paragraph: Any) -> tuple[str, int] | None:
        for source in (paragraph._p.pPr, _style_ppr(paragraph)):
            num = source.find(f"{W}numPr") if source is not None else None
            if num is not None and num.find(f"{W}numId") is not None:
                nid = num.find(f"{W}numId").get(f"{W}val")
                ilvl = num.find(f"{W}ilvl")
                return (nid, int(ilvl.get(f"{W}val")) if ilvl is not None else 0)
        return None

    def is_bullet(self, paragraph: Any) -> bool:
        level = self._level(paragraph)
        return level is not None and self.formats.get(level) == "bullet"

    def item(self, paragraph: Any) -> int | None:
        """The number Word shows for this paragraph, or None if it is no numbered item."""
        level = self._level(paragraph)
        if level is None or level[0] == "0" or self.formats.get(level, "bullet") in (
                "bullet", "none"):
            return None
        nid, ilvl = level
        counters = self.counters.setdefault(nid, {})
        counters[ilvl] = counters.get(ilvl, self.starts.get(level, 1) - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        return counters[ilvl]


def _style_ppr(paragraph: Any) -> Any:
    style = paragraph.style
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.find(f"{W}numPr") is not None:
            return ppr
        style = style.base_style
    return None
