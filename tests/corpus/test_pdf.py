"""The PDF reader on hand-built pages with exact geometry: one layout rule per assertion."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdf_writer import Page, pdf_bytes

from corpus.blocks import FOOTNOTE, HEADING, ITEM, PARAGRAPH, ROW, Block
from corpus.loaders import LoaderError, load_document
from corpus.models import Document
from corpus.readers.pdf import read_pdf

HEADER = "Partner brief - Talent retention"


def _chrome(page: Page, number: int) -> None:
    page.text(200, 20, HEADER, size=8)
    page.text(280, 805, f"Page {number}", size=8)


def _brief() -> list[Page]:
    one, two = Page(), Page()
    _chrome(one, 1)
    _chrome(two, 2)
    one.text(72, 70, "Retention in Aarhus", size=20, bold=True)
    top = one.lines(72, 110, [
        "The pilot supported 412 international talents and their families in 2024, and",
        "families stayed longer when spouses found work within a year.",
    ])
    top = one.lines(72, top + 11, ["Welcome services"])  # short, but body text
    top = one.lines(72, top + 11, [
        "Retention rose where municipalities offered reten-",
        "tion talks. Retention talks were held monthly. The well-",
        "being of families matters, and their well-being is measured.",
        "Support covered pre-",
        "and post-arrival services.",
    ])
    one.text(72, top + 16, "Findings", size=12, bold=True)
    top += 16 + 12 * 1.3 + 8
    one.text(72, top, "Settlement consultants")
    one.text(190, top + 11 - 6 - 3.5, "1", size=6)  # raised by a third of the body size
    one.text(196, top, "helped newcomers.")
    top = one.lines(72, top + 14.3 + 11, [
        "1. Offer language courses before arrival.",
        "2. Refer spouses to job networks and",
        "employers in the region.",
    ])
    top = one.lines(72, top + 11, ["• Housing advice for every family."])
    one.lines(72, 760, ["The municipality will continue the programme"])
    top = two.lines(72, 70, ["until the end of 2026."])
    for row, (left, right) in enumerate([("Measure", "Result"), ("Welcome fair", "400 visitors"),
                                         ("Job speed-dating", "58 matches")]):
        y = top + 20 + row * 20
        two.rect(72, y, 250, y + 20).rect(250, y, 450, y + 20)
        two.text(76, y + 4, left, size=10, bold=row == 0)
        two.text(254, y + 4, right, size=10, bold=row == 0)
    two.text(72, 770, "1 Municipal focal points for newcomers.", size=8)
    return [one, two]


@pytest.fixture(scope="module")
def brief(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "aarhus-brief.pdf"
    path.write_bytes(pdf_bytes(_brief(), title="Partner brief: retention in Aarhus"))
    return path


@pytest.fixture(scope="module")
def blocks(brief: Path) -> list[Block]:
    return read_pdf(brief).blocks


def _find(blocks: list[Block], start: str) -> Block:
    return next(b for b in blocks if b.text.startswith(start))


def test_headings_come_from_font_size_and_weight(blocks: list[Block]) -> None:
    headings = [(b.text, b.level) for b in blocks if b.kind == HEADING]
    assert headings == [("Retention in Aarhus", 1), ("Findings", 2)]
    assert _find(blocks, "Welcome services").kind == PARAGRAPH  # short is not a heading


def test_running_header_footer_and_page_numbers_are_gone(blocks: list[Block]) -> None:
    text = " ".join(b.text for b in blocks)
    assert HEADER not in text
    assert "Page 1" not in text and "Page 2" not in text


def test_paragraphs_are_rebuilt_across_lines_and_pages(blocks: list[Block]) -> None:
    assert _find(blocks, "The pilot").text == (
        "The pilot supported 412 international talents and their families in 2024, and "
        "families stayed longer when spouses found work within a year.")
    carried = _find(blocks, "The municipality")
    assert carried.text == "The municipality will continue the programme until the end of 2026."
    assert carried.pages == (1, 2)


def test_hyphens_at_line_ends(blocks: list[Block]) -> None:
    assert _find(blocks, "Retention rose").text == (
        "Retention rose where municipalities offered retention talks. Retention talks were "
        "held monthly. The well-being of families matters, and their well-being is measured. "
        "Support covered pre- and post-arrival services.")


def test_footnote_marker_leaves_the_text_and_the_note_is_found(blocks: list[Block]) -> None:
    cited = _find(blocks, "Settlement consultants")
    assert cited.text == "Settlement consultants helped newcomers."
    assert cited.notes == ("1",)
    note = next(b for b in blocks if b.kind == FOOTNOTE)
    assert (note.marker, note.text, note.pages) == ("1", "Municipal focal points for newcomers.",
                                                    (2,))


def test_list_items_keep_their_numbers_and_wrapped_lines(blocks: list[Block]) -> None:
    items = [(b.number, b.text) for b in blocks if b.kind == ITEM]
    assert items == [(1, "Offer language courses before arrival."),
                     (2, "Refer spouses to job networks and employers in the region."),
                     (None, "Housing advice for every family.")]


def test_a_ruled_table_is_rows_never_headings(blocks: list[Block]) -> None:
    rows = [b for b in blocks if b.kind == ROW]
    assert [b.text for b in rows] == ["Measure | Result", "Welcome fair | 400 visitors",
                                      "Job speed-dating | 58 matches"]
    assert all(b.pages == (2,) for b in rows)
    assert "Measure" not in [b.text for b in blocks if b.kind == HEADING]


def test_sections_titles_and_pages(brief: Path) -> None:
    document = Document(slug="aarhus-brief", path=brief, title="Aarhus brief")
    by_id = {s.id: s for s in load_document(document)}
    assert list(by_id) == ["aarhus-brief#retention-in-aarhus", "aarhus-brief#findings"]
    findings = by_id["aarhus-brief#findings"]
    assert findings.pages == (1, 2)
    assert findings.title == "Aarhus brief › Retention in Aarhus › Findings (pp. 1–2)"
    assert "Welcome fair | 400 visitors" in findings.text
    assert "2. Refer spouses to job networks and employers in the region." in findings.text
    assert findings.footnotes == ("Municipal focal points for newcomers.",)


def test_title_comes_from_the_metadata(brief: Path) -> None:
    assert read_pdf(brief).title == "Partner brief: retention in Aarhus"


def test_pdf_without_headings_is_one_section_per_page(tmp_path: Path) -> None:
    pages = [Page(), Page()]
    pages[0].lines(72, 100, ["First page text that is plain prose without any heading."])
    pages[1].lines(72, 100, ["Second page text, also plain prose, continuing the notes."])
    path = tmp_path / "scan-notes.pdf"
    path.write_bytes(pdf_bytes(pages))
    sections = load_document(Document(slug="scan-notes", path=path, title="Notes"))
    assert [s.id for s in sections] == ["scan-notes#page-1", "scan-notes#page-2"]
    assert [s.page for s in sections] == [1, 2]
    assert sections[1].title == "Notes › Page 2 (p. 2)"
    assert sections[1].text == "Second page text, also plain prose, continuing the notes."


def test_encrypted_pdf_is_a_loader_error(tmp_path: Path, brief: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(brief).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(LoaderError, match=r"locked\.pdf: cannot read: .*password"):
        load_document(Document(slug="locked", path=locked, title="Locked"))


def test_two_columns_are_read_left_then_right(tmp_path: Path) -> None:
    page = Page()
    page.text(72, 60, "Findings from the partner cities", size=16, bold=True)
    left = ["Newcomers in all three cities named", "housing as their first worry, before",
            "language and work. Cities with a", "housing desk kept more families in",
            "their first year than cities"]
    right = ["without one, and the difference grew", "in the second year.", "",
             "Employers asked for one contact", "point per city. Two cities have",
             "appointed one since the pilot."]
    page.lines(72, 100, left, size=10)
    top = 100
    for line in right:
        if line:
            page.text(310, top, line, size=10)
        top += 13 if line else 8
    path = tmp_path / "columns.pdf"
    path.write_bytes(pdf_bytes([page]))
    paragraphs = [b.text for b in read_pdf(path).blocks if b.kind == PARAGRAPH]
    assert paragraphs == [
        "Newcomers in all three cities named housing as their first worry, before language "
        "and work. Cities with a housing desk kept more families in their first year than "
        "cities without one, and the difference grew in the second year.",
        "Employers asked for one contact point per city. Two cities have appointed one since "
        "the pilot."]
