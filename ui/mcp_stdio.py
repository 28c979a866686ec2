"""`talenthub mcp`: the MCP tools over stdio, for clients that start the server themselves
(desktop assistants, agents). Kept apart from `ui.mcp_door` so that the CLI starts without
loading the MCP SDK."""

from __future__ import annotations

from dataclasses import replace

import click

from corpus.settings import Settings


@click.command("mcp")
@click.option("--partner", default=None,
              help="Answer from this partner's documents too (default: the shared ones only).")
@click.pass_obj
def mcp_command(settings: Settings, partner: str | None) -> None:
    """Serve the MCP tools over stdio (HTTP: /mcp on `talenthub serve`)."""
    from assistant.api import Assistant
    from corpus.scopes import Scope
    from ui.cli import user_errors
    from ui.door import Door
    from ui.identity import LOCAL
    from ui.mcp_door import mcp_server

    with user_errors():
        local = replace(LOCAL, partner=Scope(partner).partner)
        server = mcp_server(Door(Assistant.from_settings(settings), local=local))
    server.run("stdio")
