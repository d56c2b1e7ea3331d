"""APSS stage 1 (CLINICAL.md §5.1): the pure rules, and recording a screening."""

from __future__ import annotations

from datetime import date

import pytest

from clinic.errors import DomainError
from prescriptions.models import PreExerciseScreening
from prescriptions.screening import apss as screening
from prescriptions.screening.services import screening_record

NO = [False] * 6


def test_the_2019_tool_has_six_health_questions():
    assert [q.number for q in screening.QUESTIONS] == [1, 2, 3, 4, 5, 6]


def test_weighted_minutes_count_vigorous_twice():
    assert screening.weighted_minutes(light=30, moderate=60, vigorous=30) == 150


@pytest.mark.parametrize(
    ("weighted", "advice"),
    [(149, screening.LOW_ACTIVITY_ADVICE), (150, screening.ACTIVE_ADVICE)],
)
def test_150_weighted_minutes_a_week_is_the_line(weighted, advice):
    assert screening.activity_advice(weighted) == advice


def test_any_yes_means_seek_guidance_before_exercise():
    answers = [False, False, True, False, False, False]
    assert screening.advice(answers) == screening.YES_ADVICE
    assert [q.number for q in screening.yes_questions(answers)] == [3]
    assert screening.advice(NO) == screening.ALL_NO_ADVICE


@pytest.mark.parametrize(
    ("screened", "today", "due"),
    [
        (date(2025, 3, 3), date(2026, 3, 2), False),
        (date(2025, 3, 3), date(2026, 3, 3), True),
        (date(2024, 2, 29), date(2025, 2, 28), True),  # no 29 February in 2025
        (date(2024, 2, 29), date(2025, 2, 27), False),
    ],
)
def test_a_rescreen_is_due_after_12_months(screened, today, due):
    reasons = screening.rescreen_reasons(screened_on=screened, today=today)
    assert bool(reasons) is due


def test_a_new_condition_prompts_a_rescreen():
    reasons = screening.rescreen_reasons(
        screened_on=date(2026, 1, 5), today=date(2026, 2, 1), new_conditions=["Low back pain"]
    )
    assert reasons == ["New condition since the last screening: Low back pain."]


def test_never_screened_is_due():
    assert screening.rescreen_reasons(screened_on=None, today=date(2026, 1, 1)) == [
        "Not screened yet."
    ]


pytestmark_db = pytest.mark.django_db


def _record(world, **kw):
    values = {
        "patient": world.patient,
        "screened_on": date(2026, 3, 3),
        "answers": NO,
        "activity": {"light_minutes": 60, "moderate_minutes": 30, "vigorous_minutes": 20},
        "wording": "themes",
        "by": world.ep.user,
    }
    values.update(kw)
    return screening_record(**values)


@pytestmark_db
def test_a_screening_is_stored_with_its_date_and_weighted_minutes(world):
    row = _record(world)
    assert row.screened_on == date(2026, 3, 3)
    assert row.any_yes is False
    assert row.weighted_minutes == 130
    assert row.activity_advice == screening.LOW_ACTIVITY_ADVICE
    assert row.clinic == world.clinic


@pytestmark_db
def test_activity_not_answered_leaves_no_weighted_minutes(world):
    assert _record(world, activity={}).weighted_minutes is None


@pytestmark_db
def test_every_question_needs_an_answer(world):
    with pytest.raises(DomainError) as exc:
        _record(world, answers=[False, None, False, False, False, False])
    assert exc.value.field == "q2"
    assert not PreExerciseScreening.objects.exists()


@pytestmark_db
def test_staff_recording_a_yes_say_what_was_done(world):
    answers = [True, False, False, False, False, False]
    with pytest.raises(DomainError) as exc:
        _record(world, answers=answers)
    assert exc.value.field == "notes"
    row = _record(world, answers=answers, notes="Referred to the GP for clearance.")
    assert row.any_yes is True


@pytestmark_db
def test_a_patient_answering_online_needs_no_note(world):
    answers = [True, False, False, False, False, False]
    row = _record(world, answers=answers, by=None, source=PreExerciseScreening.Source.ONLINE)
    assert row.any_yes is True


@pytestmark_db
@pytest.mark.parametrize(
    "activity", [{"light_minutes": -1}, {"vigorous_minutes": 10081}, {"moderate_sessions": 101}]
)
def test_activity_out_of_range_is_refused(world, activity):
    with pytest.raises(DomainError):
        _record(world, activity=activity)
