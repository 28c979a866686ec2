"""`talenthub mcp`: the MCP tools over stdio, for clients that start the server themselves
(desktop assistants, agents). Kept apart from `ui.mcp_door` so that the CLI starts without
loading the MCP SDK."""

from __future__ import annotations

import click

from corpus.settings import Settings


@click.command("mcp")
@click.pass_obj
def mcp_command(settings: Settings) -> None:
    """Serve the MCP tools over stdio (HTTP: /mcp on `talenthub serve`)."""
    from assistant.api import Assistant
    from ui.cli import user_errors
    from ui.door import Door
    from ui.mcp_door import mcp_server

    with user_errors():
        server = mcp_server(Door(Assistant.from_settings(settings)))
    server.run("stdio")
