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
from collections.abc import Sequence
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS

from assistant.config import AnswerConfig
from assistant.countries import Countries, countries_for, example_label
from assistant.grounding import coverage
from assistant.models import Answer, Citation, Hit
from assistant.query import QueryAnalysis, QuestionKind, Request
from corpus.guidebook import SLUG as GUIDEBOOK
from corpus.models import GUIDANCE, PHASES, STAKEHOLDERS, UnitKind
from corpus.text import normalise_space, split_sentences
from index.chunking import quoted_pages
from index.reader import IndexSnapshot, tokenize

REFUSAL = ("I can only answer questions about retaining international talent, from the IOM "
           "Talent Hub EU Guidebook and its project pages: for example, what employers, "
           "municipalities, ministries, universities, unions or NGOs can do before and after "
           "talent arrives.")
# "the number of" asks for one; "a number of" only means "several".
COUNT_QUESTION = re.compile(r"\b(how many|how much|(?:the|what|which) number of)\b", re.I)
DATE_QUESTION = re.compile(r"\b(when|what date|which date|how long|what year|until)\b", re.I)
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|"
          r"November|December)")
HAS_DATE = re.compile(rf"\b(?:\d{{1,2}} {_MONTH}|{_MONTH} \d{{4}}|\d{{4}})\b")
# What answers "when" or "how long" besides a date: a weekday, a month, a clock time or a
# duration ("on Tuesdays", "from 9:00", "within 18 months", "for two years").
_DURATION = (r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|a few|several)"
             r"\s+(?:hours?|days?|weeks?|months?|years?)")
HAS_TIME = re.compile(rf"{HAS_DATE.pattern}|\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)days?"
                      rf"|{_MONTH}|\d{{1,2}}[:.]\d{{2}}|{_DURATION})\b", re.I)
# A number that counts something: "68 responses", "175 member states", "290-odd pathways".
HAS_COUNT = re.compile(r"\b\d[\d,]*(?:\s+|-)(?:[a-z-]+\s+)?[a-z]+s\b")
BULLET = re.compile(r"^[-•*]\s+")
# How deep the refusal looks for its best match: the ten a reader would scan, as the evals'
# retrieval@10; a unit further down is not what the question is about.
ANSWER_DEPTH = 10
# "[99]" inside a source is text, not a marker: escaped in the answer (Markdown shows it
# unchanged), so every [n] in an answer names a real citation, whatever a document says.
MARKER_LIKE = re.compile(r"\[(\d+)\]")
# A sentence opening with one of these leans on the one before it ("This could be done in
# cooperation with employers"): English grammar, so a quote never starts with one alone.
LEANS_BACK = re.compile(r"^(?:This|These|That|Those|It|Its|They|Their|Such|Thus|Therefore|"
                        r"Hence)\b")


class Composer:
    """Builds the Markdown answer and its citations for one analysed question."""

    def __init__(self, config: AnswerConfig | None = None):
        self.config = config or AnswerConfig()

    def should_refuse(self, analysis: QueryAnalysis, hits: list[Hit]) -> bool:
        """Refuse what the corpus cannot ground, and requests it cannot serve.

        A task ("write", "translate") is never an answer from the guidebook. A verdict or
        one person's own case is answered only when the guidebook speaks to it closely.
        Otherwise the best match decides, with a higher bar for a question that shows no
        sign of the domain. A list request names a role and a phase the index holds.
        """
        if analysis.request == Request.TASK:
            return True
        c = self.config
        best = max((h.match for h in hits[:ANSWER_DEPTH]), default=0.0)
        if analysis.request != Request.QUESTION and best < c.refuse_request_below:
            return True
        if analysis.kind == QuestionKind.LIST:
            return False
        if best < c.refuse_below:
            return True
        return not analysis.in_domain and best < c.refuse_out_of_domain_below

    def compose(self, analysis: QueryAnalysis, hits: list[Hit],
                snapshot: IndexSnapshot) -> Answer:
        if self.should_refuse(analysis, hits):
            return refusal(analysis)
        builder = _AnswerBuilder(analysis, countries_for(snapshot))
        if analysis.kind == QuestionKind.FACT:
            self._fact(builder, hits, analysis, snapshot)
        elif analysis.kind == QuestionKind.LIST or _is_comparison(analysis):
            self._list(builder, hits, snapshot, analysis)
        elif analysis.kind == QuestionKind.CROSS_STAKEHOLDER:
            self._cross(builder, hits, analysis, snapshot)
        else:
            self._actions(builder, hits, analysis, snapshot)
        if not builder.citations:
            return refusal(analysis)
        if _lacks_count(analysis.question, " ".join(c.quote for c in builder.citations)):
            return refusal(analysis)  # "how many ..." and the guidance states no such count
        return builder.answer()

    def _actions(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
                 snapshot: IndexSnapshot) -> None:
        """The best few action points, preferring the stakeholders the question names
        (others only when none of theirs passes the thresholds)."""
        candidates = _of_kind(hits, UnitKind.ACTION_POINTS)
        named = [h for h in candidates if h.stakeholder in a.stakeholders]
        c = self.config
        actions = self._select(named, c.relative, c.max_actions, margin=c.score_margin) or \
            self._select(candidates, c.relative, c.max_actions, margin=c.score_margin)
        page = next((h for h in hits if h.document != GUIDEBOOK), None)
        if page and (not actions or actions[0].match < page.match * self.config.relative):
            self._fact(b, hits, a, snapshot)  # a project page matches far better
            return
        if not actions:
            self._paragraph(b, hits, a, snapshot)
            return
        stakeholders = _ordered(h.stakeholder for h in actions)
        phases = _ordered(h.phase for h in actions)
        b.line(_summary(stakeholders, phases if len(phases) == 1 else []))
        for same in self._merged(sorted(actions, key=_journey_order)):
            labels = [_names(PHASES, (h.phase for h in same))] if len(phases) > 1 else []
            if len({h.stakeholder for h in same}) > 1:
                labels.append(_names(STAKEHOLDERS, (h.stakeholder for h in same)))
            b.bullet(same, labels=labels)
        self._background(b, hits, a, stakeholders, snapshot)

    def _list(self, b: _AnswerBuilder, hits: list[Hit], snapshot: IndexSnapshot,
              a: QueryAnalysis) -> None:
        """'What should X do in phase Y': that phase's whole list, in the guidebook's order."""
        scores = {h.unit_id: h.score for h in hits}
        for stakeholder in a.stakeholders:
            for phase in a.phases:
                units = [c for c in snapshot.chunks if c.metadata["kind"] == UnitKind.ACTION_POINTS
                         and c.metadata["stakeholder"] == stakeholder
                         and c.metadata["phase"] == phase]
                units.sort(key=lambda c: c.metadata["number"])
                b.line(_summary([stakeholder], [phase]))
                for c in units:
                    b.bullet([Hit(c.unit_id, c.id, scores.get(c.unit_id, 0.0), c.text,
                                  c.metadata)])
        if len(a.stakeholders) == 1:
            self._background(b, hits, a, a.stakeholders, snapshot)

    def _cross(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
               snapshot: IndexSnapshot) -> None:
        """'Which stakeholders...': the best actions, grouped by stakeholder."""
        candidates = [h for h in hits if h.kind in GUIDANCE]
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
            for same in self._merged(sorted(group, key=_journey_order)):
                hit = same[0]
                quote = best_sentences(hit.text, a.query, 2, snapshot.idf) \
                    if hit.kind == UnitKind.INTERVENTIONS else normalise_space(hit.text)
                phases = [_names(PHASES, (h.phase for h in same))] if hit.phase else []
                b.bullet(same, quote, labels=phases)

    def _fact(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
              snapshot: IndexSnapshot) -> None:
        """Project facts: the sentence that holds the fact, from the best web-page sections
        (all of each section, not only its best chunk)."""
        sources = [h for h in hits if h.document != GUIDEBOOK or h.kind == UnitKind.OTHER][:3]
        if not sources or sources[0].match < self.config.action_floor:
            return
        texts = [(Hit(h.unit_id, c.id, h.score, c.text, c.metadata), c.text) for h in sources
                 for c in snapshot.units[h.unit_id]]  # the chunk each quote comes from
        weights = _local_idf([s for _, text in texts for s in split_sentences(text)])
        scored = [(score + h.score, quote, h) for h, text in texts
                  for score, quote in _fact_spans(text, a, weights)]
        _, quote, best = max(scored, key=lambda t: t[0])
        whole = " ".join([best.metadata["title"],
                          *(c.text for c in snapshot.units[best.unit_id])])
        if coverage(a.content, whole, snapshot.idf, names=a.names) < self.config.fact_coverage:
            return  # the page is near, but it does not hold what was asked
        if _wants_value_absent_from(a.question, quote):
            return  # "how many ..." answered by a sentence with no number in it
        b.line(f"According to *{best.metadata['title']}*:")
        b.bullet([best], quote)

    def _paragraph(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
                   snapshot: IndexSnapshot) -> None:
        """No action point matches, but an intervention paragraph of the role asked about
        does ("How can we help spouses?"): its closest sentences are the answer."""
        paragraphs = [h for h in _of_kind(hits, UnitKind.INTERVENTIONS)
                      if not a.stakeholders or h.stakeholder in a.stakeholders]
        if not paragraphs or paragraphs[0].match < self.config.action_floor:
            return
        hit = paragraphs[0]
        b.line(_summary([hit.stakeholder] if hit.stakeholder else [], []))
        b.bullet([hit], best_sentences(hit.text, a.query, self.config.background_sentences,
                                       snapshot.idf), labels=[hit.metadata["heading"]])

    def _background(self, b: _AnswerBuilder, hits: list[Hit], a: QueryAnalysis,
                    stakeholders: list[str], snapshot: IndexSnapshot) -> None:
        """The most relevant intervention paragraph, as context, when it is close enough."""
        paragraphs = [h for h in _of_kind(hits, UnitKind.INTERVENTIONS)
                      if not stakeholders or h.stakeholder in stakeholders]
        if paragraphs and paragraphs[0].match >= self.config.background_floor:
            hit = paragraphs[0]
            b.line(f"\nBackground ({hit.metadata['heading'] or 'interventions'}):")
            b.bullet([hit], best_sentences(hit.text, a.query, self.config.background_sentences,
                                            snapshot.idf))

    def _merged(self, hits: list[Hit]) -> list[list[Hit]]:
        """Near-duplicates together, under the first: the guidebook repeats some actions
        word for word for two phases or two roles, and one bullet citing both reads better
        than the same sentence twice."""
        groups: list[tuple[set[str], list[Hit]]] = []
        for hit in hits:
            words = set(tokenize([hit.text])[0])
            group = next((g for first, g in groups
                          if _similarity(first, words) >= self.config.duplicate_similarity),
                         None)
            if group is None:
                groups.append((words, [hit]))
            else:
                group.append(hit)
        return [group for _, group in groups]

    def _select(self, hits: list[Hit], relative: float, limit: int, *,
                margin: float | None = None) -> list[Hit]:
        """The best unit and those matching the question at least `relative` as well; with
        a `margin`, only its near-ties in rank too (one answer wanted, not a survey across
        roles, whose units rank apart by their stakeholders' boosts)."""
        if not hits or hits[0].match < self.config.action_floor:
            return []
        top = hits[0]
        cut = max(self.config.action_floor, top.match * relative)
        return [h for h in hits if h.match >= cut
                and (margin is None or h.score >= top.score - margin)][:limit]


class _AnswerBuilder:
    """Accumulates Markdown lines and numbers citations in order of first use."""

    def __init__(self, analysis: QueryAnalysis, countries: Countries):
        self.analysis = analysis
        self.countries = countries
        self.lines: list[str] = []
        self.citations: list[Citation] = []

    def line(self, text: str) -> None:
        self.lines.append(text)

    def bullet(self, same: Sequence[Hit], quote: str | None = None, *,
               labels: Sequence[str] = ()) -> None:
        """One bullet quoting the first hit (`quote`, or its whole text) and citing every
        hit of `same`, its near-duplicates; `labels` and a country the quote names go in
        brackets after the markers."""
        first = same[0]
        quote = quote if quote is not None else normalise_space(first.text)
        markers = [self._cite(first, quote),
                   *(self._cite(h, normalise_space(h.text)) for h in same[1:])]
        notes = [label for label in labels if label]
        # Where a sentence names a country, the answer says so: these kinds are the
        # guidebook's advice, meant for any country unless they say otherwise.
        if first.kind in GUIDANCE:
            notes.append(example_label(self.countries.named_in(quote)))
        note = "; ".join(n for n in notes if n)
        suffix = f" *({note[:1].upper()}{note[1:]})*" if note else ""
        shown = MARKER_LIKE.sub(r"\\[\1\\]", quote)
        self.lines.append(f"- {shown} {' '.join(f'[{m}]' for m in markers)}{suffix}")

    def _cite(self, hit: Hit, quote: str) -> int:
        """The marker of `hit` with this quote, numbering it on first use."""
        marker = next((c.marker for c in self.citations if c.id == hit.unit_id
                       and c.quote == quote), None)
        if marker is None:
            marker = len(self.citations) + 1
            self.citations.append(citation(hit, marker, quote))
        return marker

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
                    section=str(UnitKind(m["kind"])), phase=m["phase"] or None,
                    number=m["number"] or None, title=m["title"], quote=quote,
                    score=hit.score, breadcrumb=m["breadcrumb"],
                    page=pages[0] if pages else None, pages=pages)


def refusal(analysis: QueryAnalysis) -> Answer:
    return Answer(question=analysis.question, answer=REFUSAL, grounded=False,
                  meta={"answerer": "extractive", **analysis.to_meta(),
                        "kind": str(QuestionKind.OUT_OF_SCOPE)})


def _is_comparison(analysis: QueryAnalysis) -> bool:
    """'Compare the on-boarding to-dos of companies and municipalities': both lists."""
    return (analysis.kind == QuestionKind.CROSS_STAKEHOLDER and len(analysis.stakeholders) > 1
            and bool(analysis.phases))


def _summary(stakeholders: list[str], phases: list[str]) -> str:
    who = " and ".join(STAKEHOLDERS[s].lower() for s in stakeholders if s in STAKEHOLDERS)
    when = " and ".join(PHASES[p].lower() for p in phases)
    if who and when:
        return f"For **{who}** in the **{when}** phase, the guidebook suggests:"
    if who:
        return f"For **{who}**, the guidebook suggests:"
    return "The guidebook suggests:"


def _names(labels: dict[str, str], slugs: object) -> str:
    """'Pre-departure, On-boarding': the display names of the distinct slugs, in order."""
    return ", ".join(labels.get(slug, slug) for slug in _ordered(slugs))


def _similarity(a: set[str], b: set[str]) -> float:
    """Jaccard overlap of two sets of stemmed words."""
    return len(a & b) / len(a | b) if a | b else 0.0


def _of_kind(hits: list[Hit], kind: UnitKind) -> list[Hit]:
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
    """The run of `count` consecutive sentences sharing most terms with the query, led in
    by the sentences before it while it opens with "This ..." or the like.

    Consecutive, so that the quote stays a verbatim piece of the source.
    """
    sentences = split_sentences(text)
    if len(sentences) <= count:
        return normalise_space(text)
    tokens = set(tokenize([query])[0])
    scores = [_overlap(s, tokens, idf) for s in sentences]
    start = max(range(len(sentences) - count + 1), key=lambda i: sum(scores[i: i + count]))
    end = start + count
    while start > 0 and LEANS_BACK.match(sentences[start]):
        start -= 1  # "This could be done ..." needs the sentence that says what "this" is
    return normalise_space(" ".join(sentences[start:end]))


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


def _wants_value_absent_from(question: str, quote: str) -> bool:
    """A count or a time was asked for, and the best quote holds none: the page talks about
    the thing but does not state the value, so quoting it would not answer."""
    if _lacks_count(question, quote):
        return True
    return bool(DATE_QUESTION.search(question) and not HAS_TIME.search(quote))


def _lacks_count(question: str, text: str) -> bool:
    """A count was asked for ("how many ..."), and `text` holds no number."""
    return bool(COUNT_QUESTION.search(question)) and not re.search(r"\d", text)


def _fact_spans(text: str, analysis: QueryAnalysis, idf: dict[str, float]
               ) -> list[tuple[float, str]]:
    """Candidate quotes for a fact, each with a score.

    A candidate is a sentence that may hold the value, led in by up to two earlier
    sentences of its paragraph or bullet: "The survey received 68 responses" only means
    something after the sentence naming the survey. A candidate scores the query terms its
    sentences share together, plus a bonus when its last sentence holds the kind of value
    asked for; each lead-in sentence costs a little, so the shortest sufficient quote wins.
    """
    query = [t for t in tokenize([analysis.query])[0] if t not in _question_words()]
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
                if start > 0 and LEANS_BACK.match(sentences[start]):
                    continue  # "This question was ...": the sentence before says which
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
