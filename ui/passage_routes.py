""""Open in document": a cited passage in context, and a PDF original at its page.

`GET /passage?id=<citation id>&quote=<text>` shows the section the unit sits in (the units
under the same heading, in document order) with the unit marked and the quote highlighted,
for every document format, since it is rendered from the index. `GET /documents/<slug>/
original` serves the original file of a PDF, which browsers open at `#page=N`.

Every lookup goes through the assistant of whoever opens the page (`Door.assistant_for`,
then `section` and `document`), so another partner's passage or PDF is "not found" here just
as it is never cited in that partner's chat.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse

from assistant.extractive import citation
from assistant.models import Hit
from corpus.text import normalise_space
from ui.door import Caller, Door
from ui.identity import Identity
from ui.sources import ORIGINAL_PATH, PASSAGE_PATH, Source

MAX_QUOTE_CHARS = 5000
PAGE_CSS = """
body { margin: 0; color: #1f2328; background: #fff;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 760px; margin: 0 auto; padding: 20px 16px 48px; }
h1 { font-size: 1.35rem; margin: 0 0 4px; }
.meta { margin: 0 0 16px; color: #475569; font-size: .9rem; }
h2 { font-size: 1.05rem; margin: 18px 0 6px; }
section { padding: 8px 12px; border-left: 4px solid transparent; border-radius: 4px; }
section p { margin: 0; white-space: pre-line; overflow-wrap: anywhere; }
section.target { border-left-color: #0f5ea8; background: #f1f6fb; }
mark { background: #fff3b0; color: inherit; padding: 0 1px; }
.links { font-size: .9rem; }
a { color: #0b4f8f; }
.cite { font-size: .85rem; color: #475569; overflow-wrap: anywhere; }
"""


def passage_router(door: Door, reader: Caller) -> APIRouter:
    """The two routes; `reader` (a FastAPI dependency) says who opens the page."""
    router = APIRouter(include_in_schema=False)

    @router.get(f"/{PASSAGE_PATH}", response_class=HTMLResponse)
    def passage(id: str = Query(max_length=300),
                quote: str = Query("", max_length=MAX_QUOTE_CHARS),
                pages: str = Query("", max_length=200, pattern=r"^[0-9,]*$"),
                who: Identity = Depends(reader)) -> HTMLResponse:
        """`pages` are the citation's own (a quote from a long unit's later chunk lies on
        pages the unit's first chunk cannot tell)."""
        assistant = door.assistant_for(who)
        units = assistant.section(id)
        target = next((u for u in units if u.unit_id == id), None)
        if target is None:
            raise HTTPException(404, f"no passage '{id}' in the index")
        cited = citation(target, 1, quote or normalise_space(target.text))
        if numbers := [int(p) for p in pages.split(",") if p]:
            cited = replace(cited, page=numbers[0], pages=numbers)
        return HTMLResponse(render_passage(Source(cited, assistant.document(target.document)),
                                           units))

    @router.get(f"/{ORIGINAL_PATH}/{{slug:path}}/original")
    def original(slug: str, who: Identity = Depends(reader)) -> FileResponse:
        document = door.assistant_for(who).document(slug)
        if document is None or document.path.suffix.lower() != ".pdf" \
                or not document.path.is_file():
            raise HTTPException(404, f"no PDF original for '{slug}' on this server")
        return FileResponse(document.path, media_type="application/pdf",
                            filename=document.path.name, content_disposition_type="inline")

    return router


def render_passage(source: Source, units: list[Hit]) -> str:
    """The section, with the cited unit marked (`#passage`) and the quote highlighted."""
    c = source.citation
    parts = []
    for unit in units:
        title = html.escape(unit.metadata.get("heading") or
                            unit.metadata.get("title", "").split(" / ")[-1].strip())
        if unit.unit_id == c.id:
            parts.append(f'<section class="target" id="passage" aria-label="Cited passage">'
                         f"<h2>{title}</h2><p>{highlight(unit.text, c.quote)}</p></section>")
        else:
            parts.append(f"<section><h2>{title}</h2><p>{html.escape(unit.text)}</p></section>")
    heading = " › ".join(c.breadcrumb.split(" › ")[:-1]) or source.where
    links = []
    if original := source.original_url():
        links.append(f'<a href="{html.escape(original)}">Open the PDF'
                     f'{f" at {source.pages}" if source.pages else ""}</a>')
    if source.document and source.document.source_url.startswith(("https://", "http://")):
        links.append(f'<a href="{html.escape(source.document.source_url)}" rel="noopener">'
                     f"The document's own page</a>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(source.where)} · {html.escape(source.document_title)}</title>"
            f"<style>{PAGE_CSS}</style></head><body><main>"
            f"<h1>{html.escape(source.document_title)}</h1>"
            f'<p class="meta">{html.escape(heading)}</p>'
            f'{"".join(parts)}'
            f'<p class="links">{" · ".join(links)}</p>'
            f'<p class="cite">Cite as: {html.escape(source.cite_as())}</p>'
            f"</main></body></html>\n")


def highlight(text: str, quote: str) -> str:
    """`text`, escaped, with the quote in <mark> (whitespace may differ); all of it when the
    quote is empty or not in the text."""
    words = quote.split()
    match = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
    if match is None:
        return f"<mark>{html.escape(text)}</mark>"
    start, end = match.span()
    return (f"{html.escape(text[:start])}<mark>{html.escape(text[start:end])}</mark>"
            f"{html.escape(text[end:])}")
