"""LangChain adapters: the assistant as a `BaseRetriever` and as a `Runnable`.

Thin by design: the retriever is `Assistant.retrieve`, the runnable is `Assistant.stream`,
so answers, refusals, grounding and filters are exactly those of every other door.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, NotRequired, TypedDict

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor
from pydantic import ConfigDict

from assistant.api import Assistant
from assistant.errors import InvalidInput
from assistant.models import Answer, Delta, Hit, StreamEvent

ASK_KEYS = frozenset({"question", "history", "stakeholder", "phase"})


class AskInput(TypedDict):
    """What the runnable takes; a bare string is the question alone."""

    question: str
    history: NotRequired[list[tuple[str, str]]]
    stakeholder: NotRequired[str]
    phase: NotRequired[str]


def to_document(hit: Hit) -> Document:
    """The unit's text as `page_content`; id, breadcrumb, document, page, score and the
    rest of its citation as metadata."""
    unit = hit.to_dict()
    return Document(id=hit.unit_id, page_content=unit.pop("text"), metadata=unit)


class GuidebookRetriever(BaseRetriever):
    """Ranked guidebook units for a query, best first (`Assistant.retrieve`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Assistant
    k: int = 10
    stakeholder: str | None = None
    phase: str | None = None
    kind: str | None = None

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.assistant.retrieve(query, k=self.k, stakeholder=self.stakeholder,
                                       phase=self.phase, kind=self.kind)
        return [to_document(hit) for hit in hits]


class AnswerRunnable(Runnable[AskInput | str, Answer]):
    """`invoke` and `batch` give the `Answer`. `stream` and `astream` yield the answer's
    text pieces (str) as they are ready, provisional when an LLM writes them, then the
    `Answer` last; a step after this one in a chain receives the `Answer`."""

    name = "TalentHubAssistant"

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def invoke(self, input: AskInput | str, config: RunnableConfig | None = None,
               **kwargs: Any) -> Answer:
        return final_answer(self.stream(input, config, **kwargs))

    async def ainvoke(self, input: AskInput | str, config: RunnableConfig | None = None,
                      **kwargs: Any) -> Answer:
        return final_answer([chunk async for chunk in self.astream(input, config, **kwargs)])

    def stream(self, input: AskInput | str, config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Any]:
        return self._transform_stream_with_config(iter([input]), self._pieces, config,
                                                  **kwargs)

    def astream(self, input: AskInput | str, config: RunnableConfig | None = None,
                **kwargs: Any) -> AsyncIterator[Any]:
        async def one() -> AsyncIterator[AskInput | str]:
            yield input

        return self._atransform_stream_with_config(one(), self._apieces, config, **kwargs)

    def _pieces(self, inputs: Iterator[AskInput | str]) -> Iterator[str | Answer]:
        for event in self._events(inputs):
            yield piece(event)

    async def _apieces(self, inputs: AsyncIterator[AskInput | str]
                       ) -> AsyncIterator[str | Answer]:
        events = self._events([item async for item in inputs])
        # The assistant is synchronous: each step runs in the executor, off the event loop.
        while (event := await run_in_executor(None, next, events, None)) is not None:
            yield piece(event)

    def _events(self, inputs: Iterable[AskInput | str]) -> Iterator[StreamEvent]:
        *_, request = inputs
        question, options = ask_arguments(request)
        return self.assistant.stream(question, **options)


def ask_arguments(request: Mapping[str, Any] | str) -> tuple[Any, dict[str, Any]]:
    """The question and the keyword arguments of `Assistant.stream`; unknown keys are an
    error, so a misspelt "stakeholder" is not silently ignored."""
    if isinstance(request, str):
        return request, {}
    if not isinstance(request, Mapping):
        raise InvalidInput('the input must be a question or {"question", "history"?, '
                           '"stakeholder"?, "phase"?}')
    unknown = sorted(set(request) - ASK_KEYS)
    if unknown:
        raise InvalidInput(f"unknown input keys {unknown}; expected {sorted(ASK_KEYS)}")
    options = {key: request.get(key) for key in ("history", "stakeholder", "phase")}
    return request.get("question"), options


def piece(event: StreamEvent) -> str | Answer:
    return event.text if isinstance(event, Delta) else event.answer


def final_answer(chunks: Iterable[Any]) -> Answer:
    *_, last = chunks
    if not isinstance(last, Answer):
        raise RuntimeError("the assistant stream ended without a final answer")
    return last

