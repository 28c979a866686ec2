"""Who is asking, without a server: keys, logins and single sign-on through trusted
proxies, and the scope and admin role each identity gets."""

from __future__ import annotations

from typing import Any

import pytest

from corpus.settings import Settings
from ui.identity import EVERY_SCOPE, Forbidden, Identities, Identity

SSO = {"trusted_proxies": "10.0.0.0/24, ::1", "trusted_user_header": "X-Forwarded-User",
       "trusted_groups_header": "X-Forwarded-Groups", "admins": "ops,jane@example.org",
       "group_roles": {"alpha-staff": "alpha", "beta-staff": "beta",
                       "alpha-hr": "alpha:admin", "it-ops": "admin"}}


def identities(**settings: Any) -> Identities:
    return Identities(Settings(**{**SSO, **settings}))


def headers(user: str, groups: str = "") -> dict[str, str]:
    return {"x-forwarded-user": user, "x-forwarded-groups": groups}


def test_a_key_or_login_name_is_its_partner_and_an_admin_name_is_none() -> None:
    names = identities()
    assert names.named("key", "alpha") == Identity("key:alpha", "alpha", partner="alpha")
    assert names.named("ui", "Rotterdam").partner is None  # not a partner name: shared only
    ops = names.named("key", "ops")
    assert (ops.partner, ops.admin, ops.scope.names) == (None, EVERY_SCOPE, ("shared",))


def test_proxy_headers_are_ignored_from_anywhere_but_a_trusted_proxy() -> None:
    names = identities()
    spoofed = headers("mallory", "beta-staff,it-ops")
    for peer in ("10.0.1.5", "192.168.0.10", "testclient", None, "::2"):
        assert names.from_proxy(peer, spoofed) is None
    assert names.from_proxy("10.0.0.7", spoofed) is not None
    assert names.from_proxy("::1", spoofed) is not None


def test_groups_map_to_one_partner_and_to_the_admin_role() -> None:
    names = identities()
    staff = names.from_proxy("10.0.0.7", headers("ann", "everyone, beta-staff"))
    assert staff == Identity("sso:ann", "ann", partner="beta")
    hr = names.from_proxy("10.0.0.7", headers("bo", "alpha-hr"))
    assert (hr.partner, hr.admin) == ("alpha", "alpha")
    assert hr.administers("alpha") and not hr.administers("beta")
    it = names.from_proxy("10.0.0.7", headers("cy", "it-ops"))
    assert (it.partner, it.admin) == (None, EVERY_SCOPE)
    jane = names.from_proxy("10.0.0.7", headers("jane@example.org", "beta-staff"))
    assert (jane.partner, jane.admin) == ("beta", EVERY_SCOPE)
    assert names.from_proxy("10.0.0.7", headers("")) is None
    with pytest.raises(Forbidden, match="several partners"):
        names.from_proxy("10.0.0.7", headers("dee", "beta-staff,alpha-hr"))


def test_client_address_believes_forwarded_for_only_from_trusted_proxies() -> None:
    names = identities()
    forwarded = {"x-forwarded-for": "203.0.113.9, 10.0.0.8"}
    assert names.client_address("10.0.0.7", forwarded) == "203.0.113.9"
    assert names.client_address("198.51.100.4", forwarded) == "198.51.100.4"


@pytest.mark.parametrize(("settings", "message"), [
    ({"group_roles": {"x": "Alpha"}}, "TALENTHUB_GROUP_ROLES"),
    ({"group_roles": {"x": "alpha:owner"}}, "TALENTHUB_GROUP_ROLES"),
    ({"trusted_proxies": ""}, "TALENTHUB_TRUSTED_PROXIES"),
    ({"trusted_proxies": "intranet.example.org"}, "not an address"),
])
def test_bad_identity_settings_are_one_line_errors(settings: dict[str, Any],
                                                    message: str) -> None:
    with pytest.raises(ValueError, match=message):
        identities(**settings)
