"""What to ask next: two or three follow-ups under an answer, computed from the index.

- **next phase**: the same stakeholder's actions in the next phase of the customer journey,
  when the index holds any;
- **neighbour**: the same theme for the stakeholder that the answered stakeholder's own
  guidance mentions most on that theme (its overall guidance when no theme is known), when
  that stakeholder has an intervention paragraph on it;
- **self-assessment**: when the question speaks of one's own organisation ("we", "our"),
  the stakeholder's self-assessment, when the index holds its statements.

Each is built from the index's metadata and unit texts, so a suggested question always
names a stakeholder, phase or theme the corpus answers for. The everyday role names that
count mentions are those query analysis reads questions with (assistant/grammar.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from assistant import grammar
from assistant.models import Answer, FollowUp
from assistant.query import QueryAnalysis
from corpus.models import GUIDANCE, PHASES, STAKEHOLDERS, THEMES, UnitKind
from index.reader import IndexSnapshot

MAX_FOLLOWUPS = 3
Mentions = dict[tuple[str, str], Counter[str]]  # (stakeholder, theme or "") -> role -> count


def suggest(answer: Answer, analysis: QueryAnalysis, snapshot: IndexSnapshot, *,
            asked: Iterable[str] = ()) -> list[FollowUp]:
    """Up to three follow-ups for a grounded answer, none of them a question already asked."""
    if not answer.grounded:
        return []
    cited = [snapshot.units[c.id][0].metadata for c in answer.citations if c.id in snapshot.units]
    stakeholder = next(iter(analysis.stakeholders), None) or next(
        (m["stakeholder"] for m in cited if m.get("stakeholder")), None)
    if stakeholder not in STAKEHOLDERS:
        return []
    phases = [p for p in PHASES if any(m.get("phase") == p for m in cited)] or \
        [p for p in PHASES if p in analysis.phases]
    theme = next((m["theme"] for m in cited if m.get("kind") == UnitKind.INTERVENTIONS
                  and m.get("theme") in THEMES), None) or \
        next((t for t in analysis.themes if t in THEMES), None)
    kinds = _kinds(snapshot)
    candidates = [_next_phase(stakeholder, phases[-1] if phases else None, kinds)]
    neighbours = _neighbours(stakeholder, theme, snapshot, kinds)
    candidates.append(_neighbour(stakeholder, *neighbours[0], theme, phases, kinds)
                      if neighbours else None)
    if grammar.FIRST_PERSON_PLURAL.search(analysis.question.lower()):
        candidates.append(_self_assessment(stakeholder, kinds))
    candidates += [_neighbour(stakeholder, *n, theme, phases, kinds) for n in neighbours[1:2]]
    seen = {q.strip().lower() for q in (*asked, analysis.question)}
    chosen: list[FollowUp] = []
    for candidate in candidates:
        if candidate and candidate.question.lower() not in seen:
            seen.add(candidate.question.lower())
            chosen.append(candidate)
    return chosen[:MAX_FOLLOWUPS]


def _next_phase(stakeholder: str, phase: str | None, kinds: Counter[tuple[str, ...]]
                ) -> FollowUp | None:
    order = list(PHASES)
    if phase is None or order.index(phase) + 1 >= len(order):
        return None
    following = order[order.index(phase) + 1]
    if not kinds[(stakeholder, UnitKind.ACTION_POINTS, following)]:
        return None
    return FollowUp(f"What should {_role(stakeholder)} do in the {PHASES[following].lower()} "
                    f"phase?", f"The next phase of the customer journey, after "
                               f"{PHASES[phase].lower()}.", "next-phase", stakeholder)


def _neighbour(stakeholder: str, neighbour: str, mentions: int, theme: str | None,
               phases: list[str], kinds: Counter[tuple[str, ...]]) -> FollowUp:
    """The theme when `neighbour` has a paragraph on it, else the phase, else its role."""
    whose = _possessive(STAKEHOLDERS[stakeholder])
    other = _role(neighbour)
    times = f"{mentions} time{'s' if mentions != 1 else ''}"
    if theme and kinds[(neighbour, UnitKind.INTERVENTIONS, theme)]:
        topic = THEMES[theme].lower()
        return FollowUp(f"What can {other} do about {topic}?",
                        f"{whose} guidance mentions {other} {times}, and the guidebook "
                        f"advises {other} on this theme too.", "neighbour", neighbour)
    why = f"{whose} guidance mentions {other} {times}."
    if phases:
        return FollowUp(f"What should {other} do in the {PHASES[phases[-1]].lower()} phase?",
                        why, "neighbour", neighbour)
    return FollowUp(f"What can {other} do for international talent?", why, "neighbour",
                    neighbour)


def _self_assessment(stakeholder: str, kinds: Counter[tuple[str, ...]]) -> FollowUp | None:
    count = kinds[(stakeholder, UnitKind.SELF_ASSESSMENT)]
    if not count:
        return None
    return FollowUp(f"Check where your organisation stands: the self-assessment for "
                    f"{_role(stakeholder)}",
                    f"{count} statements from the guidebook; each No or Not sure becomes "
                    f"a cited action in your plan.", "self-assessment", stakeholder)


def _neighbours(stakeholder: str, theme: str | None, snapshot: IndexSnapshot,
                kinds: Counter[tuple[str, ...]]) -> list[tuple[str, int]]:
    """Other roles with how often the stakeholder's guidance mentions them, most mentioned
    first: on the theme, then in all of it. Only roles with guidance on the theme, when
    one is known and some have."""
    mentions = snapshot.memo("role-mentions", lambda: _mentions(snapshot))
    on_theme = mentions.get((stakeholder, theme or ""), Counter()) if theme else Counter()
    overall = mentions.get((stakeholder, ""), Counter())
    ranked = sorted((s for s in STAKEHOLDERS if s != stakeholder and (on_theme[s] or overall[s])),
                    key=lambda s: (-on_theme[s], -overall[s], list(STAKEHOLDERS).index(s)))
    if theme:
        ranked = [s for s in ranked if kinds[(s, UnitKind.INTERVENTIONS, theme)]] or ranked
    return [(s, overall[s]) for s in ranked]


def _mentions(snapshot: IndexSnapshot) -> Mentions:
    """How often each stakeholder's guidance (all of it, and per theme) names each role."""
    mentions: Mentions = {}
    for chunks in snapshot.units.values():
        meta = chunks[0].metadata
        own = meta.get("stakeholder")
        if meta.get("kind") not in GUIDANCE or own not in STAKEHOLDERS:
            continue
        text = " ".join(c.text for c in chunks).lower()
        counts = Counter({role: len(rx.findall(text)) for role, rx in grammar.ROLE_PATTERNS.items()
                          if role != own})
        for key in {(own, ""), (own, meta.get("theme") or "")}:
            mentions.setdefault(key, Counter()).update(counts)
    return mentions


def _kinds(snapshot: IndexSnapshot) -> Counter[tuple[str, ...]]:
    """Unit counts by (stakeholder, kind) and (stakeholder, kind, phase or theme)."""
    def count() -> Counter[tuple[str, ...]]:
        counts: Counter[tuple[str, ...]] = Counter()
        for chunks in snapshot.units.values():
            m = chunks[0].metadata
            if m.get("stakeholder"):
                counts[(m["stakeholder"], m["kind"])] += 1
                for detail in {m.get("phase"), m.get("theme")} - {None, ""}:
                    counts[(m["stakeholder"], m["kind"], detail)] += 1
        return counts

    return snapshot.memo("unit-kinds", count)


def _role(stakeholder: str) -> str:
    return STAKEHOLDERS[stakeholder].lower()


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"
