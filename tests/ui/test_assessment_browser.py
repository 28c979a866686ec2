"""The Self-assessment tab in headless Chromium, on a real `talenthub serve`.

A practitioner picks their organisation, answers a few statements, builds the plan and
sees the guidebook's actions for their gaps, cited, with a source that opens.
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

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="session")
def data_dir(real_settings: Settings) -> Path:
    """The suite's real index (tests/conftest.py), built once per session."""
    return real_settings.data_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
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


def test_answer_statements_and_get_a_cited_plan(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1200})
            page.goto(server)
            page.get_by_role("tab", name="Self-assessment").click()
            page.locator("#th-sa-stakeholder input").click()
            page.get_by_role("option", name="Employers").click()

            language = page.locator("#th-sa-3")
            expect(language).to_contain_text("Pre-arrival language learning", timeout=30_000)
            language.get_by_label("No", exact=True).check()
            page.locator("#th-sa-10").get_by_label("Not sure", exact=True).check()
            page.locator("#th-sa-1").get_by_label("Yes", exact=True).check()
            page.locator("#th-sa-build").click()

            plan = page.locator("#th-sa-plan")
            expect(plan.locator("h3.th-plan-group").first).to_have_text(
                "Pre-departure", timeout=30_000)
            expect(plan).to_contain_text("3 of 16 statements answered")
            actions = plan.locator("li.th-plan-action")
            ids = plan.locator(".th-plan-where code").all_text_contents()
            assert actions.count() == len(ids) >= 2
            assert {"employers/pre-departure/4", "employers/pre-departure/5"} <= set(ids)
            expect(plan).to_contain_text("Closes: Pre-arrival language learning")

            source = actions.first.locator("details.th-plan-source")
            where = source.locator(".th-plan-where")
            expect(where).to_be_hidden()
            source.locator("summary").click()
            expect(where).to_be_visible()
            expect(where).to_contain_text("Guidebook › II.1 Employers › Action points")
            expect(page.locator("#th-sa-downloads")).to_be_visible()
        finally:
            browser.close()
