"""The server's doors beside `/api/`: each opens one protocol onto the shared assistant.

Adding a door is one function `open_x(app, door)` and one entry in `DOORS`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from ui.door import Door
from ui.mcp_door import open_mcp
from ui.openai_door import open_openai

DOORS: tuple[Callable[[FastAPI, Door], None], ...] = (
    open_openai,  # /v1/chat/completions and /v1/models
    open_mcp,  # /mcp, streamable HTTP
)


def open_doors(app: FastAPI, door: Door) -> None:
    """Register every door; call before mounting anything at `/`, which would shadow them."""
    for open_door in DOORS:
        open_door(app, door)
