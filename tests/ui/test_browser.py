"""The real page in headless Chromium: `talenthub serve` on a free port, a real index.

The one end-to-end check of what a practitioner sees: a question typed into the chat gets
an answer with citation markers, and a source opens to show its quote.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from corpus.settings import Settings

CHROMIUM = "/usr/bin/chromium"
QUESTION = "What should employers do before international talent arrives?"

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(real_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`talenthub serve` on the suite's real index (built once per session)."""
    data_dir = real_settings.data_dir
    port = free_port()
    talenthub = shutil.which("talenthub", path=str(Path(sys.executable).parent))
    command = [talenthub] if talenthub else [sys.executable, "-m", "ui.cli"]
    env = {**os.environ, "TALENTHUB_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port",
                                    str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"talenthub serve exited: {log.read_text()}")
            try:
                if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"talenthub serve did not become healthy: {log.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_question_answer_and_an_opened_source(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    expected = httpx.post(f"{server}/api/ask", json={"question": QUESTION}, timeout=30).json()
    assert expected["citations"], "the API found no sources for the test question"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(server)
            expect(page.get_by_text("they are not legal advice").first).to_be_visible()
            page.locator("#th-question textarea").fill(QUESTION)
            page.keyboard.press("Enter")

            sources = page.locator("#th-chat details.th-source")
            expect(sources.first).to_be_attached(timeout=30_000)
            answer = page.locator("#th-chat [data-testid='bot']").last
            expect(answer).to_contain_text("[1]")
            assert sources.count() == len(expected["citations"])
            expect(page.locator("#th-stakeholder")).to_contain_text("Detected: Employers")

            first = sources.first
            quote = first.locator("blockquote.th-quote")
            expect(quote).to_be_hidden()
            first.locator("summary").click()
            expect(quote).to_be_visible()
            shown = " ".join(quote.inner_text().split())
            assert shown == " ".join(expected["citations"][0]["quote"].split())
            expect(first.locator(".th-where")).to_contain_text(
                expected["citations"][0]["id"])
        finally:
            browser.close()
