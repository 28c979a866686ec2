"""The corpus's own vocabulary: which words mark a stakeholder, a theme or a project fact.

Computed from the index's units, so it follows the documents a deployment actually holds
instead of a hand-written list. A word marks a group (a stakeholder's section, a theme's
intervention paragraphs, the project pages) when it is used there distinctly more than in
the rest of the corpus: the log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi and Quinn, "Fightin' Words", 2008), whose z-score stays honest for rare words
where a plain frequency ratio would not.

The mining is model-free and works on plain (text, metadata) pairs, so it is tested on
hand-made units; `lexicon_for(snapshot)` caches one lexicon per index build and scope: each
scope's lexicon is mined from the units it sees, so a partner's documents cannot change how
another scope's questions are read.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bm25s.stopwords import STOPWORDS_EN_PLUS

from corpus.models import STAKEHOLDERS, UnitKind
from index.reader import IndexSnapshot, tokenize

# Prior strength: how many pseudo-counts of the whole corpus's word distribution each group
# starts with. Small corpora need a strong prior, or words seen twice look distinctive.
PRIOR = 1000.0
# A word must occur this often in its group before it can mark it.
MIN_COUNT = 2
# z-score above which a word marks its group (about the one-sided 1% level).
MIN_Z = 2.33
# A project word is one the guidance sections hardly use: at least this share of its
# occurrences is on the project pages. "survey" (8 of 10) qualifies; "labour" (51 of 76),
# which practitioners use about their own work, does not.
PROJECT_SHARE = 0.8
_STOP = frozenset(tokenize([" ".join(STOPWORDS_EN_PLUS)])[0])


def distinctive_terms(groups: Mapping[str, Counter[str]], *, prior: float = PRIOR,
                      min_count: int = MIN_COUNT, min_z: float = MIN_Z
                      ) -> dict[str, dict[str, float]]:
    """term -> {group: z} for every term that marks a group (log-odds, informative prior)."""
    total: Counter[str] = Counter()
    for counts in groups.values():
        total.update(counts)
    size = sum(total.values())
    marks: dict[str, dict[str, float]] = {}
    for group, counts in groups.items():
        n = sum(counts.values())
        rest = size - n
        for term, y in counts.items():
            if y < min_count or term in _STOP:
                continue
            alpha = prior * total[term] / size
            other = total[term] - y
            delta = (math.log((y + alpha) / (n + prior - y - alpha))
                     - math.log((other + alpha) / (rest + prior - other - alpha)))
            z = delta / math.sqrt(1 / (y + alpha) + 1 / (other + alpha))
            if z >= min_z:
                marks.setdefault(term, {})[group] = round(z, 3)
    return marks


@dataclass(frozen=True)
class Lexicon:
    """Stems the corpus uses, with the groups they mark (each with its z-score)."""

    known: frozenset[str]
    themes: dict[str, dict[str, float]]
    project: dict[str, float]

    @classmethod
    def from_units(cls, units: Iterable[tuple[str, Mapping[str, object]]]) -> Lexicon:
        """Mine the lexicon from (text, metadata) pairs, one per citable unit.

        Themes are compared across the guidebook's intervention paragraphs, and the
        project vocabulary is what sets apart the units outside the stakeholder sections
        (web pages, the guidebook's front matter) from those inside them. (Roles are not
        mined: the words most used in a role's section name whom it serves, see
        assistant/query.py `_stakeholders`.)
        """
        by_theme: dict[str, Counter[str]] = {}
        project: dict[str, Counter[str]] = {"project": Counter(), "guidance": Counter()}
        known: set[str] = set()
        for text, meta in units:
            tokens = tokenize([text])[0]
            known.update(tokens)
            if str(meta.get("stakeholder") or "") in STAKEHOLDERS:
                project["guidance"].update(tokens)
            else:
                project["project"].update(tokens)
            if meta.get("kind") == UnitKind.INTERVENTIONS and meta.get("theme"):
                by_theme.setdefault(str(meta["theme"]), Counter()).update(tokens)
        total = project["project"] + project["guidance"]
        return cls(known=frozenset(known),
                   themes=distinctive_terms(by_theme),
                   project={t: z["project"] for t, z in distinctive_terms(project).items()
                            if "project" in z and not t.isdigit()
                            and project["project"][t] >= PROJECT_SHARE * total[t]})

    def themes_marked(self, stems: Iterable[str], *, min_z: float) -> list[str]:
        """The themes that the stems mark at `min_z` or above, strongest first."""
        scores: dict[str, float] = {}
        for stem in stems:
            for group, z in self.themes.get(stem, {}).items():
                if z >= min_z:
                    scores[group] = scores.get(group, 0.0) + z
        return sorted(scores, key=lambda g: -scores[g])


def lexicon_for(snapshot: IndexSnapshot) -> Lexicon:
    """The lexicon of one build as one scope sees it, mined once (milliseconds for this
    corpus) and kept with that view."""
    def mine() -> Lexicon:
        return Lexicon.from_units((" ".join(c.text for c in chunks), chunks[0].metadata)
                                  for chunks in snapshot.units.values())

    return snapshot.memo("lexicon", mine)
