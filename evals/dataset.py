"""Eval datasets: JSONL, one case per line, checked before anything runs.

A mistake in a dataset (a typo in a citation id, a kind that does not exist) would otherwise
show up as a silently lower score, so every problem is an error naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.models import PHASES, STAKEHOLDERS

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
SPLITS = ("dev", "test")
KINDS = ("action-point", "list", "cross-stakeholder", "follow-up", "fact", "out-of-scope")
REQUIRED = {"id": str, "question": str, "expected": list, "acceptable": list, "kind": str,
            "stakeholders": list, "phases": list}
OPTIONAL = {"history": list, "stakeholder": str, "phase": str, "must_contain": list,
            # what the case exercises ("scenario", "own-words", "refusal-legal", ...), for
            # the report's per-tag rows
            "tags": list,
            # "moved-from-test": read after a test failure, so it moved to dev (counted)
            "origin": str,
            # provenance of candidates from `talenthub feedback export`: kept, never scored
            "source": str, "rating": str, "comment": str}


class DatasetError(ValueError):
    """A dataset the suite cannot trust; the message names `file:line` and what to fix."""


@dataclass(frozen=True)
class Case:
    """One question with the citation ids that make a correct answer."""

    id: str
    question: str
    kind: str
    expected: tuple[str, ...]
    acceptable: tuple[str, ...] = ()
    must_contain: tuple[str, ...] = ()
    stakeholders: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    origin: str = ""
    stakeholder: str | None = None
    phase: str | None = None
    source: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def in_scope(self) -> bool:
        return self.kind != "out-of-scope"

    def request(self) -> dict[str, Any]:
        """The keyword arguments for `Assistant.ask` and `Assistant.retrieve`."""
        return {"history": [list(turn) for turn in self.history] or None,
                "stakeholder": self.stakeholder, "phase": self.phase}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "question": self.question, "kind": self.kind,
                                "expected": list(self.expected),
                                "acceptable": list(self.acceptable),
                                "stakeholders": list(self.stakeholders),
                                "phases": list(self.phases)}
        if self.must_contain:
            data["must_contain"] = list(self.must_contain)
        if self.history:
            data["history"] = [list(turn) for turn in self.history]
        if self.stakeholder:
            data["stakeholder"] = self.stakeholder
        if self.phase:
            data["phase"] = self.phase
        if self.tags:
            data["tags"] = list(self.tags)
        if self.origin:
            data["origin"] = self.origin
        return data


def split_path(split: str) -> Path:
    if split not in SPLITS:
        raise DatasetError(f"unknown split '{split}'; choose one of: {', '.join(SPLITS)}")
    return DATASETS_DIR / f"{split}.jsonl"


def read_jsonl(path: Path) -> Iterator[tuple[str, int, Any]]:
    """(`file:line`, line number, parsed value) for every non-blank line."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            yield where, number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc.msg})") from exc


def load_dataset(path: Path) -> list[Case]:
    """Parse and schema-check every line; the first problem raises `DatasetError`."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such dataset file")
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for where, number, data in read_jsonl(path):
        case = _parse_case(data, where, source=str(path), line=number)
        if case.id in seen:
            raise DatasetError(f"{where}: duplicate case id '{case.id}' "
                               f"(first on line {seen[case.id]})")
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise DatasetError(f"{path}: the dataset has no cases")
    return cases


def validate_ids(cases: Iterable[Case], known_ids: set[str]) -> None:
    """Every expected and acceptable id must exist in the index.

    An id that matches nothing can never be cited, so it would lower the score forever
    without anyone noticing why; it is better refused up front.
    """
    for case in cases:
        for key, ids in (("expected", case.expected), ("acceptable", case.acceptable)):
            for unit_id in ids:
                if unit_id not in known_ids:
                    raise DatasetError(
                        f"{case.where}: case '{case.id}' lists {key} id '{unit_id}', which "
                        "does not exist in the index; fix the id or rebuild the index")


def _parse_case(data: Any, where: str, *, source: str, line: int) -> Case:
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a JSON object")
    unknown = set(data) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise DatasetError(f"{where}: unknown keys {sorted(unknown)}")
    for key in REQUIRED:
        if key not in data:
            raise DatasetError(f"{where}: missing key '{key}'")
    for key, kind in {**REQUIRED, **OPTIONAL}.items():
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            raise DatasetError(f"{where}: '{key}' must be a {kind.__name__}")
    for key in ("expected", "acceptable", "stakeholders", "phases", "must_contain", "tags"):
        if not all(isinstance(item, str) and item for item in data.get(key) or []):
            raise DatasetError(f"{where}: '{key}' must be a list of non-empty strings")
    if not data["question"].strip():
        raise DatasetError(f"{where}: empty question")
    kind = data["kind"]
    if kind not in KINDS:
        raise DatasetError(f"{where}: unknown kind '{kind}'; choose one of: {', '.join(KINDS)}")
    _check_labels(data, where)
    if kind == "out-of-scope" and (data["expected"] or data["acceptable"]):
        raise DatasetError(f"{where}: an out-of-scope case cannot expect citations")
    if kind == "fact" and not data.get("must_contain"):
        raise DatasetError(f"{where}: a fact case needs 'must_contain'")
    if kind not in ("fact", "out-of-scope") and not data["expected"]:
        raise DatasetError(f"{where}: '{kind}' cases need at least one expected id")
    return Case(
        id=data["id"], question=data["question"], kind=kind,
        expected=tuple(data["expected"]), acceptable=tuple(data["acceptable"]),
        must_contain=tuple(data.get("must_contain") or ()),
        stakeholders=tuple(data["stakeholders"]), phases=tuple(data["phases"]),
        history=_history(data.get("history"), where),
        tags=tuple(data.get("tags") or ()), origin=data.get("origin") or "",
        stakeholder=data.get("stakeholder"), phase=data.get("phase"),
        source=source, line=line,
    )


def _check_labels(data: dict[str, Any], where: str) -> None:
    for key, allowed in (("stakeholders", STAKEHOLDERS), ("phases", PHASES)):
        for label in data[key]:
            if label not in allowed:
                raise DatasetError(f"{where}: unknown {key[:-1]} '{label}' in '{key}'")
    for key, allowed in (("stakeholder", STAKEHOLDERS), ("phase", PHASES)):
        if data.get(key) is not None and data[key] not in allowed:
            raise DatasetError(f"{where}: unknown {key} '{data[key]}'")


def _history(raw: list[Any] | None, where: str) -> tuple[tuple[str, str], ...]:
    turns = []
    for turn in raw or []:
        if not (isinstance(turn, list) and len(turn) == 2
                and all(isinstance(t, str) for t in turn)):
            raise DatasetError(f"{where}: 'history' must be a list of [user, assistant] pairs")
        turns.append((turn[0], turn[1]))
    return tuple(turns)
