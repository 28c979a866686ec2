"""HTML and Markdown readers. Markdown is rendered to HTML first (CommonMark with inline HTML,
as the guidebook seed is written), so both formats share one HTML walker."""

from __future__ import annotations

import re
from pathlib import Path

from corpus.blocks import (
    FOOTNOTE,
    HEADING,
    ITEM,
    PARAGRAPH,
    Block,
    LoaderError,
    ReadDocument,
    row,
    tidy,
)
from corpus.readers.text import read_utf8

# fmt: off
_DROP = frozenset({"script", "style", "nav", "header", "footer", "aside", "form", "noscript",
                   "template", "iframe", "svg", "head", "title", "input", "button", "select"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset({
    "p", "div", "dl", "dt", "dd", "caption", "blockquote", "pre", "figure", "figcaption",
    "section", "article", "main", "address", "details", "summary", "hr", "center",
})
# fmt: on
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")  # C0 controls that no text file holds
_NOTE_MARKER = re.compile(r"\s*(\d{1,3}|[*†‡§])\s*")
_LEADING_NUMBER = re.compile(r"(\d{1,3})[.)]\s+(?=\S)")
_TAB_ROW = re.compile(r"\S *\t")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def read_markdown(path: Path) -> ReadDocument:
    """ATX headings, lists, inline HTML and tab-separated rows, as CommonMark renders them."""
    return read_html_text(markdown_html(read_utf8(path)), path)


def read_html(path: Path) -> ReadDocument:
    """Main content only: page chrome (nav, header, footer, scripts) is not the document."""
    return read_html_text(path.read_bytes(), path)


def markdown_html(source: str) -> str:
    """CommonMark to HTML, inline HTML allowed. Runs of lines with tab-separated cells (how
    converters from Word and PDF write tables) become HTML tables first."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True})
    return md.render(_tab_tables(source, md.renderInline))


def _tab_tables(source: str, inline: object) -> str:
    out: list[str] = []
    rows: list[list[str]] = []
    in_fence = False

    def flush() -> None:
        if len(rows) == 1:
            out.append("\t".join(rows[0]))
        elif rows:
            width = max(len(r) for r in rows)
            body = "".join(
                "<tr>" + "".join(f"<td>{inline(c.strip())}</td>"  # type: ignore[operator]
                                 for c in r + [""] * (width - len(r))) + "</tr>\n"
                for r in rows)
            out.extend(["", f"<table>\n{body}</table>", ""])
        rows.clear()

    for line in source.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and _TAB_ROW.search(line):
            rows.append(line.split("\t"))
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


def read_html_text(markup: str | bytes, path: Path) -> ReadDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    if soup.contains_replacement_characters or _BINARY.search(str(soup)):
        # bs4 decodes any bytes at all; garbage must be skipped, not indexed as mojibake.
        raise LoaderError(f"{path}: cannot read: not HTML text (binary or undecodable bytes)")
    title = tidy(soup.title.get_text()) if soup.title else ""
    root = soup.find("main") or soup.find("article") or soup.body or soup
    return ReadDocument(_Walker().run(root), title)


class _Walker:
    """Collects blocks from a subtree; inline text gathers until a block element ends it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._notes: list[str] = []
        self._lead: str = ""  # a footnote marker that opens the paragraph: a footnote

    def run(self, node: object) -> list[Block]:
        self._walk(node)
        self._flush()
        return self.blocks

    def _flush(self) -> None:
        text = tidy("".join(self._text))
        if text:
            kind = FOOTNOTE if self._lead else PARAGRAPH
            self.blocks.append(Block(kind, text, marker=self._lead, notes=tuple(self._notes)))
        self._text, self._notes, self._lead = [], [], ""

    def _walk(self, node: object) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import PreformattedString

        for child in node.children:  # type: ignore[attr-defined]
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctype, CDATA
                    self._text.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _DROP:
                continue
            if name == "sup" and _NOTE_MARKER.fullmatch(child.get_text()):
                marker = child.get_text().strip()
                if "".join(self._text).strip():
                    self._notes.append(marker)
                else:
                    self._lead = marker
            elif name == "br":
                self._text.append(" ")
            elif name in _HEADINGS:
                self._flush()
                inner = _Walker().run(child)
                text = " ".join(b.text for b in inner)
                if text:
                    self.blocks.append(Block(HEADING, text, level=int(name[1]),
                                             notes=tuple(n for b in inner for n in b.notes)))
            elif name in ("ul", "ol"):
                self._flush()
                self._list(child, ordered=name == "ol")
            elif name == "table":
                self._flush()
                self._table(child)
            elif name in _BLOCKS or name in ("li", "tr", "td", "th", "tbody", "thead"):
                self._flush()
                self._walk(child)
                self._flush()
            else:
                self._walk(child)

    def _list(self, node: object, *, ordered: bool) -> None:
        start = str(node.get("start", "1"))  # type: ignore[attr-defined]
        position = int(start) if start.isdigit() else 1
        for li in node.find_all("li", recursive=False):  # type: ignore[attr-defined]
            inner = _Walker().run(li)
            if not inner:
                continue
            first, rest = inner[0], inner[1:]
            if first.kind in (PARAGRAPH, FOOTNOTE):
                number: int | None = position if ordered else None
                text = first.text
                if match := _LEADING_NUMBER.match(text):  # numbers typed into the text
                    number, text = int(match.group(1)), text[match.end():]
                first = Block(ITEM, text, number=number, notes=first.notes)
                position = (number or position) + 1
            self.blocks += [first, *rest]

    def _table(self, node: object) -> None:
        rows = node.select(  # type: ignore[attr-defined]
            ":scope > tr, :scope > thead > tr, :scope > tbody > tr, :scope > tfoot > tr")
        for tr in rows:
            cells = [_Walker().run(td) for td in tr.find_all(["td", "th"], recursive=False)]
            if any(cells):
                self.blocks.append(row(cells))
