"""Two partners and an operator on one real server, in headless Chromium: the operator
uploads a PDF for partner alpha on the admin page, watches it index, and alpha's chat login
gets it answered while beta's gets nothing of it; then the analytics page.

One `talenthub serve` for the module, on a copy of the session's real index plus the two
partners' documents (only those are embedded)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from support import add_partners, axe_violations, copy_corpus, serve

from assistant import Assistant
from corpus.settings import Settings
from index.build import build_index

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAMILY_SERVICES = """<html><head><title>Alpha City family services</title></head>
<body style="font-family: sans-serif"><h1>Alpha City family services</h1>
<h2>Childcare allowance</h2>
<p>New international staff of Alpha City receive a childcare allowance of 150 euros a month
for each child during their first year.</p>
<h2>School places</h2>
<p>The Alpha City school office reserves places in international classes for the children of
staff recruited from abroad.</p></body></html>"""
QUESTION = "How much is the childcare allowance for new Alpha City staff?"
ENV = {"TALENTHUB_API_KEYS": "alpha:key-alpha,beta:key-beta,ops:key-ops",
       "TALENTHUB_ADMINS": "ops", "TALENTHUB_UI_AUTH": "alpha:pass-alpha,beta:pass-beta",
       "TALENTHUB_ANALYTICS": "on", "TALENTHUB_RATE_LIMIT_PER_MINUTE": "0"}


@pytest.fixture(scope="module")
def partner_server(browser: Browser, real_settings: Settings, real_assistant: Assistant,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("partner-server")
    corpus = add_partners(copy_corpus(root / "corpus"))
    data = root / "data"
    shutil.copytree(real_settings.index_dir, data / "index",
                    ignore=shutil.ignore_patterns(".lock"))
    build_index(Settings(corpus_dir=corpus, data_dir=data), lambda: real_assistant.embedder)
    with serve(data, root / "serve.log",
               env={**ENV, "TALENTHUB_CORPUS_DIR": str(corpus)}) as url:
        yield url


def sign_in_to_chat(browser: Browser, url: str, user: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(url)
    page.locator("input[type=text]").fill(user)
    page.locator("input[type=password]").fill(f"pass-{user}")
    page.get_by_role("button", name="Login").click()
    page.locator("#th-question textarea").wait_for(timeout=30_000)
    return page


def ask_in_chat(page: Page, question: str) -> str:
    from playwright.sync_api import expect

    page.locator("#th-question textarea").fill(question)
    page.keyboard.press("Enter")
    reply = page.locator("#th-chat [data-testid='bot']").last
    expect(reply).not_to_have_text("…", timeout=30_000)
    expect(page.locator("#th-question textarea")).to_be_editable()
    page.wait_for_timeout(500)  # the last streamed update
    return " ".join((reply.text_content() or "").split())  # closed sources included


def test_an_admin_uploads_a_pdf_watches_it_index_and_sees_it_answered(
        browser: Browser, partner_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    printer = browser.new_page()
    printer.set_content(FAMILY_SERVICES)
    pdf = tmp_path / "Family Services.pdf"
    pdf.write_bytes(printer.pdf(format="A4"))

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.goto(f"{partner_server}/admin")
    admin.locator("#th-key").fill("key-ops")
    admin.get_by_role("button", name="Sign in").click()
    expect(admin.get_by_role("heading", name="Partner: beta")).to_be_visible()
    admin.locator("#th-scope").select_option("alpha")
    admin.locator("#th-file").set_input_files(pdf)
    admin.get_by_role("button", name="Upload").click()
    expect(admin.locator("#th-upload-status")).to_contain_text(
        "Added partners/alpha/family-services.pdf")
    row = admin.locator("#th-scopes tr", has_text="partners/alpha/family-services.pdf")
    expect(row).to_contain_text("Not indexed yet")

    admin.get_by_role("button", name="Re-index now").click()
    expect(admin.locator("#th-progress")).to_be_visible()
    expect(admin.locator("#th-reindex-status")).to_contain_text("Done", timeout=120_000)
    expect(row).to_contain_text("Indexed")
    expect(row).to_contain_text("Alpha City family services")  # the PDF's own title
    expect(admin.locator("#th-audit")).to_contain_text("family-services.pdf")

    alpha_page = sign_in_to_chat(browser, partner_server, "alpha")
    alpha = ask_in_chat(alpha_page, QUESTION)
    assert "150 euros" in alpha and "alpha/family-services" in alpha
    link = alpha_page.locator("#th-chat a[href*='passage?id=alpha']").first.get_attribute("href")
    passage = f"{partner_server}/{link}"
    assert "150 euros" in (alpha_page.request.get(passage).text())  # alpha's login cookie
    beta_page = sign_in_to_chat(browser, partner_server, "beta")
    beta = ask_in_chat(beta_page, QUESTION)
    assert "150 euros" not in beta and "family-services" not in beta
    assert beta_page.request.get(passage).status == 404  # beta's login: not found
    assert httpx.get(passage).status_code == 401  # no login: sign in first


def test_the_analytics_page_shows_the_traffic_at_desktop_width(
        browser: Browser, partner_server: str) -> None:
    from playwright.sync_api import expect

    for question in ("Can employees bring their dog when they relocate?",
                     "Do pets need a vaccination passport to move here?",
                     "How can we help the spouses of our foreign hires?"):
        httpx.post(f"{partner_server}/api/ask", json={"question": question},
                   headers={"X-API-Key": "key-alpha"}, timeout=60).raise_for_status()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{partner_server}/admin/analytics")
    page.locator("#th-key").fill("key-ops")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#th-report .th-summary")).to_be_visible(timeout=60_000)
    assert page.locator("#th-report svg[role=img]").count() >= 6
    gaps = page.locator(".th-gap")
    expect(gaps.first).to_contain_text("2 questions")  # the two about pets, as one
    page.locator("#th-partner").select_option("beta")  # alpha asked about pets, not beta
    expect(page.locator(".th-period")).to_contain_text("beta")
    expect(page.locator(".th-gaps")).not_to_contain_text("pets")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_admin_pages_fit_the_screen_and_pass_axe(browser: Browser, partner_server: str,
                                                      width: int) -> None:
    """On a phone the tables become cards; nothing scrolls sideways at either width."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{partner_server}/admin/")
    page.locator("#th-key").fill("key-ops")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Partner: beta")).to_be_visible()
    found = {"documents": axe_violations(page)}
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.goto(f"{partner_server}/admin/analytics")  # the key is remembered for the tab
    expect(page.locator("#th-report .th-summary")).to_be_visible(timeout=60_000)
    found["analytics"] = axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert found == {"documents": [], "analytics": []}
