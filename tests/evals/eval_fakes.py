"""Fakes with the real contracts, so runner and baseline tests need no model or index.

A plain module rather than conftest.py: test modules import these classes by name.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from support import FakeEmbedder

from assistant.models import Answer, Citation, Hit
from corpus.load import CorpusLoad

REFUSAL = "I can only answer questions about retaining international talent."


class FakeAssistant:
    """Answers from a script: question -> the ids it cites (no ids: it refuses).

    Quotes are the corpus's own section texts, so quote faithfulness holds, unless a
    question is listed in `misquote`.
    """

    def __init__(self, corpus: CorpusLoad, script: dict[str, list[str]],
                 *, misquote: frozenset[str] = frozenset()):
        self.texts = {s.id: s.text for s in corpus.sections}
        self.script = script
        self.misquote = misquote
        self.embedder = FakeEmbedder()
        chunks = [SimpleNamespace(unit_id=unit_id) for unit_id in self.texts]
        self.reader = SimpleNamespace(
            snapshot=lambda: SimpleNamespace(chunks=chunks, build_id="fake-build"))
        self.calls: list[dict[str, Any]] = []

    def check_index(self) -> Any:
        return self.reader.snapshot()

    def ask(self, question: str, *, history: Any = None, stakeholder: str | None = None,
            phase: str | None = None) -> Answer:
        self.calls.append({"question": question, "history": history,
                           "stakeholder": stakeholder, "phase": phase})
        ids = self.script.get(question, [])
        if not ids:
            return Answer(question, REFUSAL, False)
        citations = [
            Citation(marker=n, id=unit_id, document="talent-hub-guidebook", stakeholder=None,
                     section="action-points", phase=None, number=None, title=unit_id,
                     quote="invented words" if question in self.misquote
                     else self.texts[unit_id], score=0.5)
            for n, unit_id in enumerate(ids, start=1)]
        text = "\n".join(f"- {c.quote} [{c.marker}]" for c in citations)
        return Answer(question, text, True, citations)

    def retrieve(self, question: str, *, k: int = 10, **request: Any) -> list[Hit]:
        return self.retrieve_with(question, mode="hybrid", k=k, **request)

    def retrieve_with(self, question: str, *, mode: str, k: int = 10,
                      **request: Any) -> list[Hit]:
        """The scripted ids first; the BM25 mode ranks them in reverse, to tell modes apart."""
        ids = list(self.script.get(question, []))
        if mode == "bm25":
            ids.reverse()
        ids += [u for u in ("employers/integration/1", "government/on-boarding/1",
                            "education/pre-departure/1", "trade-unions/integration/2")
                if u not in ids]
        return [Hit(u, u, 1.0 - i / 100, self.texts[u], {"kind": "action-points"})
                for i, u in enumerate(ids[:k])]
