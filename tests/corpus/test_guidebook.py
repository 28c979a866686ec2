"""The guidebook parser against the real chapter: counts, ids and exact texts are pinned."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.guidebook import SLUG
from corpus.load import load_corpus
from corpus.models import STAKEHOLDERS, THEMES, Section
from corpus.settings import DEFAULT_CORPUS_DIR


@pytest.fixture(scope="module")
def sections() -> list[Section]:
    return load_corpus(DEFAULT_CORPUS_DIR).sections_of(SLUG)


@pytest.fixture(scope="module")
def by_id(sections: list[Section]) -> dict[str, Section]:
    return {s.id: s for s in sections}


def of_kind(sections: list[Section], kind: str) -> list[Section]:
    return [s for s in sections if s.kind == kind]


def test_ids_are_unique(sections: list[Section]) -> None:
    assert len({s.id for s in sections}) == len(sections)


def test_83_action_points_per_stakeholder_and_phase(sections: list[Section]) -> None:
    points = of_kind(sections, "action-points")
    assert len(points) == 83
    per_list = Counter((s.stakeholder, s.phase) for s in points)
    assert per_list == {
        ("employers", "pre-departure"): 6, ("employers", "on-boarding"): 3,
        ("employers", "integration"): 7,
        ("municipalities", "pre-departure"): 4, ("municipalities", "on-boarding"): 3,
        ("municipalities", "integration"): 6,
        ("government", "pre-departure"): 5, ("government", "on-boarding"): 3,
        ("government", "integration"): 5,
        ("education", "pre-departure"): 3, ("education", "on-boarding"): 2,
        ("education", "integration"): 7,
        ("trade-unions", "pre-departure"): 4, ("trade-unions", "on-boarding"): 3,
        ("trade-unions", "integration"): 6,
        ("civil-society", "pre-departure"): 4, ("civil-society", "on-boarding"): 5,
        ("civil-society", "integration"): 7,
    }
    assert Counter(s.phase for s in points) == {"pre-departure": 26, "on-boarding": 19,
                                                "integration": 38}


def test_action_point_numbers_follow_the_printed_lists(sections: list[Section]) -> None:
    for (stakeholder, phase), count in Counter(
            (s.stakeholder, s.phase) for s in of_kind(sections, "action-points")).items():
        numbers = [s.number for s in sections
                   if s.kind == "action-points" and (s.stakeholder, s.phase) == (stakeholder,
                                                                                 phase)]
        assert numbers == list(range(1, count + 1))


@pytest.mark.parametrize(("unit_id", "text"), [
    ("employers/pre-departure/4", "Offer online and preparatory language learning opportunities "
     "in cooperation with municipalities and language schools."),
    ("employers/on-boarding/1", "Systematically inform incoming talent of the benefits of "
     "learning Danish. Also, those who think they might not stay in the country for long."),
    ("municipalities/pre-departure/4", "Advise incoming talent and families on housing "
     "opportunities and assist in identifying available housing."),
    ("trade-unions/integration/2", "Establish contact points for both talent and spouses, "
     "including branch specific job seeking guidance and networking opportunities if "
     "applicable in coordination with other actors such as the municipalities and private "
     "and public sector."),
    ("civil-society/pre-departure/1", "Become a member of existing Advisory Boards and Bodies "
     "where multiple stakeholders are represented, if not already a member."),
])
def test_exact_action_point_texts(by_id: dict[str, Section], unit_id: str, text: str) -> None:
    section = by_id[unit_id]
    assert section.text == text
    assert section.kind == "action-points"


def test_titles_and_breadcrumbs(by_id: dict[str, Section]) -> None:
    point = by_id["municipalities/on-boarding/3"]
    assert point.title == "Municipalities / Action points / On-boarding / 3"
    assert point.breadcrumb == "Guidebook › II.2 Municipalities › Action points › On-boarding › 3"


def test_eight_themes_for_every_stakeholder(sections: list[Section]) -> None:
    themes = Counter((s.stakeholder, s.theme) for s in of_kind(sections, "interventions"))
    assert themes == {(st, th): 1 for st in STAKEHOLDERS for th in THEMES}


def test_headings_split_over_several_lines(by_id: dict[str, Section]) -> None:
    # "Professional  \nDevelopment  \nand  \nOpportunities" in the municipalities section.
    assert by_id["municipalities/interventions/professional-development"].text.startswith(
        "Incoming talents and their families could be informed about the options of "
        "receiving formal assessment of skills")
    assert by_id["education/interventions/well-being"].text.startswith(
        "Educational institutions play diverse roles in nurturing talent")


def test_civil_society_paragraphs_without_headings_follow_theme_order(
        by_id: dict[str, Section]) -> None:
    starts = {
        "coordination": "Civil society, including diaspora organizations, can make",
        "data": "Acting as a bridge between international talents",
        "information": "Civil society, including diaspora organizations, play a crucial role",
        "language": "While civil society do not play an active role in implementing language",
        "branding": "Place branding is not only affected",
    }
    for theme, start in starts.items():
        assert by_id[f"civil-society/interventions/{theme}"].text.startswith(start)


def test_self_assessment_statements_and_focus_groups(sections: list[Section]) -> None:
    statements = of_kind(sections, "self-assessment")
    assert Counter(s.stakeholder for s in statements) == {
        "employers": 16, "municipalities": 12, "government": 15, "education": 10,
        "trade-unions": 12, "civil-society": 11}
    employers = [s for s in statements if s.stakeholder == "employers"]
    assert [s.focus for s in employers] == ["talent"] * 6 + ["family"] * 4 + ["partnerships"] * 6
    assert employers[2].id == "employers/self-assessment/3"
    assert employers[2].text == ("Pre-arrival language learning. We offer pre-arrival language "
                                 "and other preparatory training to talent and their families.")


def test_quotes_carry_their_attribution(by_id: dict[str, Section]) -> None:
    # The conversion put this attribution above its quote; pairing is by order.
    quote = by_id["government/quotes/2"]
    assert quote.extra["attribution"] == "Respondent from Germany #5"
    assert quote.text.startswith("I would very much like to have citizenship")
    assert by_id["civil-society/quotes/3"].extra["attribution"] == \
        "Respondent #3 Remote work survey"


def test_footnotes_attach_to_the_section_that_cites_them(by_id: dict[str, Section]) -> None:
    assert by_id["employers/self-assessment/8"].footnotes == (
        "Bosætningskonsulenter in Danish, i.e. municipal focal points.",)
    matchmaker = by_id["municipalities/interventions/professional-development"]
    assert "matchmaker" in matchmaker.footnotes[0]
    assert "citizenship law" in by_id["government/interventions/branding"].footnotes[0]


def test_markup_is_gone(sections: list[Section]) -> None:
    for section in sections:
        for residue in ("<", "&amp;", "&nbsp;", "**", "<sup>"):
            assert residue not in section.text, (section.id, residue)


def test_front_matter_holds_the_required_citation(by_id: dict[str, Section]) -> None:
    about = by_id["talent-hub-guidebook#about"]
    assert "International Organization for Migration (IOM), 2024. IOM Talent Hub EU Guidebook" \
        in about.text
