"""What every door of the server is built from: the one shared assistant, the access check
of `/api/` (keys, single sign-on, rate limits) that says who is asking, and the one place
that turns who is asking into what they may see."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from assistant.api import Assistant
from ui.analytics import Analytics
from ui.identity import LOCAL, Forbidden, Identities, Identity

log = logging.getLogger(__name__)

Caller = Callable[..., Identity]  # ui.server.caller: a FastAPI dependency, who is asking
ANONYMOUS = Identity("anonymous")


@dataclass(frozen=True)
class Door:
    assistant: Assistant
    caller: Caller | None = None
    analytics: Analytics | None = None
    local: Identity = LOCAL  # who asks where no request says (stdio)

    def assistant_for(self, who: Identity, assistant: Assistant | None = None, *,
                      channel: str = "api") -> Assistant:
        """The assistant as `who` may use it: scoped to its partner's documents and the
        shared ones (or the shared ones only), and, with analytics on, recording each
        answer under that scope and `channel`. Every door asks through here."""
        scoped = (assistant or self.assistant).scoped(who.scope)
        # the themes of what an answer cites are read with the answering scope's lexicon
        recorder = self.analytics.recorder(who, channel, scoped) if self.analytics else None
        return scoped if recorder is None else scoped.scoped(who.scope, on_answer=recorder)

    def identify(self, request: Request) -> Identity:
        """`caller` for an app mounted outside FastAPI's routing (MCP over HTTP): the same
        key or single sign-on, the same rate limit, the same HTTPException."""
        if self.caller is None:
            raise RuntimeError("this door has no access check; pass ui.server.caller")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        bearer = (HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
                  if scheme.lower() == "bearer" and token.strip() else None)
        return self.caller(request, request.headers.get("x-api-key"), bearer)


def chat_identity(identities: Identities, request: Any, *, username: str | None = None
                  ) -> Identity:
    """Who uses the chat (a Gradio request, or a page it links to with the chat login's
    `username`): the single-sign-on user a trusted proxy vouches for, else the chat login,
    else nobody in particular (the shared scope)."""
    if request is None:
        return ANONYMOUS
    headers: Mapping[str, str] = {k.lower(): v for k, v in dict(request.headers).items()}
    client = getattr(request, "client", None)
    try:
        identity = identities.from_proxy(getattr(client, "host", None), headers)
    except Forbidden:  # groups naming two partners: the shared scope, never both
        log.warning("chat user's groups map to several partners; answering from the "
                    "shared documents only")
        return ANONYMOUS
    if identity is not None:
        return identity
    username = username or getattr(request, "username", None)
    return identities.named("ui", username) if username else ANONYMOUS


def gradio_login(app: Any, request: Request) -> str | None:
    """The chat login behind a plain FastAPI request: Gradio's session cookie looked up in
    the mounted Gradio app's (`gradio.routes.App`) sessions, as Gradio's own
    `get_current_user` does, since the pages the chat links to are outside Gradio's routes.
    None when nobody is signed in."""
    if app is None:
        return None
    token = (request.cookies.get(f"access-token-{app.cookie_id}")
             or request.cookies.get(f"access-token-unsecure-{app.cookie_id}"))
    return app.tokens.get(token) if token else None
