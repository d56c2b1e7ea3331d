"""The record access log: rows from the assessment pages, and append-only for real."""

from __future__ import annotations

from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.audit import access_log_record
from clinic.models import AccessLog, AppendOnlyError, User
from prescriptions.assessments.services import assessment_create, assessment_sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date() - timedelta(days=1),
        conditions=["lateral_hip"],
        involved_side="left",
    )


def _rows():
    return list(AccessLog.objects.order_by("pk"))


def test_the_service_records_who_what_whose_when_and_where(world, draft):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = world.ep.user
    before = timezone.now()

    row = access_log_record(request=request, action="view", record=draft, patient=world.patient)

    row.refresh_from_db()
    assert row.user == world.ep.user
    assert row.role == User.Role.PRACTITIONER
    assert row.clinic == world.clinic
    assert row.patient == world.patient
    assert row.action == AccessLog.Action.VIEW
    assert row.record_type == "prescriptions.assessment"
    assert row.record_code == draft.code
    assert row.ip_address == "203.0.113.9"
    assert before <= row.at <= timezone.now()


def test_the_role_is_a_snapshot(world, draft):
    request = RequestFactory().get("/")
    request.user = world.admin
    row = access_log_record(request=request, action="view", record=draft, patient=world.patient)
    world.admin.role = User.Role.RECEPTION
    world.admin.save()
    row.refresh_from_db()
    assert row.role == User.Role.CLINIC_ADMIN


def test_an_unknown_action_is_refused(world, draft):
    with pytest.raises(ValueError, match="action"):
        access_log_record(request=None, action="peek", record=draft, patient=world.patient)
    assert _rows() == []


def test_opening_an_assessment_writes_a_view_row(world, draft, client_as_practitioner):
    url = reverse("prescriptions:assessment-detail", args=[draft.code])
    assert client_as_practitioner.get(url, REMOTE_ADDR="198.51.100.4").status_code == 200
    [row] = _rows()
    assert (row.user, row.action, row.record_code, row.patient) == (
        world.ep.user,
        "view",
        draft.code,
        world.patient,
    )
    assert row.ip_address == "198.51.100.4"


def test_the_edit_page_logs_a_view_and_a_save_logs_a_change(world, draft, client_as_admin):
    url = reverse("prescriptions:assessment-edit", args=[draft.code])
    assert client_as_admin.get(url).status_code == 200
    client_as_admin.post(url, {"revision": "x"})
    assert [(r.action, r.role) for r in _rows()] == [
        ("view", User.Role.CLINIC_ADMIN),
        ("change", User.Role.CLINIC_ADMIN),
    ]


def test_signing_and_starting_logs_changes(world, client_as_practitioner):
    new_url = reverse("prescriptions:assessment-new", args=[world.patient.code])
    today = timezone.now().astimezone(world.clinic.tz).date()
    response = client_as_practitioner.post(
        new_url,
        {
            "practitioner": str(world.ep.code),
            "assessed_on": today.isoformat(),
            "conditions": ["lateral_hip"],
            "involved_side": "left",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    [created] = _rows()
    assert created.action == "change"
    sign_url = reverse("prescriptions:assessment-sign", args=[created.record_code])
    client_as_practitioner.post(sign_url)
    assert [r.action for r in _rows()] == ["change", "change"]


def test_the_amend_page_logs_a_view_and_amending_a_change(world, draft, client_as_practitioner):
    url = reverse("prescriptions:assessment-amend", args=[draft.code])
    client_as_practitioner.get(url)
    assert _rows() == []  # a draft is not amended: redirected before anything is shown
    signed = assessment_sign(assessment=draft, by=world.ep.user)
    url = reverse("prescriptions:assessment-amend", args=[signed.code])
    assert client_as_practitioner.get(url).status_code == 200
    response = client_as_practitioner.post(url, {"reason": "Wrong side recorded"})
    assert response.status_code == 302
    assert [(r.action, r.record_code) for r in _rows()] == [
        ("view", signed.code),
        ("change", signed.code),
    ]


@pytest.mark.parametrize(
    "persona", ["client_as_reception", "client_as_outsider", "client_as_patient"]
)
def test_people_who_are_refused_leave_no_row(request, draft, persona):
    client = request.getfixturevalue(persona)
    response = client.get(reverse("prescriptions:assessment-detail", args=[draft.code]))
    assert response.status_code == 404
    assert _rows() == []


def _one_row(world, draft) -> AccessLog:
    return access_log_record(request=None, action="view", record=draft, patient=world.patient)


def test_the_model_refuses_changes_and_deletes(world, draft):
    row = _one_row(world, draft)
    row.action = "change"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=row.pk).update(action="change")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get(pk=row.pk).action == "view"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_whatever_the_code_path(world, draft):
    row = _one_row(world, draft)
    for sql in (
        "UPDATE clinic_accesslog SET action = 'change' WHERE id = %s",
        "DELETE FROM clinic_accesslog WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row.pk])
    assert AccessLog.objects.get(pk=row.pk).action == "view"


def test_a_user_or_patient_in_the_log_cannot_be_deleted(world, draft):
    from django.db.models import ProtectedError

    _one_row(world, draft)
    with pytest.raises(ProtectedError), transaction.atomic():
        world.patient.delete()
