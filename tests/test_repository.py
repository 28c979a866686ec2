"""The repository stands alone and keeps the shape docs/architecture.md describes: no file
points outside it, each package imports only the stages before it, an installed wheel has
every data file, and the documented settings are the real ones."""

from __future__ import annotations

import ast
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from corpus.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# Written so that this file does not match itself: a design file, a sibling folder, or an
# issue tracker that a clone of the repository does not have.
OUTSIDE = re.compile(r"shared[/]|DESIGN[.]md|issue [0-9]", re.IGNORECASE)
MAY_IMPORT = {
    "corpus": {"corpus"},
    "index": {"corpus", "index"},
    "assistant": {"corpus", "index", "assistant"},
    "evals": {"corpus", "index", "assistant", "evals"},
    "ui": {"corpus", "index", "assistant", "evals", "ui"},
}


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                check=True, timeout=30).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot list the tracked files")
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_nothing_refers_to_files_outside_the_repository() -> None:
    found = []
    for path in tracked_files():
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_each_package_imports_only_the_stages_before_it() -> None:
    wrong = []
    for package, allowed in MAY_IMPORT.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name.startswith("test_"):  # evals/test_quality.py drives the CLI
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in MAY_IMPORT and top not in allowed:
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_every_data_file_of_a_package_is_package_data() -> None:
    """What a package reads at run time (templates, static files, the corpus) must be in the
    wheel too, not only in a checkout."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    missing = []
    for path in tracked_files():
        package = path.relative_to(ROOT).parts[0]
        if package not in MAY_IMPORT or path.suffix == ".py" or not path.is_file():
            continue
        covered = {p for pattern in package_data.get(package, [])
                   for p in (ROOT / package).glob(pattern)}
        if path not in covered:
            missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"add to [tool.setuptools.package-data]: {missing}"


def test_the_architecture_page_documents_every_setting() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    undocumented = [f"TALENTHUB_{name.upper()}" for name in Settings.model_fields
                    if f"`TALENTHUB_{name.upper()}`" not in page]
    assert not undocumented
    assert "docs/architecture.md" in (ROOT / "README.md").read_text(encoding="utf-8")
