"""Self-assessment: a stakeholder's answers -> gaps -> a cited action plan, by phase.

The guidebook gives each stakeholder a table of statements to answer Yes / No / Not sure,
"to identify existing gaps and appropriate actions". A "no" or "not sure" is a gap; the
actions that close it are the same stakeholder's action points (and intervention
paragraphs) found by retrieval with the statement as the query.

Statements come from the index, never from re-parsing the guidebook, so the ids, texts and
focus groups are exactly what every other interface cites.

Ranking is split as in sentence-transformers: `gap_hits` encodes and searches (model- and
index-dependent); `fuse`, `select_actions`, `build_plan`, `summarise` and `compare` work on
plain numbers and ids, so they are unit-tested without a model.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import GapConfig
from assistant.errors import InvalidInput
from assistant.extractive import best_sentences, citation
from assistant.models import Citation, Hit
from assistant.query import validate_choice
from assistant.retrieval import best_per_unit, fuse
from corpus.models import FOCUS_GROUPS, GUIDANCE, PHASES, STAKEHOLDERS, UnitKind
from index.store import REBUILD_INDEX

if TYPE_CHECKING:
    from assistant.api import Assistant

ANSWERS: dict[str, str] = {"yes": "Yes", "no": "No", "not-sure": "Not sure"}
GAP_ANSWERS = frozenset({"no", "not-sure"})
BACKGROUND = "Background from the guidebook"
SHEET_KEYS = frozenset({"stakeholder", "date", "answers", "statements"})
MAX_ERRORS_SHOWN = 5
_STATEMENT_ID = re.compile(r"^([a-z-]+)/self-assessment/(\d+)$")


@dataclass(frozen=True)
class Statement:
    """One row of a stakeholder's self-assessment table; `text` starts with its label."""

    id: str
    stakeholder: str
    number: int
    focus: str
    label: str
    text: str

    @property
    def body(self) -> str:
        """The text after its bold label, for layouts that show the label apart."""
        if self.label and self.text.startswith(self.label):
            return self.text[len(self.label):].lstrip(". ").strip() or self.text
        return self.text

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "focus": self.focus}


@dataclass(frozen=True)
class Gap:
    """A statement answered "no" or "not-sure", and the cited actions that close it."""

    statement: Statement
    answer: str
    actions: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"statement": self.statement.to_dict(), "answer": self.answer,
                "actions": [c.to_dict() for c in self.actions]}


@dataclass(frozen=True)
class PlanAction:
    """One action in the plan, listed once however many gaps it closes."""

    citation: Citation
    gaps: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.citation.to_dict(), "gaps": list(self.gaps)}


@dataclass(frozen=True)
class PlanGroup:
    """The actions of one customer-journey phase; `phase` None holds intervention context."""

    phase: str | None
    title: str
    actions: tuple[PlanAction, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"phase": self.phase, "title": self.title,
                "actions": [a.to_dict() for a in self.actions]}


@dataclass(frozen=True)
class Progress:
    """What changed since a previous assessment of the same stakeholder.

    A former gap left unanswered this time is `unanswered`, not closed: nothing is known.
    """

    previous_date: str | None
    closed: tuple[str, ...]
    new: tuple[str, ...]
    unchanged: tuple[str, ...]
    unanswered: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"previous_date": self.previous_date, "closed": list(self.closed),
                "new": list(self.new), "unchanged": list(self.unchanged),
                "unanswered": list(self.unanswered)}


@dataclass(frozen=True)
class AnswerSheet:
    """Answers as saved: `{"stakeholder", "date", "answers": {id: value}}` or the bare map.

    Blank answers ("" or null, as in the template) are dropped: unanswered, not a gap.
    """

    answers: dict[str, str]
    stakeholder: str | None = None
    date: str | None = None
    source: str = field(default="answers", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"stakeholder": self.stakeholder, "date": self.date, "answers": self.answers}


@dataclass(frozen=True)
class Assessment:
    """Everything every export shows; `to_dict` is a contract (docs/architecture.md, 3)."""

    stakeholder: str
    statements: tuple[Statement, ...]
    answers: dict[str, str]
    gaps: tuple[Gap, ...]
    plan: tuple[PlanGroup, ...]
    date: str | None = None
    progress: Progress | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def statement(self, statement_id: str) -> Statement | None:
        return next((s for s in self.statements if s.id == statement_id), None)

    def sheet(self) -> AnswerSheet:
        """The answers to save and load next quarter."""
        return AnswerSheet(dict(self.answers), self.stakeholder, self.date)

    def to_dict(self) -> dict[str, Any]:
        return {"stakeholder": self.stakeholder, "date": self.date, "summary": self.summary,
                "gaps": [g.to_dict() for g in self.gaps],
                "plan": [g.to_dict() for g in self.plan],
                "progress": self.progress.to_dict() if self.progress else None}


# -- statements and answers ----------------------------------------------------------------


def load_statements(assistant: Assistant, stakeholder: str) -> list[Statement]:
    """The stakeholder's statements from the index, in table order."""
    validate_choice(stakeholder, STAKEHOLDERS, "stakeholder")
    units = assistant.units(kind=UnitKind.SELF_ASSESSMENT, stakeholder=stakeholder)
    if not units:
        raise InvalidInput(f"the index has no self-assessment statements for {stakeholder}; "
                           f"add the guidebook to the corpus and {REBUILD_INDEX}")
    statements = [Statement(id=u.unit_id, stakeholder=stakeholder,
                            number=int(u.metadata["number"]), focus=str(u.metadata["focus"]),
                            label=str(u.metadata.get("heading") or ""), text=u.text)
                  for u in units]
    return sorted(statements, key=lambda s: s.number)


def parse_sheet(data: object, *, source: str = "answers") -> AnswerSheet:
    """Check the shape of saved answers (either form); ids and values are checked later,
    against the stakeholder's statements, by `validate_answers`."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: expected a JSON object mapping statement ids to "
                           '"yes", "no" or "not-sure"')
    stakeholder = date = None
    raw: object = data
    if "answers" in data:
        if not isinstance(data["answers"], dict):
            raise InvalidInput(f'{source}: "answers" must be an object mapping statement ids '
                               'to "yes", "no" or "not-sure"')
        unknown = sorted(set(data) - SHEET_KEYS)
        if unknown:
            raise InvalidInput(f"{source}: unknown keys {unknown}; expected "
                               '"stakeholder", "date" and "answers"')
        stakeholder = _optional_text(data.get("stakeholder"), f"{source}: stakeholder")
        date = check_date(_optional_text(data.get("date"), f"{source}: date"), source)
        raw = data["answers"]
    answers: dict[str, str] = {}
    for key, value in raw.items():  # type: ignore[attr-defined]
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise InvalidInput(f'{source}: "{key}": the answer must be "yes", "no" or '
                               f"\"not-sure\", not {json.dumps(value)}")
        answers[str(key)] = value
    return AnswerSheet(answers, stakeholder, date, source)


def read_sheet(path: Path) -> AnswerSheet:
    """Saved answers from a JSON file; every problem is one line naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInput(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise InvalidInput(f"{path}: is a folder; give the answers JSON file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read it as UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    return parse_sheet(data, source=str(path))


def check_date(value: str | None, source: str = "answers") -> str | None:
    """ISO dates only: they sort, and they are the one free text an export shows."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InvalidInput(f'{source}: date "{value[:40]}" is not a date like 2025-03-31'
                           ) from exc


def validate_answers(answers: Mapping[str, object], statements: Sequence[Statement],
                     stakeholder: str, *, source: str = "answers") -> dict[str, str]:
    """Known ids of this stakeholder with valid values, in table order; otherwise one
    error naming every bad entry (the first few), so a file is fixed in one go."""
    known = {s.id for s in statements}
    problems = []
    for key, value in answers.items():
        if value is None or value == "":
            continue
        if key not in known:
            problems.append(_unknown_id(key, statements, stakeholder))
        elif value not in ANSWERS:
            problems.append(f'"{key}": invalid answer {json.dumps(value)[:40]}; use "yes", '
                            '"no" or "not-sure"')
    if problems:
        more = len(problems) - MAX_ERRORS_SHOWN
        shown = "; ".join(problems[:MAX_ERRORS_SHOWN]) + (f"; and {more} more" if more > 0
                                                           else "")
        raise InvalidInput(f"{source}: {shown}")
    return {s.id: str(answers[s.id]) for s in statements if answers.get(s.id) not in (None, "")}


def _unknown_id(key: str, statements: Sequence[Statement], stakeholder: str) -> str:
    m = _STATEMENT_ID.match(key)
    if m and m.group(1) in STAKEHOLDERS and m.group(1) != stakeholder:
        return f'"{key}": a statement of {m.group(1)}, not {stakeholder}'
    last = max(s.number for s in statements)
    return (f'"{key}": unknown statement id; {stakeholder} has '
            f"{stakeholder}/self-assessment/1 to /{last}")


def _optional_text(value: object, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidInput(f"{what} must be text")


def template(statements: Sequence[Statement], stakeholder: str) -> dict[str, Any]:
    """A blank answers file; `statements` is there to read while filling in, and ignored
    when the file is loaded."""
    return {"stakeholder": stakeholder, "date": dt.date.today().isoformat(),
            "answers": {s.id: "" for s in statements},
            "statements": {s.id: s.text for s in statements}}


# -- ranking (model-free) ------------------------------------------------------------------


def select_actions(hits: Sequence[Hit], config: GapConfig) -> list[Hit]:
    """The action points within `relative` of the best one, then the best intervention
    paragraph if it clears the same bar: one gap's hits, best first.

    The bar is set by action points only: paragraphs are long and outscore them on many
    words. When no action point clears the floor, a paragraph still may, so a gap the
    action lists do not cover ("Website in English") gets the guidebook's advice on it.
    """
    points = [h for h in hits if h.kind == UnitKind.ACTION_POINTS]
    paragraphs = [h for h in hits if h.kind == UnitKind.INTERVENTIONS]
    best = max((h.score for h in points), default=0.0)
    cut = max(config.floor, best * config.relative)
    chosen = [h for h in points if h.score >= cut][: config.max_actions]
    return chosen + [h for h in paragraphs if h.score >= cut][: config.max_background]


def build_plan(selected: Mapping[str, Sequence[Hit]]
               ) -> tuple[tuple[PlanGroup, ...], dict[str, Citation]]:
    """Group every selected unit once, by phase, in the guidebook's order.

    Returns the plan and, per unit id, the citation with its plan-wide marker, so that a
    gap's actions and the plan share numbers. A unit's score is its best over the gaps.
    """
    best: dict[str, Hit] = {}
    gaps: dict[str, list[str]] = {}
    for statement_id, hits in selected.items():
        for hit in hits:
            gaps.setdefault(hit.unit_id, []).append(statement_id)
            if hit.unit_id not in best or hit.score > best[hit.unit_id].score:
                best[hit.unit_id] = hit
    order = [*PHASES, None]
    ordered = sorted(best.values(), key=lambda h: (
        order.index(h.phase if h.kind == UnitKind.ACTION_POINTS else None),
        int(h.metadata.get("number") or 0), h.unit_id))
    citations = {h.unit_id: citation(h, marker, h.text)
                 for marker, h in enumerate(ordered, start=1)}
    groups = []
    for phase in order:
        members = [h for h in ordered
                   if (h.phase if h.kind == UnitKind.ACTION_POINTS else None) == phase]
        if members:
            groups.append(PlanGroup(phase, PHASES[phase] if phase else BACKGROUND, tuple(
                PlanAction(citations[h.unit_id], tuple(gaps[h.unit_id])) for h in members)))
    return tuple(groups), citations


def summarise(statements: Sequence[Statement], answers: Mapping[str, str],
              plan: Sequence[PlanGroup]) -> dict[str, Any]:
    """Counts of yes / no / not sure (and unanswered), per focus group and in total."""
    def counts() -> dict[str, int]:
        return {**dict.fromkeys(ANSWERS, 0), "unanswered": 0}

    total = counts()
    by_focus: dict[str, dict[str, Any]] = {}
    for focus in [f for f in FOCUS_GROUPS if any(s.focus == f for s in statements)]:
        row = counts()
        for s in statements:
            if s.focus == focus:
                row[answers.get(s.id, "unanswered")] += 1
        for key, n in row.items():
            total[key] += n
        by_focus[focus] = {"title": FOCUS_GROUPS[focus], **row}
    actions = [a for g in plan if g.phase is not None for a in g.actions]
    return {"statements": len(statements), "answered": len(answers),
            "gaps": sum(1 for v in answers.values() if v in GAP_ANSWERS),
            "actions": len(actions), "total": total, "by_focus": by_focus}


def compare(previous: AnswerSheet, current: Mapping[str, str]) -> Progress:
    """Closed, new, unchanged and now-unanswered gaps, each in table order."""
    def gaps(answers: Mapping[str, str]) -> set[str]:
        return {k for k, v in answers.items() if v in GAP_ANSWERS}

    before, now = gaps(previous.answers), gaps(current)

    def ordered(ids: set[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=_statement_order))

    return Progress(
        previous_date=previous.date,
        closed=ordered({k for k in before if current.get(k) == "yes"}),
        new=ordered(now - before),
        unchanged=ordered(now & before),
        unanswered=ordered({k for k in before if k not in current}))


def _statement_order(statement_id: str) -> tuple[str, int]:
    m = _STATEMENT_ID.match(statement_id)
    return (m.group(1), int(m.group(2))) if m else (statement_id, 0)


# -- ranking (model and index) -------------------------------------------------------------


def gap_hits(assistant: Assistant, statements: Sequence[Statement],
             config: GapConfig | None = None) -> dict[str, list[Hit]]:
    """Per statement, the stakeholder's action points and intervention paragraphs ranked
    by relevance to it (all of them, best first). One encode call for all gaps."""
    config = config or assistant.tuning.gap
    if not statements:
        return {}
    snapshot = assistant.check_index()
    vectors = assistant.embedder.encode([s.text for s in statements])
    everything = len(snapshot.chunks)
    ranked: dict[str, list[Hit]] = {}
    for statement, vector in zip(statements, vectors, strict=True):
        where = {"$and": [{"stakeholder": statement.stakeholder},
                          {"kind": {"$in": list(GUIDANCE)}}]}
        dense = dict(snapshot.dense(vector, everything, where))
        lexical = dict(snapshot.lexical(statement.text, everything))
        scores = fuse(dense, lexical, assistant.retriever.config, scope_max=True,
                      dense_weight=config.dense_weight)
        ranked[statement.id] = best_per_unit(snapshot, scores)
    return ranked


def assess(assistant: Assistant, stakeholder: str, answers: Mapping[str, object], *,
           date: str | None = None, previous: AnswerSheet | None = None,
           config: GapConfig | None = None, source: str = "answers") -> Assessment:
    """Validate the answers, find the actions that close each gap, and build the plan.
    `source` names the answers in error messages (a file name, "answers")."""
    config = config or assistant.tuning.gap
    statements = load_statements(assistant, stakeholder)
    checked = validate_answers(answers, statements, stakeholder, source=source)
    progress = None
    if previous is not None:
        if previous.stakeholder and previous.stakeholder != stakeholder:
            raise InvalidInput(f"previous {previous.source}: the answers are for "
                               f"{previous.stakeholder}, not {stakeholder}")
        old = validate_answers(previous.answers, statements, stakeholder,
                               source=f"previous {previous.source}")
        progress = compare(AnswerSheet(old, stakeholder, previous.date), checked)
    open_gaps = [s for s in statements if checked.get(s.id) in GAP_ANSWERS]
    ranked = gap_hits(assistant, open_gaps, config)
    idf = assistant.check_index().idf
    selected = {s.id: [excerpt(h, s, idf, config.background_sentences)
                       for h in select_actions(ranked[s.id], config)] for s in open_gaps}
    plan, citations = build_plan(selected)
    gaps = tuple(Gap(s, checked[s.id], tuple(
        _rescored(citations[h.unit_id], h.score) for h in selected[s.id]))
        for s in open_gaps)
    return Assessment(stakeholder=stakeholder, statements=tuple(statements), answers=checked,
                      gaps=gaps, plan=plan, date=check_date(date), progress=progress,
                      summary=summarise(statements, checked, plan))


def excerpt(hit: Hit, statement: Statement, idf: Mapping[str, float], sentences: int) -> Hit:
    """A paragraph is quoted by its run of sentences closest to the gap, as the chat quotes
    background; action points are short and quoted whole."""
    if hit.kind != UnitKind.INTERVENTIONS:
        return hit
    return replace(hit, text=best_sentences(hit.text, statement.text, sentences, dict(idf)))


def assess_sheet(assistant: Assistant, stakeholder: str, sheet: AnswerSheet, *,
                 previous: AnswerSheet | None = None,
                 config: GapConfig | None = None) -> Assessment:
    """`assess` for a saved answers file: it must be this stakeholder's, and its date (or
    today's) dates the plan."""
    if sheet.stakeholder and sheet.stakeholder != stakeholder:
        raise InvalidInput(f"{sheet.source}: the answers are for {sheet.stakeholder}, "
                           f"not {stakeholder}")
    return assess(assistant, stakeholder, sheet.answers,
                  date=sheet.date or dt.date.today().isoformat(), previous=previous,
                  config=config, source=sheet.source)


def _rescored(shared: Citation, score: float) -> Citation:
    """The plan's citation (same marker) with this gap's own relevance score."""
    return replace(shared, score=score)
