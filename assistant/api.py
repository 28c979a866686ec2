"""The public Python API: `Assistant.from_settings(...).ask(question, ...)`.

CLI, HTTP API, chat UI and evals are all thin consumers of this class. One instance is
shared by all threads of a process: the model and the index are loaded once.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Tuning, load_tuning
from assistant.countries import countries_for
from assistant.errors import IndexUnavailable, InvalidInput, LLMUnavailable
from assistant.extractive import Composer
from assistant.followups import suggest
from assistant.lexicon import lexicon_for
from assistant.models import KINDS, Answer, Delta, Final, Hit, StreamEvent, collect
from assistant.query import QueryAnalysis, analyse, themes_in, validate_choice
from assistant.retrieval import MODES, Retriever
from assistant.spelling import correct_spelling, words_by_initial
from corpus.load import discover
from corpus.models import PHASES, STAKEHOLDERS, Document
from corpus.scopes import Scope
from corpus.settings import MAX_QUESTION_CHARS, Settings
from index.embeddings import Embedder, load_embedder
from index.reader import ChunkRecord, IndexReader, IndexSnapshot
from index.store import REBUILD_INDEX, NoIndex

if TYPE_CHECKING:  # LangChain loads only when an adapter is asked for
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_HISTORY_TURNS = 10
RETRIEVE_K = 30
History = Sequence[Sequence[str]]
AnswerListener = Callable[[Answer], None]


class Assistant:
    """Answers from the documents its `scope` may see: by default the shared ones only.

    `scoped(Scope("alpha"))` is the same assistant (index, models, tuning) for partner
    alpha. Every lookup (answers, search, units, counts, the self-assessment) reads the
    index through `check_index()`, which returns the build as the scope sees it, so the
    scope is decided in that one place.
    """

    def __init__(self, settings: Settings, reader: IndexReader, embedder: Embedder, *,
                 tuning: Tuning | None = None, llm: Any = None, scope: Scope | None = None,
                 on_answer: AnswerListener | None = None):
        self.settings = settings
        self.reader = reader
        self.embedder = embedder
        self.tuning = tuning or Tuning()
        self.retriever = Retriever(reader, embedder, self.tuning.retrieval)
        self.composer = Composer(self.tuning.answer)
        self.llm = llm
        self.scope = scope or Scope()
        self.on_answer = on_answer

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, embedder: Embedder | None = None,
                      chat_model: Any = None) -> Assistant:
        """Load the embedding model and open the index. The index itself is read lazily,
        so a server can start before `talenthub index` has run and report it clearly."""
        settings = settings or Settings()
        llm = None
        if chat_model is not None or settings.llm:
            from assistant.llm import LLMAnswerer

            llm = LLMAnswerer.from_settings(settings, chat_model=chat_model)
        tuning = load_tuning(settings.tuning_file)
        return cls(settings, IndexReader(settings),
                   embedder or load_embedder(settings.embedding_model), tuning=tuning, llm=llm)

    # -- questions -------------------------------------------------------------------------

    def analyse(self, question: str, *, history: History | None = None,
                stakeholder: str | None = None, phase: str | None = None) -> QueryAnalysis:
        return self._analyse(self.check_index(), question, history=history,
                             stakeholder=stakeholder, phase=phase)

    def _analyse(self, snapshot: IndexSnapshot, question: str, *, history: History | None,
                 stakeholder: str | None, phase: str | None) -> QueryAnalysis:
        question = clean_question(question)
        validate_choice(stakeholder, STAKEHOLDERS, "stakeholder")
        validate_choice(phase, PHASES, "phase")
        # once per index build and scope: each scope corrects to its own words only
        by_initial = snapshot.memo("spelling", lambda: words_by_initial(snapshot.vocabulary))

        def spelled(text: str) -> str:
            return correct_spelling(text, snapshot.vocabulary, snapshot.idf, by_initial)

        pairs = [(spelled(user), reply) for user, reply in clean_history(history)]
        analysis = analyse(spelled(question), lexicon_for(snapshot), history=pairs,
                           stakeholder=stakeholder, phase=phase)
        analysis.question = question  # the answer echoes what the user typed
        return analysis

    def retrieve(self, question: str, *, history: History | None = None,
                 stakeholder: str | None = None, phase: str | None = None,
                 kind: str | None = None, k: int = 10) -> list[Hit]:
        """The ranked source units the answer is composed from (for evals, debugging and
        search); `kind` keeps one kind of unit, ranked among all."""
        return self.retrieve_with(question, history=history, stakeholder=stakeholder,
                                  phase=phase, kind=kind, k=k, mode="hybrid")

    def retrieve_with(self, question: str, *, mode: str, history: History | None = None,
                      stakeholder: str | None = None, phase: str | None = None,
                      kind: str | None = None, k: int = 10) -> list[Hit]:
        """One retriever alone (`dense`, `bm25`) or the full hybrid, for baselines."""
        if mode not in MODES:
            raise InvalidInput(f"unknown retrieval mode '{mode}'; choose one of {MODES}")
        validate_choice(kind, KINDS, "kind")
        snapshot = self.check_index()
        analysis = self._analyse(snapshot, question, history=history, stakeholder=stakeholder,
                                 phase=phase)
        hits = self.retriever.search(analysis, snapshot, k=len(snapshot.units) if kind else k,
                                     mode=mode, rescore=mode == "hybrid")
        return [h for h in hits if kind is None or h.kind == kind][:k]

    def ask(self, question: str, *, history: History | None = None,
            stakeholder: str | None = None, phase: str | None = None) -> Answer:
        return collect(self.stream(question, history=history, stakeholder=stakeholder,
                                   phase=phase))

    def stream(self, question: str, *, history: History | None = None,
               stakeholder: str | None = None, phase: str | None = None
               ) -> Iterator[StreamEvent]:
        """`Delta` text pieces as they are ready, then one `Final` with the complete answer.

        Bad input and a missing index raise at the first `next()`, so callers can turn
        them into a status code before a streamed response starts."""
        started = time.perf_counter()
        snapshot = self.check_index()  # one build for the whole request, even mid-switch
        analysis = self._analyse(snapshot, question, history=history, stakeholder=stakeholder,
                                 phase=phase)
        hits = self.retriever.search(analysis, snapshot, k=RETRIEVE_K)
        extractive = self.composer.compose(analysis, hits, snapshot)
        answer = extractive
        if self.llm is not None and extractive.grounded:
            try:
                answer = yield from self.llm.stream(analysis, hits, extractive.cited_ids)
            except LLMUnavailable as exc:
                extractive.meta["fallback"] = str(exc)
                answer = extractive
                yield from _pieces(answer.answer)
        else:
            yield from _pieces(answer.answer)
        countries = countries_for(snapshot)
        for cited in answer.citations:
            cited.countries = countries.named_in(cited.quote)
        answer.followups = suggest(answer, analysis, snapshot,
                                   asked=[user for user, _ in clean_history(history)])
        answer.meta["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
        answer.meta["build"] = snapshot.build_id
        if self.on_answer is not None:
            try:
                self.on_answer(answer)
            except Exception:  # a listener (analytics) must never cost the user the answer
                log.exception("recording an answer failed")
        yield Final(answer)

    def without_llm(self) -> Assistant:
        """The same index, embedding model and scope, answering extractively."""
        if self.llm is None:
            return self
        return Assistant(self.settings, self.reader, self.embedder, tuning=self.tuning,
                         scope=self.scope, on_answer=self.on_answer)

    def scoped(self, scope: Scope, *, on_answer: AnswerListener | None = None) -> Assistant:
        """The same index, models and tuning, seeing what `scope` may see; `on_answer` is
        told every answer given (the server's analytics, when they are on)."""
        return Assistant(self.settings, self.reader, self.embedder, tuning=self.tuning,
                         llm=self.llm, scope=scope, on_answer=on_answer)

    # -- LangChain -------------------------------------------------------------------------

    def as_retriever(self, *, k: int = 10, stakeholder: str | None = None,
                     phase: str | None = None, kind: str | None = None) -> BaseRetriever:
        """A LangChain retriever over `retrieve`; each Document carries its citation."""
        from assistant.langchain import GuidebookRetriever

        return GuidebookRetriever(assistant=self, k=k, stakeholder=stakeholder, phase=phase,
                                  kind=kind)

    def as_runnable(self) -> Runnable[Any, Answer]:
        """A LangChain Runnable over `stream`: {"question", "history"?} in, the Answer out."""
        from assistant.langchain import AnswerRunnable

        return AnswerRunnable(self)

    # -- the index -------------------------------------------------------------------------

    def check_index(self) -> IndexSnapshot:
        """The current build as this assistant's scope sees it, refused if another
        embedding model made it."""
        snapshot = self.reader.snapshot()
        if snapshot.model and snapshot.model != self.embedder.name:
            raise IndexUnavailable(
                f"the index was built with '{snapshot.model}' but the assistant uses "
                f"'{self.embedder.name}'; {REBUILD_INDEX}")
        return snapshot.view(self.scope)

    def status(self) -> dict[str, Any]:
        """Index health for `/api/health`, counting what the scope sees: never raises."""
        try:
            stats = self.reader.snapshot().view(self.scope).stats()
        except NoIndex as exc:
            return {"status": "missing", "detail": str(exc), "build": None, "documents": 0,
                    "units": 0, "chunks": 0, "kinds": {}}
        except IndexUnavailable as exc:
            return {"status": "unavailable", "detail": str(exc), "build": None,
                    "documents": 0, "units": 0, "chunks": 0, "kinds": {}}
        return {"status": "ok", "detail": "index loaded", **stats}

    def units(self, *, kind: str | None = None, stakeholder: str | None = None) -> list[Hit]:
        """Every citable unit with its whole text, optionally filtered."""
        return [_whole_unit(chunks) for chunks in self.check_index().units.values()
                if (not kind or chunks[0].metadata["kind"] == kind)
                and (not stakeholder or chunks[0].metadata.get("stakeholder") == stakeholder)]

    def themes_of(self, text: str) -> list[str]:
        """The guidebook themes a text's words mark (a cited quote's, for analytics),
        strongest first; by the corpus's own theme vocabulary."""
        return themes_in(text, lexicon_for(self.check_index()))

    def unit(self, unit_id: str) -> Hit | None:
        """A citable unit with its whole text (all chunks joined), or None."""
        chunks = self.check_index().units.get(unit_id)
        return _whole_unit(chunks) if chunks else None

    def section(self, unit_id: str) -> list[Hit]:
        """The unit and the units beside it under the same heading, in document order
        (an action point's whole phase list, a web page's sections): what "Open in
        document" shows around a cited passage. Empty for an unknown id."""
        unit = self.unit(unit_id)
        if unit is None:
            return []
        parent = _parent(unit.metadata.get("breadcrumb", ""))
        return [_whole_unit(chunks) for chunks in self.check_index().units.values()
                if chunks[0].metadata["document"] == unit.document
                and _parent(chunks[0].metadata.get("breadcrumb", "")) == parent]

    def documents(self) -> dict[str, Document]:
        """The documents this assistant's scope sees, by the slug the index cites them
        under, with their attribution and file from the corpus folder and its manifest:
        what the chat's sources and "Open in document" show. Read once per build and scope.
        Empty where the corpus folder is not on this server (a replica may serve from the
        index alone)."""
        view = self.check_index()
        return view.memo("documents", lambda: _documents_by_slug(
            self.settings.corpus_dir, view.catalogue()["documents"],
            {c.metadata["document"] for c in view.chunks}))

    def document(self, slug: str) -> Document | None:
        """One of `documents()`, or None."""
        return self.documents().get(slug)


def _documents_by_slug(corpus_dir: Path, catalogue: list[dict[str, Any]], cited: set[str]
                       ) -> dict[str, Document]:
    """The folder's documents under the slugs the build gave them. A file is matched by its
    path in the build's catalogue, since the build renames the guidebook (whatever its file
    name) and numbers clashing names; a build made before catalogues falls back to the
    folder's own slugs, among those its chunks cite."""
    try:
        found = discover(corpus_dir)
    except (FileNotFoundError, ValueError):
        return {}
    if not catalogue:
        return {d.slug: d for d in found if d.slug in cited}
    by_path = {d.relative_path: d for d in found}
    return {e["slug"]: replace(by_path[e["path"]], slug=e["slug"],
                               title=e["title"] or by_path[e["path"]].title)
            for e in catalogue if e["path"] in by_path}


def _parent(breadcrumb: str) -> str:
    """'Guidebook › Employers › Action points › Pre-departure' of '... › Pre-departure › 4'."""
    return breadcrumb.rsplit(" › ", 1)[0]


def _whole_unit(chunks: list[ChunkRecord]) -> Hit:
    first = chunks[0]
    return Hit(first.unit_id, first.id, 1.0, " ".join(c.text for c in chunks), first.metadata)


def _pieces(text: str) -> Iterator[Delta]:
    """Line by line, so that a UI can stream the extractive answer too."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        yield Delta(line + ("\n" if i < len(lines) - 1 else ""))


def clean_question(question: object) -> str:
    if not isinstance(question, str):
        raise InvalidInput("the question must be text")
    text = " ".join(CONTROL.sub(" ", question).split())
    if not text:
        raise InvalidInput("the question is empty; type a question about retaining talent")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidInput(f"the question is {len(text)} characters long; the limit is "
                           f"{MAX_QUESTION_CHARS}")
    return text


def clean_history(history: History | None) -> list[tuple[str, str]]:
    """The last few [user, assistant] pairs; anything else is a clear error."""
    if not history:
        return []
    if isinstance(history, str) or not isinstance(history, Sequence):
        raise InvalidInput("history must be a list of [user, assistant] pairs")
    pairs = []
    for i, turn in enumerate(history):
        if (isinstance(turn, str) or not isinstance(turn, Sequence) or len(turn) != 2
                or not all(isinstance(t, str) for t in turn)):
            raise InvalidInput(f"history[{i}] must be a [user, assistant] pair of strings")
        pairs.append((CONTROL.sub(" ", turn[0])[:MAX_QUESTION_CHARS], turn[1]))
    return pairs[-MAX_HISTORY_TURNS:]
