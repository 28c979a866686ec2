"""Typos corrected against the corpus's own words, before query analysis.

"familes" must still meet "families" in both retrievers: dense embeddings of a misspelt
word drift, and BM25 does not match it at all. The index provides the vocabulary (the
words of its texts, and its stemmed terms); which words count as typos, and what they
become, is query policy and lives here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping

from index.reader import tokenize

# Shorter words are too often another, correct word one letter away ("there", "three").
MIN_LENGTH = 5
# difflib's similarity ratio a correction must reach: one wrong letter in a ten-letter word.
CUTOFF = 0.9
_LETTERS = re.compile(r"[A-Za-z]+")


def correct_spelling(text: str, vocabulary: frozenset[str], terms: Collection[str],
                     by_initial: Mapping[str, list[str]] | None = None) -> str:
    """Replace each word the corpus never uses by its closest corpus word, if one is close.

    `vocabulary` holds the corpus's lower-cased words, `terms` its stemmed index terms: a
    word whose stem is a term is an inflection, not a typo ("stage" meets "stages").
    `by_initial` is `words_by_initial(vocabulary)`, which the caller keeps per index build.
    """
    unknown = sorted({w.lower() for w in _LETTERS.findall(text)
                      if len(w) >= MIN_LENGTH and w.lower() not in vocabulary})
    if not unknown:
        return text
    inflections = {word for word, stems in zip(unknown, tokenize(unknown), strict=True)
                   if stems and stems[0] in terms}
    by_initial = by_initial if by_initial is not None else words_by_initial(vocabulary)
    fixes = {}
    for word in unknown:
        if word in inflections:
            continue
        close = difflib.get_close_matches(word, by_initial.get(word[0], ()), n=1, cutoff=CUTOFF)
        if close:
            fixes[word] = close[0]
    if not fixes:
        return text
    return _LETTERS.sub(lambda m: fixes.get(m.group().lower(), m.group()), text)


def words_by_initial(vocabulary: frozenset[str]) -> dict[str, list[str]]:
    """The vocabulary by first letter (a typo rarely hits the first one): what a misspelt
    word is compared with."""
    groups: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        groups.setdefault(word[0], []).append(word)
    return groups
