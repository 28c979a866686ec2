"""`talenthub assess` end to end: a real index, the bundled model, click's test runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from corpus.settings import Settings
from ui.cli import cli

pytestmark = pytest.mark.slow
S = "employers"


@pytest.fixture(scope="session")
def data_dir(real_settings: Settings) -> Path:
    """The suite's real index (tests/conftest.py), built once per session."""
    return real_settings.data_dir


def run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), "assess", *args])


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_json_output_has_the_documented_shape(data_dir: Path, tmp_path: Path) -> None:
    answers = write(tmp_path / "a.json", {f"{S}/self-assessment/3": "no",
                                          f"{S}/self-assessment/1": "yes"})
    result = run(data_dir, "--stakeholder", S, "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"stakeholder", "summary", "gaps", "plan"} <= set(data)
    assert data["gaps"][0]["statement"]["id"] == f"{S}/self-assessment/3"
    assert f"{S}/pre-departure/4" in {a["id"] for a in data["gaps"][0]["actions"]}


def test_template_fills_in_and_loads_back(data_dir: Path, tmp_path: Path) -> None:
    result = run(data_dir, "-s", S, "--template")
    assert result.exit_code == 0, result.output
    blank = json.loads(result.stdout)
    assert len(blank["answers"]) == 16 and set(blank["answers"].values()) == {""}
    blank["answers"][f"{S}/self-assessment/5"] = "not-sure"
    filled = write(tmp_path / "filled.json", blank)
    table = run(data_dir, "-s", S, "--answers", str(filled), "--format", "csv")
    assert table.exit_code == 0, table.output
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert {r["statement_id"] for r in rows} == {f"{S}/self-assessment/5"}


def test_output_file_and_progress(data_dir: Path, tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", {"stakeholder": S, "date": "2024-12-31",
                                        "answers": {f"{S}/self-assessment/3": "no"}})
    new = write(tmp_path / "new.json", {"stakeholder": S, "date": "2025-03-31",
                                        "answers": {f"{S}/self-assessment/3": "yes",
                                                    f"{S}/self-assessment/4": "no"}})
    out = tmp_path / "plan.html"
    result = run(data_dir, "-s", S, "--answers", str(new), "--previous", str(old),
                 "--format", "html", "--output", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Progress since 2024-12-31" in page and "Assessed on 2025-03-31" in page


@pytest.mark.parametrize(("answers", "args", "message"), [
    ({f"{S}/self-assessment/3": "maybe"}, (),
     f'"{S}/self-assessment/3": invalid answer "maybe"'),
    ({"municipalities/self-assessment/1": "no"}, (),
     "a statement of municipalities, not employers"),
    ({"stakeholder": "education", "answers": {}}, (), "the answers are for education"),
    ({}, ("--template",), "give either --answers FILE.json or --template"),
    ({}, ("--json", "--format", "md"), "give --json or --format, not both"),
])
def test_bad_input_is_one_line_and_exit_2(data_dir: Path, tmp_path: Path, answers: object,
                                          args: tuple[str, ...], message: str) -> None:
    path = write(tmp_path / "bad.json", answers)
    result = run(data_dir, "-s", S, "--answers", str(path), *args)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert message in line
    assert "Traceback" not in result.output


def test_a_missing_file_is_named(data_dir: Path, tmp_path: Path) -> None:
    result = run(data_dir, "-s", S, "--answers", str(tmp_path / "nope.json"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.json'}: no such file" in result.stderr
