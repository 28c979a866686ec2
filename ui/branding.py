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


# The lightest grey the page puts text on (Gradio's secondary fill), and WCAG AA for text.
TEXT_BACKGROUND = "#f1f5f9"
MIN_CONTRAST = 4.5


def text_safe(color: str, *, background: str = TEXT_BACKGROUND,
              minimum: float = MIN_CONTRAST) -> str:
    """`color`, darkened (mixed with black) just enough to reach `minimum` contrast on
    `background`, so a partner's light brand colour still gives readable links and buttons."""
    rgb = _rgb(color)
    for step in range(21):
        mixed = tuple(round(c * (1 - step / 20)) for c in rgb)
        if contrast(mixed, _rgb(background)) >= minimum:
            return "#{:02x}{:02x}{:02x}".format(*mixed)
    return "#000000"


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The WCAG 2.1 contrast ratio of two sRGB colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(rgb: tuple[int, ...]) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(color: str) -> tuple[int, ...]:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i: i + 2], 16) for i in (0, 2, 4))


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
