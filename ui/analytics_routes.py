"""The analytics page (`/admin/analytics`): what staff ask, how often the documents answer,
and the knowledge gaps, with every table as CSV.

The page is a static shell like the admin page; its script fetches the report as an HTML
fragment rendered here (charts are inline SVG from ui/plots.py) and the CSV files with the
caller's key. An administrator of one partner sees that partner's traffic only; an
administrator of every scope picks a partner, the shared scope, or all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import jinja2
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

from corpus.models import PHASES, STAKEHOLDERS, THEMES
from corpus.scopes import SHARED, is_partner_name
from ui.admin_routes import admin_only, page_routes
from ui.analytics import CSV_TABLES, OUTCOMES, Analytics, Report
from ui.door import Door
from ui.identity import Identity
from ui.plots import Series, bars, stacked_columns

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True)
MAX_DAYS = 3650
OUTCOME_CSS = {"answered": "th-answered", "refused": "th-refused",
               "ungrounded": "th-ungrounded"}
ALL = "all"
Partner = Annotated[str, Query(description="A partner, 'shared' or 'all'.")]
Days = Annotated[int, Query(ge=1, le=MAX_DAYS)]
Table = Literal[CSV_TABLES]  # type: ignore[valid-type]


def chosen_partner(who: Identity, partner: str) -> str | None:
    """The traffic `who` asked for and may see: None for every scope's."""
    if not who.administers_all:
        if partner not in ("", who.admin):
            raise HTTPException(403, "you see your own partner's analytics only")
        return who.admin
    if partner in ("", ALL):
        return None
    if partner != SHARED and not is_partner_name(partner):
        raise HTTPException(422, f"'{partner}' is not a partner name")
    return partner


def charts(report: Report) -> dict[str, str]:
    """Every chart of the page, as SVG figures."""
    days = [d.strftime("%d %b") for d, _ in report.daily]
    named = {"stakeholders": STAKEHOLDERS, "phases": PHASES, "themes": THEMES}
    out = {"daily": stacked_columns(
        "Questions per day", f"{report.total} questions from {report.start} to {report.end}, "
        f"{report.unanswered} of them not answered (refused or with no source).", days,
        [Series(o, [c[o] for _, c in report.daily], OUTCOME_CSS[o]) for o in OUTCOMES])}
    for key, labels in named.items():
        items = [(labels.get(k, k), n) for k, n in report.topics[key].most_common()]
        out[key] = bars(f"Questions by {key[:-1]}", f"How many questions were about each "
                        f"{key[:-1]}, as the assistant detected it.", items)
    out["ratings"] = bars("Thumbs up and down", "Ratings given to answers.",
                          [("up", report.ratings["up"]), ("down", report.ratings["down"])],
                          css="th-rating")
    out["channels"] = bars("Questions by door", "Where questions came in: the chat, the "
                           "REST API, the OpenAI-compatible endpoint or MCP.",
                           report.channels.most_common())
    out["documents"] = bars("Documents cited most", "How often answers cited each document.",
                            report.documents)
    out["units"] = bars("Units cited most", "How often answers cited each unit.",
                        report.units)
    return out


def analytics_router(door: Door, analytics: Analytics) -> APIRouter:
    router = APIRouter(tags=["admin"])
    admin = admin_only(door)
    page_routes(router, "/admin/analytics")

    def report_for(who: Identity, partner: str, days: int) -> Report:
        return analytics.report(door.assistant, partner=chosen_partner(who, partner),
                                days=days)

    @router.get("/api/admin/analytics", response_class=HTMLResponse)
    def report(partner: Partner = "", days: Days = 30,
               who: Identity = Depends(admin)) -> HTMLResponse:
        """The report for the page, as an HTML fragment."""
        found = report_for(who, partner, days)
        rate = found.unanswered / found.total if found.total else 0.0
        html = TEMPLATES.get_template("analytics.html.j2").render(
            report=found, charts=charts(found), rate=rate, enabled=analytics.enabled,
            tables=CSV_TABLES, every_scope=who.administers_all)
        return HTMLResponse(html)

    @router.get("/api/admin/analytics/{table}.csv")
    def export(table: Table, partner: Partner = "", days: Days = 30,
               who: Identity = Depends(admin)) -> Response:
        """One table of the report as CSV."""
        text = analytics.csv(table, report_for(who, partner, days))
        return Response(text, media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="talenthub-{table}.csv"'})

    return router
