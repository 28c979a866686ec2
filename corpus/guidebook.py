"""Parser for the Talent Hub Guidebook chapter: stakeholders, interventions, quotes,
self-assessment statements and action points, each as a citable `Section`.

The converted chapter is irregular (headings as `####`, `###`, bare lines split over
several lines, or absent), so the parser keys on content, not on markup depth.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from corpus.models import FOCUS_GROUPS, PHASES, STAKEHOLDERS, THEMES, Document, Section
from corpus.text import clean_text, normalise_space

_STAKEHOLDER_HEADING = re.compile(r"^## II\.(\d)\s+(.+)$", re.MULTILINE)
_PART_HEADING = re.compile(r"^##\s+.*(self-assessment|action points|action plan).*$", re.I | re.M)
_INTERVENTIONS_HEADING = re.compile(r"^###\s+.*interventions.*$", re.I | re.M)
_FOOTNOTE_DEF = re.compile(r"^<sup>(\d+)</sup>\s*(.+)$", re.MULTILINE)
_FOOTNOTE_REF = re.compile(r"<sup>\s*(\d+)\s*</sup>")
_FOCUS_ROW = re.compile(r"<b>\s*FOCUS ON ([A-Z ]+?)\s*</b>")
_STATEMENT_ROW = re.compile(r"^<b>(.+?)</b>(.*?)(?:\t|<input|$)", re.MULTILINE)
_PHASE_CELL = re.compile(r"<p>\s*\d\s+(PRE-DEPARTURE|ON-BOARDING|INTEGRATION)", re.I)
_LIST_ITEM = re.compile(r"<li>\s*(\d+)\.\s*(.*?)</li>", re.S)
_ATTRIBUTION = re.compile(r"^-\s+((?:Respondent|Interviewee).+)$", re.MULTILINE)

STAKEHOLDER_ORDER = list(STAKEHOLDERS)
THEME_BY_TITLE = {title.lower(): slug for slug, title in THEMES.items()}
FOCUS_BY_WORD = {"TALENT": "talent", "ACCOMPANYING FAMILY": "family",
                 "PARTNERSHIPS": "partnerships"}
PHASE_BY_WORD = {"PRE-DEPARTURE": "pre-departure", "ON-BOARDING": "on-boarding",
                 "INTEGRATION": "integration"}
ROOT = "Guidebook"


@dataclass
class _Builder:
    """Collects the sections of one stakeholder and attaches footnotes at the end."""

    document: Document
    stakeholder: str
    number: int
    sections: list[Section] = field(default_factory=list)
    raw_by_id: dict[str, str] = field(default_factory=dict)

    @property
    def crumb(self) -> str:
        return f"{ROOT} › II.{self.number} {STAKEHOLDERS[self.stakeholder]}"

    def add(self, raw: str, *, id: str, kind: str, trail: list[str], **fields: object) -> None:
        title = " / ".join([STAKEHOLDERS[self.stakeholder], *trail])
        self.raw_by_id[id] = raw
        self.sections.append(Section(
            id=id, document=self.document.slug, kind=kind, title=title,
            text=clean_text(raw), breadcrumb=" › ".join([self.crumb, *trail]),
            stakeholder=self.stakeholder, **fields,  # type: ignore[arg-type]
        ))

    def attach_footnotes(self, notes: dict[str, str]) -> None:
        """A footnote belongs to the unit that references it, else to the unit above it."""
        for marker, note in notes.items():
            target = next((i for i, s in enumerate(self.sections)
                           if marker in _FOOTNOTE_REF.findall(self.raw_by_id[s.id])), None)
            if target is None:
                target = len(self.sections) - 1
            old = self.sections[target]
            self.sections[target] = _replace(old, footnotes=(*old.footnotes, clean_text(note)))


def _replace(section: Section, **changes: object) -> Section:
    from dataclasses import replace

    return replace(section, **changes)  # type: ignore[arg-type]


def parse_guidebook(document: Document) -> list[Section]:
    """All citable sections of the chapter, in document order."""
    source = document.path.read_text(encoding="utf-8")
    heads = list(_STAKEHOLDER_HEADING.finditer(source))
    if len(heads) != len(STAKEHOLDERS):
        raise ValueError(f"{document.path}: expected 6 stakeholder sections (## II.1 .. II.6), "
                         f"found {len(heads)}")
    sections = [_front_matter(document, source[: heads[0].start()])]
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(source)
        number = int(head.group(1))
        builder = _Builder(document, STAKEHOLDER_ORDER[number - 1], number)
        _parse_stakeholder(builder, source[head.end(): end])
        sections.extend(builder.sections)
    return sections


def _front_matter(document: Document, raw: str) -> Section:
    """Title page, publisher and licence: answers 'who published this?'."""
    start = raw.find("# TALENT HUB GUIDEBOOK")
    end = raw.find("# CHAPTER II")
    text = clean_text(re.sub(r"^#+\s*", "", raw[start:end], flags=re.M))
    return Section(id=f"{document.slug}#about", document=document.slug, kind="other",
                   title="Guidebook / About", text=text, breadcrumb=f"{ROOT} › About",
                   heading="About this guidebook")


def _parse_stakeholder(b: _Builder, body: str) -> None:
    parts = list(_PART_HEADING.finditer(body))
    interventions_head = _INTERVENTIONS_HEADING.search(body)
    if not interventions_head or len(parts) != 2:
        raise ValueError(f"II.{b.number}: expected interventions, self-assessment and "
                         "action points parts")
    intro = body[: interventions_head.start()]
    b.add(intro.strip(), id=f"{b.document.slug}#{b.stakeholder}-introduction", kind="other",
          trail=["Introduction"], heading="Introduction")
    themed = body[interventions_head.end(): parts[0].start()]
    footnotes = dict(_FOOTNOTE_DEF.findall(themed))
    themed = _FOOTNOTE_DEF.sub("", themed)
    quote_start = themed.find("“")
    _parse_interventions(b, themed[: quote_start if quote_start >= 0 else len(themed)])
    if quote_start >= 0:
        _parse_quotes(b, themed[quote_start:])
    assessment = body[parts[0].end(): parts[1].start()]
    footnotes.update(_FOOTNOTE_DEF.findall(assessment))
    _parse_self_assessment(b, _FOOTNOTE_DEF.sub("", assessment))
    _parse_action_points(b, body[parts[1].end():])
    b.attach_footnotes(footnotes)


def _blocks(raw: str) -> Iterator[str]:
    for block in re.split(r"\n\s*\n", raw):
        if block.strip():
            yield block.strip()


def _theme_heading(block: str) -> str | None:
    """The theme slug if the block is a heading, however it is marked up or wrapped."""
    words = normalise_space(re.sub(r"^#+\s*", "", block)).lower()
    return THEME_BY_TITLE.get(words)


def _parse_interventions(b: _Builder, raw: str) -> None:
    """One paragraph per theme; unheaded paragraphs take the next theme in order."""
    order = list(THEMES)
    pending: str | None = None
    done: list[str] = []
    for block in _blocks(raw):
        theme = _theme_heading(block)
        if theme:
            pending = theme
            continue
        if pending is None:
            remaining = [t for t in order if t not in done]
            if not remaining:
                raise ValueError(f"II.{b.number}: more intervention paragraphs than themes")
            pending = remaining[0]
        b.add(block, id=f"{b.stakeholder}/interventions/{pending}", kind="interventions",
              trail=["Interventions", THEMES[pending]], theme=pending,
              heading=THEMES[pending])
        done.append(pending)
        pending = None
    if sorted(done) != sorted(THEMES):
        raise ValueError(f"II.{b.number}: found themes {done}, expected all eight")


def _parse_quotes(b: _Builder, raw: str) -> None:
    """Quotes and attributions are paired in order: the conversion sometimes moves an
    attribution above its quote, but never reorders the quotes among themselves."""
    attributions = [clean_text(a) for a in _ATTRIBUTION.findall(raw)]
    quotes = [q for q in re.findall(r"“(.*?)”", _ATTRIBUTION.sub("", raw), re.S) if q.strip()]
    if len(quotes) != len(attributions):
        raise ValueError(f"II.{b.number}: {len(quotes)} quotes but "
                         f"{len(attributions)} attributions")
    for n, (quote, who) in enumerate(zip(quotes, attributions, strict=True), start=1):
        b.add(quote.strip(), id=f"{b.stakeholder}/quotes/{n}", kind="quotes",
              trail=["Quotes", str(n)], number=n, heading=who, extra={"attribution": who})


def _parse_self_assessment(b: _Builder, raw: str) -> None:
    focus: str | None = None
    n = 0
    for line in raw.splitlines():
        if m := _FOCUS_ROW.search(line):
            focus = FOCUS_BY_WORD[m.group(1).strip()]
            continue
        m = _STATEMENT_ROW.match(line)
        if not m or focus is None:
            continue
        n += 1
        label = clean_text(m.group(1)).rstrip(".")
        b.add(line.split("\t")[0], id=f"{b.stakeholder}/self-assessment/{n}",
              kind="self-assessment", trail=["Self-assessment", FOCUS_GROUPS[focus], str(n)],
              number=n, focus=focus, heading=label, extra={"label": label})
    if n == 0:
        raise ValueError(f"II.{b.number}: no self-assessment statements found")


def _parse_action_points(b: _Builder, raw: str) -> None:
    intro = raw.split("CUSTOMER JOURNEY PHASES")[0]
    b.add(intro.strip(), id=f"{b.document.slug}#{b.stakeholder}-customer-journey",
          kind="other", trail=["Action points", "Customer journey"],
          heading="Customer journey")
    seen: set[str] = set()
    for line in raw.splitlines():
        phase_cell = _PHASE_CELL.search(line)
        if not phase_cell:
            continue
        phase = PHASE_BY_WORD[phase_cell.group(1).upper()]
        seen.add(phase)
        for expected, (number, item) in enumerate(_LIST_ITEM.findall(line), start=1):
            if int(number) != expected:
                raise ValueError(f"II.{b.number} {phase}: item {number} out of order")
            b.add(item, id=f"{b.stakeholder}/{phase}/{number}", kind="action-points",
                  trail=["Action points", PHASES[phase], number], phase=phase,
                  number=int(number))
    if seen != set(PHASES):
        raise ValueError(f"II.{b.number}: action point phases found {sorted(seen)}")
