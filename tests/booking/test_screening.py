"""The safety-screening questions and their outcome: pure rules, no app needed."""

import pytest

from clinic_app.booking.screening import FIRST, Outcome, answers_record, outcome

ALL_NO = {q.key: False for q in FIRST.questions}


def test_the_questionnaire_asks_what_the_policy_promises():
    keys = [q.key for q in FIRST.questions]
    assert keys == ["fever", "cough", "taste_smell", "close_contact", "positive_test"]
    assert "10 days" in FIRST.question("close_contact").text
    assert "10 days" in FIRST.question("positive_test").text
    assert "Safe Patient Appointments" in FIRST.acknowledgement


def test_all_no_and_acknowledged_is_clear():
    assert outcome(ALL_NO, acknowledged=True, questionnaire=FIRST) == Outcome.CLEAR


@pytest.mark.parametrize("key", [q.key for q in FIRST.questions])
def test_any_yes_flags_the_visit(key):
    assert outcome({**ALL_NO, key: True}, acknowledged=True, questionnaire=FIRST) == Outcome.FLAGGED


def test_a_yes_flags_even_when_other_answers_are_missing():
    assert outcome({"fever": True}, acknowledged=False, questionnaire=FIRST) == Outcome.FLAGGED


@pytest.mark.parametrize(
    "answers,acknowledged",
    [({}, True), ({**ALL_NO, "cough": None}, True), ({**ALL_NO, "cough": "no"}, True), (ALL_NO, False)],
)
def test_anything_unanswered_is_incomplete(answers, acknowledged):
    assert outcome(answers, acknowledged, FIRST) == Outcome.INCOMPLETE


def test_the_stored_record_keeps_version_wording_and_answers():
    record = answers_record({**ALL_NO, "fever": True}, acknowledged=True, questionnaire=FIRST)
    assert record["version"] == FIRST.version
    assert record["answers"][0] == {"key": "fever", "question": FIRST.questions[0].text, "answer": True}
    assert record["acknowledgement"]["given"] is True
    assert record["outcome"] == Outcome.FLAGGED


@pytest.mark.parametrize(
    ("stored", "flagged", "comes_in", "staff", "patient"),
    [
        ("clear", False, True, "All answers no", "All answers “no”; safety policy acknowledged"),
        ("flagged", True, False, "Flagged", ""),
        ("not_required", False, False, "Not needed (video visit)", "Not needed for a video visit"),
        (None, False, False, "Not answered", ""),
        ("something old", False, False, "Not answered", ""),
    ],
)
def test_one_vocabulary_for_the_outcome_with_a_label_per_audience(stored, flagged, comes_in, staff, patient):
    from clinic_app.booking.screening import Outcome

    outcome = Outcome.of(stored)
    assert (outcome.is_flagged, outcome.may_come_in, outcome.staff_label, outcome.patient_label) == (
        flagged,
        comes_in,
        staff,
        patient,
    )
