"""Every door on a real `talenthub serve` (the shared `live_server`, which needs a key),
driven by the official clients: the `openai` package and the `mcp` SDK, over streamable
HTTP and over stdio. One set of answer semantics: the same questions through REST,
OpenAI, MCP and LangChain cite the same ids."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import openai
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from support import LIVE_KEY, talenthub_command

from assistant import Assistant, assessment
from corpus.settings import Settings

pytestmark = pytest.mark.slow

# (question, stakeholder, phase, grounded): plain, filtered, and one the guidebook does
# not cover, which every door must refuse alike.
QUESTIONS = [
    ("How can we help the spouses of our foreign hires?", None, None, True),
    ("What should municipalities do when talent arrives?", None, None, True),
    ("What should we do?", "education", "on-boarding", True),
    ("What is a good recipe for lasagna?", None, None, False),
]
UNIT = "employers/pre-departure/4"
ANSWERS = {"employers/self-assessment/1": "yes", "employers/self-assessment/3": "no",
           "employers/self-assessment/4": "not-sure"}


@pytest.fixture(scope="module")
def gpt(live_server: str) -> openai.OpenAI:
    """The official client, as Open WebUI would connect: base URL and key."""
    return openai.OpenAI(base_url=f"{live_server}/v1", api_key=LIVE_KEY, max_retries=0)


def filters(stakeholder: str | None, phase: str | None) -> dict[str, str]:
    return {k: v for k, v in (("stakeholder", stakeholder), ("phase", phase)) if v}


def cited(completion: Any) -> list[str]:
    return [c["id"] for c in completion.model_extra["citations"]]


# -- OpenAI -------------------------------------------------------------------------------

def test_openai_lists_the_model_and_answers_with_citations(
        gpt: openai.OpenAI, real_assistant: Assistant) -> None:
    assert [m.id for m in gpt.models.list()] == ["talenthub"]
    question = "What should employers do before talent arrives?"
    completion = gpt.chat.completions.create(
        model="talenthub", messages=[{"role": "user", "content": question}])
    expected = real_assistant.ask(question)
    content = completion.choices[0].message.content or ""
    assert content.startswith(expected.answer)
    assert cited(completion) == expected.cited_ids
    for citation in expected.citations:
        assert f"- [{citation.marker}] `{citation.id}`" in content


def test_openai_streams_the_same_completion(gpt: openai.OpenAI) -> None:
    request = {"model": "talenthub", "metadata": {"stakeholder": "employers"},
               "messages": [{"role": "user", "content": "How can we help spouses?"}]}
    whole = gpt.chat.completions.create(**request)
    chunks = list(gpt.chat.completions.create(**request, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3
    assert text == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert cited(chunks[-1]) == cited(whole)


def test_openai_follow_up_uses_earlier_turns_as_history(live_server: str,
                                                        gpt: openai.OpenAI) -> None:
    first = "What should employers do before talent arrives?"
    reply = gpt.chat.completions.create(
        model="talenthub", messages=[{"role": "user", "content": first}])
    previous = reply.choices[0].message.content or ""
    follow_up = gpt.chat.completions.create(model="talenthub", messages=[
        {"role": "user", "content": first}, {"role": "assistant", "content": previous},
        {"role": "user", "content": "And municipalities?"}])
    rest = httpx.post(f"{live_server}/api/ask", headers={"X-API-Key": LIVE_KEY}, timeout=30,
                      json={"question": "And municipalities?",
                            "history": [[first, previous]]}).json()
    ids = cited(follow_up)
    assert ids == [c["id"] for c in rest["citations"]]
    assert ids and all(i.startswith("municipalities/") for i in ids if "/" in i)


def test_openai_bad_key_and_empty_message(live_server: str, gpt: openai.OpenAI) -> None:
    stranger = openai.OpenAI(base_url=f"{live_server}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as refused:
        stranger.chat.completions.create(
            model="talenthub", messages=[{"role": "user", "content": "Hello?"}])
    assert refused.value.status_code == 401 and refused.value.code == "invalid_api_key"
    with pytest.raises(openai.UnprocessableEntityError) as empty:
        gpt.chat.completions.create(model="talenthub",
                                    messages=[{"role": "user", "content": "  "}])
    assert "the question is empty" in empty.value.message


# -- MCP ----------------------------------------------------------------------------------

@asynccontextmanager
async def mcp_over_http(url: str, key: str) -> AsyncIterator[Client]:
    async with (httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as http,
                Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client):
        yield client


def mcp_over_stdio(settings: Settings) -> Client:
    """`talenthub mcp` started by the SDK, on the same index; this code, not an install."""
    command, *args = talenthub_command()
    env = {"TALENTHUB_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return Client(stdio_client(StdioServerParameters(command=command, args=[*args, "mcp"],
                                                     env=env)))


async def every_tool(client: Client) -> dict[str, Any]:
    """Each tool, the unit resource and two failures, through the SDK's client."""
    results: dict[str, Any] = {"tools": sorted(t.name for t in (await client.list_tools()).tools)}
    for name, arguments in [
            ("ask_guidebook", {"question": "How can we help spouses?", "stakeholder": "employers"}),
            ("search_guidebook", {"query": "language training", "k": 3, "kind": "action-points"}),
            ("get_unit", {"id": UNIT}),
            ("self_assessment_plan", {"stakeholder": "employers", "answers": ANSWERS}),
            ("missing_unit", {"id": "employers/pre-departure/99"}),
            ("empty_question", {"question": " "})]:
        tool = {"missing_unit": "get_unit", "empty_question": "ask_guidebook"}.get(name, name)
        results[name] = await client.call_tool(tool, arguments)
    resource = await client.read_resource(f"talenthub://unit/{UNIT}")
    results["resource"] = resource.contents[0].text
    return results


def check_every_tool(results: dict[str, Any], assistant: Assistant) -> None:
    assert results["tools"] == ["ask_guidebook", "get_unit", "search_guidebook",
                                "self_assessment_plan"]
    answer = results["ask_guidebook"].structured_content
    expected = assistant.ask("How can we help spouses?", stakeholder="employers")
    assert answer["answer"] == expected.answer
    assert [c["id"] for c in answer["citations"]] == expected.cited_ids
    units = results["search_guidebook"].structured_content["units"]
    assert [u["id"] for u in units] == [h.unit_id for h in assistant.retrieve(
        "language training", k=3, kind="action-points")]
    assert all(u["kind"] == "action-points" and u["text"] and u["breadcrumb"] for u in units)
    unit = results["get_unit"].structured_content
    assert unit["text"] == assistant.unit(UNIT).text  # type: ignore[union-attr]
    assert unit["breadcrumb"].endswith("Pre-departure › 4") and unit["page"] is None
    assert unit["document"] == "talent-hub-guidebook"
    plan = results["self_assessment_plan"].structured_content
    local = assessment.assess(assistant, "employers", ANSWERS,
                              date=dt.date.today().isoformat()).to_dict()
    assert plan["gaps"] == local["gaps"] and plan["plan"] == local["plan"]
    assert [g["statement"]["id"] for g in plan["gaps"]] == ["employers/self-assessment/3",
                                                           "employers/self-assessment/4"]
    for failed, words in (("missing_unit", "there is no unit 'employers/pre-departure/99'"),
                          ("empty_question", "the question is empty")):
        assert results[failed].is_error and words in results[failed].content[0].text
    assert f'"text":"{assistant.unit(UNIT).text}"' in results["resource"]  # type: ignore[union-attr]


def test_mcp_over_streamable_http_calls_every_tool(live_server: str,
                                                   real_assistant: Assistant) -> None:
    async def run() -> dict[str, Any]:
        async with mcp_over_http(live_server, LIVE_KEY) as client:
            return await every_tool(client)

    check_every_tool(asyncio.run(run()), real_assistant)


def test_mcp_over_stdio_calls_every_tool(real_settings: Settings,
                                         real_assistant: Assistant) -> None:
    async def run() -> dict[str, Any]:
        async with mcp_over_stdio(real_settings) as client:
            return await every_tool(client)

    check_every_tool(asyncio.run(run()), real_assistant)


def leaves(error: BaseException) -> Iterator[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from leaves(inner)
    else:
        yield error


def test_mcp_needs_the_same_key(live_server: str) -> None:
    async def connect() -> None:
        async with mcp_over_http(live_server, "wrong"):
            pass

    with pytest.raises(BaseException) as refused:  # the SDK raises an exception group
        asyncio.run(connect())
    assert any(isinstance(e, MCPError) and "the API key is not valid" in str(e)
               for e in leaves(refused.value))
    response = httpx.post(f"{live_server}/mcp", json={}, headers={"X-API-Key": "wrong"})
    assert response.status_code == 401


# -- all four doors -----------------------------------------------------------------------

def test_the_four_doors_cite_the_same_ids(live_server: str, gpt: openai.OpenAI,
                                          real_assistant: Assistant) -> None:
    async def through_mcp() -> list[dict[str, Any]]:
        async with mcp_over_http(live_server, LIVE_KEY) as client:
            return [(await client.call_tool("ask_guidebook", {
                "question": q, **filters(s, p)})).structured_content for q, s, p, _ in QUESTIONS]

    mcp_answers = asyncio.run(through_mcp())
    chain = real_assistant.as_runnable()
    for (question, stakeholder, phase, grounded), mcp_answer in zip(QUESTIONS, mcp_answers,
                                                                    strict=True):
        rest = httpx.post(f"{live_server}/api/ask", headers={"X-API-Key": LIVE_KEY}, timeout=30,
                          json={"question": question, **filters(stakeholder, phase)}).json()
        completion = gpt.chat.completions.create(
            model="talenthub", messages=[{"role": "user", "content": question}],
            metadata=filters(stakeholder, phase))
        langchain = chain.invoke({"question": question, "stakeholder": stakeholder,
                                  "phase": phase})
        ids = [c["id"] for c in rest["citations"]]
        assert cited(completion) == ids
        assert [c["id"] for c in mcp_answer["citations"]] == ids
        assert langchain.cited_ids == ids
        assert rest["answer"] == mcp_answer["answer"] == langchain.answer
        assert (completion.choices[0].message.content or "").startswith(rest["answer"])
        assert rest["grounded"] == mcp_answer["grounded"] == langchain.grounded == grounded
        assert bool(ids) == grounded
