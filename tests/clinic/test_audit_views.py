"""Clinic admins' audit reports: who opened a record, and one person's activity by date."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.models import AccessLog
from prescriptions.assessments.services import assessment_create
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date() - timedelta(days=1),
        conditions=["lateral_hip"],
        involved_side="left",
    )


def _log(world, user, record, *, patient=None, days_ago=0, action="view"):
    """A row as access_log_record writes it, at a chosen time (written directly, since
    the service always stamps now)."""
    patient = patient or world.patient
    return AccessLog.objects.create(
        user=user,
        role=user.role if user else "",
        clinic=patient.clinic,
        patient=patient,
        action=action,
        record_type=record._meta.label_lower,
        record_code=record.code,
        ip_address="192.0.2.1",
        at=timezone.now() - timedelta(days=days_ago),
    )


def _body(response) -> str:
    return response.content.decode()


def test_the_patient_report_lists_who_opened_the_record(world, assessment, client_as_admin):
    _log(world, world.ep.user, assessment, days_ago=1)
    _log(world, world.admin, assessment, action="change")
    _log(world, world.ep.user, assessment, patient=world.other_patient)  # someone else's

    response = client_as_admin.get(reverse("audit:patient", args=[world.patient.code]))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r["entry"].user, r["action"]) for r in rows] == [
        (world.admin, "Changed"),
        (world.ep.user, "Viewed"),
    ]
    body = _body(response)
    assert "Assessment" in body
    assert "192.0.2.1" in body
    assert "Olive" not in body


def test_the_patient_report_filters_by_date(world, assessment, client_as_admin):
    _log(world, world.ep.user, assessment, days_ago=10)
    recent = _log(world, world.ep.user, assessment, days_ago=0)
    today = timezone.now().astimezone(world.clinic.tz).date()
    url = reverse("audit:patient", args=[world.patient.code])

    response = client_as_admin.get(url, {"start": (today - timedelta(days=2)).isoformat()})

    assert [r["entry"] for r in response.context["rows"]] == [recent]


def test_days_are_the_clinics_days(world, assessment, client_as_admin):
    """00:30 in Sydney on the 5th is the 4th in UTC; it belongs to the 5th."""
    at = datetime(2026, 3, 5, 0, 30, tzinfo=world.clinic.tz)
    early = AccessLog.objects.create(
        user=world.ep.user,
        role="practitioner",
        clinic=world.clinic,
        patient=world.patient,
        action="view",
        record_type="prescriptions.assessment",
        record_code=assessment.code,
        at=at,
    )
    url = reverse("audit:patient", args=[world.patient.code])
    response = client_as_admin.get(url, {"start": "2026-03-05", "end": "2026-03-05"})
    assert [r["entry"] for r in response.context["rows"]] == [early]
    response = client_as_admin.get(url, {"start": "2026-03-04", "end": "2026-03-04"})
    assert response.context["rows"] == []


def test_a_backwards_range_is_an_error_next_to_the_field(world, client_as_admin):
    url = reverse("audit:patient", args=[world.patient.code])
    response = client_as_admin.get(url, {"start": "2026-03-05", "end": "2026-03-01"})
    assert response.status_code == 200
    body = _body(response)
    assert "There is a problem" in body
    assert 'id="id_end_error"' in body


def test_nonsense_filters_never_break_the_page(world, client_as_admin):
    url = reverse("audit:activity")
    for params in (
        {"start": "31/02/2026"},
        {"end": "9999-01-01"},
        {"user": "not-a-code"},
        {"page": "-1"},
        {"user": str(world.outsider.user.code)},
    ):
        assert client_as_admin.get(url, params).status_code == 200


def test_the_activity_report_shows_one_persons_activity(world, assessment, client_as_admin):
    _log(world, world.ep.user, assessment)
    _log(world, world.admin, assessment)
    response = client_as_admin.get(reverse("audit:activity"), {"user": str(world.ep.user.code)})
    assert response.status_code == 200
    assert [r["entry"].user for r in response.context["rows"]] == [world.ep.user]
    assert reverse("audit:patient", args=[world.patient.code]) in _body(response)

    everyone = client_as_admin.get(reverse("audit:activity"))
    assert len(everyone.context["rows"]) == 2


def test_the_activity_report_offers_only_this_clinics_people(world, client_as_admin):
    response = client_as_admin.get(reverse("audit:activity"))
    offered = {value for value, _label in response.context["form"].fields["user"].choices}
    assert str(world.ep.user.code) in offered
    assert str(world.reception.code) in offered
    assert str(world.outsider.user.code) not in offered


def test_another_clinics_log_stays_out(world, assessment):
    other_patient = f.make_patient(world.outsider_clinic)
    AccessLog.objects.create(
        user=world.outsider.user,
        role="practitioner",
        clinic=world.outsider_clinic,
        patient=other_patient,
        action="view",
        record_type="clinic.patient",
        record_code=other_patient.code,
    )
    outsider_admin = f.make_user(role="clinic_admin", clinic=world.outsider_clinic)
    client = Client()
    client.force_login(outsider_admin)
    assert client.get(reverse("audit:activity")).context["rows"][0]["entry"].patient == (
        other_patient
    )
    assert client.get(reverse("audit:patient", args=[world.patient.code])).status_code == 404


@pytest.mark.parametrize(
    "persona",
    [
        "client",
        "client_as_patient",
        "client_as_practitioner",
        "client_as_reception",
        "client_as_outsider",
    ],
)
def test_only_clinic_admins_see_the_reports(request, world, persona):
    client = request.getfixturevalue(persona)
    for url in (
        reverse("audit:activity"),
        reverse("audit:patient", args=[world.patient.code]),
        reverse("audit:deletions"),
    ):
        response = client.get(url)
        if persona == "client":
            assert response.status_code == 302  # to the login page
        else:
            assert response.status_code == 404


def test_admins_find_the_report_from_the_patient_page(world, client_as_admin, client_as_reception):
    url = reverse("bookings:staff-patient-detail", args=[world.patient.code])
    report = reverse("audit:patient", args=[world.patient.code])
    assert report in _body(client_as_admin.get(url))
    assert report not in _body(client_as_reception.get(url))


def test_the_report_pages_paginate(world, assessment, client_as_admin):
    for _ in range(55):
        _log(world, world.ep.user, assessment)
    url = reverse("audit:patient", args=[world.patient.code])
    first = client_as_admin.get(url)
    assert len(first.context["rows"]) == 50
    assert first.context["next_url"] == "?page=2"
    assert len(client_as_admin.get(url, {"page": 2}).context["rows"]) == 5
