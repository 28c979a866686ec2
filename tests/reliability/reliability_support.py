"""Helpers for the reliability tests: the `talenthub` CLI as a subprocess, a restartable
`chroma run` server on a free loopback port, and private copies of built indexes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from support import free_port, stop

from corpus.settings import Settings

BIN = Path(sys.executable).parent
TALENTHUB = str(BIN / "talenthub")
CHROMA = str(BIN / "chroma")
CLI_TIMEOUT = 120.0
SERVER_START_TIMEOUT = 60.0


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `talenthub` subprocess: offline, this data dir, no server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENTHUB_")}
    env.update({"TALENTHUB_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"})
    env.update(extra)
    return env


def talenthub(*args: str, env: dict[str, str],
              timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TALENTHUB, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


class ChromaServer:
    """`chroma run` on one loopback port and folder, restartable on the same ones."""

    def __init__(self, path: Path):
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.path.parent / "chroma.log").open("ab")
        self.process = subprocess.Popen(
            [CHROMA, "run", "--path", str(self.path), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        log.close()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer within {SERVER_START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def copy_index(source: Settings, target: Path) -> Settings:
    """A private copy of a built data dir, for tests that damage or rebuild it."""
    shutil.copytree(source.data_dir, target, ignore=shutil.ignore_patterns(".lock"))
    return source.model_copy(update={"data_dir": target})
