"""The patient's own record covers the clinical areas (programmes and their versions,
sessions, outcome measures, screening), and deleting the account keeps the clinical
records while the non-clinical personal data goes: not left in history tables either,
and the signed links in old emails stop working."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

import pytest
from simple_history.models import registered_models

from bookings.models import Appointment
from clinic.deletion import patient_deletion_request
from clinic.models import Patient
from clinic.records import patient_record_json
from prescriptions.models import (
    Assessment,
    OutcomeResponse,
    PreExerciseScreening,
    Programme,
    ProgrammeVersion,
    SessionLog,
)
from tests.security.scene import Scene, persona_client

pytestmark = pytest.mark.django_db


def _sections(s: Scene) -> dict:
    return patient_record_json(patient=Patient.objects.get(pk=s.w.patient.pk))["sections"]


def test_the_record_holds_every_published_version_and_no_draft(shared_scene):
    s = shared_scene
    entries = _sections(s)["programmes"]["entries"]
    assert [e["version"] for e in entries] == [1]  # version 2 is a draft the patient never saw
    first = entries[0]
    assert first["practitioner"] == s.w.ep.display_name
    assert first["exercises"][0].startswith("1. Hip thrust: ")
    assert "60 kg" in first["exercises"][0]
    assert first["exercises"][1].startswith("2. Bridge: ")  # the clinic's own copy


def test_the_record_holds_sessions_with_pain_and_why_flagged(shared_scene):
    s = shared_scene
    SessionLog.objects.filter(pk=s.session.pk).update(comment="Stairs <felt> easier")
    (entry,) = _sections(s)["sessions"]["entries"]
    assert entry["performed_on"] == s.session.performed_on.isoformat()
    assert entry["comment"] == "Stairs <felt> easier"
    assert entry["pain_flag"] == "Yes" and entry["pain_flag_reasons"]
    assert all(": done" in row and "pain 2/10" in row for row in entry["exercises"])


def test_the_record_holds_online_answers_and_signed_measures_not_drafts(shared_scene):
    s = shared_scene
    measures = _sections(s)["outcome_measures"]["entries"]
    online = [m for m in measures if m["source"] == "Completed online by the patient"]
    assert [m["instrument"] for m in online] == ["NPRS: Numeric Pain Rating Scale"]
    assert online[0]["answers"] == ["Item 1: 4"]
    staff = OutcomeResponse.objects.filter(assessment__status=Assessment.Status.DRAFT)
    assert not {m["heading"] for m in measures} & {f"{r.instrument}" for r in staff}
    (screening,) = _sections(s)["screening"]["entries"]
    assert len(screening["answers"]) == 6 and screening["answers"][0].endswith(": no")


def test_another_patients_record_has_none_of_it(shared_scene):
    other = patient_record_json(patient=shared_scene.w.other_patient)["sections"]
    for key in ("programmes", "sessions", "outcome_measures", "screening"):
        assert other[key]["entries"] == [], key


def test_the_printable_record_escapes_what_patients_typed(shared_scene, sessions):
    s = shared_scene
    SessionLog.objects.filter(pk=s.session.pk).update(comment="<script>alert(1)</script>")
    page = persona_client(sessions, "patient").get(reverse("records:print")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Exercise programmes" in page and "Exercise sessions" in page


# --- Deletion ------------------------------------------------------------------------------


def _history_text() -> str:
    """Every value of every history table, as text."""
    chunks = []
    for model in registered_models.values():
        manager = getattr(model, model._meta.simple_history_manager_attribute)
        for row in manager.all().values():
            chunks.extend(str(v) for v in row.values())
    return "\n".join(chunks)


def _clinical_counts(s: Scene) -> list[int]:
    return [
        model.objects.filter(**{path: s.w.patient}).count()
        for model, path in (
            (Assessment, "patient"),
            (OutcomeResponse, "patient"),
            (PreExerciseScreening, "patient"),
            (Programme, "patient"),
            (ProgrammeVersion, "programme__patient"),
            (SessionLog, "patient"),
        )
    ]


def test_deletion_keeps_clinical_records_and_their_history_without_contact_details(
    shared_scene,
):
    s = shared_scene
    patient = Patient.objects.get(pk=s.w.patient.pk)
    email, phone = patient.email, patient.phone
    session = SessionLog.objects.get(pk=s.session.pk)
    session.comment = "Stairs felt easier"
    session.save(update_fields=["comment"])  # a tracked change, so it is in the history
    counts = _clinical_counts(s)
    assert "Stairs felt easier" in _history_text()  # the scan reads the history tables

    patient_deletion_request(patient=patient, requested_by=patient.user)

    patient.refresh_from_db()
    assert (patient.email, patient.phone) == ("", "")
    assert _clinical_counts(s) == counts  # clinical records stay for the retention period
    text = _history_text()
    assert "Stairs felt easier" in text  # and so does their history
    assert email not in text and phone not in text
    details = _sections(s)["details"]["entries"][0]
    assert email not in details.values() and phone not in details.values()


def test_after_deletion_no_signed_link_opens_anything(shared_scene):
    s = shared_scene
    patient = Patient.objects.get(pk=s.w.patient.pk)
    client = Client()
    links = {
        "programme": reverse("prescriptions:programme-link", args=[s.programme_token]),
        "programme log": reverse("prescriptions:programme-link-log", args=[s.programme_token]),
        "programme PDF": reverse("prescriptions:programme-link-pdf", args=[s.programme_token]),
        "manage": reverse("bookings:manage", args=[s.manage_token]),
        "previsit": reverse("prescriptions:previsit", args=[s.previsit_token]),
        "reminders": reverse("bookings:reminders-opt-out", args=[s.opt_out_token]),
    }
    assert {name: client.get(url).status_code for name, url in links.items()} == dict.fromkeys(
        links, 200
    )
    patient_deletion_request(patient=patient, requested_by=patient.user)
    answers = {name: client.get(url).status_code for name, url in links.items()}
    assert answers == {
        "programme": 410,
        "programme log": 410,
        "programme PDF": 410,
        "manage": 410,
        "previsit": 404,
        "reminders": 404,
    }
    # Nothing can be written through them either.
    sessions_before = SessionLog.objects.count()
    client.post(links["programme log"], {"version": "1", "day": "2030-01-01"})
    client.post(links["reminders"], {"action": "stop"})
    assert SessionLog.objects.count() == sessions_before
    assert Patient.objects.get(pk=patient.pk).reminders_opt_out is False
    assert Appointment.objects.get(pk=s.visit.pk).status == Appointment.Status.CANCELLED


def test_the_download_after_deletion_is_refused(shared_scene, sessions):
    s = shared_scene
    patient = Patient.objects.get(pk=s.w.patient.pk)
    patient_deletion_request(patient=patient, requested_by=patient.user)
    response = persona_client(sessions, "patient").get(reverse("records:json"))
    assert response.status_code == 302  # logged out everywhere: to the login page
    assert json.dumps(_sections(s)["programmes"])  # the clinic still has the record
