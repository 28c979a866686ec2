"""The Gradio chat: plain, typed handler functions plus the Blocks that wire them up.

The conversation lives in a list of `Turn`s (a `gr.State`); the chatbot's messages are
rendered from it on every update. So follow-up history, feedback and re-rendering never
parse HTML back out of the chatbot. Every piece of user or document text goes through
`html.escape` before it reaches the page: Gradio's own sanitiser is a second line, not
the first.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.errors import IndexUnavailable, NoIndex, TalentHubError
from assistant.models import Answer, Citation, Final
from corpus.load import discover
from corpus.models import PHASES, STAKEHOLDERS, Document, cited_where
from corpus.settings import MAX_QUESTION_CHARS, Settings
from ui.assessment_tab import build_assessment_tab
from ui.branding import Branding
from ui.door import ANONYMOUS, Door
from ui.feedback import Feedback, FeedbackStore
from ui.identity import Identity

log = logging.getLogger(__name__)

ANY = "any"
NOTICE = ("Answers come from the IOM Talent Hub EU Guidebook and related project pages; "
          "they are not legal advice.")
NO_INDEX = ("The guidebook has not been indexed on this server yet, so I cannot answer. "
            "Whoever runs the server needs to run `talenthub index` (or `make run`); "
            "then ask again.")
UNAVAILABLE = "The guidebook index cannot be reached right now. Please try again in a minute."
FAILED = ("Something went wrong while answering. Please try again; if it keeps happening, "
          "tell the site administrator.")
FILTER_INFO = "Optional"
MARKER = re.compile(r"\[(\d+)\]")
Message = dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """One question and what came back: an `Answer`, or a friendly message (answer None)."""

    question: str
    reply: str
    answer: Answer | None = None
    feedback_id: int | None = None


@dataclass(frozen=True)
class UIContext:
    """What every tab needs; one instance per server, shared by all sessions.

    `door` and `identify` scope each session: `identify` tells who a Gradio request is
    (single sign-on, the chat login, or nobody in particular), and the door gives the
    assistant that identity may use. Without them, every session sees the shared scope."""

    assistant: Assistant
    branding: Branding
    feedback: FeedbackStore
    documents: dict[str, Document]
    embed: bool = False
    door: Door | None = None
    identify: Callable[[Any], Identity] | None = None

    def who(self, request: Any) -> Identity:
        return self.identify(request) if self.identify else ANONYMOUS

    def assistant_for(self, request: Any) -> Assistant:
        """The assistant as the session's user may use it."""
        if self.door is None:
            return self.assistant.scoped(ANONYMOUS.scope)
        return self.door.assistant_for(self.who(request), channel="chat")


# -- rendering -------------------------------------------------------------------------------


def render_reply(turn: Turn, position: int, documents: dict[str, Document]) -> str:
    """The assistant message: escaped Markdown with linked markers, then the sources."""
    text = html.escape(turn.reply, quote=False)
    answer = turn.answer
    if answer is None or not answer.citations:
        return text
    markers = {c.marker for c in answer.citations}
    text = MARKER.sub(lambda m: _marker_link(m, position, markers), text)
    sources = "".join(render_source(c, position, documents) for c in answer.citations)
    return f'{text}\n\n<div class="th-sources"><p class="th-sources-label">Sources</p>' \
           f"{sources}</div>"


def _marker_link(match: re.Match[str], position: int, markers: set[int]) -> str:
    number = int(match.group(1))
    if number not in markers:
        return match.group(0)
    return f'<a class="th-cite" href="#th-src-{position}-{number}">[{number}]</a>'


def render_source(citation: Citation, position: int, documents: dict[str, Document]) -> str:
    """One source as a <details>: summary is the marker and title, the body the exact quote."""
    title = " › ".join(part.strip() for part in citation.title.split(" / "))
    quote = "<br>".join(html.escape(line) for line in citation.quote.splitlines() if line.strip())
    document = documents.get(citation.document)
    name = html.escape(document.title if document and document.title else citation.document)
    if document and document.source_url.startswith(("https://", "http://")):
        name = (f'<a href="{html.escape(document.source_url)}" target="_blank" '
                f'rel="noopener noreferrer">{name}</a>')
    breadcrumb = html.escape(cited_where(citation.breadcrumb or title, citation.pages))
    return (f'<details class="th-source" id="th-src-{position}-{citation.marker}">'
            f"<summary>[{citation.marker}] {html.escape(title)}</summary>"
            f'<blockquote class="th-quote">{quote}</blockquote>'
            f'<p class="th-where">{breadcrumb}<br>{name} · '
            f"<code>{html.escape(citation.id)}</code></p></details>")


def messages(turns: list[Turn], documents: dict[str, Document]) -> list[Message]:
    """Chatbot messages: exactly one user and one assistant message per turn."""
    out: list[Message] = []
    for position, turn in enumerate(turns):
        out.append({"role": "user", "content": html.escape(turn.question, quote=False)})
        out.append({"role": "assistant", "content": render_reply(turn, position, documents)})
    return out


def detected_info(answer: Answer | None) -> tuple[str, str]:
    """The filters' help lines: what the assistant detected, never a hidden filter."""
    if answer is None:
        return FILTER_INFO, FILTER_INFO
    meta = answer.meta or {}
    found = []
    for key, labels in (("stakeholders", STAKEHOLDERS), ("phases", PHASES)):
        names = [labels.get(slug, slug) for slug in meta.get(key) or []]
        found.append("Detected: " + ", ".join(names) if names else "Detected: none")
    return found[0], found[1]


def example_messages(branding: Branding, stakeholder: str | None) -> list[dict[str, str]]:
    return [{"text": question, "display_text": f"{slug.replace('-', ' ').capitalize()}: "
                                                f"{question}"}
            for slug, question in branding.examples_for(stakeholder)]


# -- handlers (plain functions; the Blocks below only bind their dependencies) ----------------


def history_of(turns: list[Turn]) -> list[list[str]]:
    """[[user, assistant], ...] for follow-ups: answered turns only, raw answer text."""
    return [[t.question, t.answer.answer] for t in turns if t.answer is not None]


def choice(value: str | None) -> str | None:
    return None if not value or value == ANY else value


def respond(message: str, turns: list[Turn], stakeholder: str | None, phase: str | None, *,
            assistant: Assistant, documents: dict[str, Document]
            ) -> Iterator[tuple[str, list[Message], list[Turn], str, str]]:
    """Stream one answer: yields (input box, messages, turns, stakeholder info, phase info).

    The filters are passed only when the user chose them; what the assistant detects is
    shown in the filters' help text and never becomes a filter for the next question.
    """
    question = message.strip()
    if not question:
        info = detected_info(turns[-1].answer if turns else None)
        yield "", messages(turns, documents), turns, *info
        return
    history = history_of(turns)
    pending = Turn(question, "…")
    yield "", messages([*turns, pending], documents), turns, *detected_info(None)
    text = ""
    final: Turn
    try:
        for item in assistant.stream(question, history=history or None,
                                     stakeholder=choice(stakeholder), phase=choice(phase)):
            if isinstance(item, Final):
                final = Turn(question, item.answer.answer, item.answer)
                break
            text += item.text
            partial = replace(pending, reply=text)
            yield "", messages([*turns, partial], documents), turns, *detected_info(None)
        else:
            raise RuntimeError("the assistant stream ended without an answer")
    except NoIndex:
        final = Turn(question, NO_INDEX)
    except IndexUnavailable:
        final = Turn(question, UNAVAILABLE)
    except TalentHubError as exc:
        message_text = str(exc)
        final = Turn(question, message_text[:1].upper() + message_text[1:] + ".")
    except Exception:
        log.exception("answering %r failed", question[:200])
        final = Turn(question, FAILED)
    turns = [*turns, final]
    yield "", messages(turns, documents), turns, *detected_info(final.answer)


def rate(turns: list[Turn], index: int, liked: bool | None, *, store: FeedbackStore,
         who: Identity = ANONYMOUS) -> tuple[list[Turn], int | None]:
    """Store a thumb for the answer at chatbot message `index`; a second thumb updates it,
    and `liked=None` (the thumb clicked off again) withdraws it.

    Returns the turns (with the feedback id) and the position awaiting an optional comment,
    or None when there is nothing to comment on: the message was not an answer (e.g. the
    index-missing notice), or the rating was withdrawn.
    """
    position = index // 2
    if position >= len(turns) or turns[position].answer is None:
        return turns, None
    turn = turns[position]
    answer = turn.answer
    assert answer is not None
    if liked is None:
        if turn.feedback_id is not None:
            store.delete(turn.feedback_id)
        withdrawn = replace(turn, feedback_id=None)
        return [*turns[:position], withdrawn, *turns[position + 1:]], None
    rating = "up" if liked else "down"
    if turn.feedback_id is not None:
        store.update(turn.feedback_id, rating=rating)
        return turns, position
    history = tuple((q, a) for q, a in history_of(turns[:position]))
    feedback_id = store.add(Feedback(rating=rating, question=turn.question,
                                     answer=answer.answer, citations=tuple(answer.cited_ids),
                                     history=history, source="ui", partner=who.scope.key,
                                     user=who.user))
    turns = [*turns[:position], replace(turn, feedback_id=feedback_id), *turns[position + 1:]]
    return turns, position


def add_comment(comment: str, turns: list[Turn], position: int | None, *,
                store: FeedbackStore) -> bool:
    """Attach the optional comment to the last rated answer; False if there is none."""
    if position is None or position >= len(turns) or not comment.strip():
        return False
    feedback_id = turns[position].feedback_id
    if feedback_id is None:
        return False
    store.update(feedback_id, comment=comment.strip()[:2000])
    return True


# -- page ------------------------------------------------------------------------------------


def build_chat_tab(ctx: UIContext) -> None:
    """The chat: filters, conversation, input, new-conversation and feedback comment."""
    stakeholder_choices = [("Any", ANY),
                           *((label, slug) for slug, label in STAKEHOLDERS.items())]
    phase_choices = [("Any", ANY), *((label, slug) for slug, label in PHASES.items())]
    with gr.Row(elem_classes="th-filters", equal_height=True):
        stakeholder = gr.Dropdown(stakeholder_choices, value=ANY, label="Stakeholder",
                                  info=FILTER_INFO, min_width=150, elem_id="th-stakeholder")
        phase = gr.Dropdown(phase_choices, value=ANY, label="Phase", info=FILTER_INFO,
                            min_width=150, elem_id="th-phase")
    chat = gr.Chatbot(value=[], elem_id="th-chat", show_label=False,
                      height="calc(100dvh - 460px)", min_height=300,
                      examples=example_messages(ctx.branding, None),
                      placeholder=f"Ask a question, or start from an example.<br>"
                                  f'<small class="th-notice">{html.escape(NOTICE)}</small>',
                      feedback_options=("Like", "Dislike"), buttons=["copy"],
                      layout="panel", sanitize_html=True, allow_tags=False)
    # Right under the chat, where the thumb was clicked; hidden until then.
    with gr.Row(visible=False, elem_classes="th-comment") as comment_row:
        comment = gr.Textbox(show_label=False, scale=4, max_length=2000, min_width=200,
                             placeholder="Thanks! Anything to add? (optional)")
        send_comment = gr.Button("Send comment", size="sm", scale=1, min_width=120)
    box = gr.Textbox(show_label=False, elem_id="th-question", submit_btn="Ask", lines=1,
                     max_lines=6, max_length=MAX_QUESTION_CHARS, autofocus=True,
                     placeholder="Ask about attracting and keeping international talent…")
    new = gr.Button("New conversation", size="sm", variant="secondary",
                    elem_id="th-new", elem_classes="th-new")
    turns = gr.State([])
    rated = gr.State(None)

    def on_submit(message: str, turns_: list[Turn], who: str, when: str,
                  request: gr.Request) -> Iterator[tuple[Any, ...]]:
        for box_value, chat_value, new_turns, who_info, when_info in respond(
                message, turns_, who, when, assistant=ctx.assistant_for(request),
                documents=ctx.documents):
            yield (box_value, chat_value, new_turns, gr.update(info=who_info),
                   gr.update(info=when_info))

    def on_example(event: gr.SelectData) -> str:
        return str(event.value.get("text", "")) if isinstance(event.value, dict) else ""

    def on_like(turns_: list[Turn], event: gr.LikeData, request: gr.Request
                ) -> tuple[Any, ...]:
        index = event.index if isinstance(event.index, int) else event.index[0]
        # Gradio sends True (Like), False (Dislike) or "" when a thumb is clicked off.
        liked = event.liked if isinstance(event.liked, bool) else None
        new_turns, position = rate(turns_, index, liked, store=ctx.feedback,
                                   who=ctx.who(request))
        return new_turns, position, gr.update(visible=position is not None), ""

    def on_comment(text: str, turns_: list[Turn], position: int | None) -> tuple[Any, ...]:
        if add_comment(text, turns_, position, store=ctx.feedback):
            gr.Info("Thank you: your comment was saved.")
        return gr.update(visible=False), ""

    def on_new() -> tuple[Any, ...]:
        return ([], [], "", gr.update(value=ANY, info=FILTER_INFO),
                gr.update(value=ANY, info=FILTER_INFO), gr.update(visible=False), None)

    def on_filter(who: str) -> Any:
        return gr.update(examples=example_messages(ctx.branding, choice(who)))

    answer_io: dict[str, Any] = {
        "fn": on_submit, "inputs": [box, turns, stakeholder, phase],
        "outputs": [box, chat, turns, stakeholder, phase], "api_visibility": "private"}
    hide_comment: dict[str, Any] = {"fn": lambda: gr.update(visible=False), "inputs": None,
                                    "outputs": comment_row, "api_visibility": "private",
                                    "queue": False}
    box.submit(**answer_io)
    box.submit(**hide_comment)
    chat.example_select(on_example, None, box, api_visibility="private",
                        queue=False).then(**answer_io)
    if ctx.feedback.enabled:  # no thumbs where nothing may be stored
        chat.like(on_like, turns, [turns, rated, comment_row, comment],
                  api_visibility="private")
    send_comment.click(on_comment, [comment, turns, rated], [comment_row, comment],
                       api_visibility="private")
    comment.submit(on_comment, [comment, turns, rated], [comment_row, comment],
                   api_visibility="private")
    reset: dict[str, Any] = {"fn": on_new, "inputs": None, "api_visibility": "private",
                             "outputs": [chat, turns, box, stakeholder, phase, comment_row,
                                         rated], "queue": False}
    new.click(**reset)
    chat.clear(**reset)  # the chatbot's own trash icon starts over too
    stakeholder.change(on_filter, stakeholder, chat, api_visibility="private", queue=False)


TabBuilder = Callable[[UIContext], None]
# One line per tab: (label, builder). A builder lays out its tab inside `gr.Tab`.
TABS: tuple[tuple[str, TabBuilder], ...] = (
    ("Ask the guidebook", build_chat_tab),
    ("Self-assessment", lambda ctx: build_assessment_tab(ctx.assistant_for)),
)


def header_html(branding: Branding) -> str:
    logo = (f'<img class="th-logo" src="{html.escape(branding.logo_url)}" alt="">'
            if branding.logo_url else "")
    return (f'<div class="th-header">{logo}<div><h1>{html.escape(branding.title)}</h1>'
            f"<p>{html.escape(branding.welcome)}</p></div></div>")


def build_ui(ctx: UIContext, *, tabs: tuple[tuple[str, TabBuilder], ...] = TABS) -> gr.Blocks:
    """The whole page: header (hidden in embed mode), the tabs, and the notice."""
    with gr.Blocks(title=ctx.branding.title, analytics_enabled=False) as demo:
        gr.HTML(header_html(ctx.branding), elem_classes="th-chrome", padding=False)
        with gr.Tabs(elem_classes="th-tabs"):
            for label, builder in tabs:
                with gr.Tab(label):
                    builder(ctx)
        gr.HTML(f'<p class="th-notice">{html.escape(NOTICE)}</p>', padding=False)
    return demo


def load_documents(settings: Settings) -> dict[str, Document]:
    """Document titles and links for the sources; a server may run without the corpus."""
    try:
        return {d.slug: d for d in discover(settings.corpus_dir)}
    except (FileNotFoundError, ValueError):
        return {}


STATIC = Path(__file__).resolve().parent / "static"
# Served by Gradio inside the page: chat.css after `branding_css`, head.html in <head>.
CSS_PATHS = (STATIC / "chat.css",)
HEAD_PATHS = (STATIC / "head.html",)


def branding_css(branding: Branding) -> str:
    """The partner's colour as theme variables, which ui/static/chat.css uses."""
    color = branding.primary_color  # validated as a hex colour in ui.branding
    return f"""
.gradio-container {{
  --th-primary: {color};
  --color-accent: {color};
  --color-accent-soft: color-mix(in srgb, {color} 12%, white);
  --button-primary-background-fill: {color};
  --button-primary-background-fill-hover: color-mix(in srgb, {color} 85%, black);
  --button-primary-border-color: {color};
  --button-primary-text-color: white;
  --link-text-color: {color};
}}
"""


def page_js(embed: bool) -> str:
    """ui/static/chat.js as Gradio's on-load function, told whether embed mode is always on."""
    script = (STATIC / "chat.js").read_text(encoding="utf-8")
    return f"() => ({script})({json.dumps(embed)})"


def theme() -> gr.themes.Base:
    """System fonts: an intranet page should not fetch fonts from the internet."""
    return gr.themes.Default(
        primary_hue="blue", neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])
