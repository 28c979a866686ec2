"""The corpus's own documents in the formats partners hold them, made from the seed files.

- the guidebook (its Markdown seed) as a published HTML page, as a PDF printed by headless
  Chromium from that page (running title and page numbers in the margins, as a publication
  has them), and as a Word file (heading styles, numbered lists, real tables, real
  footnotes);
- the web pages as PDFs, printed the same way;
- a Word brief with facts, for questions about a generic document.

Tests and the rendering eval write them into temporary folders; nothing generated is kept
in the repository. The brief's organisation, numbers and names are invented for testing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from corpus.blocks import HEADING, ITEM, Block
from corpus.readers.markup import markdown_html
from corpus.readers.text import read_text
from corpus.settings import DEFAULT_CORPUS_DIR

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
GUIDEBOOK_SEED = DEFAULT_CORPUS_DIR / "talent-hub-guidebook.md"
GUIDEBOOK_TITLE = "IOM Talent Hub EU Guidebook"
WEB_PAGES = {  # the seed dumps and the titles their pages had
    "iom-germany-talent-hub": "IOM Germany: Talent Hub EU",
    "dg-reform-talent-hub": "European Commission Reform Support: Talent Hub",
    "mpf-labour-migration-news": "Migration Partnership Facility: labour migration news",
    "emn-belgium-skills-mobility-conference":
        "EMN Belgium: Conference on Skills Mobility Partnerships",
}
FORMATS = ("md", "html", "pdf", "docx")
PUBLICATION_CSS = """
@page { size: A4; }
body { font-family: 'Liberation Serif', serif; font-size: 10.5pt; line-height: 1.35;
       text-align: justify; color: #111; }
h1 { font-family: 'Liberation Sans', sans-serif; font-size: 22pt; margin: 0 0 10pt; }
h2 { font-family: 'Liberation Sans', sans-serif; font-size: 16pt; margin: 16pt 0 8pt; }
h3 { font-family: 'Liberation Sans', sans-serif; font-size: 13pt; margin: 12pt 0 6pt; }
h4 { font-family: 'Liberation Sans', sans-serif; font-size: 11.5pt; margin: 10pt 0 4pt; }
p { margin: 0 0 7pt; }
table { border-collapse: collapse; width: 100%; margin: 8pt 0; font-size: 10pt;
        text-align: left; }
td, th { border: 0.75pt solid #555; padding: 3pt 5pt; vertical-align: top; }
td p { margin: 0 0 3pt; }
ol, ul { margin: 3pt 0 6pt; }
sup { font-size: 60%; }
"""
HEADER = ('<div style="font: 8px \'Liberation Sans\', sans-serif; width: 100%; '
          'text-align: center; color: #555;"><span class="title"></span></div>')
FOOTER = ('<div style="font: 8px \'Liberation Sans\', sans-serif; width: 100%; '
          'text-align: center; color: #555;">Page <span class="pageNumber"></span> of '
          '<span class="totalPages"></span></div>')


def publication(body: str, title: str) -> str:
    """A standalone HTML page around `body`, styled like a printed report."""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{PUBLICATION_CSS}</style></head>"
            f"<body><main>\n{body}\n</main></body></html>\n")


def guidebook_html(seed: Path = GUIDEBOOK_SEED) -> str:
    return publication(markdown_html(seed.read_text(encoding="utf-8")), GUIDEBOOK_TITLE)


def web_page_html(dump: Path, title: str) -> str:
    """A saved web page as the page it came from: its title, headings, paragraphs, lists."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    items: list[str] = []
    for block in [*read_text(dump).blocks, Block("end", "")]:
        if block.kind == ITEM:
            items.append(f"<li>{html.escape(block.text)}</li>")
            continue
        if items:
            body.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if block.kind == HEADING:
            body.append(f"<h2>{html.escape(block.text)}</h2>")
        elif block.text:
            body.append(f"<p>{html.escape(block.text)}</p>")
    return publication("\n".join(body), title)


def print_pdf(pages: Iterable[tuple[Path, Path]]) -> None:
    """Print each (HTML file, PDF file) with headless Chromium, one browser for all."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for source, target in pages:
                page.goto(source.resolve().as_uri())
                page.pdf(path=str(target), format="A4", display_header_footer=True,
                         header_template=HEADER, footer_template=FOOTER, print_background=True,
                         margin={"top": "22mm", "bottom": "22mm", "left": "20mm",
                                 "right": "20mm"})
        finally:
            browser.close()


# -- Word ---------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MARKER = re.compile(r"\s*(\d{1,3})\s*")
_TYPED_NUMBER = re.compile(r"\s*\d{1,3}[.)]\s+")


def html_to_docx(markup: str, target: Path, *, title: str) -> None:
    """A Word file with the page's structure as Word keeps it: heading styles, list styles
    with Word's own numbering (restarting per list), tables, and footnotes in their part."""
    import docx
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    document = docx.Document()
    document.core_properties.title = title
    writer = _DocxWriter(document)
    root = soup.find("main") or soup.body or soup
    for paragraph in root.find_all("p"):  # "<sup>1</sup> text": a footnote's own text
        first = next((c for c in paragraph.children if str(c).strip()), None)
        if getattr(first, "name", None) == "sup" and _MARKER.fullmatch(first.get_text()):
            writer.notes[first.get_text().strip()] = " ".join(
                paragraph.get_text(" ", strip=True).split()[1:])
            paragraph.decompose()
    writer.blocks(root, document)
    writer.save_footnotes()
    document.save(str(target))


class _DocxWriter:
    def __init__(self, document: Any):
        self.document = document
        self.notes: dict[str, str] = {}
        self.numbering = document.part.numbering_part.element
        self.list_number = self._abstract_of("List Number")

    def blocks(self, node: Any, container: Any) -> None:
        from bs4 import Tag

        for child in node.children:
            if not isinstance(child, Tag):
                if str(child).strip():
                    self.inline(container.add_paragraph(), [child])
                continue
            name = child.name
            if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                heading = container.add_paragraph(style=f"Heading {name[1]}")
                self.inline(heading, child.children)
            elif name in ("p", "pre", "blockquote") and child.get_text(strip=True):
                self.inline(container.add_paragraph(), child.children)
            elif name in ("ol", "ul"):
                self.list(child, container, ordered=name == "ol")
            elif name == "table":
                self.table(child, container)
            elif name in ("div", "section", "article", "main"):
                self.blocks(child, container)

    def inline(self, paragraph: Any, nodes: Iterable[Any], *, bold: bool = False,
               italic: bool = False) -> None:
        from bs4 import NavigableString, Tag
        from bs4.element import PreformattedString

        for node in nodes:
            if isinstance(node, NavigableString):
                if not isinstance(node, PreformattedString):
                    text = re.sub(r"\s+", " ", str(node))
                    if text:
                        run = paragraph.add_run(text)
                        run.bold, run.italic = bold or None, italic or None
            elif isinstance(node, Tag):
                if node.name == "sup" and _MARKER.fullmatch(node.get_text()):
                    self.reference(paragraph, node.get_text().strip())
                elif node.name == "br":
                    paragraph.add_run(" ")
                elif node.name == "input":
                    paragraph.add_run("☐")
                elif node.name not in ("ol", "ul", "table"):
                    self.inline(paragraph, node.children, bold=bold or node.name in (
                        "b", "strong"), italic=italic or node.name in ("i", "em"))

    def reference(self, paragraph: Any, marker: str) -> None:
        from docx.oxml import parse_xml

        paragraph._p.append(parse_xml(
            f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            f'<w:footnoteReference w:id="{int(marker)}"/></w:r>'))

    def list(self, node: Any, container: Any, *, ordered: bool) -> None:
        from bs4 import NavigableString
        from docx.oxml import parse_xml

        num_id = self._new_list() if ordered else None
        for li in node.find_all("li", recursive=False):
            paragraph = container.add_paragraph(style="List Number" if ordered else
                                                 "List Bullet")
            if num_id is not None:
                paragraph._p.get_or_add_pPr().append(parse_xml(
                    f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="0"/>'
                    f'<w:numId w:val="{num_id}"/></w:numPr>'))
            children = list(li.children)
            if children and isinstance(children[0], NavigableString):  # "1. " typed in
                children[0] = NavigableString(_TYPED_NUMBER.sub("", children[0], count=1))
            self.inline(paragraph, children)
            for nested in li.find_all(["ol", "ul"], recursive=False):
                self.list(nested, container, ordered=nested.name == "ol")

    def table(self, node: Any, container: Any) -> None:
        rows = node.find_all("tr")
        width = max(len(r.find_all(["td", "th"], recursive=False)) for r in rows)
        table = container.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for tr, table_row in zip(rows, table.rows, strict=True):
            for td, cell in zip(tr.find_all(["td", "th"], recursive=False), table_row.cells,
                                strict=False):
                first = cell.paragraphs[0]
                loose = [c for c in td.children if getattr(c, "name", None) not in (
                    "p", "ol", "ul", "table", "div")]
                if any(str(c).strip() for c in loose):
                    self.inline(first, td.children)
                    continue
                self.blocks(td, cell)
                if len(cell.paragraphs) > 1 and not first.text:
                    first._p.getparent().remove(first._p)

    def _abstract_of(self, style_name: str) -> str:
        style = self.document.styles[style_name]
        num_id = style.element.pPr.find(f"{{{W_NS}}}numPr/{{{W_NS}}}numId").get(
            f"{{{W_NS}}}val")
        num = next(n for n in self.numbering.iter(f"{{{W_NS}}}num")
                   if n.get(f"{{{W_NS}}}numId") == num_id)
        return num.find(f"{{{W_NS}}}abstractNumId").get(f"{{{W_NS}}}val")

    def _new_list(self) -> int:
        """A list instance of its own, restarting at 1, as Word makes for a new list."""
        from docx.oxml import parse_xml

        used = [int(n.get(f"{{{W_NS}}}numId")) for n in self.numbering.iter(f"{{{W_NS}}}num")]
        num_id = max(used, default=0) + 1
        self.numbering.append(parse_xml(
            f'<w:num xmlns:w="{W_NS}" w:numId="{num_id}"><w:abstractNumId '
            f'w:val="{self.list_number}"/><w:lvlOverride w:ilvl="0"><w:startOverride '
            f'w:val="1"/></w:lvlOverride></w:num>'))
        return num_id

    def save_footnotes(self) -> None:
        """The footnotes part Word writes: two separators, then one note per marker."""
        if not self.notes:
            return
        from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        notes = "".join(
            f'<w:footnote w:id="{int(m)}"><w:p><w:r><w:rPr><w:vertAlign '
            f'w:val="superscript"/></w:rPr><w:footnoteRef/></w:r><w:r><w:t '
            f'xml:space="preserve"> {html.escape(text)}</w:t></w:r></w:p></w:footnote>'
            for m, text in self.notes.items())
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<w:footnotes xmlns:w="{W_NS}"><w:footnote w:type="separator" w:id="-1">'
               f"<w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote "
               f'w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
               f"</w:r></w:p></w:footnote>{notes}</w:footnotes>")
        part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES,
                    xml.encode("utf-8"), self.document.part.package)
        self.document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


# -- whole folders ------------------------------------------------------------------------------


def guidebook_folder(target: Path, fmt: str) -> Path:
    """A corpus folder holding only the guidebook, in format `fmt` (md, html, pdf, docx)."""
    target.mkdir(parents=True, exist_ok=True)
    name = "talent-hub-guidebook"
    if fmt == "md":
        (target / f"{name}.md").write_bytes(GUIDEBOOK_SEED.read_bytes())
        return target
    page = guidebook_html()
    if fmt == "html":
        (target / f"{name}.html").write_text(page, encoding="utf-8")
    elif fmt == "docx":
        html_to_docx(page, target / f"{name}.docx", title=GUIDEBOOK_TITLE)
    elif fmt == "pdf":
        source = target.parent / f".{target.name}-{name}.html"
        source.write_text(page, encoding="utf-8")
        print_pdf([(source, target / f"{name}.pdf")])
        source.unlink()
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    return target


def web_page_pdfs(target: Path) -> Path:
    """The seed web pages, each printed to PDF under its own name."""
    target.mkdir(parents=True, exist_ok=True)
    jobs = []
    for slug, title in WEB_PAGES.items():
        source = target.parent / f".{target.name}-{slug}.html"
        source.write_text(web_page_html(DEFAULT_CORPUS_DIR / f"{slug}.txt", title),
                          encoding="utf-8")
        jobs.append((source, target / f"{slug}.pdf"))
    print_pdf(jobs)
    for source, _ in jobs:
        source.unlink()
    return target


BRIEF_TITLE = "Talent Desk pilot: partner brief"
BRIEF = """
<h1>Talent Desk pilot: partner brief</h1>
<p>This brief is a test document: the pilot, its figures and its people are invented.</p>
<h2>About the pilot</h2>
<p>The Talent Desk pilot ran from 3 March to 28 November 2025 in three partner cities. It
registered 412 newcomers and 167 accompanying partners during that time. The pilot was funded
by the Regional Business Council with 1.2 million kroner<sup>1</sup>.</p>
<h2>Results</h2>
<p>Accompanying partners found work within eleven months on average. Two in three newcomers
said they intend to stay for at least five years.</p>
<table>
<tr><th>Event</th><th>Date</th><th>Attendance</th></tr>
<tr><td>Welcome fair</td><td>19 May 2025</td><td>380 visitors</td></tr>
<tr><td>Job speed-dating for partners</td><td>8 September 2025</td><td>58 matches</td></tr>
</table>
<h2>Recommendations</h2>
<ol>
<li>Offer language courses before newcomers arrive.</li>
<li>Refer accompanying partners to job networks in their first month.</li>
<li>Hold a follow-up conversation six months after arrival.</li>
</ol>
<h2>Contact</h2>
<p>Questions about the pilot go to its project lead, Mette Lindgaard, at the Regional Business
Council.</p>
<p><sup>1</sup> The funding covered staff, venues and interpretation.</p>
"""


def word_brief(target: Path) -> Path:
    """A partner's Word brief with facts in prose, a table, a numbered list and a footnote."""
    html_to_docx(publication(BRIEF, BRIEF_TITLE), target, title=BRIEF_TITLE)
    return target
