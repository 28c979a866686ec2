"""What counts as a statement of an answer, and when its cited sources support it."""

from __future__ import annotations

from assistant.grounding import answer_statements, supports

SOURCE = ("Offer pre-arrival language training and orientation to talent and families "
          "(online) in cooperation with relevant language learning providers.")


def test_bullets_and_prose_sentences_are_statements_lead_ins_are_not() -> None:
    answer = ("For **employers** in the **pre-departure** phase, the guidebook suggests:\n"
              "- Offer pre-arrival language training [1] *(Pre-departure)*\n"
              "\n**Municipalities**\n"
              "Municipalities hire settlement consultants. [2] They also run portals [2][3].")
    assert answer_statements(answer) == [
        ("Offer pre-arrival language training", [1]),
        ("Municipalities hire settlement consultants.", [2]),
        ("They also run portals.", [2, 3]),
    ]


def test_a_sentence_without_a_marker_is_a_statement_with_none() -> None:
    assert answer_statements("Employers should act now.") == [("Employers should act now.", [])]


def test_verbatim_and_paraphrase_are_supported_invention_is_not() -> None:
    assert supports("Offer pre-arrival language training and orientation", [SOURCE])
    # a paraphrase keeping the key terms; "employers should" is framing, not content
    assert supports("Employers should offer language training to families before arrival",
                    [SOURCE])
    # a claim the source does not make
    assert not supports("Pay for the relocation flights and a year of rent", [SOURCE])
    # a marker pointing at nothing supports nothing
    assert not supports("Offer language training", [])


def test_framing_only_claims_nothing() -> None:
    assert supports("The guidebook suggests:", [])
