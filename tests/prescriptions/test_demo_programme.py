"""seed_demo gives the demo patient a published programme with two weeks of sessions."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

import pytest

from bookings.models import Notification
from clinic.models import Patient
from prescriptions.demo.programme import demo_programme_seed
from prescriptions.models import Assessment, Programme, SessionLog
from tests import factories as f

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--without-fortnight", stdout=out)
    return out.getvalue()


def test_the_demo_patient_gets_a_programme_with_two_weeks_of_sessions_once():
    output = _seed()
    assert "Demo programme for demo-patient@example.org" in output
    _seed()  # safe to run twice
    programme = Programme.objects.get(patient__email="demo-patient@example.org")
    assert programme.status == Programme.Status.ACTIVE
    assert programme.current_version.number == 1
    assert programme.current_version.items.count() == 5
    sessions = SessionLog.objects.filter(version__programme=programme)
    assert sessions.count() == 11
    days = sorted(s.performed_on for s in sessions)
    assert (days[-1] - days[0]).days == 13  # two weeks
    flagged = sessions.filter(pain_flag=True)
    assert flagged.count() == 1
    (flag,) = flagged
    assert any("6/10" in r for r in flag.pain_flag_reasons)
    assert any("Next-morning pain" in r for r in flag.pain_flag_reasons)
    assert flag.flag_reviewed_at is None  # waiting for the practitioner
    # Its flags wait on the practitioner's pages; no demo email goes out for them.
    assert sorted(flag.flags.values_list("kind", flat=True)) == ["during", "morning"]
    assert Notification.objects.filter(pain_flag__session=flag).count() == 2
    emails = Notification.objects.filter(kind=Notification.Kind.PAIN_FLAG)
    assert not emails.exclude(status=Notification.Status.VOID).exists()
    # Yesterday's morning pain is left for the demo patient to record.
    assert sessions.filter(morning_pain__isnull=True).count() == 1


def test_the_programme_is_prescribed_from_a_signed_assessment_when_there_is_one():
    _seed()
    patient = Patient.objects.get(email="demo-patient@example.org")
    programme = Programme.objects.get(patient=patient)
    signed = list(patient.assessments.filter(status="signed"))
    if signed:
        assert programme.assessment in signed
    else:
        assert programme.assessment is None


def test_it_takes_the_latest_signed_assessment_from_before_the_programme_started(world):
    f.load_exercise_library()
    user = f.make_user(role="practitioner", clinic=world.clinic, email="demo-ep@example.org")
    ep = f.make_practitioner(world.clinic, user=user)
    patient = f.make_patient(world.clinic, email="demo-patient@example.org")
    baseline = f.make_signed_assessment(patient, ep)
    Assessment.objects.filter(pk=baseline.pk).update(
        assessed_on=baseline.assessed_on - timedelta(days=30)
    )
    f.make_signed_assessment(patient, ep)  # a re-assessment today, after the start
    assert demo_programme_seed(world.clinic)
    assert Programme.objects.get(patient=patient).assessment_id == baseline.pk
    assert demo_programme_seed(world.clinic) is None  # once only


def test_the_demo_pages_open(client):
    _seed()
    programme = Programme.objects.get(patient__email="demo-patient@example.org")
    patient_client = Client()
    patient_client.force_login(programme.patient.user)
    page = patient_client.get(reverse("prescriptions:my-programme", args=[programme.code]))
    assert page.status_code == 200 and b"How is your pain this morning?" in page.content
    staff = Client()
    staff.force_login(programme.practitioner.user)
    progress = staff.get(reverse("prescriptions:programme-progress", args=[programme.code]))
    assert progress.status_code == 200 and b"Mark reviewed" in progress.content
