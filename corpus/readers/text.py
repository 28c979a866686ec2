"""Plain text, such as a saved web page: no markup, so headings are guessed from line shape.

Only here is a heading judged by how a line looks (short, label-like, introducing prose):
text has no fonts. Page chrome (menus, "Skip to main content") is dropped, and a heading
with too little prose under it is read as a line of the next section, so nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from corpus.blocks import HEADING, ITEM, PARAGRAPH, Block, LoaderError, ReadDocument, tidy

# Shorter sections are menu junk or stray labels.
MIN_SECTION_CHARS = 40
MAX_HEADING_CHARS = 60
MAX_HEADING_WORDS = 8
_BULLET = re.compile(r"[-–•*·]\s+")


def read_utf8(path: Path) -> str:
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


def read_text(path: Path) -> ReadDocument:
    """Every line a paragraph or list item; heading-shaped lines that introduce prose are
    headings."""
    lines = [tidy(line) for line in read_utf8(path).splitlines()]
    lines = [line for line in lines if line and not is_marker(line)]
    headings = _find_headings(lines)
    parts = [_Part(None)]
    for i, line in enumerate(lines):
        if i in headings:
            parts.append(_Part(line))
        else:
            parts[-1].lines.append(line)
    blocks: list[Block] = []
    for part in _merge_short(parts):
        if part.heading:
            blocks.append(Block(HEADING, part.heading, level=1))
        for line in part.lines:
            if bullet := _BULLET.match(line):
                blocks.append(Block(ITEM, line[bullet.end():]))
            else:
                blocks.append(Block(PARAGRAPH, line))
    return ReadDocument(blocks)


def is_marker(line: str) -> bool:
    """A bullet or rule with no words: layout residue, never content."""
    return bool(re.fullmatch(r"[-–—•*·_=]+", line))


def _is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def looks_like_heading(line: str) -> bool:
    """Short label-like line: how titles look in text that lost its markup."""
    return (
        len(line) <= MAX_HEADING_CHARS
        and len(line.split()) <= MAX_HEADING_WORDS
        and not line.endswith((".", "!", "?", ":", ";", ","))
        and (line[0].isupper() or line[0].isdigit())
        and sum(c.isalpha() for c in line) >= 2  # not a bare page number or year
        and not _is_bullet(line)
    )


def _find_headings(lines: list[str]) -> set[int]:
    """Indexes of heading-shaped lines that introduce real content: a bullet list or a
    paragraph line longer than the heading (another short line is menu or date residue)."""
    headings: set[int] = set()
    for i, line in enumerate(lines[:-1]):
        following = lines[i + 1]
        if looks_like_heading(line) and (_is_bullet(following) or (
                not looks_like_heading(following) and len(following) > len(line))):
            headings.add(i)
    return headings


@dataclass
class _Part:
    heading: str | None  # None: text before the first heading
    lines: list[str] = field(default_factory=list)


def _merge_short(parts: list[_Part]) -> list[_Part]:
    """Drop menu residue and fold sections with too little prose into a neighbour.

    A section made only of label-like lines ("About", "Skip to main content") is page chrome.
    One with a little prose joins the next section (or the previous one, at the end), its
    heading kept as a line, so no content is lost and nothing is invented.
    """
    merged: list[_Part] = []
    carry: list[str] = []
    for part in parts:
        part.lines = carry + part.lines
        carry = []
        prose = sum(len(line) for line in part.lines if not looks_like_heading(line))
        if prose >= MIN_SECTION_CHARS:
            merged.append(part)
        elif prose:
            carry = ([part.heading] if part.heading else []) + part.lines
    if carry and merged:
        merged[-1].lines += carry
    if merged:
        return merged
    # too little for sections: keep whatever there is as one
    return [_Part(None, [x for p in parts for x in ([p.heading] if p.heading else []) + p.lines])]
