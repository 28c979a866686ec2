"""Document scopes: which documents a partner may see.

A document under `<corpus>/partners/<name>/` (at any depth) belongs to partner `<name>`;
every other document is shared. A caller sees the shared documents plus those of its own
partner, if it has one, and nothing else. The rule is decided here, from the path alone, and
every later stage only carries the scope name along (a chunk's `scope` metadata) or filters
by a `Scope`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

SHARED = "shared"
PARTNERS_FOLDER = "partners"
# Partner names are the folder name, the API key name, the chat login and the identity
# group's target, so they are kept to what is safe in all four: lower-case letters, digits,
# "-" and "_", starting with a letter or digit.
PARTNER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
# "shared" is the scope of everyone's documents and "admin" the role of identity groups.
RESERVED = frozenset({SHARED, "admin"})


class ScopeError(ValueError):
    """A path or name that cannot be given a scope; the message says how to fix it."""


def is_partner_name(name: str) -> bool:
    return bool(PARTNER_NAME.fullmatch(name)) and name not in RESERVED


def scope_of(relative_path: str) -> str:
    """`shared`, or the partner a corpus-relative path ("partners/alpha/a.pdf") belongs to.

    A file directly in `partners/`, or in a folder that is not a valid partner name, is an
    error rather than shared: a misplaced partner document must not become everyone's."""
    parts = PurePosixPath(relative_path).parts
    if not parts or parts[0] != PARTNERS_FOLDER:
        return SHARED
    if len(parts) < 3:
        raise ScopeError(f"{relative_path}: a partner's documents go in "
                         f"{PARTNERS_FOLDER}/<partner>/; move it there or to the top level")
    if not is_partner_name(parts[1]):
        raise ScopeError(f"{relative_path}: '{parts[1]}' is not a partner name (lower-case "
                         "letters, digits, '-' and '_'; not 'shared' or 'admin')")
    return parts[1]


def folder_of(scope: str) -> PurePosixPath:
    """Where a scope's documents live, relative to the corpus folder."""
    return PurePosixPath(".") if scope == SHARED else PurePosixPath(PARTNERS_FOLDER, scope)


@dataclass(frozen=True)
class Scope:
    """What a caller may see: the shared documents, plus its partner's when it has one.

    `Scope()` is the default everywhere: a request without a partner sees only the shared
    documents.
    """

    partner: str | None = None

    def __post_init__(self) -> None:
        if self.partner is not None and not is_partner_name(self.partner):
            raise ScopeError(f"'{self.partner}' is not a partner name")

    @property
    def names(self) -> tuple[str, ...]:
        """The scope names visible, shared first."""
        return (SHARED,) if self.partner is None else (SHARED, self.partner)

    @property
    def key(self) -> str:
        """One string per scope, for caches and logs."""
        return self.partner or SHARED

    def sees(self, scope_name: str) -> bool:
        return scope_name in self.names

    def where(self) -> dict[str, Any]:
        """The Chroma metadata filter for this scope."""
        if self.partner is None:
            return {"scope": SHARED}
        return {"scope": {"$in": list(self.names)}}
