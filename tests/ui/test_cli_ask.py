"""`talenthub index` and `talenthub ask` as a user runs them: output, JSON, batch, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import FakeEmbedder

from corpus.settings import Settings
from ui.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_index_reports_counts_and_is_incremental(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("index.embeddings.load_embedder", lambda name: FakeEmbedder())
    code, out, err = run("--data-dir", str(tmp_path), "index")
    assert code == 0
    assert any("6 stakeholders, 83 action points, 76 self-assessment statements, "
               "8 intervention areas" in line for line in out.splitlines()), out
    # not a terminal: one progress line per document read and per batch embedded
    assert "Reading documents: 5/5 talent-hub-guidebook.md" in err
    assert "Embedding chunks: 298/298" in err
    code, out, _ = run("--data-dir", str(tmp_path), "index")
    assert code == 0
    assert any(line.startswith("Index is up to date") and "nothing re-embedded" in line
               for line in out.splitlines()), out


def test_ask_without_an_index_says_what_to_run(tmp_path: Path) -> None:
    code, out, err = run("--data-dir", str(tmp_path), "ask", "How do we keep talent?")
    assert code == 2
    assert "talenthub index" in err
    assert "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["ask"], "give either a QUESTION or --batch"),
    (["ask", "Hi", "--stakeholder", "bakers"], "'bakers' is not one of 'employers'"),
    (["ask", "--batch", "missing.jsonl"], "no such file"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = run("--data-dir", str(tmp_path), *args)
    assert code == 2 and message in err


def test_batch_rejects_a_bad_line_before_answering(tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text('{"question": "ok"}\nnot json\n')
    code, _, err = run("--data-dir", str(tmp_path), "ask", "--batch", str(batch))
    assert code == 2 and f"{batch}:2" in err


@pytest.mark.slow
def test_ask_json_and_pretty_output(real_settings: Settings) -> None:
    code, out, _ = run("--data-dir", str(real_settings.data_dir), "ask",
                       "What should employers do before talent arrives?", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["grounded"] and data["citations"][0]["id"] == "employers/pre-departure/1"
    code, out, _ = run("--data-dir", str(real_settings.data_dir), "ask",
                       "What should employers do before talent arrives?")
    assert code == 0 and "Sources" in out and "employers/pre-departure/1" in out


@pytest.mark.slow
def test_batch_answers_in_order_with_history_and_loads_the_model_once(
        real_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.api

    loads: list[str] = []
    real_load = assistant.api.load_embedder

    def counting(name: str):  # type: ignore[no-untyped-def]
        loads.append(name)
        return real_load(name)

    monkeypatch.setattr(assistant.api, "load_embedder", counting)
    batch = tmp_path / "in.jsonl"
    batch.write_text("\n".join(json.dumps(r) for r in [
        {"question": "What should employers do before talent arrives?"},
        {"question": "And what about municipalities?",
         "history": [["What should employers do before talent arrives?", "..."]]},
        {"question": "Give me a lasagna recipe"},
    ]) + "\n")
    code, out, _ = run("--data-dir", str(real_settings.data_dir), "ask", "--batch", str(batch))
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["question"] for a in answers] == [
        "What should employers do before talent arrives?", "And what about municipalities?",
        "Give me a lasagna recipe"]
    assert {c["stakeholder"] for c in answers[1]["citations"]} == {"municipalities"}
    assert answers[2]["grounded"] is False
    assert len(loads) == 1
