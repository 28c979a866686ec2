"""Which countries a sentence of the corpus is specific to ("In Denmark, ...").

The guidebook's advice is meant for any EU country, but some of it is about Denmark or
Germany only, and a practitioner elsewhere should see that. The country names come from
CLDR (through Babel), and only those the index's own texts use count, so the detector
follows the documents a deployment holds. A language name counts too ("learning Danish"),
where it is an official language of exactly one of those countries: "German" (official in
Germany, Belgium and Luxembourg, all named in this corpus) says nothing about which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from babel import Locale
from babel.languages import get_official_languages

from index.reader import IndexSnapshot

# CLDR's two-letter codes that are groupings or placeholders, not countries.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@dataclass(frozen=True)
class Countries:
    """Country names, and language names that point to one country, as one pattern."""

    names: dict[str, str]  # a word in a text (country or language name) -> country name
    pattern: re.Pattern[str] | None = field(default=None, compare=False)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Countries:
        """The countries (and their unambiguous official languages) the texts name."""
        text = "\n".join(texts)
        english = Locale("en")
        found = _used(text, _country_names().values())
        named = {code: name for code, name in _country_names().items() if name in found}
        speakers: dict[str, list[str]] = {}
        for code, country in named.items():
            for language in get_official_languages(code):
                label = english.languages.get(language)
                if label:
                    speakers.setdefault(label, []).append(country)
        words = {name: name for name in named.values()}
        spoken = _used(text, speakers)
        words |= {label: countries[0] for label, countries in speakers.items()
                  if len(countries) == 1 and label not in words and label in spoken}
        return cls(words, _pattern(tuple(sorted(words, key=len, reverse=True))))

    def named_in(self, text: str) -> list[str]:
        """The countries `text` names, in order of first mention."""
        if self.pattern is None:
            return []
        found: list[str] = []
        for match in self.pattern.finditer(text):
            country = self.names[match.group(0)]
            if country not in found:
                found.append(country)
        return found


def example_label(countries: list[str]) -> str:
    """'example from Denmark', 'example from Denmark and Germany' ('' for none)."""
    if not countries:
        return ""
    names = countries[0] if len(countries) == 1 else \
        ", ".join(countries[:-1]) + " and " + countries[-1]
    return f"example from {names}"


@cache
def _country_names() -> dict[str, str]:
    return {code: name for code, name in Locale("en").territories.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES}


def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Any of the words, whole and case-sensitive: "Chad" is a country, "chad" is not."""
    if not words:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])")


def _used(text: str, names: Iterable[str]) -> set[str]:
    """The names that occur in `text`, in one pass (longest first, as `named_in` matches)."""
    pattern = _pattern(tuple(sorted(names, key=len, reverse=True)))
    return {m.group(0) for m in pattern.finditer(text)} if pattern else set()


def countries_for(snapshot: IndexSnapshot) -> Countries:
    """One detector per index build, mined on first use."""
    return snapshot.memo("countries",
                         lambda: Countries.from_texts(c.text for c in snapshot.chunks))
