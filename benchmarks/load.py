"""Load test: N concurrent clients asking `POST /api/ask` of one `talenthub serve`.

Starts `talenthub serve` on a free loopback port (or uses `--url`, which must be a
loopback address), warms it with one question, then lets `--clients` asyncio clients ask
the answerable eval questions (with their history) until `--requests` have been sent or
`--seconds` have passed, whichever comes first. Reports errors, the share of answers that
cite sources, p50/p95/max latency, throughput and the server's peak RSS, against the
targets: zero errors, every answer cited, p95 at most 1.5 s.

The server is started with the rate limit off: every client here is 127.0.0.1, and the
per-client limit would turn a capacity test into a rate-limit test.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
DATASETS = [ROOT / "evals" / "datasets" / "dev.jsonl", ROOT / "evals" / "datasets" / "test.jsonl"]
TALENTHUB = Path(sys.executable).with_name("talenthub")
TARGET_P95_S = 1.5
START_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 60.0


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cited: int = 0
    answered: int = 0
    wall: float = 0.0
    server_rss_mb: float | None = None
    startup_s: float | None = None


def requests_from_evals() -> list[dict[str, Any]]:
    """The answerable eval questions (out-of-scope ones are meant to cite nothing)."""
    bodies = []
    for path in DATASETS:
        for line in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(line) if line.strip() else {}
            if case.get("question") and case.get("expected"):
                body = {"question": case["question"]}
                for key in ("history", "stakeholder", "phase"):
                    if case.get(key):
                        body[key] = case[key]
                bodies.append(body)
    return bodies


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"--url must be a loopback address (127.0.0.0/8, ::1), not {host!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM: the process's peak resident set so far (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextmanager
def serve(data_dir: Path | None, outcome: Outcome) -> Iterator[str]:
    """`talenthub serve` on a free loopback port, stopped on the way out."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "ANONYMIZED_TELEMETRY": "False", "TALENTHUB_RATE_LIMIT_PER_MINUTE": "0"}
    if data_dir is not None:
        env["TALENTHUB_DATA_DIR"] = str(data_dir)
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen([str(TALENTHUB), "serve", "--host", "127.0.0.1",
                                    "--port", str(port)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = started + START_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise SystemExit("talenthub serve exited:\n"
                                     + log.read().decode(errors="replace")[-3000:])
                try:
                    health = httpx.get(f"{url}/api/health", timeout=2)
                    if health.status_code == 200:
                        break
                    if health.status_code == 503 and health.json().get("status") == "missing":
                        raise SystemExit("no index: run `talenthub index` (or `make index`)")
                except httpx.TransportError:
                    pass
                if time.perf_counter() > deadline:
                    raise SystemExit(f"talenthub serve was not healthy within "
                                     f"{START_TIMEOUT_S:.0f} s")
                time.sleep(0.25)
            outcome.startup_s = time.perf_counter() - started
            yield url
            outcome.server_rss_mb = peak_rss_mb(process.pid)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=15)


async def drive(url: str, bodies: list[dict[str, Any]], *, clients: int, requests: int,
                seconds: float, outcome: Outcome) -> None:
    """`clients` workers share one request counter and one deadline."""
    issued = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S,
                                 limits=limits) as client:
        warm = await client.post("/api/ask", json=bodies[0])
        warm.raise_for_status()

        async def worker() -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                body = bodies[issued % len(bodies)]
                issued += 1
                started = time.perf_counter()
                try:
                    response = await client.post("/api/ask", json=body)
                except httpx.HTTPError as exc:
                    outcome.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                outcome.latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    outcome.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    continue
                outcome.answered += 1
                if response.json().get("citations"):
                    outcome.cited += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        outcome.wall = time.perf_counter() - started


def report(outcome: Outcome, args: argparse.Namespace, console: Console) -> bool:
    lat = np.array(outcome.latencies) if outcome.latencies else np.array([float("nan")])
    p50, p95, worst = (float(np.percentile(lat, q)) for q in (50, 95, 100))
    sent = len(outcome.latencies) + sum(1 for e in outcome.errors if not e.startswith("HTTP"))
    cited = outcome.cited / outcome.answered if outcome.answered else 0.0
    ok_errors, ok_cited, ok_p95 = not outcome.errors, cited == 1.0, p95 <= TARGET_P95_S
    table = Table(title=f"talenthub serve under load: {args.clients} clients, up to "
                        f"{args.requests} requests / {args.seconds:.0f} s "
                        f"({os.cpu_count()} cores, load average "
                        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")

    def mark(ok: bool) -> str:
        return "[green]ok[/]" if ok else "[red]missed[/]"

    table.add_row("requests sent", str(sent), "")
    table.add_row("errors", str(len(outcome.errors)), f"0 {mark(ok_errors)}")
    table.add_row("answers with citations", f"{cited:.1%}", f"100% {mark(ok_cited)}")
    table.add_row("latency p50", f"{p50 * 1000:.0f} ms", "")
    table.add_row("latency p95", f"{p95 * 1000:.0f} ms",
                  f"≤ {TARGET_P95_S * 1000:.0f} ms {mark(ok_p95)}")
    table.add_row("latency max", f"{worst * 1000:.0f} ms", "")
    table.add_row("throughput", f"{sent / outcome.wall:.1f} req/s" if outcome.wall else "-", "")
    if outcome.startup_s is not None:
        table.add_row("server start to healthy", f"{outcome.startup_s:.1f} s", "")
    if outcome.server_rss_mb is not None:
        table.add_row("server peak RSS", f"{outcome.server_rss_mb:.0f} MB", "")
    console.print(table)
    for error in outcome.errors[:5]:
        console.print(f"[red]error:[/] {error}", highlight=False)
    return ok_errors and ok_cited and ok_p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=None,
                        help="a running server on loopback (default: start talenthub serve)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="TALENTHUB_DATA_DIR for the server started here")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=128, help="stop after this many")
    parser.add_argument("--seconds", type=float, default=120.0, help="or after this long")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw figures")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.requests < 1 or args.seconds <= 0:
        parser.error("--clients, --requests and --seconds must be positive")
    console = Console(width=None if sys.stdout.isatty() else 110)
    bodies = requests_from_evals()
    outcome = Outcome()

    def run(url: str) -> None:
        asyncio.run(drive(url, bodies, clients=args.clients, requests=args.requests,
                          seconds=args.seconds, outcome=outcome))

    if args.url:
        check_loopback(args.url)
        run(args.url.rstrip("/"))
    else:
        with serve(args.data_dir, outcome) as url:
            run(url)
    passed = report(outcome, args, console)
    if args.json:
        args.json.write_text(json.dumps(outcome.__dict__, indent=1), encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
