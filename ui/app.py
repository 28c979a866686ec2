"""The Gradio chat: plain, typed handler functions plus the Blocks that wire them up.

The conversation lives in a list of `Turn`s (a `gr.State`); the chatbot's messages are
rendered from it on every update. So follow-up history, feedback and re-rendering never
parse HTML back out of the chatbot. Every piece of user or document text goes through
`html.escape` before it reaches the page: Gradio's own sanitiser is a second line, not
the first. What the page does in the browser (follow-ups, copying a citation, scrolling to
an answer, announcing it, mending Gradio's markup for screen readers) is in
ui/static/chat.js.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.errors import IndexUnavailable, NoIndex, TalentHubError
from assistant.models import Answer, Final
from corpus.models import PHASES, STAKEHOLDERS, Document
from corpus.settings import MAX_QUESTION_CHARS
from corpus.text import normalise_space
from ui.assessment_tab import ASSESSMENT_TAB, build_assessment_tab
from ui.branding import Branding, text_safe
from ui.door import ANONYMOUS, Door
from ui.feedback import Feedback, FeedbackStore
from ui.identity import Identity
from ui.sources import Source, render_followups, render_source

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
EMPTY_STATE = "Ask a question, or start from an example below."
FRAME_HELP = ("Widget view: no other site may frame this page until whoever runs the server "
              "sets TALENTHUB_ALLOWED_ORIGINS (see the README, \"Embedding in an intranet\").")
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
    embed: bool = False
    embed_assessment: bool = False
    framing_allowed: bool = False
    door: Door | None = None
    identify: Callable[[Any], Identity] | None = None

    def who(self, request: Any) -> Identity:
        return self.identify(request) if self.identify else ANONYMOUS

    def assistant_for(self, request: Any) -> Assistant:
        """The assistant as the session's user may use it."""
        if self.door is None:
            return self.assistant.scoped(ANONYMOUS.scope)
        return self.door.assistant_for(self.who(request), channel="chat")

    @property
    def assessment_shown(self) -> bool:
        """Embed mode is a widget: the chat alone, unless the operator keeps the tab."""
        return not self.embed or self.embed_assessment


@dataclass(frozen=True)
class TabHooks:
    """What a tab offers the others; `build_ui` connects them once every tab is built.

    The chat's self-assessment follow-up fires `assessment_requests` (a `select` event with
    the stakeholder); the self-assessment tab opens a stakeholder with `open_assessment`,
    whose updates go to `assessment_outputs`."""

    assessment_requests: Any = None
    open_assessment: Callable[[str, Any], list[Any]] | None = None
    assessment_outputs: Sequence[Any] = ()


# -- rendering -------------------------------------------------------------------------------


def render_reply(turn: Turn, position: int, documents: Mapping[str, Document]) -> str:
    """The assistant message: escaped Markdown with linked markers, the follow-ups, then
    the sources. A source repeats its quote only where the answer does not show it whole
    (an LLM's paraphrase, a near-duplicate cited beside another)."""
    text = html.escape(turn.reply, quote=False)
    answer = turn.answer
    if answer is None or not answer.citations:
        return text
    markers = {c.marker for c in answer.citations}
    linked = MARKER.sub(lambda m: _marker_link(m, position, markers), text)
    shown = normalise_space(MARKER.sub(" ", turn.reply.replace("\\[", "[").replace("\\]", "]")))
    sources = "".join(
        render_source(Source(c, documents.get(c.document)),
                      f"th-src-{position}-{c.marker}",
                      show_quote=normalise_space(c.quote) not in shown)
        for c in answer.citations)
    return (f"{linked}\n\n{render_followups(answer.followups)}"
            f'<div class="th-sources"><p class="th-sources-label">Sources</p>{sources}</div>')


def _marker_link(match: re.Match[str], position: int, markers: set[int]) -> str:
    number = int(match.group(1))
    if number not in markers:
        return match.group(0)
    return f'<a class="th-cite" href="#th-src-{position}-{number}">[{number}]</a>'


def messages(turns: list[Turn], documents: Mapping[str, Document]) -> list[Message]:
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
            assistant: Assistant, documents: Mapping[str, Document]
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


def build_chat_tab(ctx: UIContext) -> TabHooks:
    """The chat: filters, conversation, input, new-conversation and feedback comment."""
    stakeholder_choices = [("Any", ANY),
                           *((label, slug) for slug, label in STAKEHOLDERS.items())]
    phase_choices = [("Any", ANY), *((label, slug) for slug, label in PHASES.items())]
    with gr.Row(elem_classes="th-filters", equal_height=True):
        stakeholder = gr.Dropdown(stakeholder_choices, value=ANY, label="Stakeholder",
                                  info=FILTER_INFO, min_width=140, elem_id="th-stakeholder")
        phase = gr.Dropdown(phase_choices, value=ANY, label="Phase", info=FILTER_INFO,
                            min_width=140, elem_id="th-phase")
    chat = gr.Chatbot(value=[], elem_id="th-chat", show_label=False, label="Conversation",
                      height="calc(100dvh - 400px)", min_height=280, autoscroll=False,
                      examples=example_messages(ctx.branding, None),
                      placeholder=html.escape(EMPTY_STATE),
                      feedback_options=("Like", "Dislike"), buttons=["copy"],
                      layout="panel", sanitize_html=True, allow_tags=False)
    # Right under the chat, where the thumb was clicked; hidden until then.
    with gr.Row(visible=False, elem_classes="th-comment") as comment_row:
        comment = gr.Textbox(show_label=False, scale=4, max_length=2000, min_width=200,
                             placeholder="Thanks! Anything to add? (optional)",
                             label="Comment on the rating")
        send_comment = gr.Button("Send comment", size="sm", scale=1, min_width=120)
    box = gr.Textbox(show_label=False, elem_id="th-question", submit_btn="Ask", lines=1,
                     max_lines=6, max_length=MAX_QUESTION_CHARS, autofocus=True,
                     label="Your question",
                     placeholder="Ask about international talent…")
    new = gr.Button("New conversation", size="sm", variant="secondary",
                    elem_id="th-new", elem_classes="th-new")
    # Follow-up buttons inside answers reach Python through this (ui/static/chat.js).
    bridge = gr.HTML("", elem_id="th-bridge", padding=False, js_on_load=BRIDGE_JS)
    turns = gr.State([])
    rated = gr.State(None)

    def on_submit(message: str, turns_: list[Turn], who: str, when: str,
                  request: gr.Request) -> Iterator[tuple[Any, ...]]:
        assistant = ctx.assistant_for(request)
        for box_value, chat_value, new_turns, who_info, when_info in respond(
                message, turns_, who, when, assistant=assistant,
                documents=documents_of(assistant)):
            yield (box_value, chat_value, new_turns, gr.update(info=who_info),
                   gr.update(info=when_info))

    def on_example(event: gr.SelectData) -> str:
        return str(event.value.get("text", "")) if isinstance(event.value, dict) else ""

    def on_followup(event: gr.EventData) -> str:
        return str(getattr(event, "question", ""))[:MAX_QUESTION_CHARS]

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

    private: dict[str, Any] = {"api_visibility": "private"}
    answer_io: dict[str, Any] = {
        "fn": on_submit, "inputs": [box, turns, stakeholder, phase],
        "outputs": [box, chat, turns, stakeholder, phase], **private}
    answered: dict[str, Any] = {"fn": None, "js": "() => window.talenthub?.answered()",
                                **private}
    hide_comment: dict[str, Any] = {"fn": lambda: gr.update(visible=False), "inputs": None,
                                    "outputs": comment_row, "queue": False, **private}
    box.submit(**answer_io).then(**answered)
    box.submit(**hide_comment)
    chat.example_select(on_example, None, box, queue=False,
                        **private).then(**answer_io).then(**answered)
    bridge.click(on_followup, None, box, queue=False,
                 **private).then(**answer_io).then(**answered)
    if ctx.feedback.enabled:  # no thumbs where nothing may be stored
        chat.like(on_like, turns, [turns, rated, comment_row, comment], **private)
    send_comment.click(on_comment, [comment, turns, rated], [comment_row, comment], **private)
    comment.submit(on_comment, [comment, turns, rated], [comment_row, comment], **private)
    reset: dict[str, Any] = {"fn": on_new, "inputs": None, "queue": False,
                             "outputs": [chat, turns, box, stakeholder, phase, comment_row,
                                         rated], **private}
    new.click(**reset)
    chat.clear(**reset)  # the chatbot's own trash icon starts over too
    stakeholder.change(on_filter, stakeholder, chat, queue=False, **private)
    return TabHooks(assessment_requests=bridge if ctx.assessment_shown else None)


def build_assessment(ctx: UIContext) -> TabHooks:
    tab = build_assessment_tab(ctx.assistant_for)
    return TabHooks(open_assessment=tab.open, assessment_outputs=tab.outputs)


# The bridge: chat.js dispatches these DOM events when a follow-up is clicked.
BRIDGE_JS = """
document.addEventListener("talenthub:ask", (e) => trigger("click", {question: e.detail}));
document.addEventListener("talenthub:assess", (e) => trigger("select", {stakeholder: e.detail}));
"""
TabBuilder = Callable[[UIContext], TabHooks | None]
# One line per tab: (label, builder). A builder lays out its tab inside `gr.Tab`.
TABS: tuple[tuple[str, TabBuilder], ...] = (
    ("Ask the guidebook", build_chat_tab),
    (ASSESSMENT_TAB, build_assessment),
)


def header_html(branding: Branding) -> str:
    logo = (f'<img class="th-logo" src="{html.escape(branding.logo_url)}" alt="">'
            if branding.logo_url else "")
    return (f'<div class="th-header">{logo}<div><h1>{html.escape(branding.title)}</h1>'
            f"<p>{html.escape(branding.welcome)}</p></div></div>")


def build_ui(ctx: UIContext, *, tabs: tuple[tuple[str, TabBuilder], ...] = TABS) -> gr.Blocks:
    """The whole page: header (hidden in embed mode), the tabs, the notice (once), the
    live region that announces answers, and how the tabs reach each other."""
    if not ctx.assessment_shown:
        tabs = tuple(t for t in tabs if t[0] != ASSESSMENT_TAB)
    with gr.Blocks(title=ctx.branding.title, analytics_enabled=False) as demo:
        gr.HTML(header_html(ctx.branding), elem_classes="th-chrome", padding=False)
        gr.HTML(f'<p class="th-frame-help" role="note">{html.escape(FRAME_HELP)}</p>',
                padding=False, elem_classes="th-frame-help-block")
        hooks: list[TabHooks] = []
        with gr.Tabs(elem_classes="th-tabs") as tab_bar:
            for label, builder in tabs:
                with gr.Tab(label, id=label):
                    hooks.append(builder(ctx) or TabHooks())
        gr.HTML(f'<p class="th-notice">{html.escape(NOTICE)}</p>'
                '<div id="th-announce" class="th-visually-hidden" role="status" '
                'aria-live="polite"></div>', padding=False)
        _connect(hooks, tab_bar)
    return demo


def _connect(hooks: list[TabHooks], tab_bar: gr.Tabs) -> None:
    """The chat's self-assessment follow-up opens that tab at the stakeholder it names."""
    requests = next((h.assessment_requests for h in hooks if h.assessment_requests), None)
    target = next((h for h in hooks if h.open_assessment), None)
    if requests is None or target is None or target.open_assessment is None:
        return
    open_assessment = target.open_assessment

    def on_request(event: gr.EventData, request: gr.Request) -> list[Any]:
        who = str(getattr(event, "stakeholder", ""))
        if who not in STAKEHOLDERS:
            return [gr.update(), *(gr.update() for _ in target.assessment_outputs)]
        return [gr.Tabs(selected=ASSESSMENT_TAB), *open_assessment(who, request)]

    requests.select(on_request, None, [tab_bar, *target.assessment_outputs],
                    api_visibility="private")


def documents_of(assistant: Assistant) -> dict[str, Document]:
    """The documents an answer may cite, for its sources' titles and links, looked up once
    per answer; none when there is no index (the answer then says so)."""
    try:
        return assistant.documents()
    except TalentHubError:
        return {}


STATIC = Path(__file__).resolve().parent / "static"
# Served by Gradio inside the page: chat.css after `branding_css`, head.html in <head>.
CSS_PATHS = (STATIC / "chat.css",)
HEAD_PATHS = (STATIC / "head.html",)


def branding_css(branding: Branding) -> str:
    """The partner's colour as theme variables, which ui/static/chat.css uses. As text and
    behind white button text it is darkened where needed to keep a 4.5:1 contrast."""
    color = text_safe(branding.primary_color)  # validated as a hex colour in ui.branding
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


def page_js(ctx: UIContext) -> str:
    """ui/static/chat.js as Gradio's on-load function, told about embed mode and framing."""
    script = (STATIC / "chat.js").read_text(encoding="utf-8")
    options = {"embedAlways": ctx.embed, "embedAssessment": ctx.embed_assessment,
               "framingAllowed": ctx.framing_allowed}
    return f"() => ({script})({json.dumps(options)})"


def theme() -> gr.themes.Base:
    """System fonts (an intranet page should not fetch fonts from the internet), and
    secondary text dark enough for WCAG AA: the default slate-400 measures 2.56:1."""
    return gr.themes.Default(
        primary_hue="blue", neutral_hue="slate",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    ).set(body_text_color_subdued="*neutral_600", input_placeholder_color="*neutral_500")
