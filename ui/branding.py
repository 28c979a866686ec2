"""Per-partner look of the chat: title, logo, colour, welcome text and example questions.

A partner edits a small TOML file (see `examples/branding.toml`); everything is optional, so
an empty file, or none, gives the project's own defaults. Values are validated here because
they end up in HTML and CSS: a colour must be a hex code and a logo URL http(s) or a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.models import STAKEHOLDERS
from corpus.settings import read_toml

DEFAULT_TITLE = "Talent Hub Assistant"
DEFAULT_COLOR = "#0f5ea8"
DEFAULT_WELCOME = ("What can employers, cities, ministries, universities, unions and NGOs do "
                   "for international talent? Answers cite the guidebook.")
DEFAULT_EXAMPLES: dict[str, list[str]] = {
    "employers": [
        "What should employers do before international hires arrive?",
        "How can our company keep international staff for the long term?",
    ],
    "municipalities": [
        "How can a municipality help newcomers find housing?",
        "What should a city do in the first weeks after skilled migrants arrive?",
    ],
    "government": [
        "How can the government help small firms hire foreign specialists?",
        "What should ministries do so skilled migrants stay for the long term?",
    ],
    "education": [
        "How can a university prepare international students before they arrive?",
        "How can colleges help international students find work?",
    ],
    "trade-unions": [
        "How can a trade union reach international students?",
        "What can unions do when foreign talent has just started working?",
    ],
    "civil-society": [
        "How can diaspora associations help people who are moving here?",
        "What can NGOs do to bring newcomers and locals together?",
    ],
}
_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_KNOWN_KEYS = {"title", "logo_url", "primary_color", "welcome", "examples"}


@dataclass(frozen=True)
class Branding:
    """What the chat page shows before the first question."""

    title: str = DEFAULT_TITLE
    logo_url: str | None = None
    primary_color: str = DEFAULT_COLOR
    welcome: str = DEFAULT_WELCOME
    examples: dict[str, list[str]] = field(default_factory=lambda: dict(DEFAULT_EXAMPLES))

    def examples_for(self, stakeholder: str | None) -> list[tuple[str, str]]:
        """(stakeholder, question) pairs: all of one stakeholder's, or the first of each."""
        if stakeholder:
            return [(stakeholder, q) for q in self.examples.get(stakeholder, [])]
        return [(slug, questions[0]) for slug, questions in self.examples.items() if questions]


def load_branding(path: Path | None) -> Branding:
    """Read a branding TOML file; `None` gives the defaults. Raises ValueError on bad values."""
    if path is None:
        return Branding()
    data = read_toml(path, "branding file")
    return parse_branding(data, source=str(path))


def parse_branding(data: dict[str, Any], *, source: str = "branding") -> Branding:
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise ValueError(f"{source}: unknown keys {sorted(unknown)}; "
                         f"expected some of {sorted(_KNOWN_KEYS)}")
    values: dict[str, Any] = {}
    for key in ("title", "welcome"):
        if key in data:
            values[key] = _text(data[key], f"{source}: {key}")
    if "primary_color" in data:
        color = _text(data["primary_color"], f"{source}: primary_color")
        if not _HEX_COLOR.fullmatch(color):
            raise ValueError(f"{source}: primary_color must be a hex colour like #0f5ea8")
        values["primary_color"] = color
    if "logo_url" in data:
        url = _text(data["logo_url"], f"{source}: logo_url")
        if not url.startswith(("https://", "http://", "/")):
            raise ValueError(f"{source}: logo_url must start with https://, http:// or /")
        values["logo_url"] = url
    if "examples" in data:
        values["examples"] = _examples(data["examples"], source)
    return Branding(**values)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return value.strip()


def _examples(value: Any, source: str) -> dict[str, list[str]]:
    """Examples replace the defaults wholesale, in the stakeholder order of the guidebook."""
    if not isinstance(value, dict):
        raise ValueError(f"{source}: [examples] must be a table of stakeholder = [questions]")
    unknown = set(value) - set(STAKEHOLDERS)
    if unknown:
        raise ValueError(f"{source}: unknown stakeholders in [examples]: {sorted(unknown)}; "
                         f"choose from {', '.join(STAKEHOLDERS)}")
    examples: dict[str, list[str]] = {}
    for slug in STAKEHOLDERS:
        if slug not in value:
            continue
        questions = value[slug]
        if not isinstance(questions, list):
            raise ValueError(f"{source}: examples.{slug} must be a list of questions")
        examples[slug] = [_text(q, f"{source}: examples.{slug}") for q in questions]
    return examples
