"""The "Self-assessment" tab: answer your stakeholder's statements, get a cited action plan.

The page holds a fixed set of radio slots per focus group; picking a stakeholder (or
loading a saved file) fills them with that stakeholder's statements from the index. So the
layout needs no index when the server starts, and every event stays a private one (a
`gr.render` would register a callable endpoint). The radios themselves hold the answers.

The handlers are plain typed functions; `build_assessment_tab` only wires them up.
"""

from __future__ import annotations

import html
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import assessment
from assistant.api import Assistant
from assistant.assessment import ANSWERS, AnswerSheet, Assessment, Statement
from assistant.assessment_export import answers_json, plan_html, to_csv, to_html, to_markdown
from assistant.errors import IndexUnavailable, InvalidInput, NoIndex, TalentHubError
from corpus.models import FOCUS_GROUPS, STAKEHOLDERS

log = logging.getLogger(__name__)

CHOICES = [(label, value) for value, label in ANSWERS.items()]
INTRO = ("Answer the statements of the guidebook's self-assessment table for your "
         "organisation. Every **No** or **Not sure** is a gap; the plan lists the guidebook's "
         "actions that close it, by customer-journey phase, each quoted with its source. "
         "Save your answers to compare next time.")
NO_INDEX = ("The guidebook has not been indexed on this server yet. Whoever runs it needs to "
            "run `talenthub index`; then reload this page.")
UNAVAILABLE = "The guidebook index cannot be reached right now. Please try again in a minute."
FAILED = "Something went wrong while building the plan. Please try again."
KEEP_FILES_SECONDS = 3600
FOCUS_ORDER = list(FOCUS_GROUPS)
# Radios per focus group: the guidebook has at most 7 statements in one group.
SLOTS = 10
PLAN_CSS = """
.th-plan { font-size: .95rem; }
.th-plan h1 { font-size: 1.25rem; margin: .2em 0; color: var(--color-accent); }
.th-plan h2 { font-size: 1.05rem; margin: 1.1em 0 .4em; padding-bottom: 3px;
  border-bottom: 2px solid var(--color-accent); }
.th-plan h3.th-plan-group { font-size: .98rem; margin: .9em 0 .2em; padding: 2px 8px;
  border-left: 4px solid var(--color-accent); background: var(--background-fill-secondary); }
.th-plan-meta, .th-plan-closes, .th-plan-where, .th-plan-empty {
  color: var(--body-text-color-subdued); }
.th-plan table { border-collapse: collapse; width: 100%; margin: .3em 0; }
.th-plan th, .th-plan td { border: 1px solid var(--border-color-primary); padding: 4px 8px;
  text-align: left; vertical-align: top; }
.th-plan td.n, .th-plan th.n { text-align: right; }
.th-plan tr.total td { font-weight: 600; }
.th-plan-phase { list-style: none; margin: 0; padding: 0; }
.th-plan-action { display: grid; grid-template-columns: 2.4em 1fr; gap: 2px 6px;
  padding: 7px 0; border-bottom: 1px solid var(--border-color-primary); }
.th-plan-marker { font-weight: 700; color: var(--color-accent); }
.th-plan-closes { grid-column: 2; margin: 0; font-size: .85rem; }
.th-plan-source summary { cursor: pointer; }
.th-plan-quote { margin: .35em 0 .2em .1em; padding-left: .7em;
  border-left: 3px solid var(--color-accent); }
.th-plan-where { margin: 0 0 .3em .1em; font-size: .8rem; }
.th-plan-text { margin: 0; }
.th-badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: .78rem;
  font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.th-badge.no { color: #b42318; } .th-badge.not-sure { color: #9a6700; }
.th-badge.yes { color: #1a7f37; }
.th-plan-progress { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr));
  gap: 8px; }
.th-plan-progress div { background: var(--background-fill-secondary); border-radius: 6px;
  padding: 6px 10px; }
.th-plan-progress h3 { margin: 0 0 4px; font-size: .9rem; }
.th-plan-progress ul { margin: 0; padding-left: 18px; }
"""


STATUS_CSS = """
.th-sa-error { margin: 0; padding: 6px 10px; border-radius: 6px; color: #b42318;
  background: color-mix(in srgb, #b42318 8%, transparent); }
.th-sa-note { margin: 0; padding: 6px 10px; border-radius: 6px;
  background: var(--background-fill-secondary); }
"""


# The statement is what people answer: full-size text, not Gradio's faint hint style.
RADIO_CSS = """
.th-sa-statement .info-text { color: var(--body-text-color); font-size: var(--text-md);
  margin-bottom: 4px; }
.th-sa-statement [data-testid="block-info"] { font-weight: 600; }
"""


@dataclass(frozen=True)
class Slot:
    """What one radio shows: a statement (or nothing, hidden) and its pre-selected answer."""

    statement: Statement | None = None
    value: str | None = None

    @property
    def label(self) -> str:
        return f"{self.statement.number}. {self.statement.label}" if self.statement else ""


@dataclass(frozen=True)
class Layout:
    """Every focus group's title and slots (None title: the group is hidden)."""

    titles: tuple[str | None, ...]
    slots: tuple[Slot, ...]

    @property
    def ids(self) -> list[str | None]:
        """Slot -> statement id, kept in a `gr.State` to read the radios back."""
        return [slot.statement.id if slot.statement else None for slot in self.slots]


@dataclass(frozen=True)
class PlanView:
    """What "Build my action plan" shows: the plan's HTML and the four files to download."""

    html: str
    files: dict[str, Path]


# -- handlers --------------------------------------------------------------------------------


def layout(assistant: Assistant, stakeholder: str, answers: Mapping[str, str] | None = None
           ) -> Layout:
    """The stakeholder's statements in the slots, grouped by focus, answers pre-selected."""
    statements = assessment.load_statements(assistant, stakeholder)
    answers = answers or {}
    titles: list[str | None] = []
    slots: list[Slot] = []
    for focus in FOCUS_ORDER:
        mine = [s for s in statements if s.focus == focus]
        if len(mine) > SLOTS:
            raise InvalidInput(f"{stakeholder} has {len(mine)} statements in "
                               f"'{FOCUS_GROUPS[focus]}'; this page shows at most {SLOTS}")
        titles.append(FOCUS_GROUPS[focus] if mine else None)
        slots += [Slot(s, answers.get(s.id)) for s in mine]
        slots += [Slot()] * (SLOTS - len(mine))
    return Layout(tuple(titles), tuple(slots))


def collect(ids: Sequence[str | None], values: Sequence[str | None]) -> dict[str, str]:
    """The answers the radios hold, by statement id."""
    return {sid: value for sid, value in zip(ids, values, strict=False) if sid and value}


def load_answers(path: str | Path, stakeholder: str | None, *, assistant: Assistant
                 ) -> tuple[Layout, AnswerSheet, str]:
    """A saved answers file: its stakeholder (if it names one) wins, its answers are
    pre-selected, and it becomes the previous assessment the plan reports progress against.

    Raises `TalentHubError` (shown as a message) for a file that does not fit.
    """
    name = Path(path).name
    sheet = assessment.read_sheet(Path(path))
    chosen = sheet.stakeholder or stakeholder
    if not chosen:
        raise InvalidInput(f"{name} does not say whose answers these are; choose your "
                           "organisation first")
    statements = assessment.load_statements(assistant, chosen)
    answers = assessment.validate_answers(sheet.answers, statements, chosen, source=name)
    when = f" of {sheet.date}" if sheet.date else ""
    count = f"{len(answers)} answer{'s' if len(answers) != 1 else ''}"
    message = (f"Loaded {count}{when} for {STAKEHOLDERS[chosen]}. Change what has changed "
               "since, then build the plan to see your progress.")
    return (layout(assistant, chosen, answers), AnswerSheet(answers, chosen, sheet.date, name),
            message)


def build_plan(stakeholder: str | None, answers: Mapping[str, str],
               previous: AnswerSheet | None, *, assistant: Assistant, directory: Path
               ) -> PlanView:
    """The plan as HTML for the page, and as files (Markdown, CSV, HTML, answers JSON)."""
    if not stakeholder:
        raise InvalidInput("choose your organisation first")
    if not answers:
        raise InvalidInput("answer at least one statement first")
    result = assessment.assess(assistant, stakeholder, answers, previous=previous,
                               date=time.strftime("%Y-%m-%d"))
    return PlanView(f'<div class="th-plan">{plan_html(result, collapsible=True)}</div>',
                    write_files(result, directory))


def write_files(result: Assessment, directory: Path) -> dict[str, Path]:
    """One fresh folder per plan (so two users never share a file); old ones are pruned."""
    prune(directory)
    folder = directory / uuid.uuid4().hex
    folder.mkdir(parents=True)
    stem = f"talenthub-plan-{result.stakeholder}-{result.date or 'undated'}"
    contents = {"md": to_markdown(result), "csv": to_csv(result), "html": to_html(result),
                "json": answers_json(result)}
    files = {}
    for kind, text in contents.items():
        name = f"{stem}-answers.json" if kind == "json" else f"{stem}.{kind}"
        files[kind] = folder / name
        files[kind].write_text(text, encoding="utf-8")
    return files


def prune(directory: Path, *, older_than: float = KEEP_FILES_SECONDS) -> None:
    """Gradio copies downloads into its own cache, so ours only need to outlive a build."""
    if not directory.is_dir():
        return
    cutoff = time.time() - older_than
    for folder in directory.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def friendly(exc: Exception) -> str:
    """The one line a person sees instead of a traceback."""
    if isinstance(exc, NoIndex):
        return NO_INDEX
    if isinstance(exc, IndexUnavailable):
        return UNAVAILABLE
    if isinstance(exc, TalentHubError):
        text = str(exc)
        return text[:1].upper() + text[1:] + "."
    log.exception("self-assessment failed", exc_info=exc)
    return FAILED


def status_html(message: str, *, error: bool = False) -> str:
    css = "th-sa-error" if error else "th-sa-note"
    return f'<p class="{css}">{html.escape(message)}</p>' if message else ""


# -- layout ----------------------------------------------------------------------------------


def build_assessment_tab(assistant_for: Callable[[Any], Assistant]) -> None:
    """Lay out the tab inside the current `gr.Tab`; `assistant_for(request)` is the
    assistant a Gradio request's user may use (its scope)."""
    directory = Path(tempfile.gettempdir()) / "talenthub-plans"
    gr.Markdown(INTRO, elem_classes="th-sa-intro")
    with gr.Row(equal_height=True):
        stakeholder = gr.Dropdown([(label, slug) for slug, label in STAKEHOLDERS.items()],
                                  value=None, label="Your organisation", min_width=200,
                                  scale=2, elem_id="th-sa-stakeholder",
                                  info="Choose it to see its statements.")
        upload = gr.UploadButton("Load saved answers (.json)", file_types=[".json"],
                                 size="md", scale=1, min_width=200, elem_id="th-sa-upload")
    status = gr.HTML("", elem_id="th-sa-status", js_on_load=None, css_template=STATUS_CSS,
                     head=f"<style>{RADIO_CSS}</style>")
    groups, titles, radios = [], [], []
    for focus in FOCUS_ORDER:
        with gr.Group(visible=False, elem_classes="th-sa-group") as group:
            titles.append(gr.Markdown(elem_classes="th-sa-focus", padding=True,
                                      elem_id=f"th-sa-{focus}"))
            radios += [gr.Radio(CHOICES, visible=False, elem_classes="th-sa-statement")
                       for _ in range(SLOTS)]
        groups.append(group)
    build = gr.Button("Build my action plan", variant="primary", elem_id="th-sa-build",
                      visible=False)
    plan = gr.HTML("", elem_id="th-sa-plan", css_template=PLAN_CSS, js_on_load=None)
    with gr.Row(visible=False, elem_id="th-sa-downloads") as downloads:
        buttons = {kind: gr.DownloadButton(label, size="sm", min_width=140)
                   for kind, label in (("md", "Markdown"), ("csv", "CSV"),
                                       ("html", "Printable HTML"), ("json", "Save answers"))}
    ids = gr.State([])
    previous = gr.State(None)
    page = [*groups, *titles, *radios, build, ids]

    def show(view: Layout) -> list[Any]:
        """`page` updates for a layout: groups, titles, radios, build button, slot ids."""
        return [*(gr.update(visible=t is not None) for t in view.titles),
                *(gr.update(value=f"**{t}**" if t else "") for t in view.titles),
                *(gr.update(visible=slot.statement is not None, label=slot.label,
                            info=slot.statement.body if slot.statement else None,
                            value=slot.value, elem_id=_radio_id(slot))
                  for slot in view.slots),
                gr.update(visible=True), view.ids]

    def on_stakeholder(who: str | None, request: gr.Request) -> list[Any]:
        cleared = [None, "", gr.update(visible=False)]  # previous, plan, downloads
        if not who:
            return [*(gr.update() for _ in page), *cleared, ""]
        try:
            return [*show(layout(assistant_for(request), who)), *cleared, ""]
        except Exception as exc:
            return [*(gr.update() for _ in page), *cleared, status_html(friendly(exc), error=True)]

    def on_upload(file: str | None, who: str | None, request: gr.Request) -> list[Any]:
        if not file:
            return [gr.update(), *(gr.update() for _ in page), gr.update(), gr.update()]
        try:
            view, sheet, message = load_answers(file, who, assistant=assistant_for(request))
        except Exception as exc:
            return [gr.update(), *(gr.update() for _ in page), gr.update(),
                    status_html(friendly(exc), error=True)]
        return [gr.update(value=sheet.stakeholder), *show(view), sheet, status_html(message)]

    def on_build(who: str | None, slots: list[str | None], before: AnswerSheet | None,
                 request: gr.Request, *values: str | None) -> list[Any]:
        try:
            view = build_plan(who, collect(slots, values), before,
                              assistant=assistant_for(request), directory=directory)
        except Exception as exc:
            return [status_html(friendly(exc), error=True), gr.update(),
                    gr.update(visible=False), *(gr.update() for _ in buttons)]
        return ["", view.html, gr.update(visible=True),
                *(gr.update(value=str(view.files[kind])) for kind in buttons)]

    private: dict[str, Any] = {"api_visibility": "private"}
    stakeholder.input(on_stakeholder, stakeholder,
                      [*page, previous, plan, downloads, status], **private)
    upload.upload(on_upload, [upload, stakeholder],
                  [stakeholder, *page, previous, status], **private)
    build.click(on_build, [stakeholder, ids, previous, *radios],
                [status, plan, downloads, *buttons.values()], **private)


def _radio_id(slot: Slot) -> str | None:
    """`th-sa-3` for statement 3, so a test (or a partner's script) can find it."""
    return f"th-sa-{slot.statement.number}" if slot.statement else None
