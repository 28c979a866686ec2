"""The records every later stage works on: documents and their citable sections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from corpus.scopes import SHARED


class UnitKind(StrEnum):
    """What a citable unit is. A str enum: members equal their slugs, which is what Chroma
    metadata and JSON hold, so "action-points" and UnitKind.ACTION_POINTS are one value."""

    ACTION_POINTS = "action-points"
    INTERVENTIONS = "interventions"
    SELF_ASSESSMENT = "self-assessment"
    QUOTES = "quotes"
    OTHER = "other"


# What tells an organisation what to do: the numbered action points and the intervention
# paragraphs (answers, follow-ups and the self-assessment's gap search draw on these).
GUIDANCE = (UnitKind.ACTION_POINTS, UnitKind.INTERVENTIONS)


STAKEHOLDERS: dict[str, str] = {
    "employers": "Employers",
    "municipalities": "Municipalities",
    "government": "Government authorities",
    "education": "Educational institutions",
    "trade-unions": "Trade unions",
    "civil-society": "Civil society",
}
PHASES: dict[str, str] = {
    "pre-departure": "Pre-departure",
    "on-boarding": "On-boarding",
    "integration": "Integration & social inclusion",
}
THEMES: dict[str, str] = {
    "coordination": "Coordination, support and structures",
    "data": "Collection of information and data",
    "information": "Access to information and services",
    "language": "Language training and learning",
    "well-being": "Well-being and family support",
    "professional-development": "Professional development and opportunities",
    "digital": "Digital ecosystem and bureaucracy",
    "branding": "Residency and branding",
}
FOCUS_GROUPS: dict[str, str] = {
    "talent": "Focus on talent",
    "family": "Focus on accompanying family",
    "partnerships": "Focus on partnerships",
}


@dataclass(frozen=True)
class Document:
    """One source file, its title, and the attribution the manifest records for it."""

    slug: str
    path: Path
    title: str
    publisher: str = ""
    date: str = ""
    licence: str = ""
    source_url: str = ""
    citation: str = ""
    parser: str = "auto"  # "guidebook" or "generic" forces a parser
    relative_path: str = ""  # within the corpus folder, "/"-separated
    scope: str = SHARED  # "shared" or the partner it belongs to (corpus/scopes.py)


@dataclass(frozen=True)
class Section:
    """The smallest citable unit: what a citation id points at.

    `text` is the source text (entities decoded, tags stripped) and is what a citation
    quotes, so it must stay character-for-character faithful to the document.
    """

    id: str
    document: str
    kind: str
    title: str
    text: str
    breadcrumb: str
    stakeholder: str | None = None
    phase: str | None = None
    theme: str | None = None
    number: int | None = None
    focus: str | None = None
    heading: str | None = None
    page: int | None = None
    pages: tuple[int, ...] = ()
    page_starts: tuple[tuple[int, int], ...] = ()  # (offset in text, page) at each page start
    footnotes: tuple[str, ...] = field(default_factory=tuple)
    extra: dict[str, Any] = field(default_factory=dict)
    scope: str = SHARED  # its document's

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["footnotes"] = list(self.footnotes)
        data["pages"] = list(self.pages)
        data["page_starts"] = [list(start) for start in self.page_starts]
        return data


def page_label(pages: Sequence[int]) -> str:
    """How a citation names its pages: "p. 7", "pp. 7–9", or "" without pages."""
    if not pages:
        return ""
    return f"p. {pages[0]}" if len(pages) == 1 else f"pp. {pages[0]}–{pages[-1]}"


def cited_where(breadcrumb: str, pages: Sequence[int]) -> str:
    """A citation's place as a reader looks it up: its breadcrumb, then its pages."""
    label = page_label(pages)
    return f"{breadcrumb}, {label}" if label and label not in breadcrumb else breadcrumb
