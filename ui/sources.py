"""How a citation is shown to a person: its heading, where it sits, how to cite it, and the
links that open it in its document.

Shared by the chat (`ui/app.py`) and the passage page (`ui/passage_routes.py`). Every piece
of document text goes through `html.escape`: a partner may replace the corpus.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

from assistant.countries import example_label
from assistant.models import Citation, FollowUp
from corpus.models import Document, page_label

HEADING_WORDS = 8
PASSAGE_PATH = "passage"  # relative: the links work under a reverse proxy's sub-path too
ORIGINAL_PATH = "documents"


@dataclass(frozen=True)
class Source:
    """A citation with the document it is from (its title, licence and file)."""

    citation: Citation
    document: Document | None = None

    @property
    def pages(self) -> str:
        """'p. 7', 'pp. 7–9', or '' where the document has no pages."""
        return page_label(self.citation.pages or
                          ([self.citation.page] if self.citation.page else []))

    @property
    def where(self) -> str:
        """'Employers › Action points › Pre-departure › 4'."""
        return " › ".join(part.strip() for part in self.citation.title.split(" / "))

    @property
    def heading(self) -> str:
        """The quote's first words, and its page when the document has pages."""
        words = self.citation.quote.split()
        start = " ".join(words[:HEADING_WORDS]) + ("…" if len(words) > HEADING_WORDS else "")
        return f"“{start}”" + (f" · {self.pages}" if self.pages else "")

    @property
    def document_title(self) -> str:
        return self.document.title if self.document else self.citation.document

    def cite_as(self) -> str:
        """A formatted citation: document, section, page, licence, and the citation id."""
        doc = self.document
        if doc and doc.citation:
            source = doc.citation
        else:
            source = ", ".join(p for p in (doc.publisher if doc else "", doc.date if doc else "",
                                           self.document_title) if p)
        parts = [f"{source}.", f"{self.where}" + (f", {self.pages}." if self.pages else ".")]
        if doc and doc.licence:
            parts.append(f"Licence: {doc.licence}.")
        parts.append(f"[{self.citation.id}]")
        return " ".join(parts)

    def passage_url(self) -> str:
        """This server's page showing the section with the quote highlighted."""
        fields = {"id": self.citation.id, "quote": self.citation.quote}
        if self.citation.pages:
            fields["pages"] = ",".join(str(p) for p in self.citation.pages)
        query = urlencode(fields)
        return f"{PASSAGE_PATH}?{query}#passage"

    def original_url(self) -> str | None:
        """The original PDF at the quote's page, where there is one on this server."""
        if self.document is None or self.document.path.suffix.lower() != ".pdf":
            return None
        page = f"#page={self.citation.page}" if self.citation.page else ""
        return f"{ORIGINAL_PATH}/{url_quote(self.document.slug)}/original{page}"


def render_source(source: Source, anchor: str, *, show_quote: bool) -> str:
    """One source as a <details>: the quote's first words; inside, the quote (unless the
    answer already shows it whole), where it sits, and the ways to open and cite it."""
    c = source.citation
    quote = "<br>".join(html.escape(line) for line in c.quote.splitlines() if line.strip())
    body = f'<blockquote class="th-quote">{quote}</blockquote>' if show_quote else ""
    where = [html.escape(c.breadcrumb or source.where), f"<em>{html.escape(source.document_title)}"
             f"</em>"]
    if source.pages:
        where.append(source.pages)
    if c.countries:
        where.append(html.escape(example_label(c.countries).capitalize()))
    links = [f'<a class="th-open" href="{html.escape(source.passage_url())}" target="_blank" '
             f'rel="noopener">Open in document</a>']
    if original := source.original_url():
        links.append(f'<a class="th-open" href="{html.escape(original)}" target="_blank" '
                     f'rel="noopener">PDF{f", {source.pages}" if source.pages else ""}</a>')
    links.append('<button type="button" class="th-copy">Copy citation</button>'
                 f'<span class="th-cite-as">{html.escape(source.cite_as())}</span>')
    return (f'<details class="th-source" id="{anchor}">'
            f"<summary>[{c.marker}] {html.escape(source.heading)}</summary>{body}"
            f'<p class="th-where">{" · ".join(where)}</p>'
            f'<p class="th-links">{" ".join(links)}</p></details>')


def render_followups(followups: list[FollowUp]) -> str:
    """Buttons that ask the next question (ui/static/chat.js sends them), each with why.

    A self-assessment pointer carries its stakeholder in a class: the chat's sanitiser
    keeps classes but drops data attributes."""
    if not followups:
        return ""
    items = []
    for f in followups:
        css = "th-followup"
        if f.kind == "self-assessment" and f.stakeholder:
            css += f" th-assess th-assess--{html.escape(f.stakeholder)}"
        items.append(f'<li class="{css}"><button type="button" class="{css}">'
                     f"{html.escape(f.question)}</button> "
                     f'<span class="th-why">{html.escape(f.why)}</span></li>')
    return (f'<div class="th-next"><p class="th-next-label">Next</p>'
            f'<ul class="th-followups">{"".join(items)}</ul></div>')
