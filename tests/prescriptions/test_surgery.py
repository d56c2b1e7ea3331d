"""The surgery record and training status (issue 12 points 3 and 5): the staff pages, the
database's rules, and what the builder, the programme page and dosing make of them."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.models import AccessLog
from prescriptions.models import SurgeryRecord, TrainingStatus
from prescriptions.programmes.selectors import (
    prescribing_context,
    programme_warnings,
    suggestion_views,
)
from prescriptions.programmes.services import (
    programme_create,
    programme_draft_get_or_create,
    programme_item_add,
    training_profile,
)
from prescriptions.rules.training import Profile
from prescriptions.surgery.services import surgery_record_add
from tests import factories as f

pytestmark = pytest.mark.django_db


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


def _tha(world, patient, *, weeks_ago=3, approach="posterior"):
    return surgery_record_add(
        patient=patient,
        by=world.ep.user,
        procedure="total_hip_arthroplasty",
        side="left",
        performed_on=_today(world) - timedelta(weeks=weeks_ago),
        approach=approach,
    )


def test_a_clinician_adds_a_surgery_from_the_patients_page(world, client_as_practitioner):
    page = client_as_practitioner.get(
        reverse("bookings:staff-patient-detail", args=[world.patient.code])
    )
    url = reverse("prescriptions:surgery-list", args=[world.patient.code])
    assert url in page.content.decode()
    day = _today(world) - timedelta(weeks=3)
    r = client_as_practitioner.post(
        url,
        {
            "procedure": "total_hip_arthroplasty",
            "side": "left",
            "performed_on": day.isoformat(),
            "approach": "posterior",
        },
    )
    assert r.status_code == 302
    record = SurgeryRecord.objects.get(patient=world.patient)
    assert (record.approach, record.graft, record.performed_on) == ("posterior", "", day)
    assert record.record_history.count() == 1
    page = client_as_practitioner.get(url).content.decode()
    assert "Hip precautions (posterior approach, left THA, week 4 after surgery)" in page
    assert "9 weeks left" in page
    assert AccessLog.objects.filter(record_type="prescriptions.surgeryrecord").exists()


def test_bad_input_is_named_next_to_its_field_never_a_500(world, client_as_practitioner):
    url = reverse("prescriptions:surgery-list", args=[world.patient.code])
    r = client_as_practitioner.post(
        url,
        {
            "procedure": "acl_reconstruction",
            "performed_on": "31/02/2026",
            "approach": "posterior",
            "graft": "nonsense",
        },
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "There is a problem" in body
    assert "Enter a real date" in body
    assert "An approach is recorded for a hip replacement only." in body
    assert "Select a valid choice" in body
    assert not SurgeryRecord.objects.exists()
    future = (_today(world) + timedelta(days=2)).isoformat()
    r = client_as_practitioner.post(url, {"procedure": "other", "performed_on": future})
    body = r.content.decode()
    assert "cannot be in the future" in body
    assert "Enter which surgery it was." in body


def test_the_database_refuses_an_approach_or_graft_on_the_wrong_procedure(world):
    base = {
        "clinic": world.clinic,
        "patient": world.patient,
        "performed_on": _today(world),
        "created_by": world.ep.user,
        "updated_by": world.ep.user,
    }
    for wrong in (
        {"procedure": "acl_reconstruction", "approach": "posterior"},
        {"procedure": "total_hip_arthroplasty", "graft": "hamstring"},
        {"procedure": "total_knee_arthroplasty", "procedure_other": "x"},
        {
            "procedure": "total_hip_arthroplasty",
            "precautions_cleared_on": _today(world) - timedelta(days=1),
        },
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            SurgeryRecord.objects.create(**base, **wrong)


def test_editing_enters_the_clearance_date_and_lifts_the_precautions(world, client_as_practitioner):
    record = _tha(world, world.patient)
    url = reverse("prescriptions:surgery-edit", args=[record.code])
    assert client_as_practitioner.get(url).status_code == 200
    r = client_as_practitioner.post(
        url,
        {
            "procedure": "total_hip_arthroplasty",
            "side": "left",
            "performed_on": record.performed_on.isoformat(),
            "approach": "posterior",
            "precautions_cleared_on": _today(world).isoformat(),
        },
    )
    assert r.status_code == 302
    record.refresh_from_db()
    assert record.precautions_cleared_on == _today(world)
    assert record.record_history.count() == 2
    page = client_as_practitioner.get(
        reverse("prescriptions:surgery-list", args=[world.patient.code])
    )
    assert "Hip precautions cleared by the surgeon." in page.content.decode()


def test_reception_and_other_clinics_get_404(world, client_as_reception, client_as_outsider):
    record = _tha(world, world.patient)
    for client in (client_as_reception, client_as_outsider):
        assert (
            client.get(reverse("prescriptions:surgery-list", args=[world.patient.code])).status_code
            == 404
        )
        assert (
            client.get(reverse("prescriptions:surgery-edit", args=[record.code])).status_code == 404
        )
        r = client.post(
            reverse("prescriptions:training-status", args=[world.patient.code]),
            {"status": "advanced"},
        )
        assert r.status_code == 404
    assert not TrainingStatus.objects.exists()


def test_training_status_is_recorded_and_doses_from_it(world, client_as_practitioner):
    f.load_exercise_library()
    programme = programme_create(
        patient=world.patient, practitioner=world.ep, goal="strength", by=world.ep.user
    )
    assert training_profile(programme) == Profile.NOVICE  # not recorded: the safer default
    url = reverse("prescriptions:training-status", args=[world.patient.code])
    assert client_as_practitioner.post(url, {"status": "advanced"}).status_code == 302
    assert training_profile(programme) == Profile.ADVANCED
    r = client_as_practitioner.post(url, {"status": "elite"})
    assert r.status_code == 400
    assert "Select a valid choice" in r.content.decode()
    assert client_as_practitioner.post(url, {"status": ""}).status_code == 302
    assert training_profile(programme) == Profile.NOVICE
    # From 65 the older-adult row applies, whatever the status says.
    old = f.make_patient(world.clinic, date_of_birth=_today(world).replace(year=1950))
    TrainingStatus.objects.create(patient=old, status="advanced", updated_by=world.ep.user)
    older = programme_create(patient=old, practitioner=world.ep, goal="strength", by=world.ep.user)
    assert training_profile(older) == Profile.OLDER_ADULT


def test_tha_week_3_posterior_is_not_offered_clams_lunges_or_step_ups(world):
    f.load_exercise_library()
    patient = f.make_patient(world.clinic, date_of_birth=_today(world).replace(year=1956))
    _tha(world, patient)
    assessment = f.make_signed_assessment(
        patient, world.ep, conditions=["thr", "lateral_hip"], involved_side="left"
    )
    programme = programme_create(
        patient=patient,
        practitioner=world.ep,
        goal="muscular_endurance",
        by=world.ep.user,
        assessment=assessment,
    )
    views = suggestion_views(programme=programme)
    offered = {se.exercise.slug for v in views if v.is_add for se in v.exercises}
    assert offered  # the phase's own content
    for slug in ("clam", "clam-shell", "reverse-lunge", "lunge", "step-up", "lateral-step-up"):
        assert slug not in offered
    warnings = [c.text for c in programme_warnings(prescribing_context(programme))]
    assert any(
        "Hip precautions (posterior approach, left THA, week 4" in w and "weeks left" in w
        for w in warnings
    )
    # The builder warns with the reason when the clinician adds one anyway.
    from prescriptions.models import Exercise
    from prescriptions.programmes.selectors import version_items

    draft = programme_draft_get_or_create(programme=programme, by=world.ep.user)
    clam = Exercise.objects.shipped().filter(slug__contains="clam").first()
    programme_item_add(version=draft, exercise=clam, by=world.ep.user)
    item = version_items(version=draft)[0]
    assert item.has_warning
    assert any("posterior" in c.text for c in item.conflicts)
