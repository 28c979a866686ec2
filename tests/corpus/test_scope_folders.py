"""Document scopes from the folder a file is in: shared, a partner's, or refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import add_partners, copy_corpus

from corpus.load import find_documents, load_corpus
from corpus.scopes import SHARED, Scope, ScopeError, is_partner_name, scope_of


@pytest.mark.parametrize(("path", "scope"), [
    ("guidebook.pdf", SHARED),
    ("web/pages/brief.html", SHARED),
    ("partners/alpha/a.pdf", "alpha"),
    ("partners/alpha/deep/er/a.docx", "alpha"),
    ("partnership/alpha/a.md", SHARED),  # only the folder named partners counts
])
def test_a_partner_owns_what_is_under_its_folder_and_everything_else_is_shared(
        path: str, scope: str) -> None:
    assert scope_of(path) == scope


@pytest.mark.parametrize(("path", "message"), [
    ("partners/loose.pdf", "partners/<partner>/"),
    ("partners/Alpha/a.pdf", "not a partner name"),
    ("partners/admin/a.pdf", "not a partner name"),
])
def test_a_misplaced_partner_file_is_an_error_never_shared(path: str, message: str) -> None:
    with pytest.raises(ScopeError, match=message):
        scope_of(path)


def test_the_shared_scope_and_the_admin_role_are_no_partner_names() -> None:
    assert not is_partner_name(SHARED) and not is_partner_name("admin")
    assert is_partner_name("city-of-aarhus") and not is_partner_name("-x")


def test_a_scope_sees_the_shared_documents_and_its_own() -> None:
    assert Scope().names == (SHARED,) and Scope().where() == {"scope": SHARED}
    alpha = Scope("alpha")
    assert alpha.sees(SHARED) and alpha.sees("alpha") and not alpha.sees("beta")
    assert alpha.where() == {"scope": {"$in": [SHARED, "alpha"]}}
    with pytest.raises(ScopeError):
        Scope("../beta")


def test_partner_slugs_are_namespaced_and_cannot_move_shared_ones(tmp_path: Path) -> None:
    for relative in ("partners/alpha/brief.md", "partners/beta/brief.md", "brief.md",
                     "zz/alpha-brief.md"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# Housing\n\nCities keep rooms for newcomers.\n")
    documents, skipped = find_documents(tmp_path)
    slugs = {d.relative_path: (d.slug, d.scope) for d in documents}
    assert slugs == {"brief.md": ("brief", SHARED), "zz/alpha-brief.md": ("alpha-brief", SHARED),
                     "partners/alpha/brief.md": ("alpha/brief", "alpha"),
                     "partners/beta/brief.md": ("beta/brief", "beta")}
    assert skipped == []


def test_sections_carry_their_scope_and_misplaced_files_are_skipped(tmp_path: Path) -> None:
    corpus = add_partners(copy_corpus(tmp_path / "corpus"))
    (corpus / "partners" / "loose.md").write_text("# Loose\n\nA note that lost its folder.\n")
    loaded = load_corpus(corpus)
    scopes = {s.document: s.scope for s in loaded.sections}
    assert scopes["talent-hub-guidebook"] == SHARED
    assert scopes["alpha/welcome-desk"] == "alpha" and scopes["beta/member-handbook"] == "beta"
    assert any(s.id.startswith("beta/member-handbook#") for s in loaded.sections)
    (skipped,) = loaded.skipped
    assert (skipped.relative_path, skipped.scope) == ("partners/loose.md", "")


def test_a_partner_copy_of_the_guidebook_never_displaces_the_shared_one(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    guidebook = (corpus / "talent-hub-guidebook.md").read_text(encoding="utf-8")
    for partner in ("alpha", "beta"):  # both sort before the shared copy's name
        (corpus / "partners" / partner).mkdir(parents=True)
        (corpus / "partners" / partner / "a-guidebook.md").write_text(guidebook)
    loaded = load_corpus(corpus)
    (kept,) = [d for d in loaded.documents if d.slug == "talent-hub-guidebook"]
    assert kept.scope == SHARED
    reasons = {s.relative_path: s.reason for s in loaded.skipped}
    assert set(reasons) == {"partners/alpha/a-guidebook.md", "partners/beta/a-guidebook.md"}
    assert all("(talent-hub-guidebook.md)" in r for r in reasons.values())
