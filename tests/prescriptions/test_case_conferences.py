"""Case conferences (CLINICAL.md §17.3): who took part, the patient's agreement, date and
times, matters and outcomes; the MBS item from the length; a summary letter."""

from __future__ import annotations

from django.urls import reverse

import pytest

from clinic.models import AccessLog
from clinic.records import patient_record_json
from prescriptions.models import CaseConference, Letter

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "held_on": "2026-11-02",
        "start_time": "13:00",
        "end_time": "13:30",
        "mode": "video",
        "patient_agreed": "on",
        "matters_discussed": "Falls at home; knee pain on stairs.",
        "outcomes": "GP reviews medication; EP runs balance programme.",
        "role_1": "ep",
        "name_1": "Sam Lee",
        "role_2": "gp",
        "name_2": "Dr Jane Citizen",
        "organisation_2": "Harbour Medical",
    }
    data.update(overrides)
    return data


def test_a_practitioner_records_a_case_conference(world, client_as_practitioner):
    url = reverse("prescriptions:case-conference-new", args=[world.patient.code])
    r = client_as_practitioner.post(url, _form(), follow=True)
    assert r.status_code == 200
    conference = CaseConference.objects.get(patient=world.patient)
    assert conference.minutes == 30
    assert conference.starts_at.astimezone(world.clinic.tz).strftime("%H:%M") == "13:00"
    assert [p.name for p in conference.participants.all()] == ["Sam Lee", "Dr Jane Citizen"]
    page = r.content.decode()
    assert "10957" in page  # 20 to less than 40 minutes
    assert "at least 3 health or care providers" in page  # two recorded: a warning
    assert AccessLog.objects.filter(
        record_type="prescriptions.caseconference", action="change"
    ).exists()
    # On the patient's record.
    patient_page = client_as_practitioner.get(world.patient.get_absolute_url())
    assert conference.get_absolute_url().encode() in patient_page.content


def test_a_conference_needs_agreement_and_an_end_after_its_start(world, client_as_practitioner):
    url = reverse("prescriptions:case-conference-new", args=[world.patient.code])
    r = client_as_practitioner.post(
        url, _form(patient_agreed="", end_time="12:00", role_2="", name_3="No Role")
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "Record the patient&#x27;s agreement" in page
    assert "The end time must be after the start time." in page
    assert "Choose person 3&#x27;s role." in page
    assert not CaseConference.objects.exists()


def test_a_summary_letter_is_filled_from_the_conference(world, client_as_practitioner):
    client_as_practitioner.post(
        reverse("prescriptions:case-conference-new", args=[world.patient.code]), _form()
    )
    conference = CaseConference.objects.get()
    r = client_as_practitioner.post(
        reverse("prescriptions:case-conference-letter", args=[conference.code])
    )
    letter = Letter.objects.get(case_conference=conference)
    assert r.status_code == 302 and r["Location"] == letter.get_absolute_url()
    assert "- Dr Jane Citizen, General practitioner (Harbour Medical)" in letter.body
    assert "GP reviews medication" in letter.body
    assert "2 November 2026, 13:00 to 13:30" in letter.body


def test_the_patient_sees_a_conference_only_when_shared(world, client_as_practitioner):
    url = reverse("prescriptions:case-conference-new", args=[world.patient.code])
    client_as_practitioner.post(url, _form())
    client_as_practitioner.post(url, _form(held_on="2026-11-09", shared_with_patient="on"))
    entries = patient_record_json(patient=world.patient)["sections"]["case_conferences"]["entries"]
    assert [e["heading"] for e in entries] == ["Case conference on 9 November 2026"]


def test_reception_and_other_clinics_cannot_record_or_read_one(
    world, client_as_practitioner, client_as_reception, client_as_outsider
):
    url = reverse("prescriptions:case-conference-new", args=[world.patient.code])
    client_as_practitioner.post(url, _form())
    conference = CaseConference.objects.get()
    for client in (client_as_reception, client_as_outsider):
        assert client.get(url).status_code == 404
        assert client.get(conference.get_absolute_url()).status_code == 404
