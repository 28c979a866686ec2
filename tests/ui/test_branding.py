"""Branding files: defaults, overrides, and values refused before they reach HTML or CSS."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.models import STAKEHOLDERS
from ui.branding import DEFAULT_TITLE, Branding, load_branding, parse_branding

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_defaults_have_examples_for_every_stakeholder() -> None:
    branding = load_branding(None)
    assert branding.title == DEFAULT_TITLE
    assert list(branding.examples) == list(STAKEHOLDERS)
    assert [slug for slug, _ in branding.examples_for(None)] == list(STAKEHOLDERS)


def test_shipped_example_file_loads() -> None:
    branding = load_branding(EXAMPLES / "branding.toml")
    assert branding.primary_color == "#8a1538"
    assert branding.logo_url and branding.logo_url.startswith("https://")
    assert list(branding.examples) == ["employers", "municipalities"]
    assert len(branding.examples_for("employers")) == 2


def test_partial_file_keeps_the_other_defaults() -> None:
    branding = parse_branding({"title": "  Desk  "})
    assert branding.title == "Desk"
    assert branding.primary_color == Branding().primary_color


@pytest.mark.parametrize(("data", "message"), [
    ({"primary_color": "red; } body { display: none"}, "hex colour"),
    ({"logo_url": "javascript:alert(1)"}, "logo_url must start"),
    ({"title": ""}, "title must be a non-empty string"),
    ({"colour": "#fff"}, "unknown keys"),
    ({"examples": {"pirates": ["q"]}}, "unknown stakeholders"),
    ({"examples": {"employers": "q"}}, "must be a list"),
    ({"examples": ["q"]}, "must be a table"),
])
def test_bad_values_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_branding(data)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        load_branding(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("title = ", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_branding(bad)
