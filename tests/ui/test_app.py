"""Chat handlers called directly: no server, no browser, no model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from support import sqlite_store

from assistant.errors import IndexUnavailable, NoIndex
from corpus.models import Document
from ui.app import (
    NO_INDEX,
    TABS,
    UNAVAILABLE,
    Turn,
    UIContext,
    add_comment,
    build_chat_tab,
    build_ui,
    example_messages,
    history_of,
    messages,
    rate,
    respond,
)
from ui.branding import Branding

DOCS = {"talent-hub-guidebook": Document(
    slug="talent-hub-guidebook", path=Path("guidebook.md"), title="IOM Talent Hub <Guidebook>",
    source_url="https://denmark.iom.int/talent-hub-eu", licence="CC BY-NC-ND 3.0 IGO",
    citation="IOM, 2024. IOM Talent Hub EU Guidebook")}


def run(fake: Any, question: str, turns: list[Turn] | None = None, stakeholder: str = "any",
        phase: str = "any") -> list[tuple[Any, ...]]:
    return list(respond(question, turns or [], stakeholder, phase, assistant=fake,
                        documents=DOCS))


def test_respond_streams_then_renders_sources(fake: Any) -> None:
    updates = run(fake, "What should employers do before talent arrives?")
    # pending, two streamed lines, final
    assert len(updates) == 4
    assert updates[0][1][-1]["content"] == "…"
    assert "language learning before arrival [1]." in updates[1][1][-1]["content"]
    box, chat, turns, who, when = updates[-1]
    assert box == ""
    assert [m["role"] for m in chat] == ["user", "assistant"]
    reply = chat[1]["content"]
    assert '<details class="th-source" id="th-src-0-1">' in reply
    # the quote's first words and its page, not a bare location
    assert ("<summary>[1] “Offer online and preparatory language learning opportunities "
            "&lt;script&gt;alert(1)&lt;/script&gt;” · p. 12</summary>") in reply
    assert "Guidebook › Employers › Action points › Pre-departure › 4" in reply
    assert 'href="#th-src-0-2">[2]</a>' in reply
    assert "IOM Talent Hub &lt;Guidebook&gt;" in reply
    # the id is in the citation the copy button copies, not shown as code
    assert "<code>" not in reply
    assert ('<span class="th-cite-as">IOM, 2024. IOM Talent Hub EU Guidebook. Employers › '
            "Action points › Pre-departure › 4, p. 12. Licence: CC BY-NC-ND 3.0 IGO. "
            "[employers/pre-departure/4]</span>") in reply
    assert ('href="passage?id=employers%2Fpre-departure%2F4&amp;quote=Offer+online') in reply
    assert turns[0].answer is not None and turns[0].answer.grounded
    assert (who, when) == ("Detected: Employers", "Detected: Pre-departure")
    assert updates[0][3:] == ("Optional", "Optional")  # no stale detection while answering


def test_user_and_document_text_is_escaped(fake: Any) -> None:
    *_, (_, chat, _, _, _) = run(fake, "Hi <script>alert('q')</script>")
    assert "<script>" not in chat[0]["content"]
    assert "&lt;script&gt;" in chat[0]["content"]
    # the fake's first quote contains a <script> tag, as a hostile document could
    assert "<script>" not in chat[1]["content"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chat[1]["content"]
    assert "&amp; schools" in chat[1]["content"]


def test_detection_is_shown_but_never_becomes_a_filter(fake: Any) -> None:
    *_, (_, _, turns, who, _) = run(fake, "What should employers do?")
    assert who == "Detected: Employers"
    run(fake, "And municipalities?", turns)
    assert fake.calls[-1]["stakeholder"] is None and fake.calls[-1]["phase"] is None
    run(fake, "Housing?", turns, stakeholder="municipalities", phase="on-boarding")
    assert fake.calls[-1]["stakeholder"] == "municipalities"
    assert fake.calls[-1]["phase"] == "on-boarding"


def test_follow_ups_pass_raw_history(fake: Any) -> None:
    *_, (_, _, turns, _, _) = run(fake, "What should employers do?")
    run(fake, "And after arrival?", turns)
    history = fake.calls[-1]["history"]
    assert history == [["What should employers do?", turns[0].answer.answer]]
    assert "<details" not in history[0][1]


@pytest.mark.parametrize(("error", "expected"), [
    (NoIndex("no index: run `talenthub index`"), NO_INDEX),
    (IndexUnavailable("cannot reach chroma"), UNAVAILABLE),
    (RuntimeError("boom"), "Something went wrong"),
])
def test_failures_become_friendly_messages(make_fake: Callable[..., Any], error: Exception,
                                           expected: str) -> None:
    *_, (_, chat, turns, who, _) = run(make_fake(error=error), "What should employers do?")
    assert expected in chat[-1]["content"]
    assert "Traceback" not in chat[-1]["content"]
    assert turns[-1].answer is None
    assert who == "Optional"


def test_no_index_message_says_what_to_run(make_fake: Callable[..., Any]) -> None:
    *_, (_, chat, _, _, _) = run(make_fake(error=NoIndex("x")), "q")
    assert "`talenthub index`" in chat[-1]["content"]


def test_invalid_input_is_shown_and_empty_input_ignored(fake: Any) -> None:
    *_, (_, chat, _, _, _) = run(fake, "x" * 2001)
    assert chat[-1]["content"].startswith("The question is 2001 characters long")
    assert run(fake, "   ") == [("", [], [], "Optional", "Optional")]


def test_out_of_scope_reply_has_no_sources(fake: Any) -> None:
    *_, (_, chat, turns, who, _) = run(fake, "Give me a lasagna recipe")
    assert "I can only answer" in chat[-1]["content"]
    assert "th-source" not in chat[-1]["content"]
    assert turns[-1].answer is not None and not turns[-1].answer.grounded
    assert who == "Detected: none"


def test_follow_ups_sit_between_the_answer_and_its_sources(fake: Any) -> None:
    *_, (_, chat, _, _, _) = run(fake, "What should employers do?")
    reply = chat[1]["content"]
    assert reply.index('class="th-next"') < reply.index('class="th-sources"')
    assert ('<button type="button" class="th-followup">What should employers do in the '
            "on-boarding phase?</button>") in reply
    assert 'class="th-followup th-assess th-assess--employers"' in reply
    assert "16 statements &lt;from&gt; the guidebook." in reply


def test_a_source_repeats_its_quote_only_when_the_answer_does_not_show_it(fake: Any) -> None:
    answer = fake.ask("What should employers do?")
    quoted = Turn("q", "- Support with housing & schools. [2]", answer)
    reply = messages([quoted], DOCS)[1]["content"]
    second = reply[reply.index('id="th-src-0-2"'):]
    first = reply[reply.index('id="th-src-0-1"'): reply.index('id="th-src-0-2"')]
    assert "th-quote" not in second  # the bullet is the whole quote already
    assert "th-quote" in first


def test_failed_turns_are_left_out_of_history() -> None:
    turns = [Turn("q1", NO_INDEX)]
    assert history_of(turns) == []
    assert messages(turns, DOCS)[1]["content"] == NO_INDEX.replace("&", "&amp;")


def test_rating_stores_feedback_and_a_second_thumb_updates_it(fake: Any,
                                                               tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "feedback.sqlite3")
    *_, (_, _, turns, _, _) = run(fake, "What should employers do?")
    *_, (_, _, turns, _, _) = run(fake, "And after arrival?", turns)
    turns, position = rate(turns, 3, True, store=store)
    assert position == 1
    (stored,) = store.all()
    assert stored.rating == "up" and stored.question == "And after arrival?"
    assert stored.citations == ("employers/pre-departure/4", "employers/pre-departure/6")
    assert stored.history == (("What should employers do?", turns[0].answer.answer),)
    turns, _ = rate(turns, 3, False, store=store)
    assert [f.rating for f in store.all()] == ["down"]
    assert add_comment("  Missing the housing point ", turns, position, store=store)
    assert store.all()[0].comment == "Missing the housing point"


def test_clicking_a_thumb_off_withdraws_the_rating(fake: Any, tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "feedback.sqlite3")
    *_, (_, _, turns, _, _) = run(fake, "What should employers do?")
    turns, _ = rate(turns, 1, True, store=store)
    turns, position = rate(turns, 1, None, store=store)
    assert (store.all(), position, turns[0].feedback_id) == ([], None, None)
    turns, _ = rate(turns, 1, False, store=store)
    assert [f.rating for f in store.all()] == ["down"]


def test_rating_a_notice_or_commenting_without_a_rating_does_nothing(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "feedback.sqlite3")
    turns = [Turn("q", NO_INDEX)]
    assert rate(turns, 1, True, store=store) == (turns, None)
    assert not add_comment("hello", turns, None, store=store)
    assert store.all() == []


def test_examples_cover_every_stakeholder_then_narrow_to_one() -> None:
    branding = Branding()
    everyone = example_messages(branding, None)
    assert len(everyone) == 6
    assert everyone[0]["display_text"].startswith("Employers: ")
    assert [e["text"] for e in example_messages(branding, "trade-unions")] == \
        branding.examples["trade-unions"]


def test_ui_builds_with_one_line_per_tab(fake: Any, tmp_path: Path) -> None:
    """The seam for more tabs: a (label, builder) pair is all a new tab needs."""
    seen: list[str] = []

    def extra_tab(ctx: UIContext) -> None:
        seen.append(ctx.branding.title)
        gr.Markdown("extra")

    ctx = UIContext(assistant=fake, branding=Branding(title="Partner <Hub>"),
                    feedback=sqlite_store(tmp_path / "f.sqlite3"))
    demo = build_ui(ctx, tabs=(("Ask the guidebook", build_chat_tab), ("Extra", extra_tab)))
    config = demo.get_config_file()
    labels = [c["props"].get("label") for c in config["components"] if c["type"] == "tabitem"]
    assert labels == ["Ask the guidebook", "Extra"]
    assert TABS[0] == ("Ask the guidebook", build_chat_tab)
    assert seen == ["Partner <Hub>"]
    html_values = " ".join(str(c["props"].get("value")) for c in config["components"]
                           if c["type"] == "html")
    assert "Partner &lt;Hub&gt;" in html_values
    assert "they are not legal advice" in html_values
    assert all(d.get("api_visibility") == "private" for d in config["dependencies"])


@pytest.mark.parametrize(("keep", "expected"), [
    (False, ["Ask the guidebook"]),
    (True, ["Ask the guidebook", "Self-assessment"]),
])
def test_embed_mode_is_the_chat_alone_unless_the_operator_keeps_the_assessment(
        fake: Any, tmp_path: Path, keep: bool, expected: list[str]) -> None:
    ctx = UIContext(assistant=fake, branding=Branding(), embed=True,
                    embed_assessment=keep, feedback=sqlite_store(tmp_path / "f.sqlite3"))
    config = build_ui(ctx).get_config_file()
    labels = [c["props"].get("label") for c in config["components"] if c["type"] == "tabitem"]
    assert labels == expected
