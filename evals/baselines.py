"""The pipelines an eval run compares: the full assistant and three simpler baselines.

Each turns a case into an `Outcome` (the ids it "cites" and the ids it ranked), so the same
metrics score them all and the report shows where each gain comes from:

- `naive`: the LangChain recipe a practitioner would start from. Raw document text,
  `RecursiveCharacterTextSplitter(1000, 200)`, the same MiniLM model, Chroma, top 4 chunks.
  It has no notion of a citable unit, so it is credited with every unit whose text lies in a
  retrieved chunk (for the short units: action points, self-assessment statements, quotes),
  or that a retrieved chunk lies wholly inside (a piece of one long section points at it).
- `bm25` and `dense`: the assistant's own index searched by one retriever alone, without
  the query analysis's boosts, credited with their top units.
- `assistant`: the real thing, scored on the ids its answer cites.

All retrieval baselines "cite" their top `cite` distinct units (4, as the naive recipe
returns 4 chunks) and "answer" with the text of what they cite, which is what a reader or a
downstream LLM would get to see; they never refuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import chromadb
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from corpus.load import CorpusLoad
from corpus.text import clean_text, normalise_space
from evals.dataset import Case
from evals.metrics import Outcome, unique
from index.embeddings import Embedder

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
CITE = 4
# Files a plain LangChain TextLoader reads as they are; other formats go through our loaders.
RAW_TEXT_SUFFIXES = {".md", ".markdown", ".txt"}


class Pipeline(Protocol):
    """Anything the runner can score: one `Outcome` per case."""

    name: str
    label: str

    def run(self, case: Case) -> Outcome: ...


class AssistantPipeline:
    """The full assistant: its answer's citations, and its retriever's ranking for recall@k."""

    name = "assistant"
    label = "Assistant"

    def __init__(self, assistant: Any, *, k: int):
        self.assistant = assistant
        self.k = k

    def run(self, case: Case) -> Outcome:
        answer = self.assistant.ask(case.question, **case.request())
        hits = self.assistant.retrieve(case.question, k=self.k, **case.request())
        return Outcome(
            answer=answer.answer, grounded=answer.grounded,
            cited=tuple(c.id for c in answer.citations),
            ranked=tuple(h.unit_id for h in hits),
            quotes=tuple((c.id, c.quote) for c in answer.citations),
            citations=tuple(c.to_dict() for c in answer.citations),
        )


class RetrieverBaseline:
    """One of the assistant's retrievers alone (`mode` is "bm25" or "dense"), no boosts."""

    def __init__(self, assistant: Any, mode: str, *, k: int, cite: int = CITE):
        self.assistant = assistant
        self.mode = mode
        self.name = mode
        self.label = {"bm25": "BM25 only", "dense": "Dense only"}.get(mode, mode)
        self.k = k
        self.cite = cite

    def run(self, case: Case) -> Outcome:
        hits = self.assistant.retrieve_with(case.question, mode=self.mode, k=max(self.k, self.cite),
                                            **case.request())
        top = hits[: self.cite]
        return Outcome(answer="\n\n".join(h.text for h in top), grounded=True,
                       cited=tuple(h.unit_id for h in top),
                       ranked=tuple(h.unit_id for h in hits))


class EmbedderAdapter(Embeddings):
    """Our shared MiniLM as a LangChain `Embeddings`, so the naive recipe embeds exactly
    like the assistant and loads no second model."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.encode([text])[0].tolist()


class NaiveBaseline:
    """The naive LangChain pipeline over an in-memory Chroma collection."""

    name = "naive"
    label = "Naive LangChain"

    def __init__(self, corpus: CorpusLoad, embedder: Embedder, *, k: int, cite: int = CITE):
        self.k = k
        self.cite = cite
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE,
                                                  chunk_overlap=CHUNK_OVERLAP)
        texts: list[str] = []
        for document in corpus.documents:
            texts.extend(splitter.split_text(raw_text(document.path, corpus, document.slug)))
        self.chunks = texts
        self.credits = credit_units(texts, {s.id: s.text for s in corpus.sections})
        client = chromadb.EphemeralClient(
            settings=chromadb.config.Settings(anonymized_telemetry=False))
        self._collection = f"naive-{uuid.uuid4().hex}"
        self.store = Chroma(collection_name=self._collection, client=client,
                            embedding_function=EmbedderAdapter(embedder))
        self.store.add_texts(texts, metadatas=[{"chunk": i} for i in range(len(texts))],
                             ids=[str(i) for i in range(len(texts))])

    def run(self, case: Case) -> Outcome:
        # A naive pipeline sends the latest message alone: it has no conversation memory.
        found = self.store.similarity_search(case.question, k=max(self.k, self.cite))
        order = [int(d.metadata["chunk"]) for d in found]
        ranked = unique(u for i in order for u in self.credits[i])
        cited = unique(u for i in order[: self.cite] for u in self.credits[i])
        return Outcome(answer="\n\n".join(self.chunks[i] for i in order[: self.cite]),
                       grounded=True, cited=tuple(cited), ranked=tuple(ranked))

    def close(self) -> None:
        """Drop the collection: ephemeral clients share one in-process store."""
        self.store.delete_collection()


def raw_text(path: Path, corpus: CorpusLoad, slug: str) -> str:
    """The document as a plain LangChain loader would hand it over: the file itself for text
    formats (markup and all), the extracted text for binary ones (PDF, DOCX, HTML)."""
    if path.suffix.lower() in RAW_TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8", errors="replace")
    return "\n\n".join(s.text for s in corpus.sections_of(slug))


def credit_units(chunks: Sequence[str], sections: dict[str, str]) -> list[list[str]]:
    """For each chunk, the unit ids it is credited with, in document order.

    A unit is credited when its whole text lies in the chunk, or when the chunk lies inside
    that one unit and no other. Both sides are compared cleaned (`clean_text`, whitespace
    collapsed) so markup such as `<b>` or footnote markers never denies credit.
    """
    norm_sections = {uid: normalise_space(text) for uid, text in sections.items()}
    credits = []
    for chunk in chunks:
        text = normalise_space(clean_text(chunk))
        whole = [uid for uid, unit in norm_sections.items() if unit and unit in text]
        inside = [uid for uid, unit in norm_sections.items() if text and text in unit]
        # A chunk found in several sections (a stray heading) points at none of them.
        credits.append(unique(whole + inside) if len(inside) == 1 else whole)
    return credits
