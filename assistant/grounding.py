"""Is each statement of an answer traceable to the sources it cites?

The extractive answerer quotes its sources, so its statements are traceable by
construction. An LLM paraphrases, and a sentence can carry a valid marker while saying
something its source does not; the LLM answerer drops such sentences, and the eval's
answer-faithfulness metric counts them. Both use the same two functions, so "supported"
means one thing everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from corpus.models import PHASES, STAKEHOLDERS
from corpus.text import split_sentences
from index.reader import tokenize

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


def marker_numbers(text: str) -> list[int]:
    """The source numbers the markers in `text` cite: "[1] ... [2, 3]" gives 1, 2, 3."""
    return [int(n) for group in MARKER.findall(text) for n in re.split(r"[,;]", group)]


# Share of a statement's content words (stemmed, stop words out) that must occur in the
# text of the units it cites. A verbatim quote scores 1.0; a faithful paraphrase keeps the
# source's key terms and adds a few framing words ("should", the stakeholder's name, which
# are not counted). Half leaves room for that framing while a sentence that mostly brings
# its own content fails.
MIN_SUPPORT = 0.5
_FRAMING = frozenset(tokenize([" ".join([*STAKEHOLDERS.values(), *PHASES.values(),
                                         "guidebook suggests recommends should could can"])])[0])
_LABEL = re.compile(r"\s*\*\([^)]*\)\*")  # "*(Pre-departure)*" after a bullet's marker
_EMPHASIS = re.compile(r"[*_]{1,3}")
_HEADING = re.compile(r"^\s*(?:#+\s|\*\*[^*]+\*\*\s*$)")


def answer_statements(answer: str) -> list[tuple[str, list[int]]]:
    """(text, markers) for each statement: a bullet, or a sentence of a prose line.

    Lead-in lines (ending in ':' without a marker) and headings state nothing and are
    left out.
    """
    statements: list[tuple[str, list[int]]] = []
    for line in answer.splitlines():
        text = line.strip()
        if not text or _HEADING.match(text) or (text.endswith(":") and not MARKER.search(text)):
            continue
        if text.startswith(("- ", "* ", "• ")):
            pieces = [text[2:]]
        else:
            pieces = _sentences_with_markers(text)
        for piece in pieces:
            markers = marker_numbers(piece)
            words = _EMPHASIS.sub("", _LABEL.sub("", MARKER.sub(" ", piece)))
            words = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(words.split()))
            if words:
                statements.append((words, markers))
    return statements


def supports(statement: str, sources: Sequence[str]) -> bool:
    """True when the cited sources hold most of the statement's content words."""
    words = set(tokenize([statement])[0]) - _FRAMING
    if not words:
        return True  # nothing but framing: claims nothing
    found = set().union(*(tokenize([text])[0] for text in sources)) if sources else set()
    return len(words & found) / len(words) >= MIN_SUPPORT


def coverage(words: Sequence[str], text: str, idf: Mapping[str, float], *,
             names: Collection[str] = ()) -> float:
    """How much of a question's content `text` speaks to: the IDF-weighted share of the
    words' stems that it uses.

    A word the corpus never uses gets a middling weight, unless the question writes it as
    a name ("Sweden", "WAFIRA"): a name the text lacks is what the question is about, so it
    weighs as much as the corpus's rarest word.
    """
    stems = {stem: word for word in words for stem in tokenize([word])[0]}
    if not stems:
        return 1.0
    weights = sorted(idf.values()) or [1.0]
    rarest, middle = weights[-1], weights[len(weights) // 2]
    lowered_names = {n.lower() for n in names}

    def weight(stem: str) -> float:
        if stem in idf:
            return idf[stem]
        return rarest if stems[stem] in lowered_names else middle

    used = set(tokenize([text])[0])
    total = sum(weight(t) for t in stems)
    return sum(weight(t) for t in stems if t in used) / total


def _sentences_with_markers(line: str) -> list[str]:
    """Sentences of a prose line, each keeping the markers that follow its full stop
    ("... arrival. [1] Then ..." gives the [1] to the first sentence)."""
    moved = re.sub(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)", r"\2\1", line)
    return split_sentences(moved)
