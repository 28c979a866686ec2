"""Keys, logins, origins and the sliding-window rate limit, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.settings import Settings
from ui.access import (
    RateLimiter,
    allowed_origins,
    key_name,
    load_api_keys,
    parse_pairs,
    ui_logins,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_counts_the_last_minute_only() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    clock.now += 20
    # oldest request is 20 s old: it ages out 40 s from now
    assert limiter.hit("a").retry_after == 40  # type: ignore[union-attr]
    assert limiter.hit("b") is None
    clock.now += 40  # the three from the start have aged out
    # the refused request 40 s ago was not counted, so three fit again
    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    assert limiter.hit("a") is not None


def test_straddling_a_minute_boundary_cannot_double_the_limit() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock)
    clock.now = 59.0
    assert [limiter.hit("a") for _ in range(2)] == [None, None]
    clock.now = 61.0  # a fixed per-minute bucket would reset here
    assert limiter.hit("a") is not None


def test_zero_turns_limiting_off() -> None:
    limiter = RateLimiter(0)
    assert all(limiter.hit("a") is None for _ in range(1000))


def test_keys_come_from_file_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\nrotterdam = "r1"\naarhus = "a1"\n', encoding="utf-8")
    keys = load_api_keys(Settings(api_keys_file=path, api_keys="aarhus:a2, gent:g1"))
    assert keys == {"rotterdam": "r1", "aarhus": "a2", "gent": "g1"}
    assert key_name(keys, "g1") == "gent"
    assert key_name(keys, "g2") is None
    assert load_api_keys(Settings()) == {}


def test_shipped_example_keys_file_loads() -> None:
    keys = load_api_keys(Settings(api_keys_file=EXAMPLES / "api-keys.toml"))
    assert len(keys) >= 2


@pytest.mark.parametrize(("content", "message"), [
    ("[keys]\nx = 1\n", "expected a \\[keys\\] table"),
    ("keys = 'x'\n", "expected a \\[keys\\] table"),
    ("[keys\n", "not valid TOML"),
    ('[keys]\na = "same"\nb = "same"\n', "share one secret"),
])
def test_bad_key_files_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_api_keys(Settings(api_keys_file=path))


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        load_api_keys(Settings(api_keys_file=tmp_path / "nope.toml"))


def test_pairs_and_logins() -> None:
    assert parse_pairs(" a:1 ,b:2:3,", "X") == {"a": "1", "b": "2:3"}
    with pytest.raises(ValueError, match="X: expected 'name:secret'"):
        parse_pairs("a", "X")
    assert ui_logins(Settings(ui_auth="staff:pw")) == [("staff", "pw")]
    assert ui_logins(Settings()) is None


def test_origins_are_trimmed() -> None:
    assert allowed_origins(Settings(allowed_origins=" https://a.example/ ,https://b.example"))\
        == ["https://a.example", "https://b.example"]
    assert allowed_origins(Settings()) == []
