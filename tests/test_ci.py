"""CI cannot pass by accident: `.ci/run` stops when Chromium or PostgreSQL cannot be
installed, and in CI a browser or PostgreSQL test that cannot run fails instead of
skipping."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from support import CHROMIUM_ENV, chromium_path, launch_browser, postgres_bin

CI_RUN = Path(__file__).resolve().parents[1] / ".ci" / "run"


def fake_tools(tmp_path: Path, **exit_codes: int) -> Path:
    """A PATH holding only `dirname` and scripts that log their name and $CI, then exit."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dirname").symlink_to(shutil.which("dirname") or "/usr/bin/dirname")
    for tool, code in exit_codes.items():
        name = "apt-get" if tool == "apt_get" else tool
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "{name} CI=$CI" >> {tmp_path}/calls\nexit {code}\n')
        script.chmod(0o755)
    return bin_dir


def run_ci(tmp_path: Path, bin_dir: Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    bash = shutil.which("bash") or "/bin/bash"
    result = subprocess.run([bash, str(CI_RUN)], env={"PATH": str(bin_dir)},
                            capture_output=True, text=True, timeout=30, check=False)
    calls = tmp_path / "calls"
    return result, calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.parametrize(("present", "missing"), [
    ({"pg_createcluster": 0}, "chromium"), ({"chromium": 0}, "postgresql")])
def test_ci_run_fails_when_a_test_dependency_cannot_be_installed(
        tmp_path: Path, present: dict[str, int], missing: str) -> None:
    result, calls = run_ci(tmp_path, fake_tools(tmp_path, apt_get=100, make=0, **present))
    assert result.returncode == 1
    assert f"installing {missing} failed" in result.stderr
    assert not any(call.startswith("make") for call in calls)  # the tests never ran


def test_ci_run_tests_in_ci_mode_when_chromium_and_postgresql_are_there(
        tmp_path: Path) -> None:
    result, calls = run_ci(tmp_path, fake_tools(tmp_path, chromium=0, pg_createcluster=0,
                                                apt_get=100, make=0))
    assert result.returncode == 0, result.stderr
    assert calls == ["make CI=true"]


def test_a_missing_postgresql_fails_in_ci_and_is_skipped_elsewhere(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter(()))
    monkeypatch.setattr(shutil, "which", lambda name, **kwargs: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI needs the PostgreSQL tests"):
        postgres_bin()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        postgres_bin()


def test_a_missing_browser_fails_in_ci_and_is_skipped_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI needs the browser tests"):
        chromium_path()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=f"{CHROMIUM_ENV}=.*no-chromium"):
        chromium_path()


def test_a_browser_that_cannot_start_fails_in_ci(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv(CHROMIUM_ENV, str(broken))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot start"), launch_browser():
        pass


@pytest.mark.browser
def test_the_browser_starts_under_a_long_tmpdir(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Chromium's socket under $TMPDIR would exceed the path limit: the suite must not pass
    or fail with the length of the machine's temporary folder."""
    long = tmp_path / ("a-long-folder-name-" * 6)
    long.mkdir()
    monkeypatch.setenv("TMPDIR", str(long))
    monkeypatch.setattr(tempfile, "tempdir", str(long))  # it caches the first answer
    with launch_browser() as browser:
        assert browser.new_page().evaluate("1 + 1") == 2
