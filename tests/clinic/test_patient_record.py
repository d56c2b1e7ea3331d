"""A patient downloads their own record: JSON and a printable page, from registered
sections, each copy written to the access log as an export."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.models import AccessLog
from clinic.records import (
    _SECTIONS,
    Entry,
    RecordSection,
    patient_record,
    record_section,
    record_section_keys,
)
from prescriptions.assessments.services import (
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(world):
    assessment = assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date() - timedelta(days=3),
        conditions=["acl"],
    )
    assessment_update_draft(
        assessment=assessment,
        by=world.ep.user,
        fields={"body_mass_kg": Decimal("70.5"), "history": "Knee gave way <playing> netball"},
        results={
            "hhd_abduction": {"left": {"force_n": Decimal(200)}, "right": {"force_n": Decimal(250)}}
        },
    )
    return assessment_sign(assessment=assessment, by=world.ep.user)


@pytest.fixture
def visit(world):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )


def _json(client):
    response = client.get(reverse("records:json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


def test_the_json_holds_every_section_of_the_patients_own_record(
    world, signed, visit, client_as_patient
):
    other = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 2, 11),
    )
    data = _json(client_as_patient)

    assert data["format"] == "stance-patient-record"
    assert data["patient"] == str(world.patient.code)
    sections = data["sections"]
    assert list(sections) == [
        "details",
        "appointments",
        "referrals",
        "assessments",
        "outcome_measures",
        "screening",
        "surgery",
        "goals",
        "programmes",
        "sessions",
        "treatment_notes",
        "letters",
        "case_conferences",
        "messages",
    ]
    assert sections["details"]["entries"][0]["email"] == world.patient.email
    [appointment] = sections["appointments"]["entries"]
    assert appointment["start"] == visit.start.astimezone(world.clinic.tz).isoformat(
        timespec="minutes"
    )
    [assessment] = sections["assessments"]["entries"]
    assert assessment["body_mass_kg"] == "70.5"
    assert assessment["history"] == "Knee gave way <playing> netball"
    assert any("200 N" in row for row in assessment["measurements"])
    assert str(other.code) not in json.dumps(data)


def test_drafts_stay_out_until_signed(world, client_as_patient):
    assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date(),
        conditions=["acl"],
    )
    assert _json(client_as_patient)["sections"]["assessments"]["entries"] == []


def test_each_copy_is_an_export_in_the_access_log(world, client_as_patient):
    _json(client_as_patient)
    client_as_patient.get(reverse("records:print"))
    rows = list(AccessLog.objects.order_by("pk"))
    assert [(r.action, r.user, r.patient, r.record_type) for r in rows] == [
        ("export", world.patient.user, world.patient, "clinic.patient"),
        ("export", world.patient.user, world.patient, "clinic.patient"),
    ]


def test_the_printable_page_reads_well_and_escapes_markup(world, signed, visit, client_as_patient):
    response = client_as_patient.get(reverse("records:print"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your record at" in body
    assert "Knee gave way &lt;playing&gt; netball" in body
    assert "<playing>" not in body
    for title in ("Your details", "Visits", "Assessments", "Emails to you"):
        assert title in body
    assert response["Cache-Control"].startswith("max-age=0")
    # Times in words in the clinic's zone, as on every other page; the JSON keeps ISO 8601.
    local = visit.start.astimezone(world.clinic.tz)
    assert f"{local:%A} {local.day} {local:%B %Y}, 10:00 am" in body
    assert local.isoformat(timespec="minutes") not in body


@pytest.mark.parametrize(
    "persona", ["client_as_practitioner", "client_as_reception", "client_as_admin"]
)
def test_staff_have_no_record_page(request, world, persona):
    client = request.getfixturevalue(persona)
    for name in ("overview", "json", "print", "delete"):
        assert client.get(reverse(f"records:{name}")).status_code == 404
    assert AccessLog.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("records:json"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_account_page_links_to_the_record(client_as_patient):
    body = client_as_patient.get(reverse("bookings:my-appointments")).content.decode()
    assert reverse("records:overview") in body
    overview = client_as_patient.get(reverse("records:overview")).content.decode()
    assert reverse("records:json") in overview
    assert reverse("records:print") in overview


def test_another_area_adds_a_section_by_registering_it(world, client_as_patient):
    @record_section("test-programmes", order=31)  # between assessments (30) and measures (32)
    def programmes(patient):
        return RecordSection(
            key="test-programmes",
            title="Exercise programmes",
            entries=[Entry("Hip programme", [("started", "Started", "2026-03-01")])],
        )

    try:
        assert "test-programmes" in record_section_keys()
        keys = [s.key for s in patient_record(patient=world.patient)]
        assert keys.index("test-programmes") == keys.index("assessments") + 1
        data = _json(client_as_patient)
        assert data["sections"]["test-programmes"]["entries"] == [
            {"heading": "Hip programme", "started": "2026-03-01"}
        ]
    finally:
        del _SECTIONS["test-programmes"]


def test_a_key_cannot_be_taken_twice():
    with pytest.raises(ValueError, match="twice"):

        @record_section("details")
        def impostor(patient):
            return None
