"""Generic loaders: turn a partner's brief, report or saved web page into citable sections.

The guidebook has its own structured parser; everything else goes through here and becomes
`Section(kind="other")` records with ids `{document-slug}#{section-slug}`. Section text is always
the document's own words (tags stripped, entities decoded, whitespace collapsed), because a
citation quotes it character for character.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from corpus.models import Document, Section

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}
)
INTRODUCTION = "introduction"
# Shorter sections in heuristic formats (plain text, PDF) are menu junk or stray labels.
MIN_SECTION_CHARS = 40
MAX_HEADING_CHARS = 60
MAX_HEADING_WORDS = 8
MAX_SLUG_CHARS = 60


class LoaderError(Exception):
    """A document could not be turned into sections; the message is one line naming the file."""


@dataclass
class _Part:
    """A heading and the paragraphs under it, before ids are assigned."""

    heading: str | None  # None: text before the first heading
    paragraphs: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n\n".join(p for p in self.paragraphs if p)


def load_document(document: Document) -> list[Section]:
    """Read one document into sections, choosing the reader by file suffix."""
    path = Path(document.path)
    suffix = path.suffix.lower()
    readers: dict[str, Callable[[Path], list[_Part]]] = {
        ".md": _markdown_parts,
        ".markdown": _markdown_parts,
        ".txt": _text_parts,
        ".html": _html_parts,
        ".htm": _html_parts,
        ".pdf": _pdf_parts,
        ".docx": _docx_parts,
    }
    reader = readers.get(suffix)
    if reader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoaderError(f"{path}: unsupported file type {suffix or '(none)'!r}; use {supported}")
    if not path.is_file():
        raise LoaderError(f"{path}: cannot read: file not found")
    try:
        parts = reader(path)
    except LoaderError:
        raise
    except Exception as exc:  # each library has its own zoo of parse errors
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise LoaderError(f"{path}: cannot read: {reason}") from exc
    sections = _build_sections(document, parts)
    if not sections:
        raise LoaderError(f"{path}: empty document")
    return sections


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


# --- shared helpers -------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Collapse runs of spaces (including non-breaking ones) per line; keep line breaks."""
    lines = (re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _is_marker(line: str) -> bool:
    """A bullet or rule with no words: layout residue, never content."""
    return bool(re.fullmatch(r"[-–—•*·_=]+", line))


def _is_bullet(line: str) -> bool:
    return bool(re.match(r"[-–•*·]\s", line))


def _looks_like_heading(line: str) -> bool:
    """Short label-like line: how titles look in text that lost its markup."""
    return (
        len(line) <= MAX_HEADING_CHARS
        and len(line.split()) <= MAX_HEADING_WORDS
        and not line.endswith((".", "!", "?", ":", ";", ","))
        and (line[0].isupper() or line[0].isdigit())
        and sum(c.isalpha() for c in line) >= 2  # not a bare page number or year
        and not _is_bullet(line)
        and not _is_marker(line)
    )


def _find_headings(lines: list[str]) -> set[int]:
    """Indexes of lines that are headings: heading-shaped and introducing real content.

    What follows (markers skipped) must be a bullet list or a paragraph line longer than the
    heading; a heading-shaped line followed by another short line is menu or date residue.
    """
    headings: set[int] = set()
    for i, line in enumerate(lines):
        if not _looks_like_heading(line):
            continue
        following = next((nxt for nxt in lines[i + 1 :] if not _is_marker(nxt)), None)
        if following is None:
            continue
        if _is_bullet(following) or (
            not _looks_like_heading(following) and len(following) > len(line)
        ):
            headings.add(i)
    return headings


def _split_lines(lines: list[tuple[int, str]], join: str) -> list[_Part]:
    """Cut (page, line) pairs at detected headings; `join` glues the lines of one paragraph.

    Page 0 means "no pages". Blank lines separate paragraphs; marker lines are dropped.
    """
    indexes = _find_headings([line for _, line in lines if line])
    parts = [_Part(None)]
    paragraph: list[str] = []
    n = -1
    for page, line in lines:
        if not line:
            if paragraph:
                parts[-1].paragraphs.append(join.join(paragraph))
                paragraph = []
            continue
        n += 1
        if n in indexes:
            if paragraph:
                parts[-1].paragraphs.append(join.join(paragraph))
                paragraph = []
            parts.append(_Part(line))
        elif not _is_marker(line):
            paragraph.append(line)
        else:
            continue
        if page and page not in parts[-1].pages:
            parts[-1].pages.append(page)
    if paragraph:
        parts[-1].paragraphs.append(join.join(paragraph))
    return _merge_short(parts)


def _merge_short(parts: list[_Part]) -> list[_Part]:
    """Drop menu residue and fold sections with too little prose into a neighbour.

    A section made only of label-like lines ("About", "Skip to main content") is page chrome.
    One with a little prose joins the next section (or the previous one, at the end), its
    heading kept as a paragraph, so no content is lost and nothing is invented.
    """
    # too little for sections: keep whatever there is as one
    fallback = _Part(
        None,
        [q for p in parts for q in ([p.heading] if p.heading else []) + p.paragraphs],
        sorted({page for p in parts for page in p.pages}),
    )
    merged: list[_Part] = []
    carry: list[str] = []
    carry_pages: list[int] = []
    for part in parts:
        part.paragraphs = carry + part.paragraphs
        part.pages = sorted(set(carry_pages + part.pages))
        carry, carry_pages = [], []
        prose = sum(
            len(line)
            for paragraph in part.paragraphs
            for line in paragraph.split("\n")
            if not _looks_like_heading(line)
        )
        if prose >= MIN_SECTION_CHARS:
            merged.append(part)
        elif prose:
            carry = ([part.heading] if part.heading else []) + part.paragraphs
            carry_pages = part.pages
    if carry and merged:
        merged[-1].paragraphs += carry
        merged[-1].pages = sorted(set(merged[-1].pages + carry_pages))
    return merged or [fallback]


def _build_sections(document: Document, parts: Iterable[_Part]) -> list[Section]:
    """Give parts their ids, titles and breadcrumbs; parts without text are skipped."""
    sections: list[Section] = []
    used: set[str] = set()
    for part in parts:
        text = part.body.strip()
        if not text:
            continue
        heading = _clean(part.heading or "").replace("\n", " ")
        base = slugify(heading) if heading else INTRODUCTION
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        crumb = f"{document.title} › {heading}" if heading else document.title
        title = crumb
        pages = sorted(part.pages)
        if pages:
            span = f"p. {pages[0]}" if len(pages) == 1 else f"pp. {pages[0]}–{pages[-1]}"
            title = f"{crumb} ({span})"
        sections.append(
            Section(
                id=f"{document.slug}#{slug}",
                document=document.slug,
                kind="other",
                title=title,
                text=text,
                breadcrumb=crumb,
                heading=heading or document.title,
                page=pages[0] if pages else None,
                extra={"pages": pages} if pages else {},
            )
        )
    return sections


def _read_text(path: Path) -> str:
    """UTF-8 only: guessing an encoding would silently corrupt quotes."""
    data = path.read_bytes()
    if b"\x00" in data:
        raise LoaderError(f"{path}: cannot read: binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoaderError(
            f"{path}: cannot read: not UTF-8 text (bad byte at offset {exc.start})"
        ) from exc


# --- formats -------------------------------------------------------------------------------


def _text_parts(path: Path) -> list[_Part]:
    """Plain text or a web page dump: headings are guessed from line shape."""
    lines = [(0, line) for line in _clean_keep_blank(_read_text(path))]
    return _split_lines(lines, join="\n")


def _clean_keep_blank(text: str) -> list[str]:
    """Lines with spaces collapsed, blank lines kept as '' (they mark paragraph breaks)."""
    return [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.splitlines()]


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _markdown_inline(text: str) -> str:
    """Markdown/HTML inline syntax to plain text: links to their text, tags out, entities in."""
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", text)  # autolinks
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</?[A-Za-z][^>]*>", "", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>])", r"\1", text)
    return html.unescape(text)


def _markdown_parts(path: Path) -> list[_Part]:
    """ATX headings start sections; fenced code is body even if it contains '#'."""
    source = re.sub(r"<!--.*?-->", "", _read_text(path), flags=re.DOTALL)
    parts = [_Part(None)]
    block: list[str] = []
    in_fence = False

    def flush() -> None:
        text = _clean(_markdown_inline("\n".join(block)))
        if text:
            parts[-1].paragraphs.append(text)
        block.clear()

    for line in source.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _ATX.match(line)
        if heading:
            flush()
            title = _clean(_markdown_inline(heading.group(2) or "")).replace("\n", " ")
            parts.append(_Part(title or None))
        elif not line.strip() and not in_fence:
            flush()
        elif in_fence or not re.fullmatch(r" {0,3}([-*_])( *\1){2,} *", line):  # skip --- rules
            block.append(line)
    flush()
    return [p for p in parts if p.paragraphs]


# fmt: off
_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript",
              "template", "iframe", "svg")
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")  # C0 controls that no text file holds
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_BLOCKS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr",
    "td", "th", "caption", "blockquote", "pre", "figure", "figcaption", "section", "article",
    "main", "address", "details", "summary", "hr",
})
# fmt: on


def _html_parts(path: Path) -> list[_Part]:
    """Main content only: page chrome (nav, header, footer, scripts) is not the document's text."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import PreformattedString

    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    if soup.contains_replacement_characters or _BINARY.search(str(soup)):
        # bs4 decodes any bytes at all; garbage must be skipped, not indexed as mojibake.
        raise LoaderError(f"{path}: cannot read: not HTML text (binary or undecodable bytes)")
    root = soup.find("main") or soup.find("article") or soup.body or soup
    for tag in root.find_all(_HTML_DROP):
        tag.decompose()

    parts = [_Part(None)]
    buffer: list[str] = []

    def flush() -> None:
        text = _clean("".join(buffer))
        if text:
            parts[-1].paragraphs.append(text)
        buffer.clear()

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, PreformattedString):  # comments, doctype, CDATA
                    buffer.append(str(child))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if name in _HTML_HEADINGS:
                    flush()
                    title = _clean(child.get_text()).replace("\n", " ")
                    if title:
                        parts.append(_Part(title))
                elif name == "br":
                    buffer.append("\n")
                elif name in _HTML_BLOCKS:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)

    walk(root)
    flush()
    return [p for p in parts if p.paragraphs]


def _pdf_parts(path: Path) -> list[_Part]:
    """Split at heading-like lines across pages; with none, one section per page."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise LoaderError(f"{path}: cannot read: PDF is password-protected")
    lines: list[tuple[int, str]] = []
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        lines += [(number, line) for line in _clean_keep_blank(text)]
        lines.append((number, ""))  # a page break ends a paragraph
    if not any(line for _, line in lines):
        return []
    parts = _split_lines(lines, join="\n")
    if any(part.heading for part in parts):
        return parts
    by_page: dict[int, _Part] = {}
    for number, line in lines:
        if line and not _is_marker(line):
            part = by_page.setdefault(number, _Part(f"Page {number}", [], [number]))
            part.paragraphs.append(line)
    for part in by_page.values():
        part.paragraphs = ["\n".join(part.paragraphs)]
    return list(by_page.values())


def _docx_parts(path: Path) -> list[_Part]:
    """Heading/Title paragraph styles start sections; table cells are body paragraphs."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    parts = [_Part(None)]
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(element, document)
            text = _clean(paragraph.text)
            style = paragraph.style.name if paragraph.style is not None else ""
            if text and style.startswith(("Heading", "Title")):
                parts.append(_Part(text.replace("\n", " ")))
            elif text:
                parts[-1].paragraphs.append(text)
        elif tag == "tbl":
            seen: set[object] = set()  # holding the elements keeps their proxies stable
            for row in Table(element, document).rows:
                for cell in row.cells:
                    if cell._tc in seen:  # a merged cell repeats in every row/column it spans
                        continue
                    seen.add(cell._tc)
                    text = _clean(cell.text)
                    if text:
                        parts[-1].paragraphs.append(text)
    return [p for p in parts if p.paragraphs]
