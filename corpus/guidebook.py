"""The Talent Hub Guidebook recogniser: stakeholders, interventions, quotes, self-assessment
statements and action points, each as a citable `Section`, from any format's blocks.

It keys on the chapter's content, never on one file's markup: the six stakeholder sections
"II.1" to "II.6" with their names, the titles of their three parts, the eight intervention
area names, the "FOCUS ON ..." rows of the self-assessment tables and the numbered action
points under their customer-journey phase. A document lacking any of these is not the
guidebook, so nothing else ever gets stakeholder or action-point units.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from corpus.blocks import FOOTNOTE, HEADING, ITEM, PARAGRAPH, ROW, Block, join_blocks
from corpus.models import FOCUS_GROUPS, PHASES, STAKEHOLDERS, THEMES, Document, Section
from corpus.text import normalise_space, split_sentences

SLUG = "talent-hub-guidebook"  # its units' ids, whatever the file is called
ROOT = "Guidebook"
STAKEHOLDER_ORDER = list(STAKEHOLDERS)
# How the chapter names each stakeholder in its section heading ("II.3 Government ...").
STAKEHOLDER_NAMES = {"employers": "employer", "municipalities": "municipalit",
                     "government": "government", "education": "educational",
                     "trade-unions": "trade union", "civil-society": "civil society"}
THEME_BY_TITLE = {title.lower(): slug for slug, title in THEMES.items()}
FOCUS_BY_WORD = {"TALENT": "talent", "ACCOMPANYING FAMILY": "family",
                 "PARTNERSHIPS": "partnerships"}
PHASE_BY_WORD = {"PRE-DEPARTURE": "pre-departure", "ON-BOARDING": "on-boarding",
                 "INTEGRATION": "integration"}
_STAKEHOLDER = re.compile(r"II\.([1-6])\s+(.+)")
_INTERVENTIONS = re.compile(r"\binterventions\b.*\bsystemic and thematic areas\b", re.I)
_SELF_ASSESSMENT = re.compile(r"\bself-assessment\b.*\bstrengths and needs\b", re.I)
_ACTIONS = re.compile(r"\b(action points|action plan)\b.*\bimplementation phase\b", re.I)
_FOCUS = re.compile(r"FOCUS ON ([A-Z ]+)")
_PHASE = re.compile(r"\d\s+(PRE-DEPARTURE|ON-BOARDING|INTEGRATION)\b", re.I)
_ATTRIBUTION = re.compile(r"(Respondent|Interviewee)\b")
_FRONT_START = re.compile(r"talent hub guidebook", re.I)
_FRONT_END = re.compile(r"chapter\s+ii\b", re.I)
_PART_TITLE_CHARS = 160  # a part title is a heading-length line, never a paragraph


def looks_like_guidebook(blocks: Sequence[Block]) -> bool:
    """The six stakeholder sections, in order, each under its own name."""
    return _stakeholder_starts(blocks) is not None


def parse_guidebook(document: Document, blocks: Sequence[Block]) -> list[Section]:
    """All citable sections of the chapter, in document order; ValueError says what is
    missing when the blocks are not the guidebook chapter."""
    starts = _stakeholder_starts(blocks)
    if starts is None:
        raise ValueError("not the Talent Hub Guidebook: the stakeholder sections II.1 to "
                         "II.6 were not found")
    units = _Units(document)
    units.add(_front_matter(blocks[: starts[0]]), start=0, id=f"{SLUG}#about", kind="other",
              crumbs=["About"], title="Guidebook / About", heading="About this guidebook")
    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(blocks)
        _parse_stakeholder(units, STAKEHOLDER_ORDER[n], n + 1, blocks, begin + 1, end)
    notes = [(i, b) for i, b in enumerate(blocks) if b.kind == FOOTNOTE]
    return units.with_footnotes(notes)


# -- the chapter's skeleton ---------------------------------------------------------------------


def _stakeholder_starts(blocks: Sequence[Block]) -> list[int] | None:
    """Indexes of the II.1..II.6 headings: the last complete run, so a table of contents
    listing them earlier does not count."""
    found: list[list[int]] = []
    for i, block in enumerate(blocks):
        match = _STAKEHOLDER.fullmatch(block.text) if block.kind in (HEADING, PARAGRAPH) \
            else None
        if not match:
            continue
        number = int(match.group(1))
        if STAKEHOLDER_NAMES[STAKEHOLDER_ORDER[number - 1]] not in match.group(2).lower():
            continue
        if number == 1:
            found.append([i])
        elif found and len(found[-1]) == number - 1:
            found[-1].append(i)
    complete = [run for run in found if len(run) == len(STAKEHOLDERS)]
    return complete[-1] if complete else None


def _part(blocks: Sequence[Block], pattern: re.Pattern[str], begin: int, end: int) -> int | None:
    return next((i for i in range(begin, end) if blocks[i].kind in (HEADING, PARAGRAPH)
                 and len(blocks[i].text) <= _PART_TITLE_CHARS
                 and pattern.search(blocks[i].text)), None)


def _front_matter(blocks: Sequence[Block]) -> list[Block]:
    """Title page, publisher and licence: answers 'who published this?'."""
    start = next((i for i, b in enumerate(blocks) if _FRONT_START.fullmatch(b.text)), 0)
    end = next((i for i, b in enumerate(blocks) if i > start and _FRONT_END.match(b.text)),
               len(blocks))
    return [b for b in blocks[start:end] if b.kind != FOOTNOTE]


# -- the units ----------------------------------------------------------------------------------


@dataclass
class _Units:
    """The sections found so far, each with the block index it starts at."""

    document: Document
    sections: list[Section] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    notes: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, blocks: Sequence[Block], *, start: int, id: str, kind: str,
            crumbs: list[str], title: str, stakeholder: str | None = None,
            number: int | None = None, text: str | None = None, **fields: object) -> None:
        joined, starts = join_blocks(blocks, " " if kind == "self-assessment" else "\n\n")
        pages = tuple(sorted({p for b in blocks for p in b.pages}))
        self.sections.append(Section(
            id=id, document=self.document.slug, kind=kind, title=title,
            text=text if text is not None else joined, breadcrumb=" › ".join([ROOT, *crumbs]),
            stakeholder=stakeholder, number=number, page=pages[0] if pages else None,
            pages=pages, page_starts=starts, **fields,  # type: ignore[arg-type]
        ))
        self.starts.append(start)
        self.notes.append(tuple(n for b in blocks for n in b.notes))

    def with_footnotes(self, notes: list[tuple[int, Block]]) -> list[Section]:
        """A footnote belongs to the unit that references it (the nearest one above it when
        several do), else to the unit above it."""
        sections = list(self.sections)
        for position, note in notes:
            citing = [i for i, markers in enumerate(self.notes) if note.marker in markers]
            above = [i for i, start in enumerate(self.starts) if start <= position]
            target = next((i for i in reversed(citing) if self.starts[i] <= position),
                          citing[0] if citing else (above[-1] if above else None))
            if target is not None:
                old = sections[target]
                sections[target] = replace(old, footnotes=(*old.footnotes, note.text))
        return sections


@dataclass
class _Stakeholder:
    units: _Units
    slug: str
    number: int

    def add(self, blocks: Sequence[Block], *, start: int, id: str, kind: str,
            trail: list[str], **fields: object) -> None:
        name = f"II.{self.number} {STAKEHOLDERS[self.slug]}"
        self.units.add(blocks, start=start, id=id, kind=kind, crumbs=[name, *trail],
                       title=" / ".join([STAKEHOLDERS[self.slug], *trail]),
                       stakeholder=self.slug, **fields)


def _parse_stakeholder(units: _Units, slug: str, number: int, blocks: Sequence[Block],
                       begin: int, end: int) -> None:
    s = _Stakeholder(units, slug, number)
    interventions = _part(blocks, _INTERVENTIONS, begin, end)
    assessment = _part(blocks, _SELF_ASSESSMENT, (interventions or begin) + 1, end)
    actions = _part(blocks, _ACTIONS, (assessment or begin) + 1, end)
    if interventions is None or assessment is None or actions is None:
        raise ValueError(f"II.{number}: expected interventions, self-assessment and "
                         "action points parts")
    intro = _content(blocks, begin, interventions)
    s.add([b for _, b in intro], start=begin, id=f"{SLUG}#{slug}-introduction", kind="other",
          trail=["Introduction"], heading="Introduction")
    themed = _content(blocks, interventions + 1, assessment)
    quotes_at = next((n for n, (_, b) in enumerate(themed) if "“" in b.text), len(themed))
    _parse_interventions(s, themed[:quotes_at])
    _parse_quotes(s, themed[quotes_at:])
    _parse_self_assessment(s, _content(blocks, assessment + 1, actions))
    _parse_action_points(s, _content(blocks, actions + 1, end))


def _content(blocks: Sequence[Block], begin: int, end: int) -> list[tuple[int, Block]]:
    """The blocks of a part with their indexes; footnotes are attached at the end."""
    return [(i, blocks[i]) for i in range(begin, end) if blocks[i].kind != FOOTNOTE]


def _theme_heading(block: Block) -> str | None:
    """The theme slug if the block names one, however it is marked up or wrapped."""
    return THEME_BY_TITLE.get(normalise_space(block.text).lower())


def _parse_interventions(s: _Stakeholder, blocks: list[tuple[int, Block]]) -> None:
    """One paragraph per theme; unheaded paragraphs take the next theme in order."""
    pending: str | None = None
    done: list[str] = []
    for i, block in blocks:
        theme = _theme_heading(block)
        if theme:
            pending = theme
            continue
        if pending is None:
            remaining = [t for t in THEMES if t not in done]
            if not remaining:
                raise ValueError(f"II.{s.number}: more intervention paragraphs than themes")
            pending = remaining[0]
        s.add([block], start=i, id=f"{s.slug}/interventions/{pending}", kind="interventions",
              trail=["Interventions", THEMES[pending]], theme=pending, heading=THEMES[pending])
        done.append(pending)
        pending = None
    if sorted(done) != sorted(THEMES):
        raise ValueError(f"II.{s.number}: found themes {done}, expected all eight")


def _parse_quotes(s: _Stakeholder, blocks: list[tuple[int, Block]]) -> None:
    """Quotes and attributions are paired in order: the layout sometimes moves an
    attribution above its quote, but never reorders the quotes among themselves."""
    attributions = [b.text for _, b in blocks if _ATTRIBUTION.match(b.text)]
    spoken = [(i, b) for i, b in blocks if not _ATTRIBUTION.match(b.text)]
    joined = "\n\n".join(b.text for _, b in spoken)
    quotes = [q for q in re.finditer(r"“(.*?)”", joined, re.S) if q.group(1).strip()]
    if len(quotes) != len(attributions):
        raise ValueError(f"II.{s.number}: {len(quotes)} quotes but "
                         f"{len(attributions)} attributions")
    offsets, at = [], 0
    for i, block in spoken:
        offsets.append((at, i, block))
        at += len(block.text) + 2
    for n, (quote, who) in enumerate(zip(quotes, attributions, strict=True), start=1):
        inside = [(i, b) for at, i, b in offsets if quote.start() <= at + len(b.text)
                  and at <= quote.end()]
        text = "\n\n".join(p.strip() for p in quote.group(1).split("\n\n") if p.strip())
        s.add([b for _, b in inside], start=inside[0][0], id=f"{s.slug}/quotes/{n}",
              kind="quotes", trail=["Quotes", str(n)], number=n, text=text, heading=who,
              extra={"attribution": who})


def _parse_self_assessment(s: _Stakeholder, blocks: list[tuple[int, Block]]) -> None:
    focus: str | None = None
    n = 0
    for i, block in blocks:
        if block.kind != ROW:
            continue
        first = block.cell_text(0)
        if match := _FOCUS.fullmatch(first):
            focus = FOCUS_BY_WORD.get(match.group(1).strip())
            continue
        if not first or focus is None:
            continue
        n += 1
        label = split_sentences(first)[0].rstrip(".")
        s.add(list(block.cells[0]), start=i, id=f"{s.slug}/self-assessment/{n}",
              kind="self-assessment", trail=["Self-assessment", FOCUS_GROUPS[focus], str(n)],
              number=n, focus=focus, heading=label, text=first, extra={"label": label})
    if n == 0:
        raise ValueError(f"II.{s.number}: no self-assessment statements found")


def _parse_action_points(s: _Stakeholder, blocks: list[tuple[int, Block]]) -> None:
    """The customer journey's introduction, then each phase's numbered items, wherever in
    the phase's row they sit."""
    first_row = next((n for n, (_, b) in enumerate(blocks) if b.kind == ROW), len(blocks))
    intro = blocks[:first_row]
    s.add([b for _, b in intro], start=intro[0][0] if intro else 0,
          id=f"{SLUG}#{s.slug}-customer-journey", kind="other",
          trail=["Action points", "Customer journey"], heading="Customer journey")
    seen: dict[str, int] = {}
    phase: str | None = None
    for i, block in blocks[first_row:]:
        for cell in block.cells:
            for piece in cell:
                if match := _PHASE.match(piece.text):
                    phase = PHASE_BY_WORD[match.group(1).upper()]
                    seen.setdefault(phase, 0)
                elif piece.kind == ITEM and piece.number is not None and phase is not None:
                    if piece.number != seen[phase] + 1:
                        raise ValueError(f"II.{s.number} {phase}: item {piece.number} out "
                                         "of order")
                    seen[phase] = piece.number
                    s.add([piece], start=i, id=f"{s.slug}/{phase}/{piece.number}",
                          kind="action-points", number=piece.number, phase=phase,
                          trail=["Action points", PHASES[phase], str(piece.number)],
                          text=piece.text)
    if set(seen) != set(PHASES) or not all(seen.values()):
        raise ValueError(f"II.{s.number}: action point phases found {sorted(seen)}")
