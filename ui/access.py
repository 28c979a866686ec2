"""Who may use the server, from where, and how often.

Everything is closed by default for cross-site use (no CORS origin, no framing site) and
open for direct use (no API key needed) until a partner configures keys. Keys are named so
that logs, rate limits and feedback can tell partners apart without storing secrets.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corpus.settings import Settings, read_toml


def parse_pairs(text: str | None, what: str) -> dict[str, str]:
    """`name:secret,name2:secret2` (the env form of keys and UI logins)."""
    pairs: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, sep, secret = item.strip().partition(":")
        if not sep or not name.strip() or not secret.strip():
            raise ValueError(f"{what}: expected 'name:secret' pairs separated by commas")
        pairs[name.strip()] = secret.strip()
    return pairs


def load_api_keys(settings: Settings) -> dict[str, str]:
    """Named keys from `api_keys_file` ([keys] name = "secret") and `api_keys`; env wins."""
    keys: dict[str, str] = {}
    if settings.api_keys_file is not None:
        path = settings.api_keys_file
        data = read_toml(path, "API keys file")
        table = data.get("keys")
        if not isinstance(table, dict) or not all(
                isinstance(v, str) and v.strip() for v in table.values()):
            raise ValueError(f'{path}: expected a [keys] table of name = "secret"')
        keys.update({name: secret.strip() for name, secret in table.items()})
    keys.update(parse_pairs(settings.api_keys, "TALENTHUB_API_KEYS"))
    secrets = list(keys.values())
    if len(set(secrets)) != len(secrets):
        raise ValueError("two API key names share one secret; give each partner its own")
    return keys


def ui_logins(settings: Settings) -> list[tuple[str, str]] | None:
    """Gradio's `auth` list from `ui_auth` ('user:password,...'); None leaves the UI open."""
    pairs = parse_pairs(settings.ui_auth, "TALENTHUB_UI_AUTH")
    return list(pairs.items()) or None


def allowed_origins(settings: Settings) -> list[str]:
    return [o.strip().rstrip("/") for o in settings.allowed_origins.split(",") if o.strip()]


def key_name(keys: dict[str, str], presented: str) -> str | None:
    """The name of the matching key, compared in constant time against every key."""
    found = None
    for name, secret in keys.items():
        if hmac.compare_digest(secret.encode(), presented.encode()):
            found = name
    return found


@dataclass(frozen=True)
class Limited:
    """A refused request: how many seconds until the oldest counted request ages out."""

    retry_after: int


class RateLimiter:
    """Sliding window per caller: at most `limit` requests in any `window` seconds.

    A sliding log rather than fixed buckets, so a caller can never get twice the limit by
    straddling a bucket edge. `limit <= 0` turns limiting off.
    """

    def __init__(self, limit: int, *, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, caller: str) -> Limited | None:
        """Count one request; return `Limited` instead when the caller is over the limit."""
        if self.limit <= 0:
            return None
        now = self.clock()
        with self._lock:
            log = self._log.setdefault(caller, deque())
            while log and log[0] <= now - self.window:
                log.popleft()
            if len(log) >= self.limit:
                return Limited(retry_after=max(1, math.ceil(log[0] + self.window - now)))
            log.append(now)
            return None


def security_headers(origins: list[str]) -> dict[str, str]:
    """The headers on every response: only the configured sites may frame the page (CSP
    frame-ancestors; with none, `X-Frame-Options: DENY` too, for browsers that predate CSP),
    browsers must not guess content types, and other sites see only our origin as referrer,
    never a page's full URL and query."""
    policy = " ".join(origins) if origins else "'none'"
    headers = {"Content-Security-Policy": f"frame-ancestors {policy}",
               "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "strict-origin-when-cross-origin"}
    if not origins:
        headers["X-Frame-Options"] = "DENY"
    return headers


class SecurityHeaders:
    """ASGI middleware: sets `headers` on every HTTP response, replacing any of those names
    that the app (or the mounted Gradio app) already set."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]):
        self.app = app
        self.names = {name.lower().encode() for name in headers}
        self.headers = [(name.lower().encode(), value.encode())
                        for name, value in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in self.names]
                message["headers"] = [*kept, *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
