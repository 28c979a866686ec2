"""Loaders on small real files of each kind, written here, plus the shipped web-page dumps."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from corpus.loaders import SUPPORTED_SUFFIXES, LoaderError, load_document, slugify
from corpus.models import Document, Section

DOCUMENTS = Path(__file__).resolve().parents[2] / "corpus" / "documents"
WEB_DUMPS = [
    "iom-germany-talent-hub.txt",
    "dg-reform-talent-hub.txt",
    "mpf-labour-migration-news.txt",
    "emn-belgium-skills-mobility-conference.txt",
]


def _doc(path: Path, title: str = "Brief") -> Document:
    return Document(slug=path.stem, path=path, title=title)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _assert_faithful(sections: list[Section], source: str) -> None:
    """Every sentence of every section occurs in the source: loaders never invent words."""
    source = _norm(source)
    for section in sections:
        assert section.text.strip(), section.id
        assert section.kind == "other"
        for line in section.text.split("\n"):
            for sentence in re.split(r"(?<=[.!?])\s+", line):
                assert _norm(sentence) in source, (section.id, sentence)
        assert _norm(section.heading or "") in source or section.heading.startswith("Page ")


def _by_id(sections: list[Section]) -> dict[str, Section]:
    ids = [s.id for s in sections]
    assert len(ids) == len(set(ids)), ids
    return {s.id: s for s in sections}


# --- slugify -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Surveys (November-December 2023)", "surveys"),
        ("Project Materials", "project-materials"),
        ("Digital Nomads & Cross-Border Remote Work", "digital-nomads-cross-border-remote-work"),
        ("Women’s Élan: Bien-être", "womens-elan-bien-etre"),
        ("30 January 2025", "30-january-2025"),
        ("(only a parenthetical)", "section"),
        ("", "section"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_slugify_caps_length_at_a_word_boundary() -> None:
    slug = slugify("Municipality and local authority self-assessment – strengths and needs")
    assert len(slug) <= 60
    assert slug == "municipality-and-local-authority-self-assessment-strengths"


def test_supported_suffixes() -> None:
    assert {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"} == SUPPORTED_SUFFIXES


# --- Markdown ------------------------------------------------------------------------------

MARKDOWN = """\
This brief summarises what the partners learned about retaining international talent.

# Findings

Talent stays where families feel at home. See the [survey report](https://example.org/r.pdf)
for details &amp; figures.

<p>Employers <b>matter</b> most.</p>

```
# not a heading, just a comment in code
```

## Findings

A second findings section, with the same heading, about municipalities and welcome services.

## Next steps ##

---

Partners will meet again in May 2024 to agree on the <em>coordination mechanism</em>.
"""


def test_markdown_headings_links_tags_and_entities(tmp_path: Path) -> None:
    path = tmp_path / "partner-brief.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    sections = load_document(_doc(path))
    by_id = _by_id(sections)
    assert list(by_id) == [
        "partner-brief#introduction",
        "partner-brief#findings",
        "partner-brief#findings-2",
        "partner-brief#next-steps",
    ]
    intro = by_id["partner-brief#introduction"]
    assert intro.heading == "Brief"
    assert intro.title == "Brief"
    findings = by_id["partner-brief#findings"]
    assert findings.title == findings.breadcrumb == "Brief › Findings"
    assert findings.heading == "Findings"
    assert findings.document == "partner-brief"
    assert findings.text == (
        "Talent stays where families feel at home. See the survey report for details & "
        "figures.\n\n"
        "Employers matter most.\n\n"
        "# not a heading, just a comment in code"
    )
    assert by_id["partner-brief#next-steps"].text == (
        "Partners will meet again in May 2024 to agree on the coordination mechanism."
    )
    assert findings.page is None and findings.pages == ()
    assert by_id["partner-brief#findings-2"].breadcrumb == "Brief › Findings › Findings"


# --- plain text / web page dump --------------------------------------------------------------

WEB_DUMP = """\
Skip to main content
About
About
-
Home
News and events
Talent Retention Week
The city of Aarhus hosted a week of events for international talent and their families in March.
Around 400 people joined the welcome fair, the job speed-dating and the language cafés.
Programme
- Monday: welcome fair at the city hall, with stands from employers and unions
- Tuesday: job speed-dating for accompanying partners
Contact
Write to us.
"""


def test_text_dump_headings_and_menu_junk(tmp_path: Path) -> None:
    path = tmp_path / "aarhus-news.txt"
    path.write_text(WEB_DUMP, encoding="utf-8")
    sections = load_document(_doc(path, "Aarhus news"))
    by_id = _by_id(sections)
    assert list(by_id) == ["aarhus-news#talent-retention-week", "aarhus-news#programme"]
    week = by_id["aarhus-news#talent-retention-week"]
    assert week.title == "Aarhus news › Talent Retention Week"
    assert week.text.startswith("The city of Aarhus hosted")
    assert week.text.endswith("the job speed-dating and the language cafés.")
    # the menu before the first heading has no prose at all: page chrome, dropped
    assert all("Skip to main content" not in s.text for s in sections)
    programme = by_id["aarhus-news#programme"]
    assert "\n\nTuesday: job speed-dating" in programme.text  # a list item, marker gone
    # "Contact / Write to us." is too short to stand alone; it joins the previous section
    assert programme.text.endswith("Contact\n\nWrite to us.")
    _assert_faithful(sections, WEB_DUMP)


def test_text_without_headings_is_one_introduction(tmp_path: Path) -> None:
    text = "this note has no headings at all.\nit is just two lines of lower-case prose here.\n"
    path = tmp_path / "note.txt"
    path.write_text(text, encoding="utf-8")
    [section] = load_document(_doc(path, "A note"))
    assert section.id == "note#introduction"
    assert section.heading == "A note"
    assert section.text == text.strip().replace("\n", "\n\n")


def test_tiny_text_is_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("Hello World\n", encoding="utf-8")
    [section] = load_document(_doc(path, "Tiny"))
    assert (section.id, section.text) == ("tiny#introduction", "Hello World")


# --- HTML ----------------------------------------------------------------------------------

HTML = """\
<!DOCTYPE html>
<html><head><title>Skills conference</title>
<style>body { color: red; }</style>
<script>var tracking = "SHOULD NOT APPEAR";</script></head>
<body>
<header><h1>Site banner heading</h1></header>
<nav><ul><li><a href="/">Home menu item</a></li><li>About us menu</li></ul></nav>
<main>
  <h2>Conference on Skills Mobility</h2>
  <p>EMN Belgium, Enabel &amp; IOM organised a <b>hybrid</b>&nbsp;conference in
     June&nbsp;2022.</p>
  <!-- an editor's comment -->
  <p>Read<em>ing</em> the report is recommended.<br>It has two parts.</p>
  <h2>Second day</h2>
  <ul><li>Focus on national implementation.</li><li>Critical voices from the audience.</li></ul>
  <table><tr><td>Speakers</td><td>12</td></tr></table>
  <aside>Related articles sidebar</aside>
  <form><label>Subscribe to our newsletter</label></form>
</main>
<footer><p>Copyright footer text</p></footer>
<script>console.log("also not")</script>
</body></html>
"""


def test_html_main_content_only(tmp_path: Path) -> None:
    path = tmp_path / "emn-page.html"
    path.write_text(HTML, encoding="utf-8")
    sections = load_document(_doc(path, "EMN"))
    by_id = _by_id(sections)
    assert list(by_id) == ["emn-page#conference-on-skills-mobility", "emn-page#second-day"]
    first = by_id["emn-page#conference-on-skills-mobility"]
    assert first.text == (
        "EMN Belgium, Enabel & IOM organised a hybrid conference in June 2022.\n\n"
        "Reading the report is recommended. It has two parts."
    )
    second = by_id["emn-page#second-day"]
    assert second.text == (
        "Focus on national implementation.\n\nCritical voices from the audience.\n\n"
        "Speakers | 12"
    )
    everything = " ".join(s.text + " " + s.title for s in sections)
    for junk in (
        "SHOULD NOT",
        "also not",
        "banner",
        "menu",
        "sidebar",
        "newsletter",
        "Copyright",
        "color",
        "editor",
    ):
        assert junk not in everything


def test_html_without_main_uses_body(tmp_path: Path) -> None:
    path = tmp_path / "plain.htm"
    path.write_text(
        "<html><body><nav>Menu</nav><p>Just one paragraph of body text here.</p></body></html>",
        encoding="utf-8",
    )
    [section] = load_document(_doc(path, "Plain"))
    assert section.id == "plain#introduction"
    assert section.text == "Just one paragraph of body text here."


# --- DOCX ----------------------------------------------------------------------------------


def test_docx_headings_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Partner brief on retention", 0)
    document.add_paragraph("Prepared for the Talent Hub EU final workshop in May 2024.")
    document.add_heading("Overview", 1)
    document.add_paragraph("Retention depends on families, language and work.")
    document.add_heading("Survey figures", 2)
    document.add_paragraph("Two surveys informed the guidebook.")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "Survey"
    table.cell(0, 1).text = "Responses"
    table.cell(1, 0).text = "Remote work"
    table.cell(1, 1).text = "68"
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "Both surveys ran in late 2023"
    document.add_heading("Overview", 2)
    document.add_paragraph("A second overview, for municipalities.")
    path = tmp_path / "brief.docx"
    document.save(str(path))

    sections = load_document(_doc(path, "Brief"))
    by_id = _by_id(sections)
    assert list(by_id) == [
        "brief#partner-brief-on-retention",
        "brief#overview",
        "brief#survey-figures",
        "brief#overview-2",
    ]
    figures = by_id["brief#survey-figures"]
    assert figures.title == "Brief › Overview › Survey figures"  # the Title heads no part
    assert figures.text == (
        "Two surveys informed the guidebook.\n\n"
        "Survey | Responses\n\nRemote work | 68\n\nBoth surveys ran in late 2023"
    )
    assert by_id["brief#overview"].text == "Retention depends on families, language and work."


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.pdf", os.urandom(2048), r"broken\.pdf: cannot read"),
        ("broken.docx", b"PK\x03\x04 definitely not a zip", r"broken\.docx: cannot read"),
        ("empty.txt", b"", r"empty\.txt: empty document"),
        ("blank.md", b"  \n\n\t\n", r"blank\.md: empty document"),
        ("chrome.html", b"<html><body><nav>Menu</nav></body></html>", r"chrome\.html: empty"),
        ("latin.txt", "Caf\u00e9 au lait".encode("latin-1"), r"latin\.txt: cannot read: .*UTF-8"),
        ("binary.txt", b"\x00\x01\x02 text", r"binary\.txt: cannot read"),
        ("sheet.xlsx", b"PK\x03\x04", r"sheet\.xlsx: unsupported file type '\.xlsx'"),
    ],
)
def test_bad_files_raise_one_line_loader_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoaderError, match=message) as excinfo:
        load_document(_doc(path))
    assert "\n" not in str(excinfo.value)
    assert str(path) in str(excinfo.value)


def test_missing_file_is_a_loader_error(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match=r"gone\.md: cannot read: file not found"):
        load_document(_doc(tmp_path / "gone.md"))


# --- the shipped web-page dumps --------------------------------------------------------------


def _load_dump(name: str) -> list[Section]:
    path = DOCUMENTS / name
    return load_document(Document(slug=path.stem, path=path, title=path.stem))


@pytest.mark.parametrize("name", WEB_DUMPS)
def test_real_dumps_are_faithful_and_non_empty(name: str) -> None:
    sections = _load_dump(name)
    assert sections
    _by_id(sections)
    for section in sections:
        assert section.id.startswith(f"{Path(name).stem}#")
        assert len(section.text) >= 40, section.id
    _assert_faithful(sections, (DOCUMENTS / name).read_text(encoding="utf-8"))


def test_iom_germany_sections() -> None:
    by_id = _by_id(_load_dump("iom-germany-talent-hub.txt"))
    for slug in ("talent-hub-eu", "project-materials", "surveys"):
        assert f"iom-germany-talent-hub#{slug}" in by_id
    surveys = by_id["iom-germany-talent-hub#surveys"]
    assert surveys.heading == "Surveys (November-December 2023)"
    assert "68 responses" in surveys.text
    assert "110 responses" in surveys.text
    assert "Guidebook (May 2024)" in by_id["iom-germany-talent-hub#project-materials"].text


def test_dg_reform_sections() -> None:
    by_id = _by_id(_load_dump("dg-reform-talent-hub.txt"))
    assert "modular guidebook" in by_id["dg-reform-talent-hub#support-delivered"].text
    assert "nurturing and attraction" in by_id["dg-reform-talent-hub#expected-results"].text


def test_mpf_news_dates_become_sections() -> None:
    by_id = _by_id(_load_dump("mpf-labour-migration-news.txt"))
    assert "WAFIRA" in by_id["mpf-labour-migration-news#30-january-2025"].text
    # two news items share a date: the second gets a suffix
    assert "Digital Explorers" in by_id["mpf-labour-migration-news#16-november-2020-2"].text
    assert "mpf-labour-migration-news#community-of-practice" in by_id
