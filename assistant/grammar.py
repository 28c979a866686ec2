"""The hand-written part of query analysis: how people ask, and what they call things.

The corpus supplies the domain vocabulary (assistant/lexicon.py), but it contains no
questions, so it cannot say how a question asks for a list, a comparison or a follow-up,
how a sentence places something in time, or what everyday name a practitioner gives a
role the guidebook names formally. Those are written here, each group with the reason it
cannot come from the corpus. No entry exists because an evaluation question used it:
tests/assistant/test_grammar.py lists every term that occurs in no corpus text and fails
on any such term that has no reason here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Terms:
    """A group of hand-written phrases and the reason the corpus cannot supply them."""

    reason: str
    phrases: tuple[str, ...]

    def pattern(self) -> re.Pattern[str]:
        """Any of the phrases, on word boundaries, longest first."""
        alternatives = sorted((re.escape(p) for p in self.phrases), key=len, reverse=True)
        return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


# -- everyday names of the six roles ------------------------------------------------------
# The guidebook names each stakeholder formally ("Employers/companies", "Municipalities and
# local authorities", ...); practitioners name their own organisation. These are common
# English (and, for Denmark, Danish) names of the same kinds of organisation.
ROLE_NAMES: dict[str, Terms] = {
    "employers": Terms(
        "names an employer, its HR department or its managers use for themselves",
        ("employer", "employers", "company", "companies", "firm", "firms", "business",
         "businesses", "hr", "human resources", "hiring manager", "recruiter", "recruiters",
         "enterprise", "enterprises", "startup", "start-up", "private sector", "workplace",
         "management")),
    "municipalities": Terms(
        "local government in everyday words; 'kommune' is Danish for municipality",
        ("municipality", "municipalities", "municipal", "local authority",
         "local authorities", "city", "cities", "town", "council", "councils",
         "city council", "city hall", "town hall", "mayor", "local government", "kommune",
         "kommuner")),
    "government": Terms(
        "national government in everyday words",
        ("government", "governments", "govt", "ministry", "ministries", "minister", "state",
         "national authorities", "national authority", "government authorities",
         "government authority", "policymakers", "policy makers", "policy-makers",
         "federal", "agency", "agencies", "legislator", "legislators")),
    "education": Terms(
        "higher-education institutions and their offices in everyday words",
        ("university", "universities", "uni", "unis", "college", "colleges",
         "educational institution", "educational institutions", "education institution",
         "education institutions", "higher education", "campus", "faculty",
         "international office", "business school", "academy")),
    "trade-unions": Terms(
        "unions and their representatives in everyday words",
        ("union", "unions", "trade union", "trade unions", "labour union", "labor union",
         "union rep", "union reps", "shop steward", "shop stewards")),
    "civil-society": Terms(
        "non-profit and migrant organisations in everyday words",
        ("civil society", "ngo", "ngos", "non-profit", "nonprofit", "charity", "charities",
         "volunteer", "volunteers", "diaspora", "diaspora group", "diaspora groups",
         "diaspora organisation", "diaspora organization", "association", "associations",
         "community group", "community organisation", "community organization",
         "migrant organisation", "migrant organization", "grassroots")),
}
ROLE_PATTERNS = {slug: terms.pattern() for slug, terms in ROLE_NAMES.items()}

# -- time: the three phases of the customer journey ------------------------------------------
# The corpus names the phases ("pre-departure", "on-boarding", "integration & social
# inclusion") but a question places itself in time with English grammar: "before they
# move", "once they have landed", "to keep them".
# "before" opens a clause whose subject can be a whole noun phrase ("before a new hire from
# outside the EU actually moves"), so up to eight words may stand before the verb; no
# punctuation can, which keeps the match inside one clause.
_MOVE = (r"(?:arriv\w*|mov\w*|com(?:e|es|ing)|relocat\w*|land\w*|get here|depart\w*|"
         r"leav\w*|fly\w*|travel\w*|start\w*|join\w*)")
PHASE_PATTERNS: dict[str, Terms] = {
    "pre-departure": Terms(
        "the time before the move: the phase's names and English 'before ...' phrasing",
        (rf"before (?:[\w']+ ){{0,8}}{_MOVE}", rf"prior to (?:[\w']+ ){{0,2}}{_MOVE}",
         r"ahead of (?:\w+ ){0,2}(?:move|arrival|relocation|departure)",
         r"pre-?\s?departure", r"pre-?\s?arrival", r"country of origin",
         r"home countr(?:y|ies)", r"still abroad", r"recruitment stage")),
    "on-boarding": Terms(
        "the first weeks: the phase's names and English 'when/once they arrive' phrasing",
        (rf"(?:when|once|after|as soon as|upon|on) (?:[\w']+ ){{0,3}}{_MOVE}",
         r"on arrival", r"upon arrival", r"after arrival", r"newly arrived", r"new arrivals?",
         r"first (?:few )?(?:days|weeks|months)", r"on-?\s?boarding", r"post-?\s?arrival",
         r"welcom\w*", r"settl(?:e|ing) in", r"just (?:arrived|started|landed)",
         r"arrival")),
    "integration": Terms(
        "the long run: the phase's names and English phrasing of staying on",
        (r"keep (?:\w+ ){0,2}(?:them|talent|staff|people|employees|workers|members)",
         r"retain\w*", r"retention", r"stay\w*", r"long(?:er)?[- ]term", r"long run",
         r"integrat\w*", r"inclusion", r"includ\w+ (?:them|newcomers)", r"belong\w*",
         r"settled", r"(?:part of|into) (?:the )?(?:society|community|local life)",
         r"(?:thinking (?:of|about)|from|stop\w* \w+) leaving", r"quit\w*", r"later on",
         r"over the years", r"for years")),
}

# -- what kind of question -------------------------------------------------------------------
LIST_REQUEST = Terms(
    "how people ask for everything at once; the corpus has lists but never asks for one",
    ("list", "steps", "action points", "checklist", "check list", "to-do", "to-dos", "todo",
     "roadmap", "full list", "everything", "all the", "recommended actions", "overview",
     "the actions", "all actions"))
GENERAL_REQUEST = Terms(
    "open questions about a role ('what should X do'); a list when they name no topic",
    ("what should", "what can", "what could", "what does the guidebook", "what does",
     "need to do", "needs to do", "what needs", "what do we", "what do", "what's the role",
     "what is the role", "role of", "tell", "recommend", "suggest", "how should",
     "how can", "what are", "what is expected", "supposed to do", "expected to do"))
CROSS_REQUEST = Terms(
    "questions across roles ('which organisations ...'): question words, not corpus words",
    ("all stakeholders", "each stakeholder", "every stakeholder",
     "compare", "comparison", "different stakeholders", "different actors",
     "across stakeholders", "what role do", "what do the different",
     "who else", "apart from"))
# "Which ... organisations" may put up to two words before the noun ("which
# membership-based organisations", "which kinds of actors"): English grammar again.
WHICH_GROUP = re.compile(r"\bwhich (?:[\w-]+ ){0,2}?(?:stakeholders?|actors?|organi[sz]ations?|"
                         r"roles|players|institutions|parties)\b")
# "Who ..." asks across roles only where it opens a question or clause: "people who are
# still preparing" is a relative clause, not "who should do this?".
ASKING_WHO = Terms(
    "'who' opening a question about responsibility",
    ("who should", "who can", "who is responsible", "who is supposed", "who is meant",
     "who provides", "who must", "who has a role", "whose job", "who needs to",
     "who ought to", "who's meant", "who's supposed", "who is expected"))
COMPARE = Terms("words that contrast two roles",
                ("compare", "comparison", "versus", "vs", "difference", "differ", "both",
                 "each"))
FACT_REQUEST = Terms(
    "questions asking for a date, a number or a name rather than for advice",
    ("how many", "how much", "when did", "when was", "when does", "when will", "what date",
     "which date", "what year", "which year", "who funded", "who funds", "funded by",
     "who launched", "who ran", "who runs", "who organised", "who organized",
     "who published", "how long", "what is the name", "what was"))
FOLLOW_UP = Terms(
    "openers of an elliptic turn that leans on the previous question",
    ("and ", "what about", "how about", "and what", "same for", "also for", "and for",
     "what if", "and after", "and before", "and during", "then ", "ok and", "okay and",
     "and the", "is that", "does that", "what would", "and how", "and is", "would that",
     "same question", "is there", "are there", "what does the", "how does that",
     "does this", "which of those", "which of these", "which one of those"))
# A follow-up points back with pronouns and "too", "as well": English grammar, which no
# corpus text can supply.
ANAPHORA = re.compile(r"\b(?:that|this|those|these|it|them|ones|similar|same|too|as well|"
                      r"also|either|instead)\b")
VAGUE_WORDS = Terms(
    "words of a question that name no topic: scaffolding, vague nouns, chat fillers",
    ("whose", "per", "thing", "things", "stuff", "kind", "sort", "ones", "one", "ok", "okay",
     "please", "pls", "guidebook", "anything", "something", "else", "part", "play", "role", "roles",
     "task", "tasks", "duties", "responsibility", "responsibilities", "supposed",
     "meant", "expected", "exactly", "actually", "really", "honestly", "here", "there",
     "now", "then", "also", "too", "just", "still", "already", "doing", "done", "need",
     "needs", "side", "phase", "stage", "step", "steps", "help", "support", "talent",
     "people", "newcomers", "international", "foreign", "staff", "workers", "employees",
     "hires", "recruits", "migrants", "arrivals", "residents", "members"))

# -- requests the assistant does not fulfil --------------------------------------------------
# Doing a task ("write", "translate") is not answering from the guidebook, whatever the
# topic; asking for a personal verdict, or about one person's own case, needs a lawyer,
# doctor or tax adviser. These are forms of a request, so they are grammar, not vocabulary;
# whether such a question is refused also depends on how well the corpus supports it.
TASK_REQUEST = re.compile(
    r"(?:^|[.!?]\s+)(?:please\s+|pls\s+)?(?:(?:can|could|would|will) you (?:please\s+)?)?"
    r"(?:write|draft|compose|translate|proofread|rewrite|re-write|generate|create|design|"
    r"calculate|compute|fill in|fill out|code|program|make me|give me a (?:recipe|draft))\b")
OPINION_REQUEST = re.compile(
    r"\b(?:do you think|what do you think|your (?:take|view|opinion|verdict)|in your "
    r"(?:view|opinion)|too (?:strict|lenient|harsh|generous|high|low|restrictive)|"
    r"(?:a )?good (?:policy|law|scheme) or not|is (?:it|this|that|\w+) right to|"
    r"(?:better|worse|best) (?:than|place|country|city)|who is the best|should i (?:buy|sell|"
    r"invest))\b")
# One person's own situation: "am I allowed", "can my employer fire me", "should she take";
# a practitioner saying who they are ("I run the international office") is not one.
PERSONAL_CASE = re.compile(
    r"\b(?:(?:am|can|do|will|may|could|would|must|shall|did) (?:i|she|he)\b|"
    r"(?:i|she|he) (?:qualify|need to|have to|must|am allowed|was)\b|"
    r"(?:fire|hire|pay|tax|deport) (?:me|her|him)\b|"
    r"my (?:wife|wife's|wifes|husband|partner|spouse|contract|permit|work permit|visa|"
    r"residence|application|employer|boss|tax|taxes|salary|probation|case|family|son|"
    r"daughter|children|kids|landlord|doctor)\b)")
# "we", "our": a practitioner speaking for an organisation, which is not one person's own
# case, and may want the self-assessment for it. English grammar, not corpus vocabulary.
FIRST_PERSON_PLURAL = re.compile(r"\b(?:we|our|us|ours)\b")

ALL_TERMS: dict[str, Terms] = {
    **{f"role:{slug}": terms for slug, terms in ROLE_NAMES.items()},
    "list": LIST_REQUEST, "general": GENERAL_REQUEST, "cross": CROSS_REQUEST,
    "asking-who": ASKING_WHO, "compare": COMPARE, "fact": FACT_REQUEST,
    "follow-up": FOLLOW_UP, "vague": VAGUE_WORDS,
}
