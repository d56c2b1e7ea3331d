"""SMART goals: added and changed by clinicians with the status dated, linked to the PSFS
or another measure, a warning (never a refusal) when a PSFS target is within the MDC;
shown on the staff patient page, in notes, and to the patient in plain words."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.errors import DomainError
from clinic.models import AccessLog
from prescriptions.models import Goal, OutcomeResponse
from prescriptions.notes.services import goal_create, goal_update, note_settings_update
from prescriptions.rules.smart_goals import (
    PSFS_MDC_AVERAGE,
    PSFS_MDC_SINGLE,
    target_change_warning,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _goal(world, **kw):
    values = {
        "activity": "Walk to the shops and back",
        "why": "To shop on my own again",
        "measure": "PSFS",
        "baseline": Decimal(3),
        "target": Decimal(6),
        "target_date": TODAY + timedelta(weeks=8),
    } | kw
    return goal_create(patient=world.patient, by=world.ep.user, today=TODAY, **values)


def _psfs(world, activities):
    return OutcomeResponse.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        instrument="PSFS",
        answers=[rating for _, _, rating in activities],
        activities=[{"id": i, "text": t} for i, t, _ in activities],
        total=Decimal(sum(r for _, _, r in activities)) / len(activities),
        completed_on=timezone.now().date(),
    )


# --- The rule (pure) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("single", "baseline", "target", "warns"),
    [
        (False, "3", "5", False),  # exactly the MDC of the average: enough
        (False, "3", "4.5", True),
        (True, "3", "6", False),  # exactly the MDC of one activity
        (True, "3", "5", True),  # enough for the average, not for one activity
        (True, "7", "5", True),  # a fall is judged by its size too
    ],
)
def test_a_psfs_target_within_the_mdc_warns(single, baseline, target, warns):
    warning = target_change_warning(
        measure="PSFS", single_activity=single, baseline=Decimal(baseline), target=Decimal(target)
    )
    assert (warning is not None) is warns
    if warning:
        assert "§" not in warning


def test_the_thresholds_are_the_sourced_mdcs():
    assert PSFS_MDC_AVERAGE.value == 2
    assert PSFS_MDC_SINGLE.value == 3
    assert PSFS_MDC_AVERAGE.source.section == "§2.10, §18.2"
    assert (
        target_change_warning(
            measure="LEFS", single_activity=False, baseline=Decimal(40), target=Decimal(41)
        )
        is None
    )


# --- Services ---------------------------------------------------------------------------------


def test_a_goal_starts_not_started_and_a_status_change_is_dated(world):
    goal = _goal(world)
    assert (goal.status, goal.status_on) == (Goal.Status.NOT_STARTED, TODAY)

    later = TODAY + timedelta(days=10)
    values = {k: getattr(goal, k) for k in ("activity", "why", "measure", "baseline", "target")}
    goal = goal_update(
        goal=goal,
        by=world.ep.user,
        today=later,
        status=Goal.Status.PROGRESSING,
        target_date=goal.target_date,
        **values,
    )
    assert (goal.status, goal.status_on) == (Goal.Status.PROGRESSING, later)
    goal = goal_update(
        goal=goal,
        by=world.ep.user,
        today=later + timedelta(days=5),
        status=Goal.Status.PROGRESSING,
        target_date=goal.target_date,
        **values,
    )
    assert goal.status_on == later  # same status: same date
    assert goal.record_history.count() == 3


def test_a_goal_links_to_one_activity_of_the_patients_psfs(world):
    _psfs(world, [("a1", "Walk 20 minutes", 3), ("a2", "Climb stairs", 5)])

    goal = _goal(world, psfs_activity_id="a2", baseline=Decimal(5), target=Decimal(8))

    assert goal.psfs_activity_text == "Climb stairs"
    with pytest.raises(DomainError):
        _goal(world, psfs_activity_id="not-theirs")
    with pytest.raises(DomainError):
        _goal(world, measure="LEFS", psfs_activity_id="a1")


def test_baseline_and_target_go_together(world):
    with pytest.raises(DomainError):
        _goal(world, target=None)
    goal = _goal(world, measure="", baseline=None, target=None)
    assert goal.target is None


# --- Pages ------------------------------------------------------------------------------------


def _form(**kw):
    return {
        "activity": "Walk to the shops and back",
        "why": "To shop on my own again",
        "measure": "PSFS",
        "psfs_activity_id": "",
        "baseline": "3",
        "target": "4",
        "target_date": "2027-06-01",
    } | kw


def test_a_small_psfs_target_is_saved_with_a_warning(world, client_as_practitioner):
    url = reverse("prescriptions:goal-list", args=[world.patient.code])

    response = client_as_practitioner.post(url, _form(), follow=True)

    assert Goal.objects.filter(patient=world.patient).count() == 1
    body = response.content.decode()
    assert "measurement error" in body
    assert "§" not in body
    assert AccessLog.objects.filter(
        action="change", record_type="prescriptions.goal", user=world.ep.user
    ).exists()


def test_bad_goal_input_comes_back_with_field_errors(world, client_as_practitioner):
    url = reverse("prescriptions:goal-list", args=[world.patient.code])
    response = client_as_practitioner.post(
        url, _form(activity="", target="", target_date="2026-02-30", measure="NOPE")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert Goal.objects.count() == 0


def test_changing_a_goals_status_on_its_page(world, client_as_practitioner, client_as_outsider):
    goal = _goal(world)
    url = reverse("prescriptions:goal-edit", args=[goal.code])
    assert client_as_outsider.get(url).status_code == 404

    response = client_as_practitioner.post(
        url, _form(target="7", status="achieved", target_date=goal.target_date.isoformat())
    )

    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACHIEVED
    assert goal.target == 7


def test_goals_show_on_the_staff_patient_page_and_in_a_new_note(world, client_as_practitioner):
    from prescriptions.notes.services import note_start

    _goal(world)
    page = client_as_practitioner.get(
        reverse("bookings:staff-patient-detail", args=[world.patient.code])
    ).content.decode()
    assert "Walk to the shops and back" in page

    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=1),
        status="attended",
    )
    note = note_start(appointment=visit, by=world.ep.user)
    assert note.goal_progress[0].startswith("Walk to the shops and back; from 3 to 6 PSFS")


def test_the_patient_sees_their_goals_in_plain_words(
    world, client_as_patient, client_as_other_patient
):
    _goal(world)
    url = reverse("prescriptions:my-goals")

    page = client_as_patient.get(url).content.decode()
    assert "Walk to the shops and back" in page
    assert "Not started yet" in page
    assert "§" not in page and "CLINICAL.md" not in page and "MDC" not in page
    assert "Walk to the shops" not in client_as_other_patient.get(url).content.decode()
    assert AccessLog.objects.filter(patient=world.patient, user=world.patient.user).exists()

    note_settings_update(
        clinic=world.clinic,
        by=world.admin,
        notes_visible_to_patient=False,
        goals_visible_to_patient=False,
    )
    page = client_as_patient.get(url).content.decode()
    assert "Walk to the shops and back" not in page
    assert "does not show goals online" in page


def test_the_record_download_holds_the_goals(world, client_as_patient):
    _goal(world)
    data = client_as_patient.get(reverse("records:json")).json()
    [goal] = data["sections"]["goals"]["entries"]
    assert goal["activity"] == "Walk to the shops and back"
    assert goal["status"] == "Not started"
