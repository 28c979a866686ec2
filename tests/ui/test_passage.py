""""Open in document": the passage page and the PDF original, with a stub assistant that
has the two lookups the routes use (`section`, `document`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.models import Citation, Hit
from corpus.models import Document
from ui.branding import _rgb, contrast, text_safe
from ui.door import ANONYMOUS, Door
from ui.passage_routes import highlight, passage_router
from ui.sources import Source


def unit(unit_id: str, number: int, text: str, page: int = 0) -> Hit:
    stakeholder, phase, _ = unit_id.split("/")
    return Hit(unit_id, unit_id, 1.0, text, {
        "kind": "action-points", "document": "guide", "stakeholder": stakeholder,
        "phase": phase, "number": number, "page": page, "pages": str(page or ""),
        "heading": "",
        "title": f"Employers / Action points / Pre-departure / {number}",
        "breadcrumb": f"Guide › Employers › Action points › Pre-departure › {number}"})


class Library:
    """The assistant's document lookups over two units of a PDF guide."""

    def __init__(self, pdf: Path):
        self.units = [unit("employers/pre-departure/1", 1, "Engage with the municipality."),
                      unit("employers/pre-departure/2", 2,
                           "Offer language courses <online>.\nThis helps spouses too.", 7)]
        self.pdf = Document(slug="guide", path=pdf, title="The <Guide>", licence="CC BY 4.0")

    def scoped(self, scope: object, **_: object) -> Library:
        return self

    def section(self, unit_id: str) -> list[Hit]:
        return self.units if any(u.unit_id == unit_id for u in self.units) else []

    def document(self, slug: str) -> Document | None:
        return self.pdf if slug == "guide" else None


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    app = FastAPI()
    door = Door(Library(pdf))  # type: ignore[arg-type]
    app.include_router(passage_router(door, lambda: ANONYMOUS))
    return TestClient(app)


def test_the_passage_is_shown_in_its_section_with_the_quote_highlighted(
        client: TestClient) -> None:
    page = client.get("/passage", params={"id": "employers/pre-departure/2",
                                          "quote": "This helps spouses too."})
    assert page.status_code == 200
    html = page.text
    assert "Engage with the municipality." in html  # the unit beside it
    target = html[html.index('id="passage"'):]
    assert "Offer language courses &lt;online&gt;." in target
    assert "<mark>This helps spouses too.</mark>" in target
    assert '<a href="documents/guide/original#page=7">Open the PDF at p. 7</a>' in html
    assert "Licence: CC BY 4.0." in html
    assert "<h1>The &lt;Guide&gt;</h1>" in html


def test_the_citation_s_own_pages_win(client: TestClient) -> None:
    html = client.get("/passage", params={"id": "employers/pre-departure/2",
                                          "pages": "8,9"}).text
    assert "Open the PDF at pp. 8–9" in html and "#page=8" in html
    assert client.get("/passage", params={"id": "employers/pre-departure/2",
                                          "pages": "8;x"}).status_code == 422


def test_unknown_passages_and_documents_are_404(client: TestClient) -> None:
    assert client.get("/passage", params={"id": "employers/pre-departure/9"}).status_code == 404
    assert client.get("/documents/other/original").status_code == 404


def test_a_pdf_original_is_served_for_the_browser_to_open_at_its_page(
        client: TestClient) -> None:
    response = client.get("/documents/guide/original")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")


def test_highlighting_survives_other_whitespace_and_a_missing_quote() -> None:
    assert highlight("A  b\nc <d>", "b c") == "A  <mark>b\nc</mark> &lt;d&gt;"
    assert highlight("A <b>", "not there") == "<mark>A &lt;b&gt;</mark>"


def test_a_source_without_a_pdf_opens_only_the_passage_page() -> None:
    citation = Citation(1, "x#y", "x", None, "other", None, None, "X / Y", "Quote.", 0.5)
    markdown = Source(citation, Document(slug="x", path=Path("x.md"), title="X"))
    assert markdown.original_url() is None
    assert markdown.passage_url() == "passage?id=x%23y&quote=Quote.#passage"
    assert markdown.heading == "“Quote.”"


def test_brand_colours_are_darkened_until_text_on_them_is_readable() -> None:
    assert text_safe("#0f5ea8") == "#0f5ea8"  # already 6:1
    for colour in ("#ffcc00", "#3399ff", "#ffffff"):
        assert contrast(_rgb(text_safe(colour)), _rgb("#f1f5f9")) >= 4.5
