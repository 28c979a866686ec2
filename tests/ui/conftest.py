"""A fake assistant with the real one's contract, so UI and API tests need no model or index."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from support import client_for

from assistant.errors import InvalidInput
from assistant.models import Answer, Citation, Delta, Final, FollowUp, StreamEvent, collect
from corpus.models import PHASES, STAKEHOLDERS
from corpus.scopes import Scope
from corpus.settings import MAX_QUESTION_CHARS, Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REFUSAL = "I can only answer questions about retaining international talent."
# Where the browser tests' screenshots go on failure: both widths the page is built for.
SCREENSHOT_SIZES = ((390, 844), (1280, 900))
QUOTE = "Offer online and preparatory language learning opportunities <script>alert(1)</script>"


def citation(marker: int, unit_id: str, quote: str, page: int | None = None) -> Citation:
    stakeholder, phase, number = unit_id.split("/")
    return Citation(marker=marker, id=unit_id, document="talent-hub-guidebook", page=page,
                    pages=[page] if page else [],
                    stakeholder=stakeholder, section="action-points", phase=phase,
                    number=int(number),
                    title=f"{STAKEHOLDERS[stakeholder]} / Action points / {PHASES[phase]} / "
                          f"{number}",
                    quote=quote, score=0.71,
                    breadcrumb=f"Guidebook › {STAKEHOLDERS[stakeholder]} › Action points › "
                               f"{PHASES[phase]} › {number}")


class FakeAssistant:
    """Streams two lines then the Answer; raises what the real one raises, lazily.
    `scoped` records each scope asked for and returns a copy that tells `on_answer`."""

    llm = None
    reader = None
    embedder = None
    on_answer: Callable[[Answer], None] | None = None

    def __init__(self, *, error: Exception | None = None, status: str = "ok"):
        self.error = error
        self.health = status
        self.calls: list[dict[str, Any]] = []
        self.scopes: list[Scope] = []

    def without_llm(self) -> FakeAssistant:
        return self

    def documents(self) -> dict[str, Any]:
        return {}

    def themes_of(self, text: str) -> list[str]:
        return ["language"] if "language" in text.lower() else []

    def scoped(self, scope: Scope, *, on_answer: Callable[[Answer], None] | None = None
               ) -> FakeAssistant:
        self.scopes.append(scope)
        clone = copy.copy(self)
        clone.on_answer = on_answer
        return clone

    def stream(self, question: str, *, history: Any = None, stakeholder: str | None = None,
               phase: str | None = None) -> Iterator[StreamEvent]:
        self.calls.append({"question": question, "history": history,
                           "stakeholder": stakeholder, "phase": phase})
        if not question.strip():
            raise InvalidInput("the question is empty; type a question about retaining talent")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidInput(f"the question is {len(question)} characters long; the limit "
                               f"is {MAX_QUESTION_CHARS}")
        if stakeholder is not None and stakeholder not in STAKEHOLDERS:
            raise InvalidInput(f"unknown stakeholder '{stakeholder}'")
        if self.error is not None:
            raise self.error
        if "lasagna" in question:
            yield Delta(REFUSAL)
            yield Final(Answer(question, REFUSAL, False, [], {"stakeholders": [], "phases": [],
                                                               "kind": "out-of-scope"}))
            return
        lines = ["Employers should offer language learning before arrival [1].\n",
                 "They can connect talent with settlement consultants [2]."]
        yield from (Delta(line) for line in lines)
        answer = Answer(
            question, "".join(lines), True,
            [citation(1, "employers/pre-departure/4", QUOTE, page=12),
             citation(2, "employers/pre-departure/6", "Support with housing & schools.")],
            {"answerer": "extractive", "stakeholders": ["employers"],
             "phases": ["pre-departure"], "themes": [], "kind": "action-point"},
            [FollowUp("What should employers do in the on-boarding phase?",
                      "The next phase of the customer journey, after pre-departure.",
                      "next-phase", "employers"),
             FollowUp("Check where your organisation stands: the self-assessment for "
                      "employers", "16 statements <from> the guidebook.", "self-assessment",
                      "employers")])
        if self.on_answer is not None:
            self.on_answer(answer)
        yield Final(answer)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        return collect(self.stream(question, **kwargs))

    def status(self) -> dict[str, Any]:
        if self.health == "ok":
            return {"status": "ok", "detail": "index loaded", "build": "b1", "documents": 5,
                    "units": 300, "chunks": 320, "kinds": {"action-points": 120},
                    "model": "all-MiniLM-L6-v2"}
        return {"status": self.health, "detail": "no index: run `talenthub index`",
                "build": None, "documents": 0, "units": 0, "chunks": 0, "kinds": {}}


@pytest.fixture
def fake() -> FakeAssistant:
    return FakeAssistant()


@pytest.fixture(scope="session")
def make_fake() -> Callable[..., FakeAssistant]:
    """FakeAssistant(error=..., status=...) for the failure paths."""
    return FakeAssistant


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", rate_limit_per_minute=1000)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory,
           make_fake: Callable[..., FakeAssistant]) -> tuple[TestClient, FakeAssistant]:
    """One app for the tests that change no state: building one takes about a second."""
    fake = make_fake()
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), rate_limit_per_minute=0)
    return client_for(settings, fake), fake


@pytest.fixture
def client(shared: tuple[TestClient, FakeAssistant]) -> TestClient:
    return shared[0]


@pytest.fixture
def callers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Who each door asked for, in order (`Door.assistant_for` recorded)."""
    from ui.door import Door

    asked: list[str] = []
    assistant_for = Door.assistant_for

    def recording(self: Door, who: Any, assistant: Any = None, **options: Any) -> Any:
        asked.append(who.who)
        return assistant_for(self, who, assistant, **options)

    monkeypatch.setattr(Door, "assistant_for", recording)
    return asked


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test, so a fixture can tell that the test failed."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
              ) -> Iterator[Callable[..., Page]]:
    """`open_page(url, width, height)`: a page in a fresh browser context (its own local
    storage). When the test fails, every page it opened is saved at 390 and 1280 px wide
    in the test's output folder, which the teardown prints."""
    contexts = []

    def open_(url: str, width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        page.locator("#th-question textarea, main").first.wait_for()
        return page

    yield open_
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for n, context in enumerate(contexts):
            for page in context.pages:
                for width, height in SCREENSHOT_SIZES:
                    page.set_viewport_size({"width": width, "height": height})
                    page.screenshot(path=tmp_path / f"page{n}-{width}.png", full_page=True)
        print(f"screenshots at 390 and 1280 px: {tmp_path}")
    for context in contexts:
        context.close()
