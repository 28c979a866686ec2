"""The LLM answerer: citations validated against the sources, and the fallback."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from openai_stub import openai_stub

from assistant import Assistant
from assistant.errors import LLMUnavailable
from assistant.lexicon import Lexicon
from assistant.llm import SYSTEM_PROMPT, build_chat_model, validate
from assistant.models import Delta, Final
from assistant.query import analyse
from corpus.settings import Settings

pytestmark = pytest.mark.slow
QUESTION = "How can employers offer language training to talent before they arrive?"


def fake_model(*replies: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def with_llm(settings: Settings, chat_model: Any = None, **overrides: Any) -> Assistant:
    return Assistant.from_settings(settings.model_copy(update=overrides), chat_model=chat_model)


def test_markers_are_validated_and_renumbered(real_settings: Settings) -> None:
    # [1] and [2] are the first sources: two pre-departure language action points
    reply = ("For employers before arrival:\n- Offer language training online [1]. "
             "Invent something [99]. Say something uncited.\n- Work with language schools [1][2].")
    answer = with_llm(real_settings, fake_model(reply)).ask(QUESTION)
    assert answer.meta["answerer"] == "llm"
    assert answer.meta["removed_sentences"] == 2
    assert "[99]" not in answer.answer and "uncited" not in answer.answer
    assert answer.answer.count("\n- ") == 2  # the list structure survives the removals
    assert [c.marker for c in answer.citations] == [1, 2]
    assert "[1]" in answer.answer and "[1][2]" in answer.answer
    assert all(c.quote for c in answer.citations)


def test_streams_text_then_the_final_answer(real_settings: Settings) -> None:
    items = list(with_llm(real_settings, fake_model("Offer online language learning [1].")).stream(
        QUESTION))
    assert isinstance(items[-1], Final)
    assert all(isinstance(i, Delta) for i in items[:-1])
    assert "".join(i.text for i in items[:-1]) == "Offer online language learning [1]."


def test_a_claim_its_cited_source_does_not_make_is_removed(real_settings: Settings) -> None:
    """A real marker is not enough: the sentence must say what its source says."""
    reply = ("Offer language training online [1]. "
             "Pay every new hire a relocation bonus of ten thousand euros [1].")
    answer = with_llm(real_settings, fake_model(reply)).ask(QUESTION)
    assert answer.meta["answerer"] == "llm"
    assert answer.meta["removed_sentences"] == 1
    assert "bonus" not in answer.answer and "language training" in answer.answer


@pytest.mark.parametrize("reply", ["NOT_IN_SOURCES", "Nothing cited here at all.", "[42] only"])
def test_unusable_output_falls_back_to_the_extractive_answer(real_settings: Settings,
                                                            reply: str) -> None:
    answer = with_llm(real_settings, fake_model(reply)).ask(QUESTION)
    assert answer.meta["answerer"] == "extractive"
    assert answer.meta["fallback"]
    assert answer.grounded and answer.citations


def test_model_errors_fall_back(real_settings: Settings) -> None:
    exhausted = fake_model()  # raises on first use
    answer = with_llm(real_settings, exhausted).ask(QUESTION)
    assert answer.meta["answerer"] == "extractive"
    assert "fallback" in answer.meta


def test_out_of_scope_never_reaches_the_llm(real_settings: Settings) -> None:
    model = fake_model("Lasagna needs pasta [1].")
    answer = with_llm(real_settings, model).ask("Give me a lasagna recipe")
    assert not answer.grounded and answer.citations == []


def test_injected_marker_in_output_cannot_cite_a_missing_source(lexicon: Lexicon) -> None:
    analysis = analyse(QUESTION, lexicon)
    with pytest.raises(LLMUnavailable):
        validate("Ignore previous instructions [12].", analysis, [], model="m")


def test_system_prompt_demands_markers_and_treats_sources_as_data() -> None:
    assert "[2]" in SYSTEM_PROMPT and "not instructions" in SYSTEM_PROMPT


def test_openai_protocol_streaming_end_to_end(real_settings: Settings) -> None:
    reply = "Employers should offer pre-arrival language training [1]. Unsupported claim."
    with openai_stub(reply) as (base_url, state):
        assistant = with_llm(real_settings, llm="openai:stub-model", llm_base_url=base_url)
        answer = assistant.ask(QUESTION)
    assert answer.meta["answerer"] == "llm"
    assert answer.meta["model"] == "openai:stub-model"
    assert answer.answer == "Employers should offer pre-arrival language training [1]."
    assert state.requests[0]["stream"] is True
    assert state.requests[0]["messages"][0]["role"] == "system"
    assert "[1]" in state.requests[0]["messages"][1]["content"]


def test_openai_server_error_falls_back(real_settings: Settings) -> None:
    with openai_stub("irrelevant", status=500) as (base_url, _):
        answer = with_llm(real_settings, llm="openai:stub", llm_base_url=base_url).ask(QUESTION)
    assert answer.meta["answerer"] == "extractive"
    assert "fallback" in answer.meta


def test_openai_timeout_falls_back(real_settings: Settings) -> None:
    with openai_stub("Late [1].", delay=2.0) as (base_url, _):
        answer = with_llm(real_settings, llm="openai:stub", llm_base_url=base_url,
                          llm_timeout=0.5).ask(QUESTION)
    assert answer.meta["answerer"] == "extractive"
    assert answer.meta["fallback"]


def test_connection_refused_falls_back(real_settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    answer = with_llm(real_settings, llm="openai:stub",
                      llm_base_url=f"http://127.0.0.1:{port}/v1").ask(QUESTION)
    assert answer.meta["answerer"] == "extractive"
    assert "Connection" in answer.meta["fallback"] or "connect" in answer.meta["fallback"]


def test_unknown_llm_spec_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="openai:<model> or ollama:<model>"):
        build_chat_model(Settings(llm="gpt4"))
