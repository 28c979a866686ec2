"""The answer contract (docs/architecture.md, section 3) as dataclasses shared by CLI, API
and UI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from corpus.models import UnitKind

KINDS = tuple(UnitKind)  # every kind of citable unit


@dataclass
class Citation:
    """One cited source unit; `quote` is the source text, character for character."""

    marker: int
    id: str
    document: str
    stakeholder: str | None
    section: str
    phase: str | None
    number: int | None
    title: str
    quote: str
    score: float
    breadcrumb: str = ""
    page: int | None = None  # the first page the unit is on, in a paged document
    pages: list[int] = field(default_factory=list)
    # the countries the quote is specific to ("In Denmark, ..."), see assistant/countries.py
    countries: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = round(self.score, 4)
        return data


@dataclass(frozen=True)
class FollowUp:
    """A question worth asking next, and why (see assistant/followups.py).

    `kind` is `next-phase`, `neighbour` or `self-assessment`; a self-assessment follow-up
    is not a question for `ask` but a pointer to the stakeholder's self-assessment.
    """

    question: str
    why: str
    kind: str
    stakeholder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answer: str
    grounded: bool
    citations: list[Citation] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    followups: list[FollowUp] = field(default_factory=list)

    @property
    def cited_ids(self) -> list[str]:
        return [c.id for c in self.citations]

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "grounded": self.grounded,
                "citations": [c.to_dict() for c in self.citations], "meta": self.meta,
                "followups": [f.to_dict() for f in self.followups]}


@dataclass(frozen=True)
class Delta:
    """A piece of answer text, streamed as soon as it is ready (provisional for the LLM)."""

    text: str


@dataclass(frozen=True)
class Final:
    """The complete answer: always the last event of a stream, and the one that counts."""

    answer: Answer


StreamEvent = Delta | Final


def collect(events: Iterable[StreamEvent]) -> Answer:
    """The `Final` answer of a stream, consuming it; a stream without one is a bug."""
    for event in events:
        if isinstance(event, Final):
            return event.answer
    raise RuntimeError("the assistant stream ended without a final answer")


@dataclass(frozen=True)
class Hit:
    """A retrieved source unit.

    `score` ranks it: how well its text matches, plus the query analysis's boosts for the
    stakeholder and phase asked about. `match` is how well its text matches alone: what
    the answerer judges grounding and near-ties by, so that a boost can put a unit first
    but cannot make a weak match look strong.
    """

    unit_id: str
    chunk_id: str
    score: float
    text: str
    metadata: dict[str, Any]
    evidence: float | None = None  # the score before boosts; None when none were applied

    @property
    def match(self) -> float:
        return self.score if self.evidence is None else self.evidence

    @property
    def kind(self) -> UnitKind:
        return UnitKind(self.metadata["kind"])

    @property
    def document(self) -> str:
        return str(self.metadata["document"])

    @property
    def stakeholder(self) -> str | None:
        return self.metadata.get("stakeholder") or None

    @property
    def phase(self) -> str | None:
        return self.metadata.get("phase") or None

    def to_dict(self) -> dict[str, Any]:
        """The unit as search results show it: where it is, and its text verbatim (the
        matching chunk of a long unit). `page` is None where the source has no pages."""
        m = self.metadata
        return {"id": self.unit_id, "document": self.document, "kind": self.kind,
                "title": m.get("title", ""), "breadcrumb": m.get("breadcrumb", ""),
                "stakeholder": self.stakeholder, "phase": self.phase,
                "page": m.get("page") or None, "score": round(self.score, 4),
                "text": self.text}
