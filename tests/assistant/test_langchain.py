"""`Assistant.as_retriever()` and `Assistant.as_runnable()` composed into LCEL chains, on
the real index: the same units and answers as the assistant itself."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from assistant import Answer, Assistant
from assistant.errors import InvalidInput

pytestmark = pytest.mark.slow
QUESTIONS = ["How can we help the spouses of our foreign hires?",
             "What should municipalities do when talent arrives?"]


def test_retriever_documents_carry_the_citation_metadata(real_assistant: Assistant) -> None:
    retriever = real_assistant.as_retriever(k=5, stakeholder="employers")
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTIONS[0])
    hits = real_assistant.retrieve(QUESTIONS[0], k=5, stakeholder="employers")
    assert [d.id for d in docs] == [h.unit_id for h in hits]
    first = docs[0]
    assert first.page_content == hits[0].text
    assert first.metadata["id"] == first.id
    assert first.metadata["breadcrumb"].startswith("Guidebook › ")
    assert first.metadata["document"] == "talent-hub-guidebook"
    assert first.metadata["page"] is None  # the guidebook's units carry no page yet
    assert first.metadata["score"] == round(hits[0].score, 4)


def test_retriever_keeps_one_kind_ranked_among_all(real_assistant: Assistant) -> None:
    everything = real_assistant.retrieve(QUESTIONS[0], k=300)
    wanted = [h.unit_id for h in everything if h.kind == "self-assessment"][:3]
    docs = real_assistant.as_retriever(k=3, kind="self-assessment").invoke(QUESTIONS[0])
    assert [d.id for d in docs] == wanted
    with pytest.raises(InvalidInput, match="unknown kind 'statements'"):
        real_assistant.as_retriever(kind="statements").invoke(QUESTIONS[0])


def test_retriever_in_a_chain_with_batch(real_assistant: Assistant) -> None:
    chain = real_assistant.as_retriever(k=3) | RunnableLambda(
        lambda docs: [d.id for d in docs])
    assert chain.batch(QUESTIONS) == [[h.unit_id for h in real_assistant.retrieve(q, k=3)]
                                      for q in QUESTIONS]


def test_runnable_gives_the_answer_of_ask(real_assistant: Assistant) -> None:
    runnable = real_assistant.as_runnable()
    history = [["What should employers do before talent arrives?", "..."]]
    answer = runnable.invoke({"question": "And municipalities?", "history": history})
    expected = real_assistant.ask("And municipalities?", history=history)
    assert isinstance(answer, Answer)
    assert answer.cited_ids == expected.cited_ids and answer.answer == expected.answer
    assert runnable.invoke("What is a good recipe for lasagna?").grounded is False


def test_runnable_streams_text_pieces_then_the_answer(real_assistant: Assistant) -> None:
    chunks = list(real_assistant.as_runnable().stream({"question": QUESTIONS[0]}))
    *pieces, answer = chunks
    assert isinstance(answer, Answer) and len(pieces) > 1
    assert all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == answer.answer


def test_runnable_in_an_lcel_chain_with_batch_and_astream(real_assistant: Assistant) -> None:
    chain = ({"question": RunnablePassthrough()} | real_assistant.as_runnable()
             | RunnableLambda(lambda answer: answer.cited_ids))
    expected = [real_assistant.ask(q).cited_ids for q in QUESTIONS]
    assert chain.batch(QUESTIONS) == expected

    async def streamed() -> tuple[list[object], list[object]]:
        pieces = [c async for c in real_assistant.as_runnable().astream(QUESTIONS[1])]
        return pieces, [c async for c in chain.astream(QUESTIONS[1])]

    pieces, chained = asyncio.run(streamed())
    assert isinstance(pieces[-1], Answer) and len(pieces) > 2
    assert "".join(p for p in pieces[:-1] if isinstance(p, str)) == pieces[-1].answer
    assert chained == [expected[1]]  # the next step gets the Answer, not the text pieces
    assert asyncio.run(chain.abatch(QUESTIONS)) == expected


def test_runnable_reports_bad_input(real_assistant: Assistant) -> None:
    runnable = real_assistant.as_runnable()
    with pytest.raises(InvalidInput, match=r"unknown input keys \['stakehoder'\]"):
        runnable.invoke({"question": "What should we do?", "stakehoder": "employers"})
    with pytest.raises(InvalidInput, match="the question is empty"):
        runnable.invoke({"question": "  "})
    with pytest.raises(InvalidInput, match="the input must be a question"):
        runnable.invoke(Document(page_content="not a question"))  # type: ignore[arg-type]
