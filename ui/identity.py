"""Who is asking, and so what they may see: the one place identities become scopes.

A partner is named once and the name is the same everywhere: an API key named `alpha`, a
chat login `alpha`, and a single-sign-on user whose groups map to `alpha` all see the
shared documents plus partner alpha's. Anyone else sees the shared documents only.

Single sign-on runs at the intranet's reverse proxy (oauth2-proxy, Keycloak, Entra ID
application proxy), which passes the user and groups on in headers. Those headers, and
X-Forwarded-For, are believed only from the addresses in `TALENTHUB_TRUSTED_PROXIES`:
from anywhere else a client could simply send them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from corpus.scopes import Scope, is_partner_name
from corpus.settings import Settings

ADMIN = "admin"
EVERY_SCOPE = "*"
MAX_NAME_CHARS = 200
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Forbidden(PermissionError):
    """An identity that cannot be given a scope (groups naming two partners); 403."""


@dataclass(frozen=True)
class Identity:
    """A caller. `who` labels it in rate limits and logs, `user` is the person or key name
    that privacy requests name (None when anonymous), `partner` decides the scope, and
    `admin` is what it administers: None, one partner, or `EVERY_SCOPE`."""

    who: str
    user: str | None = None
    partner: str | None = None
    admin: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.partner)

    @property
    def is_admin(self) -> bool:
        return self.admin is not None

    def administers(self, scope_name: str) -> bool:
        return self.administers_all or (self.admin is not None and self.admin == scope_name)

    @property
    def administers_all(self) -> bool:
        """An administrator of every scope (the operator), not of one partner's."""
        return self.admin == EVERY_SCOPE


LOCAL = Identity("local")  # stdio and the command line: whoever may start the process


def partner_named(name: str) -> str | None:
    """A key's or login's name is its partner when it is a valid partner name."""
    return name if is_partner_name(name) else None


def parse_networks(text: str) -> list[Network]:
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ValueError(f"TALENTHUB_TRUSTED_PROXIES: '{item}' is not an address or "
                             "network (10.0.0.5, 10.0.0.0/24, ::1)") from exc
    return networks


def check_group_roles(roles: Mapping[str, str]) -> dict[str, tuple[str | None, str | None]]:
    """group -> (partner, administered): `alpha`, `alpha:admin` or `admin`."""
    checked: dict[str, tuple[str | None, str | None]] = {}
    for group, role in roles.items():
        partner, _, suffix = role.partition(":")
        if role == ADMIN:
            checked[group] = (None, EVERY_SCOPE)
        elif is_partner_name(partner) and suffix in ("", ADMIN):
            checked[group] = (partner, partner if suffix else None)
        else:
            raise ValueError(f"TALENTHUB_GROUP_ROLES: group '{group}' maps to '{role}'; "
                             'expected a partner name, "<partner>:admin" or "admin"')
    return checked


class Identities:
    """Turns what a request carries into an `Identity`; built once from the settings."""

    def __init__(self, settings: Settings):
        self.admins = frozenset(n.strip() for n in settings.admins.split(",") if n.strip())
        self.proxies = parse_networks(settings.trusted_proxies)
        self.user_header = (settings.trusted_user_header or "").strip().lower() or None
        self.groups_header = (settings.trusted_groups_header or "").strip().lower() or None
        self.roles = check_group_roles(settings.group_roles)
        if (self.user_header or self.groups_header) and not self.proxies:
            raise ValueError("TALENTHUB_TRUSTED_USER_HEADER needs TALENTHUB_TRUSTED_PROXIES: "
                             "the proxies' addresses, the only place the header is believed")

    def named(self, kind: str, name: str) -> Identity:
        """An API key's or chat login's identity: its name is its partner, unless the name
        is an administrator's, which administers every scope and is no partner."""
        if name in self.admins:
            return Identity(f"{kind}:{name}", user=name, admin=EVERY_SCOPE)
        return Identity(f"{kind}:{name}", user=name, partner=partner_named(name))

    def trusted(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self.proxies)

    def from_proxy(self, peer: str | None, headers: Mapping[str, str]) -> Identity | None:
        """The signed-in user the proxy vouches for, or None: no header, or a peer that is
        not a trusted proxy (then the headers are ignored, whatever they say)."""
        if self.user_header is None or not self.trusted(peer):
            return None
        user = clean_name(headers.get(self.user_header, ""))
        if not user:
            return None
        groups = [g.strip() for g in headers.get(self.groups_header or "", "").split(",")]
        mapped = [self.roles[g] for g in groups if g in self.roles]
        partners = sorted({p for p, _ in mapped if p})
        if len(partners) > 1:
            raise Forbidden(f"your groups map to several partners ({', '.join(partners)}); "
                            "ask your administrator to leave you in one")
        administered = {a for _, a in mapped if a}
        admin = EVERY_SCOPE if EVERY_SCOPE in administered or user in self.admins else (
            next(iter(administered), None))
        return Identity(f"sso:{user}", user=user, partner=partners[0] if partners else None,
                        admin=admin)

    def client_address(self, peer: str | None, headers: Mapping[str, str]) -> str:
        """The client's address: through trusted proxies, the last X-Forwarded-For hop they
        did not add themselves; otherwise the peer. Only for rate limits, never stored."""
        address = peer or "unknown"
        if not self.trusted(peer):
            return address
        for hop in reversed([h.strip() for h in headers.get("x-forwarded-for", "").split(",")]):
            if not hop:
                continue
            address = hop
            if not self.trusted(hop):
                break
        return address


def clean_name(value: str) -> str:
    """A user name from a header: printable, bounded; anything else is no name."""
    value = value.strip()
    return value if value.isprintable() and len(value) <= MAX_NAME_CHARS else ""
