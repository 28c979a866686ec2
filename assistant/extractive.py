"""The default answerer: composes the answer from the retrieved units themselves.

Every bullet is the guidebook's own words with its marker; the only other words are short
connectives naming the stakeholder and phase. Selection uses calibrated score thresholds
so that the answer cites what answers the question, not everything nearby.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant.models import SECTION_BY_KIND, Answer, Citation, Hit
from assistant.query import QueryAnalysis
from corpus.guidebook import SLUG as GUIDEBOOK
from corpus.models import PHASES, STAKEHOLDERS
from corpus.text import normalise_space, split_sentences
from index.chunking import quoted_pages
from index.reader import IndexSnapshot, tokenize

REFUSAL = ("I can only answer questions about retaining international talent, from the IOM "
           "Talent Hub EU Guidebook and its project pages: for example, what employers, "
           "municipalities, ministries, universities, unions or NGOs can do before and after "
           "talent arrives.")
COUNT_QUESTION = re.compile(r"\b(how many|how much|number of)\b", re.I)
DATE_QUESTION = re.compile(r"\b(when|what date|which date|how long|what year|until)\b", re.I)
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|"
          r"November|December)")
HAS_DATE = re.compile(rf"\b(?:\d{{1,2}} {_MONTH}|{_MONTH} \d{{4}}|\d{{4}})\b")
# A number that counts something: "68 responses", "175 member states", "290-odd pathways".
HAS_COUNT = re.compile(r"\b\d[\d,]*(?:\s+|-)(?:[a-z-]+\s+)?[a-z]+s\b")
BULLET = re.compile(r"^[-•*]\s+")
# "[99]" inside a source is text, not a marker: escaped in the answer (Markdown shows it
# unchanged), so every [n] in an answer names a real citation, whatever a document says.
MARKER_LIKE = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class AnswerConfig:
    """Thresholds on the retriever's scale, calibrated on the dev split."""

    refuse_below: float = 0.30
    refuse_out_of_domain_below: float = 0.45
    action_floor: float = 0.35
    relative: float = 0.85
    max_actions: int = 5
    cross_relative: float = 0.75
    cross_per_stakeholder: int = 3
    cross_stakeholders: int = 5
    background_floor: float = 0.45
    background_sentences: int = 2


class Composer:
    """Builds the Markdown answer and its citations for one analysed question."""

    def __init__(self, config: AnswerConfig | None = None):
        self.config = config or AnswerConfig()

    def should_refuse(self, analysis: QueryAnalysis, hits: list[Hit]) -> bool:
        if analysis.kind in ("list", "out-of-scope"):  # decided by the analysis itself
            return analysis.kind == "out-of-scope"
        best = hits[0].score if hits else 0.0
        if best < self.config.refuse_below:
            return True
        return not analysis.in_domain and best < self.config.refuse_out_of_domain_below

    def compose(self, analysis: QueryAnalysis, hits: list[Hit],
                snapshot: IndexSnapshot) -> Answer:
        if self.should_refuse(analysis, hits):
            return refusal(analysis)
        builder = _AnswerBuilder(analysis)
        if analysis.kind == "fact":
            self._fact(builder, hits, analysis, snapshot)
        elif analysis.kind == "list" or _is_comparison(analysis):
            self._list(builder, hits, snapshot, analysis)
        elif analysis.kind == "cross-stakeholder":
            self._cross(builder, hits, analysis, snapshot)
        else:
            self._actions(builder, hits, analysis, snapshot)
        if not builder.citations:
            return refusal(analysis)
        return builder.answer()

    def _actions(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
                 snapshot: IndexSnapshot) -> None:
        """The best few action points, preferring the stakeholders the question names
        (others only when none of theirs passes the thresholds)."""
        candidates = _of_kind(hits, "action-points")
        named = [h for h in candidates if h.stakeholder in a.stakeholders]
        actions = self._select(named, self.config.relative, self.config.max_actions) or \
            self._select(candidates, self.config.relative, self.config.max_actions)
        page = next((h for h in hits if h.document != GUIDEBOOK), None)
        if not actions or (page and actions[0].score < page.score * self.config.relative):
            self._fact(b, hits, a, snapshot)  # a project page answers it far better
            return
        stakeholders = _ordered(h.stakeholder for h in actions)
        phases = _ordered(h.phase for h in actions)
        b.line(_summary(stakeholders, phases if len(phases) == 1 else []))
        for hit in sorted(actions, key=_journey_order):
            label = f" *({PHASES[hit.phase]})*" if len(phases) > 1 and hit.phase else ""
            b.bullet(hit, normalise_space(hit.text), suffix=label)
        self._background(b, hits, a, stakeholders, snapshot)

    def _list(self, b: _AnswerBuilder, hits: list[Hit], snapshot: IndexSnapshot,
              a: QueryAnalysis) -> None:
        """'What should X do in phase Y': that phase's whole list, in the guidebook's order."""
        scores = {h.unit_id: h.score for h in hits}
        for stakeholder in a.stakeholders:
            for phase in a.phases:
                units = [c for c in snapshot.chunks if c.metadata["kind"] == "action-points"
                         and c.metadata["stakeholder"] == stakeholder
                         and c.metadata["phase"] == phase]
                units.sort(key=lambda c: c.metadata["number"])
                b.line(_summary([stakeholder], [phase]))
                for c in units:
                    hit = Hit(c.unit_id, c.id, scores.get(c.unit_id, 0.0), c.text, c.metadata)
                    b.bullet(hit, normalise_space(c.text))
        if len(a.stakeholders) == 1:
            self._background(b, hits, a, a.stakeholders, snapshot)

    def _cross(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
               snapshot: IndexSnapshot) -> None:
        """'Which stakeholders...': the best actions, grouped by stakeholder."""
        candidates = [h for h in hits if h.kind in ("action-points", "interventions")]
        if len(a.stakeholders) > 1:  # "compare unions and NGOs": just those two
            candidates = [h for h in candidates if h.stakeholder in a.stakeholders] or candidates
        chosen = self._select(candidates, self.config.cross_relative,
                              self.config.cross_per_stakeholder * self.config.cross_stakeholders)
        groups: dict[str, list[Hit]] = {}
        for hit in chosen:
            group = groups.setdefault(hit.stakeholder or "", [])
            if len(group) < self.config.cross_per_stakeholder:
                group.append(hit)
        groups = dict(list(groups.items())[: self.config.cross_stakeholders])
        if not groups:
            return
        b.line("Several stakeholders have a role here:" if len(groups) > 1
               else _summary(list(groups), []))
        for stakeholder, group in sorted(groups.items(), key=lambda g: _stakeholder_order(g[0])):
            if len(groups) > 1:
                b.line(f"\n**{STAKEHOLDERS.get(stakeholder, stakeholder)}**")
            for hit in sorted(group, key=_journey_order):
                phase = f" *({PHASES[hit.phase]})*" if hit.phase else ""
                b.bullet(hit, best_sentences(hit.text, a.query, 2, snapshot.idf)
                         if hit.kind == "interventions" else normalise_space(hit.text),
                         suffix=phase)

    def _fact(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
              snapshot: IndexSnapshot) -> None:
        """Project facts: the sentence that holds the fact, from the best web-page sections
        (all of each section, not only its best chunk)."""
        sources = [h for h in hits if h.document != GUIDEBOOK or h.kind == "other"][:3]
        if not sources or sources[0].score < self.config.action_floor:
            return
        texts = [(Hit(h.unit_id, c.id, h.score, c.text, c.metadata), c.text) for h in sources
                 for c in snapshot.units[h.unit_id]]  # the chunk each quote comes from
        weights = _local_idf([s for _, text in texts for s in split_sentences(text)])
        scored = [(score + h.score, quote, h) for h, text in texts
                  for score, quote in _fact_spans(text, a, weights)]
        _, quote, best = max(scored, key=lambda t: t[0])
        b.line(f"According to *{best.metadata['title']}*:")
        b.bullet(best, quote)

    def _background(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
                    stakeholders: list[str], snapshot: IndexSnapshot) -> None:
        """The most relevant intervention paragraph, as context, when it is close enough."""
        paragraphs = [h for h in _of_kind(hits, "interventions")
                      if not stakeholders or h.stakeholder in stakeholders]
        if paragraphs and paragraphs[0].score >= self.config.background_floor:
            hit = paragraphs[0]
            b.line(f"\nBackground ({hit.metadata['heading'] or 'interventions'}):")
            b.bullet(hit, best_sentences(hit.text, a.query, self.config.background_sentences,
                                          snapshot.idf))

    def _select(self, hits: list[Hit], relative: float, limit: int) -> list[Hit]:
        if not hits or hits[0].score < self.config.action_floor:
            return []
        cut = max(self.config.action_floor, hits[0].score * relative)
        return [h for h in hits if h.score >= cut][:limit]


class _AnswerBuilder:
    """Accumulates Markdown lines and numbers citations in order of first use."""

    def __init__(self, analysis: QueryAnalysis):
        self.analysis = analysis
        self.lines: list[str] = []
        self.citations: list[Citation] = []

    def line(self, text: str) -> None:
        self.lines.append(text)

    def bullet(self, hit: Hit, quote: str, *, suffix: str = "") -> None:
        marker = next((c.marker for c in self.citations if c.id == hit.unit_id
                       and c.quote == quote), None)
        if marker is None:
            marker = len(self.citations) + 1
            self.citations.append(citation(hit, marker, quote))
        shown = MARKER_LIKE.sub(r"\\[\1\\]", quote)
        self.lines.append(f"- {shown} [{marker}]{suffix}")

    def answer(self) -> Answer:
        return Answer(question=self.analysis.question, answer="\n".join(self.lines).strip(),
                      grounded=True, citations=self.citations,
                      meta={"answerer": "extractive", **self.analysis.to_meta()})


def citation(hit: Hit, marker: int, quote: str) -> Citation:
    """The cited unit, the quote, and the pages the quote is on (`hit` is the chunk it was
    taken from)."""
    m = hit.metadata
    pages = quoted_pages(quote, hit.text, m.get("page_map", "")) or \
        [int(p) for p in str(m.get("pages") or "").split(",") if p]
    return Citation(marker=marker, id=hit.unit_id, document=m["document"],
                    stakeholder=m["stakeholder"] or None,
                    section=SECTION_BY_KIND.get(m["kind"], "other"), phase=m["phase"] or None,
                    number=m["number"] or None, title=m["title"], quote=quote,
                    score=hit.score, breadcrumb=m["breadcrumb"],
                    page=pages[0] if pages else None, pages=pages)


def refusal(analysis: QueryAnalysis) -> Answer:
    return Answer(question=analysis.question, answer=REFUSAL, grounded=False,
                  meta={"answerer": "extractive", **analysis.to_meta(), "kind": "out-of-scope"})


def _is_comparison(analysis: QueryAnalysis) -> bool:
    """'Compare the on-boarding to-dos of companies and municipalities': both lists."""
    return (analysis.kind == "cross-stakeholder" and len(analysis.stakeholders) > 1
            and bool(analysis.phases))


def _summary(stakeholders: list[str], phases: list[str]) -> str:
    who = " and ".join(STAKEHOLDERS[s].lower() for s in stakeholders if s in STAKEHOLDERS)
    when = " and ".join(PHASES[p].lower() for p in phases)
    if who and when:
        return f"For **{who}** in the **{when}** phase, the guidebook suggests:"
    if who:
        return f"For **{who}**, the guidebook suggests:"
    return "The guidebook suggests:"


def _of_kind(hits: list[Hit], kind: str) -> list[Hit]:
    return [h for h in hits if h.kind == kind]


def _ordered(values: object) -> list[str]:
    seen: list[str] = []
    for v in values:  # type: ignore[attr-defined]
        if v and v not in seen:
            seen.append(v)
    return seen


def _stakeholder_order(slug: str) -> int:
    order = list(STAKEHOLDERS)
    return order.index(slug) if slug in order else len(order)


def _journey_order(hit: Hit) -> tuple[int, int, int]:
    phases = list(PHASES)
    phase = phases.index(hit.phase) if hit.phase in phases else len(phases)
    return (_stakeholder_order(hit.stakeholder or ""), phase, hit.metadata.get("number") or 0)


def _overlap(sentence: str, query_tokens: set[str], idf: dict[str, float]) -> float:
    """Shared terms weighted by rarity: 'instrument' says more than 'project'."""
    return sum(idf.get(t, 1.0) for t in set(tokenize([sentence])[0]) & query_tokens)


def best_sentences(text: str, query: str, count: int, idf: dict[str, float]) -> str:
    """The run of `count` consecutive sentences sharing most terms with the query.

    Consecutive, so that the quote stays a verbatim piece of the source.
    """
    sentences = split_sentences(text)
    if len(sentences) <= count:
        return normalise_space(text)
    tokens = set(tokenize([query])[0])
    scores = [_overlap(s, tokens, idf) for s in sentences]
    start = max(range(len(sentences) - count + 1), key=lambda i: sum(scores[i: i + count]))
    return normalise_space(" ".join(sentences[start: start + count]))


def _local_idf(sentences: list[str]) -> dict[str, float]:
    """Term weights among the candidate sentences themselves: on a page about the Talent
    Hub project, "project" tells sentences apart no better than "the"."""
    frequency = Counter(t for s in sentences for t in set(tokenize([s])[0]))
    n = len(sentences)
    return {t: math.log((n + 1) / (df + 0.5)) for t, df in frequency.items()}


@lru_cache(maxsize=1)
def _question_words() -> frozenset[str]:
    """Stems of common English words ("how", "many", "people"): in a fact question they
    name no part of the answer and match the wrong sentence."""
    return frozenset(tokenize([" ".join(STOPWORDS_EN_PLUS)])[0]) | {"mani", "peopl"}


def _fact_spans(text: str, analysis: QueryAnalysis, idf: dict[str, float]
               ) -> list[tuple[float, str]]:
    """Candidate quotes for a fact, each with a score.

    A candidate is a sentence that may hold the value, led in by up to two earlier
    sentences of its paragraph or bullet: "The survey received 68 responses" only means
    something after the sentence naming the survey. A candidate scores the query terms its
    sentences share together, plus a bonus when its last sentence holds the kind of value
    asked for; each lead-in sentence costs a little, so the shortest sufficient quote wins.
    """
    query = [t for t in tokenize([analysis.lexical_query])[0] if t not in _question_words()]
    tokens, pairs = set(query), set(itertools.pairwise(query))
    wants_count = bool(COUNT_QUESTION.search(analysis.question))
    wants_date = bool(DATE_QUESTION.search(analysis.question))
    spans = []
    for line in (ln for para in text.split("\n\n") for ln in para.split("\n")):
        sentences = split_sentences(BULLET.sub("", line.strip()))
        words = [tokenize([sentence])[0] for sentence in sentences]
        for i, sentence in enumerate(sentences):
            bonus = 0.0
            if wants_count and HAS_COUNT.search(HAS_DATE.sub(" ", sentence)):
                bonus += 0.3
            if wants_date and HAS_DATE.search(sentence):
                bonus += 0.3
            for start in range(max(0, i - 2), i + 1):
                span = [t for w in words[start: i + 1] for t in w]
                # A shared word pair ("retention survey") names the thing asked about
                # better than the same words scattered: a pair counts again, at the mean
                # weight of its two words.
                terms = sum(idf.get(t, 1.0) for t in set(span) & tokens)
                together = sum((idf.get(a, 1.0) + idf.get(b, 1.0)) / 2
                               for a, b in pairs & set(itertools.pairwise(span)))
                score = 0.05 * (terms + together) + bonus - 0.01 * (i - start)
                spans.append((score, normalise_space(" ".join(sentences[start: i + 1]))))
    return spans
