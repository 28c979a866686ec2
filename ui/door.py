"""What every door of the server is built from: the one shared assistant and the access
check of `/api/` (keys and rate limits), which also says who is asking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from assistant.api import Assistant

Caller = Callable[..., str]  # ui.server.caller: a FastAPI dependency returning who is asking
LOCAL = "local"  # who is asking over stdio: whoever may start the process


@dataclass(frozen=True)
class Door:
    assistant: Assistant
    caller: Caller | None = None

    def assistant_for(self, who: str, assistant: Assistant | None = None) -> Assistant:
        """The assistant as `who` may use it. Every door asks through here, so a rule that
        depends on the caller (such as a partner's scope) is added in this one place."""
        return assistant or self.assistant

    def identify(self, request: Request) -> str:
        """`caller` for an app mounted outside FastAPI's routing (MCP over HTTP): the same
        X-API-Key or Bearer key, the same rate limit, the same HTTPException."""
        if self.caller is None:
            raise RuntimeError("this door has no access check; pass ui.server.caller")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        bearer = (HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
                  if scheme.lower() == "bearer" and token.strip() else None)
        return self.caller(request, request.headers.get("x-api-key"), bearer)

