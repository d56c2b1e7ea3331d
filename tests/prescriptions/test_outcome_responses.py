"""Outcome measures entered with an assessment: scored with outcomes.score and stored with
their total, scales and the missing-answer rules; copied into amendments; attached from the
patient's online answers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

import pytest

from clinic.errors import DomainError
from prescriptions.assessments.services import (
    assessment_amend,
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from prescriptions.models import OutcomeResponse
from prescriptions.outcomes.instruments import SHIPPED
from prescriptions.outcomes.services import (
    ResponseInput,
    check_response,
    outcome_response_attach,
    outcome_response_submit_online,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

VISA_G = [7, 5, 5, 7, 5, 7, 4, 10]  # branch B, 10 points: total 50


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


@pytest.fixture
def draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["lateral_hip"],
        involved_side="right",
    )


def _save(world, assessment, responses, measures=None):
    return assessment_update_draft(
        assessment=assessment,
        by=world.ep.user,
        measures=measures if measures is not None else assessment.measures,
        responses=responses,
    )


def test_a_condition_preselects_its_measures(draft):
    assert draft.measures == ["VISA-G", "NPRS"]  # CLINICAL.md §1.12, lateral hip pain


def test_a_new_condition_adds_its_measures(world, draft):
    assessment_update_draft(
        assessment=draft, by=world.ep.user, fields={"conditions": ["lateral_hip", "low_back"]}
    )
    draft.refresh_from_db()
    assert draft.measures == ["VISA-G", "ODI", "NPRS"]


def test_entered_answers_are_scored_and_stored(world, draft):
    _save(world, draft, {"VISA-G": ResponseInput(VISA_G, branch="B")})
    row = OutcomeResponse.objects.get(assessment=draft)
    assert row.instrument == "VISA-G"
    assert row.answers == VISA_G
    assert row.branch == "B"
    assert row.total == Decimal("50.0")
    assert row.source == OutcomeResponse.Source.STAFF
    assert row.entered_by == world.ep.user
    assert row.patient == world.patient
    assert row.completed_on == draft.assessed_on


def test_koos12_stores_its_three_scales_and_summary(world, draft):
    answers = [2, 1, 2, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    _save(world, draft, {"KOOS-12": ResponseInput(answers)}, measures=["KOOS-12"])
    row = OutcomeResponse.objects.get(assessment=draft, instrument="KOOS-12")
    assert row.subscales == {"pain": 62.5, "function": 75.0, "qol": 100.0}
    assert row.total == Decimal("79.2")


def test_lefs_with_two_missing_items_is_prorated_and_says_so(world, draft):
    answers = [4] * 18 + [None, None]
    _save(world, draft, {"LEFS": ResponseInput(answers)}, measures=["LEFS"])
    row = OutcomeResponse.objects.get(assessment=draft)
    assert row.total == Decimal("80.0")
    assert row.prorated is True
    assert row.note == "Prorated from 18 of 20 items."
    assert row.total_display == "80 (prorated)"


def test_a_partly_answered_measure_is_kept_as_not_scorable(world, draft):
    answers = [3] * 17 + [None] * 3
    _save(world, draft, {"LEFS": ResponseInput(answers)}, measures=["LEFS"])
    row = OutcomeResponse.objects.get(assessment=draft)
    assert row.total is None
    assert row.answered == 17
    assert row.note == "Not scored: 3 items unanswered (at most 2 allowed)."
    assert row.total_display == "Not scorable"


def test_an_answer_an_item_does_not_allow_is_refused_with_its_field(world, draft):
    answers = [7, 5, 5, 6, 5, 7, 4, 10]
    with pytest.raises(DomainError) as exc:
        _save(world, draft, {"VISA-G": ResponseInput(answers, branch="B")})
    assert exc.value.field == "measure__VISA-G__4"
    assert "item 4" in exc.value.message and "0, 2, 5, 7, 10" in exc.value.message
    assert not OutcomeResponse.objects.exists()


def test_visa_g_item_8_must_belong_to_the_branch_chosen(world, draft):
    with pytest.raises(DomainError) as exc:
        _save(world, draft, {"VISA-G": ResponseInput([*VISA_G[:7], 24], branch="B")})
    assert exc.value.field == "measure__VISA-G__8"
    with pytest.raises(DomainError) as exc:
        _save(world, draft, {"VISA-G": ResponseInput(VISA_G)})
    assert exc.value.field == "measure__VISA-G__branch"


def test_clearing_the_answers_removes_the_response(world, draft):
    _save(world, draft, {"VISA-G": ResponseInput(VISA_G, branch="B")})
    _save(world, draft, {"VISA-G": ResponseInput([None] * 8)})
    assert not OutcomeResponse.objects.exists()


def test_a_measure_with_answers_cannot_be_removed(world, draft):
    _save(world, draft, {"VISA-G": ResponseInput(VISA_G, branch="B")})
    with pytest.raises(DomainError) as exc:
        _save(world, draft, {"VISA-G": ResponseInput(VISA_G, branch="B")}, measures=["NPRS"])
    assert exc.value.field == "measures"


def test_psfs_keeps_the_patients_activities_with_stable_ids(world, draft):
    data = ResponseInput([3, None, 5], activities=[("", "Stairs"), ("", ""), ("", "Running 5 km")])
    _save(world, draft, {"PSFS": data}, measures=["PSFS"])
    row = OutcomeResponse.objects.get(assessment=draft)
    assert [a["text"] for a in row.activities] == ["Stairs", "Running 5 km"]
    assert row.answers == [3, 5]
    assert row.total == Decimal("4.0")
    ids = [a["id"] for a in row.activities]
    # Saving again with the ids keeps them.
    again = ResponseInput([4, 6], activities=[(ids[0], "Stairs"), (ids[1], "Running 5 km")])
    _save(world, draft, {"PSFS": again}, measures=["PSFS"])
    row.refresh_from_db()
    assert [a["id"] for a in row.activities] == ids
    assert row.total == Decimal("5.0")


def test_a_psfs_rating_needs_its_activity(world, draft):
    with pytest.raises(DomainError) as exc:
        _save(world, draft, {"PSFS": ResponseInput([4], activities=[("", "")])}, ["PSFS"])
    assert exc.value.field == "measure__PSFS__text_1"


def test_an_unrated_psfs_activity_leaves_it_not_scorable():
    checked = check_response("PSFS", ResponseInput([None], activities=[("", "Stairs")]))
    assert checked.score.total is None
    assert checked.score.note == "Not scored: every activity needs a rating."


def test_signed_responses_are_copied_into_an_amendment(world, draft):
    _save(world, draft, {"VISA-G": ResponseInput(VISA_G, branch="B")})
    assessment_sign(assessment=draft, by=world.ep.user)
    amendment = assessment_amend(assessment=draft, by=world.ep.user, reason="Typo in history.")
    assert amendment.measures == draft.measures
    copy = OutcomeResponse.objects.get(assessment=amendment)
    assert copy.answers == VISA_G and copy.total == Decimal("50.0")
    assert OutcomeResponse.objects.filter(assessment=draft).count() == 1


def _online(world, code="NPRS", answers=(6,), appointment=None, today=None):
    appointment = appointment or f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )
    return outcome_response_submit_online(
        appointment=appointment,
        code=code,
        wording=SHIPPED[code],
        data=ResponseInput(list(answers)),
        today=today or _today(world),
    )


def test_a_patients_online_answers_land_on_their_record(world):
    row = _online(world)
    assert row.patient == world.patient and row.assessment is None
    assert row.source == OutcomeResponse.Source.ONLINE
    assert row.total == Decimal("6.0")
    assert row.wording == "Pain rating, Stance 2026.1 (shipped)"


def test_answering_again_for_the_same_visit_replaces_the_answers(world):
    first = _online(world)
    second = _online(world, answers=(4,), appointment=first.appointment)
    assert first.pk == second.pk
    assert OutcomeResponse.objects.get().total == Decimal("4.0")


def test_a_clinician_attaches_online_answers_to_a_draft(world, draft):
    row = _online(world, code="NPRS")
    outcome_response_attach(response=row, assessment=draft, by=world.ep.user)
    row.refresh_from_db()
    assert row.assessment == draft
    assert row.source == OutcomeResponse.Source.ONLINE
    # Saving the draft without changing it keeps the patient's answers as theirs.
    _save(world, draft, {"NPRS": ResponseInput([6])})
    row.refresh_from_db()
    assert row.source == OutcomeResponse.Source.ONLINE and row.assessment == draft
    # Changing them makes them the clinician's.
    _save(world, draft, {"NPRS": ResponseInput([5])})
    row.refresh_from_db()
    assert row.source == OutcomeResponse.Source.STAFF and row.total == Decimal("5.0")


def test_clearing_attached_online_answers_gives_them_back_to_the_patients_record(world, draft):
    row = _online(world, code="NPRS")
    outcome_response_attach(response=row, assessment=draft, by=world.ep.user)
    _save(world, draft, {"NPRS": ResponseInput([None])})
    row.refresh_from_db()
    assert row.assessment is None


def test_attaching_refuses_a_measure_already_entered(world, draft):
    _save(world, draft, {"NPRS": ResponseInput([3])})
    row = _online(world, code="NPRS")
    with pytest.raises(DomainError):
        outcome_response_attach(response=row, assessment=draft, by=world.ep.user)


def test_attaching_adds_the_measure_to_the_assessment(world, draft):
    data = ResponseInput([6], activities=[("", "Walking the dog")])
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 2, 10),
    )
    row = outcome_response_submit_online(
        appointment=appointment,
        code="PSFS",
        wording=SHIPPED["PSFS"],
        data=data,
        today=_today(world),
    )
    outcome_response_attach(response=row, assessment=draft, by=world.ep.user)
    draft.refresh_from_db()
    assert draft.measures == ["VISA-G", "NPRS", "PSFS"]


def test_attaching_refuses_a_signed_assessment_and_other_patients(world, draft):
    row = _online(world)
    other = assessment_create(
        patient=world.other_patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world) - timedelta(days=1),
        conditions=["acl"],
    )
    with pytest.raises(DomainError):
        outcome_response_attach(response=row, assessment=other, by=world.ep.user)
    assessment_sign(assessment=draft, by=world.ep.user)
    with pytest.raises(DomainError):
        outcome_response_attach(response=row, assessment=draft, by=world.ep.user)


def test_online_answers_already_attached_cannot_be_replaced(world, draft):
    row = _online(world)
    outcome_response_attach(response=row, assessment=draft, by=world.ep.user)
    with pytest.raises(DomainError):
        _online(world, answers=(2,), appointment=row.appointment)


def test_an_empty_online_submission_is_refused(world):
    with pytest.raises(DomainError):
        _online(world, answers=(None,))
