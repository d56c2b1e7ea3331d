"""No internal reference reaches a patient (issue 12, "in the screens"): CLINICAL.md and
its section signs are for staff documentation; patients read plain words, and staff see
the source's name."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.models import Exercise
from prescriptions.patient_programme.links import programme_link_path
from prescriptions.programmes.selectors import suggestion_views
from prescriptions.programmes.services import (
    programme_create,
    programme_draft_get_or_create,
    programme_item_add,
    programme_publish,
)
from prescriptions.surgery.services import surgery_record_add
from tests import factories as f

pytestmark = pytest.mark.django_db

FORBIDDEN = ("CLINICAL.md", "§")


def _programme_from_suggestions(world):
    """A programme holding every exercise the rules suggested for a gluteal tendinopathy
    patient after a hip replacement, with a logged session and a pain flag."""
    f.load_exercise_library()
    today = timezone.now().astimezone(world.clinic.tz).date()
    surgery_record_add(
        patient=world.patient,
        by=world.ep.user,
        procedure="total_hip_arthroplasty",
        side="right",
        performed_on=today - timedelta(weeks=14),
        approach="anterior",
    )
    assessment = f.make_signed_assessment(world.patient, world.ep)
    programme = programme_create(
        patient=world.patient,
        practitioner=world.ep,
        goal="gt_load_management",
        by=world.ep.user,
        assessment=assessment,
    )
    draft = programme_draft_get_or_create(programme=programme, by=world.ep.user)
    added = set()
    for view in suggestion_views(programme=programme):
        for se in view.exercises if view.is_add else ():
            if se.exercise.pk not in added:
                added.add(se.exercise.pk)
                programme_item_add(version=draft, exercise=se.exercise, by=world.ep.user)
    programme_item_add(
        version=draft, exercise=Exercise.objects.shipped().get(slug="clam"), by=world.ep.user
    )
    version = programme_publish(programme=programme, by=world.ep.user)
    session = f.make_session(
        version,
        performed_on=today - timedelta(days=1),
        pain_flag=True,
        pain_flag_reasons=["Pain during an exercise was above 5 out of 10."],
    )
    return programme, session


def test_the_patients_pages_name_no_internal_reference(world, client_as_patient):
    programme, session = _programme_from_suggestions(world)
    mine = reverse("prescriptions:my-programme", args=[programme.code])
    link = programme_link_path(programme)
    pages = [
        reverse("prescriptions:my-programmes"),
        mine,
        mine + "log/",
        mine + "handout/",
        f"{mine}sessions/{session.code}/",
        f"{mine}sessions/{session.code}/morning/",
        reverse("records:overview"),
        reverse("records:print"),
        reverse("bookings:my-appointments"),
    ]
    for url in pages:
        r = client_as_patient.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        for text in FORBIDDEN:
            assert text not in body, (url, text)
    anonymous = Client()
    for url in (link, link + "log/", link + "handout/"):
        r = anonymous.get(url)
        assert r.status_code == 200, url
        for text in FORBIDDEN:
            assert text not in r.content.decode(), (url, text)
    record = client_as_patient.get(reverse("records:json")).content.decode()
    for text in FORBIDDEN:
        assert text not in record


def test_staff_see_the_sources_name_not_the_document(world, client_as_practitioner):
    programme, _ = _programme_from_suggestions(world)
    for url in (
        reverse("prescriptions:programme-detail", args=[programme.code]),
        reverse("prescriptions:assessment-detail", args=[programme.assessment.code]),
        reverse("prescriptions:surgery-list", args=[world.patient.code]),
    ):
        body = client_as_practitioner.get(url).content.decode()
        assert "CLINICAL.md" not in body, url
    page = client_as_practitioner.get(
        reverse("prescriptions:assessment-detail", args=[programme.assessment.code])
    ).content.decode()
    assert "Grimaldi" in page or "Source:" in page
