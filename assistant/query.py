"""Query analysis: who is asking about what, in which phase, and what kind of question.

Everything here is a signal for re-scoring, never a hard filter: a wrong guess must
lower a good source, not hide it. Explicit `stakeholder`/`phase` arguments win.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from bm25s.stopwords import STOPWORDS_EN_PLUS

from corpus.models import STAKEHOLDERS

# Phrases are matched on word boundaries in the lower-cased question.
STAKEHOLDER_TERMS: dict[str, tuple[str, ...]] = {
    "employers": ("employer", "employers", "company", "companies", "our company", "firm",
                  "firms", "business", "businesses", "hr", "human resources", "hiring manager",
                  "recruiter", "recruiters", "recruits", "corporate", "enterprise",
                  "enterprises",
                  "private sector", "our hires", "foreign hires", "new hires", "our staff",
                  "our employees", "workplace", "startup", "start-up", "smes"),
    "municipalities": ("municipality", "municipalities", "municipal", "city council",
                       "city", "cities", "local authority", "local authorities", "town",
                       "town hall", "kommune", "local government", "council", "councils",
                       "commune", "mayor", "city hall", "local council", "regional authority",
                       "region", "regions"),
    "government": ("government", "governments", "govt", "gov", "ministry", "ministries",
                   "the state", "state's",
                   "state authorities", "national authorities", "national authority",
                   "federal", "policymakers", "policy makers", "policy-makers", "minister",
                   "national level", "state level", "legislator", "legislators",
                   "government authority", "government authorities", "agency", "authorities"),
    "education": ("university", "universities", "uni", "unis", "college", "colleges",
                  "educational institution", "educational institutions", "education institution",
                  "education institutions", "higher education", "campus", "faculty",
                  "international office", "academy", "academic institution"),
    "trade-unions": ("union", "unions", "trade union", "trade unions", "labour union",
                     "labor union", "union rep", "union reps", "shop steward", "tu"),
    "civil-society": ("ngo", "ngos", "civil society", "diaspora", "diaspora group",
                      "diaspora groups", "diaspora organisation", "diaspora organization",
                      "non-profit", "nonprofit", "charity", "charities", "association",
                      "associations", "volunteer", "volunteers", "community organisation",
                      "community organization", "migrant organisation", "migrant organization",
                      "grassroots", "cso", "csos"),
}
# Phases are regular expressions: "before our new hires arrive" must read as pre-departure.
_VERB_ARRIVE = (r"(?:arriv\w*|mov\w*|com(?:e|es|ing)|relocat\w*|land\w*|get here|depart\w*|"
                r"leav\w*|fly\w*|travel\w*)")
PHASE_PATTERNS: dict[str, tuple[str, ...]] = {
    "pre-departure": (rf"before (?:[\w']+ ){{0,3}}{_VERB_ARRIVE}",
                      rf"prior to (?:[\w']+ ){{0,2}}{_VERB_ARRIVE}",
                      r"ahead of (?:\w+ ){0,2}(?:move|arrival|relocation)", r"pre-?\s?departure",
                      r"pre-?\s?arrival", r"country of origin", r"home countr(?:y|ies)",
                      r"still abroad", r"recruitment stage", r"before (?:they|he|she) start",
                      r"prepar\w* to (?:leave|move|relocate|come)"),
    "on-boarding": (rf"(?:when|once|after|as soon as|upon|on) (?:[\w']+ ){{0,3}}{_VERB_ARRIVE}",
                    r"on arrival", r"upon arrival", r"after arrival", r"just arrived",
                    r"newly arrived", r"new arrivals?", r"first (?:few )?(?:days|weeks|months)",
                    r"on-?\s?boarding", r"post-?\s?arrival", r"welcome", r"settl(?:e|ing) in",
                    r"just started", r"(?:has|have) started", r"started working", r"new starters?",
                    r"first day", r"arrival"),
    "integration": (r"keep (?:\w+ ){0,2}(?:them|talent|staff|people|employees|workers)",
                    r"retain\w*", r"retention", r"stay\w*", r"long(?:er)?[- ]term",
                    r"communit(?:y|ies)",
                    r"integrat\w*", r"inclusion", r"belong\w*", r"settled",
                    r"(?:thinking (?:of|about)|from|stop\w* \w+) leaving", r"quit\w*",
                    r"long run", r"(?:part of|into) (?:the )?society",
                    r"after settling", r"later on"),
}
THEME_TERMS: dict[str, tuple[str, ...]] = {
    "language": ("language", "languages", "danish", "german", "learn the", "lessons",
                 "course", "courses", "classes"),
    "family": ("family", "families", "spouse", "spouses", "partner", "partners", "children",
               "kids", "child", "trailing", "wife", "husband"),
    "housing": ("housing", "accommodation", "apartment", "flat", "home", "rent", "homes"),
    "qualifications": ("qualification", "qualifications", "recognition", "recognised",
                       "recognized", "diploma", "diplomas", "credentials", "skills assessment",
                       "skills recognition", "degree", "degrees", "authorisation",
                       "authorization"),
    "feedback": ("feedback", "survey", "surveys", "data", "listen", "complaints",
                 "concerns"),
    "networking": ("network", "networks", "networking", "mentor", "mentors", "mentorship",
                   "alumni", "social activities", "connect"),
    "branding": ("brand", "branding", "reputation", "known abroad", "attractive", "image",
                 "good place to work", "employer brand", "narrative", "ambassador"),
    "coordination": ("partnership", "partnerships", "cooperation", "coordinate",
                     "coordination", "strategy", "strategies", "working group", "advisory"),
    "digital": ("digital", "bureaucracy", "bureaucratic", "paperwork", "remote work",
                "digital nomad", "online platform", "administrative", "red tape", "visa"),
    "information": ("information", "inform", "website", "multilingual", "portal",
                    "orientation", "guidance", "advice", "counselling", "counseling"),
    "jobs": ("job", "jobs", "employment", "career", "careers", "internship", "internships",
             "student jobs", "work"),
    "rights": ("rights", "legal", "rights-based", "labour market", "labor market"),
}
# Guidebook vocabulary for each theme, added to the lexical query: practitioners say
# "known abroad", the guidebook says "attraction brand".
THEME_EXPANSION: dict[str, str] = {
    "language": "language learning training",
    "family": "family families spouses partners children",
    "housing": "housing",
    "qualifications": "qualifications recognition assessed skills",
    "feedback": "feedback data collect",
    "networking": "networking network mentorship",
    "branding": "brand branding attraction",
    "coordination": "partnerships coordination strategy",
    "digital": "digital bureaucratic procedures",
    "information": "information orientation guidance",
    "jobs": "job jobs internship employment",
    "rights": "rights legal counselling",
}
# Project-page vocabulary for fact questions.
FACT_SYNONYMS: dict[str, str] = {
    r"kick(?:ed)? off|start\w*|begin|began|launch\w*": "launched",
    r"end\w*|finish\w*|conclud\w*|wrap\w* up|close\w*": "ended concluded",
    r"answer\w*|respond\w*|respondents|participants|took part|filled": "responses received",
    r"fund\w*|pa(?:y|id) for|financ\w*|sponsor\w*": "funded",
    r"partners?|who ran|implement\w*|run by|behind": "together cooperation implemented",
    r"deliver\w*|materials|outputs|produce\w*": "materials developed",
}
# Requests the assistant never fulfils, however in-domain their words: doing a task
# ("translate this", "write code") or personal tax and medical advice.
OUT_OF_SCOPE_PATTERNS = (
    r"\b(?:can|could|would) you (?:please )?(?:translate|write|draft|compose|generate|code|"
    r"calculate|summari[sz]e|proofread)\b",
    r"^(?:please )?(?:translate|write|draft|compose|generate|calculate)\b",
    r"\btranslate (?:this|the following|it|that)\b",
    r"\b(?:tax return|årsopgørelse|skat\.dk|tax deduction|deduct the)\b",
    r"\b(?:antibiotics?|fever|sore throat|symptoms?|prescription|diagnos\w+)\b",
)
# Names of the project and its pages: a question naming them asks for a project fact,
# even when it is worded like "which organisations ...".
PROJECT_TERMS = ("the project", "talent hub project", "talent hub eu project", "iom",
                 "dg reform", "copenhagen capacity", "copcap", "survey", "surveys",
                 "conference", "final workshop", "project materials", "mpf", "emn",
                 "migration partnership facility", "technical support instrument")
FACT_TERMS = ("how many", "when did", "when was", "when does", "when will", "what date",
              "which date", "who funded", "who funds", "funded by", "who launched",
              "launched", "how long", "responses", "respondents", "participants",
              "who ran", "who runs", "partners of the", "the project", "talent hub project",
              "dg reform", "copenhagen capacity", "copcap", "iom", "survey", "conference",
              "workshop", "published", "publisher", "project materials", "mpf", "emn",
              "deliverables", "end date", "start date", "ended", "started", "budget")
CROSS_TERMS = ("which stakeholders", "which stakeholder", "which actors", "which organisations",
               "which organizations", "all stakeholders", "each stakeholder",
               "every stakeholder", "compare", "comparison", "different stakeholders",
               "different actors", "which roles", "across stakeholders", "what role do",
               "which players", "which institutions", "which parties",
               "what do the different", "which kinds of organisations")
# "Who ..." asks across stakeholders only where it opens a question or clause: "people who
# are still preparing" is a relative clause, not "who should do this?".
ASKING_WHO = ("who should", "who can", "who is responsible", "who is supposed", "who is meant",
              "who provides", "who must", "who else", "who has a role", "whose job",
              "who needs to", "who ought to")
# An explicit request for the whole list of a role and phase.
LIST_TERMS = ("list", "steps", "action points", "checklist", "to-do", "to-dos", "todo",
              "roadmap", "full list", "everything", "all the", "recommended actions",
              "overview", "the actions", "all actions")
# A general "what should X do" question; a list only when it names no specific topic.
GENERAL_TERMS = ("what should", "what can", "what could", "what does the guidebook",
                 "what does", "need to do", "needs to do", "what needs", "what do we",
                 "what do", "what's the role", "what is the role", "role of", "tell",
                 "recommend", "suggest", "how should", "how can", "what are")
# Words that say nothing about the topic of a question.
GENERIC_WORDS = frozenset("""
which who where why whom whose
they've we've you've still while yet already currently now groups group organisations
organisation organizations organization
task tasks duties responsibilities responsibility residents arrivals recruits
they're we're it's i'm don't i my me us
something similar same equivalent likewise that this those members member side
what should can could would does do did the a an and or of to in on for with about how is
are be our we us they them their this that these those guidebook tell tells recommend
recommends suggest suggests role roles help support skilled migrants migrant talent talents
international foreign workers worker staff people employees hires hire newcomers please here
there side need needs doing done as well too also ok okay any anything whats what's then
phase stage when after before during it its you your get got have has so just some things
thing there supposed meant expected kind sort one ones
""".split())  # noqa: SIM905
FOLLOW_UP_OPENERS = ("and ", "what about", "how about", "and what", "same for", "also for",
                     "and for", "what if", "and after", "and before", "and during", "then ",
                     "ok and", "okay and", "and the", "is that", "does that", "what would",
                     "and how", "and is", "would that", "same question", "is there",
                     "are there", "what does the", "how does that", "does this")
ANAPHORA = re.compile(r"\b(?:that|this|those|these|it|them|ones|similar|same|too|as well|"
                      r"also|either|instead)\b")
DOMAIN_TERMS = ("talent", "talents", "migrant", "migrants", "migration", "international",
                "foreign", "expat", "expats", "newcomer", "newcomers", "worker", "workers",
                "employee", "employees", "staff", "hire", "hires", "recruit", "recruiting",
                "recruitment", "retention", "retain", "integration", "guidebook", "tcn",
                "third country", "third-country", "skilled", "relocat", "spouse", "students",
                "student", "denmark", "germany", "eu", "europe", "self-assessment",
                "stakeholder", "stakeholders", "action point", "action points", "onboard",
                "mobility", "diaspora", "union", "municipal", "ministry")

STAKEHOLDER_NAMES = {slug: name.lower() for slug, name in STAKEHOLDERS.items()}


def _compile(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


_STAKEHOLDER_RX = {s: _compile(t) for s, t in STAKEHOLDER_TERMS.items()}
_PHASE_RX = {p: re.compile(r"(?<![\w-])(?:" + "|".join(t) + ")") for p, t in PHASE_PATTERNS.items()}
_THEME_RX = {t: _compile(w) for t, w in THEME_TERMS.items()}
_FACT_RX = _compile(FACT_TERMS)
_PROJECT_RX = _compile(PROJECT_TERMS)
_OUT_OF_SCOPE_RX = re.compile("|".join(OUT_OF_SCOPE_PATTERNS))
_FACT_SYNONYM_RX = [(re.compile(rf"\b(?:{rx})\b"), extra) for rx, extra in FACT_SYNONYMS.items()]
_CROSS_RX = re.compile(_compile(CROSS_TERMS).pattern + r"|(?:^|[.?!,;:]\s*)(?:"
                       + "|".join(re.escape(t) for t in ASKING_WHO) + r")\b")
_COMPARE_RX = _compile(("compare", "comparison", "versus", "vs", "difference", "differ",
                        "both", "each"))
_LIST_RX = _compile(LIST_TERMS)
_GENERAL_RX = re.compile(_compile(GENERAL_TERMS).pattern + r"|\bwhat\b.*\bdo\b")
_DOMAIN_RX = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in DOMAIN_TERMS) + r")")
_WORD = re.compile(r"[a-z][a-z'-]+")


@dataclass
class QueryAnalysis:
    """What the question is about. `query` is the text to search with (follow-ups merged)."""

    question: str
    query: str
    stakeholders: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    kind: str = "action-point"
    expansion: str = ""
    follow_up: bool = False
    explicit_stakeholder: bool = False
    explicit_phase: bool = False
    in_domain: bool = True

    @property
    def lexical_query(self) -> str:
        return f"{self.query} {self.expansion}".strip()

    def to_meta(self) -> dict[str, object]:
        return {"stakeholders": self.stakeholders, "phases": self.phases,
                "themes": self.themes, "kind": self.kind, "follow_up": self.follow_up}


def _matches(text: str, patterns: dict[str, re.Pattern[str]]) -> list[str]:
    """Keys whose pattern occurs, in order of first occurrence in the text."""
    found = [(m.start(), key) for key, rx in patterns.items() if (m := rx.search(text))]
    return [key for _, key in sorted(found)]


def _expansion(lowered: str, analysis: QueryAnalysis) -> str:
    """Guidebook words for the themes; project-page words for a fact question."""
    if analysis.kind == "fact":
        return " ".join(extra for rx, extra in _FACT_SYNONYM_RX if rx.search(lowered))
    return " ".join(THEME_EXPANSION[t] for t in analysis.themes if t in THEME_EXPANSION)


def _stakeholders(lowered: str) -> list[str]:
    """Stakeholders, those named in the closing question first: in "Students never hear back
    from employers. What could a uni careers service do?" the asker is the university."""
    sentences = re.split(r"(?<=[.!?])\s+", lowered)
    question = next((s for s in reversed(sentences) if "?" in s), sentences[-1])
    offset = lowered.rfind(question)
    found = []
    for stakeholder, rx in _STAKEHOLDER_RX.items():
        positions = [m.start() for m in rx.finditer(lowered)]
        if positions:
            in_question = [p for p in positions if p >= offset]
            found.append((0 if in_question else 1, (in_question or positions)[0], stakeholder))
    return [stakeholder for *_, stakeholder in sorted(found)]


def _phases(lowered: str) -> list[str]:
    """Phases in order of mention; a span claimed by an earlier phase is not reused, so
    "before they arrive" is pre-departure only."""
    found: list[tuple[int, str]] = []
    for phase, rx in _PHASE_RX.items():
        for m in rx.finditer(lowered):
            found.append((m.start(), phase))
            lowered = lowered[: m.start()] + " " * (m.end() - m.start()) + lowered[m.end():]
            break
    return [phase for _, phase in sorted(found)]


def detect(text: str) -> QueryAnalysis:
    """Signals in one piece of text, without conversation context."""
    lowered = " ".join(text.lower().replace("’", "'").split())
    stakeholders = _stakeholders(lowered)
    phases = _phases(lowered)
    themes = _matches(lowered, _THEME_RX)
    analysis = QueryAnalysis(question=text, query=text, stakeholders=stakeholders,
                             phases=phases, themes=themes)
    analysis.in_domain = bool(stakeholders or phases or _DOMAIN_RX.search(lowered)
                              or _FACT_RX.search(lowered))
    cross = bool(_CROSS_RX.search(lowered))
    project = bool(_PROJECT_RX.search(lowered))
    if _OUT_OF_SCOPE_RX.search(lowered):
        analysis.kind, analysis.in_domain = "out-of-scope", False
    elif not stakeholders and (project or (_FACT_RX.search(lowered) and not cross)):
        analysis.kind = "fact"
    elif cross or (len(stakeholders) > 1 and _COMPARE_RX.search(lowered)):
        analysis.kind = "cross-stakeholder"
    elif stakeholders and phases and wants_list(lowered):
        analysis.kind = "list"
    analysis.expansion = _expansion(lowered, analysis)
    return analysis


def wants_list(lowered: str) -> bool:
    """An explicit list request, or a general question that names no specific topic."""
    return bool(_LIST_RX.search(lowered)) or (
        bool(_GENERAL_RX.search(lowered)) and topic_words(lowered) <= 1)


def topic_words(text: str) -> int:
    """Words naming a topic, beyond stakeholders (typos too), phases and scaffolding."""
    lowered = text.lower().replace("’", "'")
    for rx in (*_STAKEHOLDER_RX.values(), *_PHASE_RX.values()):
        lowered = rx.sub(" ", lowered)
    return sum(1 for w in _WORD.findall(lowered) if w not in GENERIC_WORDS
               and w not in STOPWORDS_EN_PLUS)


def is_follow_up(question: str) -> bool:
    """Short, elliptic turns ("And what about municipalities?") lean on the last question."""
    lowered = question.lower().strip()
    sentences = re.split(r"(?<=[.!?])\s+", lowered)  # "Makes sense. And after that?"
    leans = any(s.startswith(FOLLOW_UP_OPENERS) for s in sentences) or bool(
        ANAPHORA.search(lowered))
    return (leans and topic_words(question) <= 3) or topic_words(question) == 0


def analyse(question: str, *, history: list[tuple[str, str]] | None = None,
            stakeholder: str | None = None, phase: str | None = None) -> QueryAnalysis:
    """Analyse a turn in its conversation; explicit arguments override detection."""
    current = detect(question)
    previous_question = _last_topic(history or [])
    if previous_question and current.kind != "out-of-scope" and is_follow_up(question):
        previous = analyse(previous_question, history=None)
        carried = previous.query
        if current.stakeholders:
            carried = _strip(carried, _STAKEHOLDER_RX.values())
        if current.phases:
            carried = _strip(carried, _PHASE_RX.values())
        merged = QueryAnalysis(
            question=question, query=f"{carried} {question}",
            stakeholders=current.stakeholders or previous.stakeholders,
            phases=current.phases or previous.phases,
            themes=current.themes + [t for t in previous.themes if t not in current.themes],
            # "And what about unions?" keeps the question; "which of those are about
            # families?" narrows it to one topic.
            kind=previous.kind if topic_words(question) == 0 and (
                previous.kind != "cross-stakeholder" or not current.stakeholders)
            else "action-point",
            follow_up=True, in_domain=previous.in_domain or current.in_domain,
            expansion=f"{current.expansion} {previous.expansion}".strip(),
        )
        if current.kind == "cross-stakeholder" and not current.stakeholders:
            merged.kind = "cross-stakeholder"
        current = merged
    if stakeholder:
        current.stakeholders, current.explicit_stakeholder = [stakeholder], True
        current.in_domain = True
    if phase:
        current.phases, current.explicit_phase = [phase], True
        current.in_domain = True
    if (stakeholder or phase) and current.kind in ("fact", "cross-stakeholder"):
        current.kind = "action-point"
    if current.kind == "action-point" and len(current.stakeholders) == 1 and current.phases \
            and (phase or wants_list(question.lower())):
        current.kind = "list"
    return current


def _strip(text: str, patterns: object) -> str:
    """The text without the phrases a follow-up replaces ("before they come" -> "")."""
    lowered = " ".join(text.lower().replace("’", "'").split())
    for rx in patterns:  # type: ignore[attr-defined]
        lowered = rx.sub(" ", lowered)
    return " ".join(lowered.split())


def _last_topic(history: list[tuple[str, str]]) -> str | None:
    """The most recent user turn that stands on its own (follow-ups chain back)."""
    chain: list[str] = []
    for user, _assistant in reversed(history):
        chain.append(user)
        if not is_follow_up(user):
            break
    if not chain:
        return None
    return " ".join(reversed(chain))


def validate_choice(value: str | None, choices: Collection[str], what: str) -> str | None:
    if value is not None and value not in choices:
        from assistant.errors import InvalidInput

        raise InvalidInput(f"unknown {what} '{value}'; choose one of: {', '.join(choices)}")
    return value

