"""Every hand-written query-analysis term that the corpus cannot supply carries a reason.

Terms that occur in some corpus text are the corpus's own vocabulary. A term that occurs in
no corpus text but in evaluation questions is the kind that can creep in to fit an eval
case; it may stay only in a group whose reason says why the corpus cannot supply it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import grammar
from corpus.load import load_corpus
from corpus.settings import DEFAULT_CORPUS_DIR
from evals.dataset import DATASETS_DIR, load_dataset


def _occurs(term: str, text: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", text) is not None


@pytest.fixture(scope="module")
def corpus_text() -> str:
    sections = load_corpus(DEFAULT_CORPUS_DIR).sections
    return " ".join(" ".join(s.text.lower().replace("’", "'").split()) for s in sections)


@pytest.fixture(scope="module")
def eval_text() -> str:
    cases = [c for path in sorted(Path(DATASETS_DIR).glob("*.jsonl"))
             if path.stem in ("dev", "test") for c in load_dataset(path)]
    return " ".join(" ".join(c.question.lower().replace("’", "'").split()) for c in cases)


def test_terms_outside_the_corpus_have_a_reason(corpus_text: str, eval_text: str) -> None:
    unexplained = []
    for name, terms in grammar.ALL_TERMS.items():
        outside = [t for t in terms.phrases if t.strip() and not _occurs(t.strip(), corpus_text)
                   and _occurs(t.strip(), eval_text)]
        if outside and len(terms.reason.split()) < 5:
            unexplained.append(f"{name}: {outside}")
    assert not unexplained, unexplained


def test_every_group_says_why_it_is_hand_written() -> None:
    for name, terms in {**grammar.ALL_TERMS, **{f"phase:{p}": t for p, t in
                                                 grammar.PHASE_PATTERNS.items()}}.items():
        assert len(terms.reason.split()) >= 5, name


def test_role_names_name_organisations_not_the_people_they_serve() -> None:
    """'students', 'workers', 'members' are whom a role serves; as role names they would
    make every question about students an education question."""
    served = {"student", "students", "worker", "workers", "member", "members", "talent",
              "migrant", "migrants", "employee", "employees", "staff"}
    for slug, terms in grammar.ROLE_NAMES.items():
        assert not served & set(terms.phrases), slug
