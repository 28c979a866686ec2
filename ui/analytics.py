"""What staff ask and where the documents have no answer: recorded per partner, only with
`TALENTHUB_ANALYTICS=on`, and read back by the analytics page and its CSV exports.

Each answer given through a server door (chat, REST, OpenAI, MCP) becomes one `questions`
row: when, which scope, who (the key, login or single-sign-on name, for privacy requests
only; never shown here), through which door, the question, whether it was answered, what
query analysis detected and what was cited. No IP address and no answer text.

The knowledge-gap list groups the questions the assistant could not answer (refused or
ungrounded) and those rated thumbs-down by meaning: their MiniLM embeddings are clustered
agglomeratively (average linkage, cosine distance, SciPy), which is deterministic and needs
no number of clusters, and each group is shown with its size, example questions and the
units nearest to it, so that guidebook authors see what is missing.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sqlalchemy import and_, insert, select

from assistant.api import Assistant
from assistant.models import Answer
from assistant.retrieval import best_per_unit
from corpus.scopes import Scope
from index.embeddings import Embedder
from ui.identity import Identity
from ui.storage import Database, dumps, feedback, questions

# Average-linkage cosine distance below which questions share a cluster. On the seeded set
# in tests/ui/test_analytics.py, MiniLM puts rewordings of one question 0.38-0.54 apart
# and questions on different topics 0.64-1.05 apart (0.7 and more on average between two
# topics' groups); every cut from 0.5 to 0.7 gives the same groups, and 0.6 is the middle.
CLUSTER_DISTANCE = 0.6
MAX_GAP_QUESTIONS = 2000  # the most recent ones; linkage needs n^2 / 2 distances
EXAMPLES = 3
NEAREST_UNITS = 3
# chunks looked at per nearest unit: a long paragraph is several chunks of one unit
NEAREST_CHUNKS = 4
TOP = 10  # documents and units in the "cited most" lists
OUTCOMES = ("answered", "refused", "ungrounded")
CSV_TABLES = ("questions", "feedback", "daily", "topics", "cited", "gaps")


def outcome(answer: Answer) -> str:
    """answered; refused (a task, opinion or personal case the assistant declines); or
    ungrounded (a question the documents hold no answer to)."""
    if answer.grounded:
        return "answered"
    return "ungrounded" if answer.meta.get("request", "question") == "question" else "refused"


def topics(answer: Answer, themes_of: Callable[[str], list[str]] | None = None
           ) -> dict[str, list[str]]:
    """What a question was about, for the charts: the roles, phases and themes it named,
    and where it named none, those of what its answer cited (each cited unit's role and
    phase, and the strongest theme its words mark), so that "How can we help the spouses
    of our hires?" counts for the roles and themes the answer came from."""
    meta, cited = answer.meta, answer.citations

    def named_or_cited(key: str, values: Iterable[str | None]) -> list[str]:
        return list(meta.get(key) or dict.fromkeys(v for v in values if v))

    return {"stakeholders": named_or_cited("stakeholders", (c.stakeholder for c in cited)),
            "phases": named_or_cited("phases", (c.phase for c in cited)),
            "themes": named_or_cited("themes", (next(iter(themes_of(c.quote)), None)
                                                 for c in cited if themes_of))}


@dataclass
class Gap:
    """A group of unanswered or disliked questions that mean much the same."""

    size: int
    examples: list[str]
    nearest: list[tuple[str, str]]  # (unit id, breadcrumb)
    questions: list[tuple[str, int]] = field(default_factory=list)  # (text, times asked)


@dataclass
class Report:
    """Everything the page shows for one partner (or all) over a period."""

    partner: str | None
    start: date
    end: date
    daily: list[tuple[date, dict[str, int]]]
    topics: dict[str, Counter[str]]  # stakeholders, phases, themes
    channels: Counter[str]
    ratings: Counter[str]
    documents: list[tuple[str, int]]
    units: list[tuple[str, int]]
    gaps: list[Gap]

    @property
    def total(self) -> int:
        return sum(sum(counts.values()) for _, counts in self.daily)

    @property
    def unanswered(self) -> int:
        return sum(c["refused"] + c["ungrounded"] for _, c in self.daily)


class Analytics:
    def __init__(self, database: Database, *, enabled: bool):
        self.database = database
        self.enabled = enabled
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    # -- recording -----------------------------------------------------------------------

    def recorder(self, identity: Identity, channel: str, assistant: Assistant | None = None
                 ) -> Callable[[Answer], None] | None:
        """What the door hands the assistant as `on_answer`; None with analytics off, so
        nothing at all is stored. `assistant` marks the themes of what an answer cites."""
        if not self.enabled:
            return None
        return lambda answer: self.record(answer, identity, channel,
                                          assistant.themes_of if assistant else None)

    def record(self, answer: Answer, identity: Identity, channel: str,
               themes_of: Callable[[str], list[str]] | None = None) -> None:
        meta = answer.meta
        about = topics(answer, themes_of)
        with self.database.engine.begin() as db:
            db.execute(insert(questions).values(
                created=self.database.clock(), partner=identity.scope.key,
                user_name=identity.user, channel=channel, question=answer.question,
                grounded=answer.grounded, outcome=outcome(answer),
                kind=str(meta.get("kind", "")),
                stakeholders=dumps(about["stakeholders"]), phases=dumps(about["phases"]),
                themes=dumps(about["themes"]),
                cited=dumps(answer.cited_ids),
                documents=dumps(list(dict.fromkeys(c.document for c in answer.citations)))))

    # -- reading -------------------------------------------------------------------------

    def rows(self, table: Any, partner: str | None, start: datetime) -> list[dict[str, Any]]:
        """A table's rows since `start`, for one partner or (None) for every scope."""
        condition = table.c.created >= start
        if partner is not None:
            condition = and_(condition, table.c.partner == partner)
        with self.database.engine.connect() as db:
            found = db.execute(select(table).where(condition).order_by(table.c.id))
            return [dict(row) for row in found.mappings()]

    def report(self, assistant: Assistant, *, partner: str | None, days: int) -> Report:
        """The page's figures; gaps' nearest units come from `partner`'s scope (the shared
        one when looking across every partner)."""
        today = self.database.clock().date()
        start = today - timedelta(days=days - 1)
        since = datetime.combine(start, datetime.min.time())
        asked = self.rows(questions, partner, since)
        rated = self.rows(feedback, partner, since)
        daily = {start + timedelta(days=n): dict.fromkeys(OUTCOMES, 0) for n in range(days)}
        topics: dict[str, Counter[str]] = {k: Counter() for k in ("stakeholders", "phases",
                                                                    "themes")}
        documents: Counter[str] = Counter()
        units: Counter[str] = Counter()
        for row in asked:
            daily.setdefault(row["created"].date(), dict.fromkeys(OUTCOMES, 0))
            daily[row["created"].date()][row["outcome"]] += 1
            for key, counter in topics.items():
                counter.update(json.loads(row[key]))
            documents.update(json.loads(row["documents"]))
            units.update(json.loads(row["cited"]))
        gap_texts = [r["question"] for r in asked if r["outcome"] != "answered"]
        gap_texts += [r["question"] for r in rated if r["rating"] == "down"]
        scoped = assistant.scoped(Scope(partner if partner not in (None, "shared") else None))
        return Report(partner=partner, start=start, end=today,
                      daily=sorted(daily.items()), topics=topics,
                      channels=Counter(r["channel"] for r in asked),
                      ratings=Counter(r["rating"] for r in rated),
                      documents=documents.most_common(TOP), units=units.most_common(TOP),
                      gaps=self.gaps(gap_texts, scoped))

    def gaps(self, texts: Iterable[str], assistant: Assistant) -> list[Gap]:
        """Unanswered and disliked questions grouped by meaning, largest group first."""
        counts = Counter(" ".join(t.split()) for t in texts if t.strip())
        unique = list(counts)[-MAX_GAP_QUESTIONS:]
        if not unique:
            return []
        vectors = self._embed(unique, assistant.embedder)
        labels = cluster(vectors)
        view = assistant.check_index()
        gaps = []
        for label in sorted(set(labels)):
            members = [i for i, lab in enumerate(labels) if lab == label]
            centre = vectors[members].mean(axis=0)
            ranked = sorted(members, key=lambda i: (-float(vectors[i] @ centre), unique[i]))
            # the units nearest the group's centre, from the vectors already at hand: a
            # search per group would embed and analyse each question again
            chunks = view.dense(centre / (float(np.linalg.norm(centre)) or 1.0),
                                NEAREST_UNITS * NEAREST_CHUNKS)
            hits = best_per_unit(view, dict(chunks))[:NEAREST_UNITS]
            gaps.append(Gap(size=sum(counts[unique[i]] for i in members),
                            examples=[unique[i] for i in ranked[:EXAMPLES]],
                            nearest=[(h.unit_id, h.metadata.get("breadcrumb", ""))
                                     for h in hits],
                            questions=[(unique[i], counts[unique[i]]) for i in ranked]))
        return sorted(gaps, key=lambda g: (-g.size, g.examples[0]))

    def _embed(self, texts: list[str], embedder: Embedder) -> np.ndarray:
        """Normalised embeddings, kept between page views (the page is reloaded more often
        than new questions come in), but only those of the questions last shown: a question
        that retention or an erasure request deleted is not kept in memory either."""
        with self._lock:
            missing = [t for t in texts if t not in self._vectors]
        encoded = embedder.encode(missing) if missing else []
        with self._lock:
            for text, vector in zip(missing, encoded, strict=True):
                norm = float(np.linalg.norm(vector)) or 1.0
                self._vectors[text] = np.asarray(vector, dtype=np.float32) / norm
            self._vectors = {t: self._vectors[t] for t in texts}
            return np.stack([self._vectors[t] for t in texts])

    # -- exports -------------------------------------------------------------------------

    def csv(self, table: str, report: Report) -> str:
        """One of `CSV_TABLES` as CSV text: the report's figures, or its period's rows
        (never the user names)."""
        out = io.StringIO()
        writer = csv.writer(out)
        since = datetime.combine(report.start, datetime.min.time())
        if table == "questions":
            writer.writerow(["created", "partner", "channel", "question", "outcome", "kind",
                             "stakeholders", "phases", "themes", "cited"])
            for r in self.rows(questions, report.partner, since):
                writer.writerow([r["created"].isoformat(timespec="seconds"), r["partner"],
                                 r["channel"], r["question"], r["outcome"], r["kind"],
                                 *(" ".join(json.loads(r[k])) for k in
                                   ("stakeholders", "phases", "themes", "cited"))])
        elif table == "feedback":
            writer.writerow(["created", "partner", "rating", "question", "comment", "cited"])
            for r in self.rows(feedback, report.partner, since):
                writer.writerow([r["created"].isoformat(timespec="seconds"), r["partner"],
                                 r["rating"], r["question"], r["comment"] or "",
                                 " ".join(json.loads(r["citations"]))])
        elif table == "daily":
            writer.writerow(["date", *OUTCOMES])
            for day, counts in report.daily:
                writer.writerow([day.isoformat(), *(counts[o] for o in OUTCOMES)])
        elif table == "topics":
            writer.writerow(["dimension", "value", "questions"])
            for dimension, counter in report.topics.items():
                for value, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
                    writer.writerow([dimension, value, n])
        elif table == "cited":
            writer.writerow(["what", "id", "citations"])
            writer.writerows(["document", *item] for item in report.documents)
            writer.writerows(["unit", *item] for item in report.units)
        elif table == "gaps":
            writer.writerow(["gap", "size", "question", "times asked", "nearest units"])
            for n, gap in enumerate(report.gaps, start=1):
                nearest = " ".join(unit for unit, _ in gap.nearest)
                for text, times in gap.questions:
                    writer.writerow([n, gap.size, text, times, nearest])
        else:
            raise ValueError(f"unknown table '{table}'; choose one of {', '.join(CSV_TABLES)}")
        return out.getvalue()


def cluster(vectors: np.ndarray, *, distance: float = CLUSTER_DISTANCE) -> list[int]:
    """Cluster labels (from 1) for unit-length vectors: average linkage on cosine
    distance, cut at `distance`. Deterministic: the same questions give the same groups."""
    if len(vectors) == 1:
        return [1]
    tree = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    return [int(label) for label in fcluster(tree, t=distance, criterion="distance")]
