"""Text clean-up shared by the parsers.

A citation quotes `clean_text(source)` verbatim, so every parser must run its source text
through the same function: that is what makes quotes checkable against the corpus.
"""

from __future__ import annotations

import html
import re

_FOOTNOTE_REF = re.compile(r"\s*<sup>\s*\d+\s*</sup>")
_INLINE_TAG = re.compile(r"</?(?:b|i|em|strong|span|a|u|sub|small|mark|code)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“(A-Z0-9])")


def clean_text(raw: str) -> str:
    """Markup-free text: footnote markers dropped, tags stripped, entities decoded.

    Paragraph breaks survive as a blank line; all other whitespace collapses to one space.
    """
    text = _FOOTNOTE_REF.sub("", raw)
    text = _MD_LINK.sub(r"\1", text)
    text = _INLINE_TAG.sub("", text)  # "<b>outreach</b>." must not become "outreach ."
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = text.replace("\\*", "*")
    text = _MD_EMPHASIS.sub("", text)
    paragraphs = [_SPACES.sub(" ", p.replace("\n", " ")).strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def normalise_space(text: str) -> str:
    """One line, single spaces: the form used to compare quotes with the corpus."""
    return " ".join(text.split())


def split_sentences(text: str) -> list[str]:
    """Split prose on sentence ends; good enough for the guidebook's plain English."""
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence, so callers can slice the source verbatim."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in re.split(r"(\n\s*\n)", text):
        if paragraph.strip() and not paragraph.isspace():
            start = 0
            for match in _SENTENCE_END.finditer(paragraph):
                spans.append((offset + start, offset + match.start()))
                start = match.end()
            spans.append((offset + start, offset + len(paragraph.rstrip())))
        offset += len(paragraph)
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in spans
            if text[a:b].strip()]


def quote_span(quote: str, text: str) -> tuple[int, int] | None:
    """Where a whitespace-normalised quote lies in `text` (start, end), or None."""
    kept: list[str] = []
    index: list[int] = []
    for i, char in enumerate(text):
        if not char.isspace():
            kept.append(char)
            index.append(i)
        elif kept and kept[-1] != " ":
            kept.append(" ")
            index.append(i)
    found = "".join(kept).find(normalise_space(quote))
    if found < 0 or not quote.strip():
        return None
    return index[found], index[found + len(normalise_space(quote)) - 1] + 1
