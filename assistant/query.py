"""Query analysis: who is asking about what, in which phase, and what kind of request.

Everything here is a signal for re-scoring, never a hard filter: a wrong guess must lower a
good source, not hide it. Explicit `stakeholder`/`phase` arguments win. The domain
vocabulary comes from the corpus (assistant/lexicon.py); only the grammar of questions and
the everyday names of roles are written by hand (assistant/grammar.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant import grammar
from assistant.errors import InvalidInput
from assistant.lexicon import Lexicon
from index.reader import tokenize

# The z-score (assistant/lexicon.py) at which a word marks a guidebook theme: each theme's own
# key words ("language", "brand", "feedback") score 2.9-5.9, words shared with neighbouring
# themes lower.
THEME_Z = 2.9
# The summed z-score (assistant/lexicon.py) at which a question's project words make it a
# question about the project: one word just past the marking level (2.33, one-sided 1%) can
# be chance in a corpus this size ("home" 2.3, "two" 2.3); the 0.1% level is not. Dev: flat
# from 2.5 to 4.0 (false refusals 0.028 -> 0.022, nothing else moves).
PROJECT_Z = 3.0
# Words a general question ("what should a municipality get ready before ...?") may use
# beyond its role and phase and still ask for the whole list. Dev (list questions, n=31):
# recall 0.775 at 1, 0.808 at 2 and 3; at 3 action-point questions became lists (retrieval
# precision 0.597 -> 0.592).
GENERAL_FRAMING = 2
# A question most of whose content words the corpus never uses is about something else,
# unless it names a role, phase, theme or project word; half is the line.
MAX_UNKNOWN_SHARE = 0.5


class QuestionKind(StrEnum):
    """What the answer has to be: a few action points, a whole phase list, actions across
    roles, a project fact, or a refusal."""

    ACTION_POINT = "action-point"
    LIST = "list"
    CROSS_STAKEHOLDER = "cross-stakeholder"
    FACT = "fact"
    OUT_OF_SCOPE = "out-of-scope"


class Request(StrEnum):
    """The form of the request, apart from its topic (see assistant/grammar.py)."""

    QUESTION = "question"
    TASK = "task"
    OPINION = "opinion"
    PERSONAL = "personal"


@dataclass
class QueryAnalysis:
    """What the question is about. `query` is the text to search with (follow-ups merged)."""

    question: str
    query: str
    stakeholders: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    kind: QuestionKind = QuestionKind.ACTION_POINT
    request: Request = Request.QUESTION
    follow_up: bool = False
    explicit_stakeholder: bool = False
    explicit_phase: bool = False
    in_domain: bool = True
    # content words the corpus never uses ("Sweden", "Express Entry"): what an answer
    # from this corpus could not speak to
    unknown: tuple[str, ...] = ()
    content: tuple[str, ...] = ()
    # words written as names mid-sentence ("in Sweden", "the WAFIRA project")
    names: tuple[str, ...] = ()

    @property
    def unknown_share(self) -> float:
        """Share of the question's content words that the corpus never uses."""
        return len(self.unknown) / len(self.content) if self.content else 0.0

    def to_meta(self) -> dict[str, object]:
        return {"stakeholders": self.stakeholders, "phases": self.phases,
                "themes": self.themes, "kind": str(self.kind), "request": str(self.request),
                "follow_up": self.follow_up}


_PHASE_RX = {p: re.compile(r"(?<![\w-])(?:" + "|".join(t.phrases) + ")")
             for p, t in grammar.PHASE_PATTERNS.items()}
_LIST_RX = grammar.LIST_REQUEST.pattern()
# Besides the phrases, any "what ... do" ("what would a union do", "what do councils do"):
# the open question about a role's part, whatever words sit between.
_GENERAL_RX = re.compile(grammar.GENERAL_REQUEST.pattern().pattern + r"|\bwhat\b.*\bdo\b")
_CROSS_RX = re.compile(grammar.CROSS_REQUEST.pattern().pattern + "|"
                       + grammar.WHICH_GROUP.pattern + r"|(?:^|[.?!,;:]\s*)(?:"
                       + "|".join(re.escape(t) for t in grammar.ASKING_WHO.phrases) + r")\b")
_COMPARE_RX = grammar.COMPARE.pattern()
_FACT_RX = grammar.FACT_REQUEST.pattern()
_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ'-]*")
_STOP = frozenset(STOPWORDS_EN_PLUS)
_VAGUE = frozenset(grammar.VAGUE_WORDS.phrases)


def _lowered(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _closing(lowered: str) -> int:
    """Where the closing question starts: in a scenario ("We are a union ... . What
    should we do?") it says who asks and what for."""
    sentences = re.split(r"(?<=[.!?])\s+", lowered)
    question = next((s for s in reversed(sentences) if "?" in s), sentences[-1])
    return lowered.rfind(question)


def _stakeholders(lowered: str) -> list[str]:
    """Roles named in the question, those in the closing question first: in "Students never
    hear back from employers. What could a uni careers service do?" the asker is the
    university.

    Only names of organisations count. Words the corpus uses most in one role's section
    ("students" in education's, "members" in the unions') name whom the role serves, not
    who asks; mined as role names they misled follow-ups ("which of these also covers
    students?" about unions) on dev.
    """
    offset = _closing(lowered)
    positions = {s: [m.start() for m in rx.finditer(lowered)]
                 for s, rx in grammar.ROLE_PATTERNS.items()}
    found = []
    for stakeholder, places in positions.items():
        if places:
            in_question = sorted(p for p in places if p >= offset)
            found.append((0 if in_question else 1, (in_question or sorted(places))[0],
                           stakeholder))
    return [stakeholder for *_, stakeholder in sorted(found)]


def _phases(lowered: str) -> list[str]:
    """Phases in order of mention, those of the closing question only when it names one; a
    span claimed by an earlier phase is not reused, so "before they arrive" is
    pre-departure only."""
    found: list[tuple[int, str]] = []
    for phase, rx in _PHASE_RX.items():
        for m in rx.finditer(lowered):
            found.append((m.start(), phase))
            lowered = lowered[: m.start()] + " " * (m.end() - m.start()) + lowered[m.end():]
    offset = _closing(lowered)
    closing = [(p, phase) for p, phase in found if p >= offset]
    return list(dict.fromkeys(phase for _, phase in sorted(closing or found)))


def _request(text: str, lowered: str) -> Request:
    closing = lowered[_closing(lowered):]
    if grammar.TASK_REQUEST.search(lowered):
        return Request.TASK
    if grammar.PERSONAL_CASE.search(lowered) and not grammar.FIRST_PERSON_PLURAL.search(closing):
        return Request.PERSONAL
    if grammar.OPINION_REQUEST.search(lowered):
        return Request.OPINION
    return Request.QUESTION


def content_words(lowered: str) -> list[str]:
    """Words that could carry a topic: not stop words, not the vague words of a question
    ("hub's" counts as "hub")."""
    words = (w.removesuffix("'s") for w in _WORD.findall(lowered))
    return [w for w in words if len(w) > 2 and w not in _STOP and w not in _VAGUE]


def _names(text: str) -> tuple[str, ...]:
    """Capitalised words that do not open a sentence: how a question writes names."""
    return tuple(word.removesuffix("'s") for sentence in re.split(r"(?<=[.!?])\s+", text)
                 for word in re.findall(r"[^\W\d_][\w'-]*", sentence)[1:]
                 if word[:1].isupper())


def _stems(words: list[str]) -> list[str]:
    return tokenize([" ".join(words)])[0] if words else []


def themes_in(text: str, lexicon: Lexicon) -> list[str]:
    """The guidebook themes (intervention areas) whose distinctive words `text` uses,
    strongest first: the same test a question's themes pass, applied to any text."""
    return lexicon.themes_marked(_stems(content_words(_lowered(text))), min_z=THEME_Z)


def detect(text: str, lexicon: Lexicon) -> QueryAnalysis:
    """Signals in one piece of text, without conversation context."""
    lowered = _lowered(text)
    words = content_words(lowered)
    stems = _stems(words)
    unknown = tuple(w for w in words if not set(tokenize([w])[0]) <= lexicon.known)
    analysis = QueryAnalysis(
        question=text, query=text, stakeholders=_stakeholders(lowered),
        phases=_phases(lowered), themes=lexicon.themes_marked(stems, min_z=THEME_Z),
        request=_request(text, lowered), unknown=unknown, content=tuple(words),
        names=_names(text))
    weight = sum(lexicon.project.get(stem, 0.0) for stem in set(stems))  # 0: no project word
    analysis.in_domain = bool(analysis.stakeholders or analysis.phases or analysis.themes
                              or weight or (words and analysis.unknown_share < MAX_UNKNOWN_SHARE))
    cross = bool(_CROSS_RX.search(lowered))
    # Project words name the project itself ("the MPF study", "the Talent Hub survey"),
    # whatever phase words come with them; without them, only a fact-shaped question with
    # no role or phase in it asks for a fact. A mined project word can also be an everyday
    # one ("going back home"), so it counts when written as a name, or when the question's
    # project words together mark the project strongly (PROJECT_Z); in a question across
    # roles ("which actors ...") only a name counts.
    named = set(_stems([n.lower() for n in analysis.names]))
    about_project = any(stem in lexicon.project for stem in named) or (
        weight >= PROJECT_Z and not cross)
    if not analysis.stakeholders and (
            about_project or (not analysis.phases and _FACT_RX.search(lowered) and not cross)):
        analysis.kind = QuestionKind.FACT
    elif cross or (len(analysis.stakeholders) > 1 and _COMPARE_RX.search(lowered)):
        analysis.kind = QuestionKind.CROSS_STAKEHOLDER
    elif analysis.stakeholders and analysis.phases and wants_list(lowered, analysis.themes):
        analysis.kind = QuestionKind.LIST
    return analysis


def wants_list(lowered: str, themes: list[str]) -> bool:
    """An explicit list request, or a general question that names no specific topic: a
    few words of its own framing ("get ready", "skilled migrants"), none of them marking a
    guidebook theme (`themes`, as `detect` found them: "language" wants that theme's
    actions, not the whole phase)."""
    if _LIST_RX.search(lowered):
        return True
    return bool(_GENERAL_RX.search(lowered)) and topic_words(lowered) <= GENERAL_FRAMING \
        and not themes


def topic_words(text: str) -> int:
    """Words naming a topic, beyond roles, phases and the scaffolding of a question."""
    lowered = _lowered(text)
    for rx in (*grammar.ROLE_PATTERNS.values(), *_PHASE_RX.values()):
        lowered = rx.sub(" ", lowered)
    return len(content_words(lowered))


def is_follow_up(question: str) -> bool:
    """Short, elliptic turns ("And what about municipalities?") lean on the last question."""
    lowered = _lowered(question)
    sentences = re.split(r"(?<=[.!?])\s+", lowered)  # "Makes sense. And after that?"
    leans = any(s.startswith(grammar.FOLLOW_UP.phrases) for s in sentences) or bool(
        grammar.ANAPHORA.search(lowered))
    return (leans and topic_words(question) <= 3) or topic_words(question) == 0


def analyse(question: str, lexicon: Lexicon, *, history: list[tuple[str, str]] | None = None,
            stakeholder: str | None = None, phase: str | None = None) -> QueryAnalysis:
    """Analyse a turn in its conversation; explicit arguments override detection."""
    current = detect(question, lexicon)
    own_themes = current.themes  # this turn's own, before a follow-up adds the last one's
    previous_question = _last_topic(history or [])
    if previous_question and current.request == Request.QUESTION and is_follow_up(question):
        previous = analyse(previous_question, lexicon)
        carried = previous.query
        if current.stakeholders:
            carried = _strip(carried, grammar.ROLE_PATTERNS.values())
        if current.phases:
            carried = _strip(carried, _PHASE_RX.values())
        merged = QueryAnalysis(
            question=question, query=f"{carried} {question}",
            stakeholders=current.stakeholders or previous.stakeholders,
            phases=current.phases or previous.phases,
            themes=current.themes + [t for t in previous.themes if t not in current.themes],
            # "And what about unions?" keeps the question; "which of those are about
            # families?" narrows it to one topic.
            kind=previous.kind if topic_words(question) == 0 and (
                previous.kind != QuestionKind.CROSS_STAKEHOLDER or not current.stakeholders)
            else QuestionKind.ACTION_POINT,
            follow_up=True, in_domain=previous.in_domain or current.in_domain,
            unknown=current.unknown, content=current.content, names=current.names,
        )
        if current.kind == QuestionKind.CROSS_STAKEHOLDER and not current.stakeholders:
            merged.kind = QuestionKind.CROSS_STAKEHOLDER
        current = merged
    if stakeholder:
        current.stakeholders, current.explicit_stakeholder = [stakeholder], True
        current.in_domain = True
    if phase:
        current.phases, current.explicit_phase = [phase], True
        current.in_domain = True
    if (stakeholder or phase) and current.kind in (QuestionKind.FACT,
                                                   QuestionKind.CROSS_STAKEHOLDER):
        current.kind = QuestionKind.ACTION_POINT
    if current.kind == QuestionKind.ACTION_POINT and len(current.stakeholders) == 1 \
            and current.phases and (phase or wants_list(_lowered(question), own_themes)):
        current.kind = QuestionKind.LIST
    return current


def _strip(text: str, patterns: object) -> str:
    """The text without the phrases a follow-up replaces ("before they come" -> "")."""
    lowered = _lowered(text)
    for rx in patterns:  # type: ignore[attr-defined]
        lowered = rx.sub(" ", lowered)
    return " ".join(lowered.split())


def _last_topic(history: list[tuple[str, str]]) -> str | None:
    """The most recent user turn that stands on its own (follow-ups chain back)."""
    chain: list[str] = []
    for user, _assistant in reversed(history):
        chain.append(user)
        if not is_follow_up(user):
            break
    if not chain:
        return None
    return " ".join(reversed(chain))


def validate_choice(value: str | None, choices: Collection[str], what: str) -> str | None:
    if value is not None and value not in choices:
        raise InvalidInput(f"unknown {what} '{value}'; choose one of: {', '.join(choices)}")
    return value
