"""The staff pages of referrals: adding one (with its letter), who may see them, the
access log, referrers, and the report tasks."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.funding import reports_due
from bookings.models import Appointment
from clinic.models import AccessLog, Referral, Referrer
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%fake letter\n"


def _add(client, world, **overrides):
    referrer = Referrer.objects.filter(clinic=world.clinic).first() or f.make_referrer(world.clinic)
    data = {
        "funder": "medicare_cdm",
        "referrer": str(referrer.code),
        "referral_date": "2026-03-02",
        "plan_type": "gpccmp",
        "plan_date": "2026-02-20",
        "conditions": "Type 2 diabetes; knee OA",
        **overrides,
    }
    return client.post(reverse("bookings:referral-list", args=[world.patient.code]), data)


def test_a_clinician_adds_a_gpccmp_referral_with_its_letter(client_as_practitioner, world):
    letter = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = _add(client_as_practitioner, world, letter=letter)
    assert response.status_code == 302
    referral = Referral.objects.get(patient=world.patient)
    assert referral.valid_until.isoformat() == "2027-08-20"  # plan date + 18 months
    assert referral.created_by == world.ep.user
    assert AccessLog.objects.filter(record_type="clinic.referral", action="change").exists()
    page = client_as_practitioner.get(reverse("bookings:referral-list", args=[world.patient.code]))
    assert "Medicare GPCCMP: 0 of 5 used in" in page.content.decode()
    letter_response = client_as_practitioner.get(
        reverse("bookings:referral-letter", args=[referral.code])
    )
    assert letter_response.status_code == 200
    assert b"".join(letter_response.streaming_content) == PDF
    assert referral.record_history.count() == 1


def test_a_letter_that_is_not_a_pdf_or_image_is_refused(client_as_practitioner, world):
    letter = SimpleUploadedFile(
        "letter.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = _add(client_as_practitioner, world, letter=letter)
    assert response.status_code == 400
    assert "Choose a PDF, JPEG or PNG file." in response.content.decode()
    assert not Referral.objects.exists()


def test_medicare_needs_a_referrer_and_the_page_says_so(client_as_practitioner, world):
    response = _add(client_as_practitioner, world, referrer="")
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Medicare GPCCMP needs a referring practitioner." in page


def test_bad_dates_are_field_errors_not_500s(client_as_practitioner, world):
    response = _add(client_as_practitioner, world, referral_date="31/02/2026", valid_until="x")
    assert response.status_code == 400
    assert "Enter a real date" in response.content.decode()


def test_reception_and_outsiders_do_not_see_referrals(
    client_as_reception, client_as_outsider, world
):
    referral = f.make_referral(world.patient, by=world.admin)
    for client in (client_as_reception, client_as_outsider):
        url = reverse("bookings:referral-list", args=[world.patient.code])
        assert client.get(url).status_code == 404
        assert (
            client.get(reverse("bookings:referral-edit", args=[referral.code])).status_code == 404
        )


def test_reception_sees_the_usage_on_the_patient_page(client_as_reception, world):
    f.make_referral(world.patient, by=world.admin)
    page = client_as_reception.get(
        reverse("bookings:staff-patient-detail", args=[world.patient.code])
    ).content.decode()
    assert "Medicare GPCCMP: 0 of 5 used in" in page
    assert reverse("bookings:referral-list", args=[world.patient.code]) not in page


def test_editing_a_referral_keeps_its_history(client_as_admin, world):
    referral = f.make_referral(world.patient, by=world.admin)
    url = reverse("bookings:referral-edit", args=[referral.code])
    assert client_as_admin.get(url).status_code == 200
    data = {
        "funder": "medicare_cdm",
        "referrer": str(referral.referrer.code),
        "referral_date": referral.referral_date.isoformat(),
        "plan_type": "gpccmp",
        "plan_date": referral.plan_date.isoformat(),
        "services_approved": "3",
    }
    assert client_as_admin.post(url, data).status_code == 302
    referral.refresh_from_db()
    assert referral.services_approved == 3
    assert referral.record_history.count() == 2


def test_staff_read_referrers_and_clinicians_add_them(
    client_as_reception, client_as_practitioner, world
):
    url = reverse("bookings:referrer-list")
    assert client_as_reception.get(url).status_code == 200
    data = {"name": "Dr =HYPERLINK()", "kind": "gp", "provider_number": "1234567B"}
    assert client_as_reception.post(url, data).status_code == 404
    assert client_as_practitioner.post(url, data).status_code == 302
    bad = client_as_practitioner.post(url, {"name": "", "kind": "gp", "provider_number": "!"})
    assert bad.status_code == 400
    assert "Enter the referrer&#x27;s name." in bad.content.decode()


def test_reports_due_after_the_first_and_the_last_service(client_as_practitioner, world):
    referral = f.make_referral(world.patient, by=world.admin, services_approved=2)
    now = timezone.now()
    for days in (3, 2):
        f.make_appointment(
            patient=world.patient,
            practitioner=world.ep,
            service=world.service,
            start=(now - timedelta(days=days)).replace(microsecond=0),
            referral=referral,
            status=Appointment.Status.ATTENDED,
        )
    due = {(d.referral, d.kind) for d in reports_due(world.clinic)}
    assert due == {(referral, "initial"), (referral, "final")}
    url = reverse("bookings:referral-reports")
    assert "Initial report" in client_as_practitioner.get(url).content.decode()
    client_as_practitioner.post(url, {"referral": str(referral.code), "kind": "initial"})
    assert [d.kind for d in reports_due(world.clinic)] == ["final"]


def test_a_dva_cycle_owes_its_end_of_cycle_report_when_it_has_ended(world):
    referral = f.make_referral(
        world.patient,
        by=world.admin,
        funder="dva",
        referral_date=timezone.localdate() - timedelta(days=400),
    )
    f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=380),
        referral=referral,
        status=Appointment.Status.COMPLETED,
    )
    due = reports_due(world.clinic)
    assert [(d.kind, d.due_since) for d in due] == [
        ("end_of_cycle", referral.valid_until + timedelta(days=1))
    ]


def test_the_patients_own_record_has_their_referrals(client_as_patient, world):
    referral = f.make_referral(world.patient, by=world.admin, conditions="Knee OA")
    f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() + timedelta(days=3),
        referral=referral,
    )
    record = client_as_patient.get(reverse("records:json")).json()
    sections = record["sections"]
    [entry] = sections["referrals"]["entries"]
    assert entry["funder"] == "Medicare GPCCMP (item 10953)"
    assert entry["referred_by"] == "Dr Mina Ng, Harbour Medical"
    assert entry["conditions"] == "Knee OA"
    assert sections["appointments"]["entries"][0]["funded_under"] == "Medicare GPCCMP"
    printed = client_as_patient.get(reverse("records:print")).content.decode()
    assert "Referrals" in printed and "CLINICAL.md" not in printed and "§" not in printed


def test_an_admin_enters_a_practitioners_provider_number(client_as_admin, world):
    url = reverse("bookings:staff-settings-practitioner-edit", args=[world.physio.code])
    data = {"display_name": "Jo Park", "profession": "physio", "email": "jo@example.org"}
    bad = client_as_admin.post(url, {**data, "provider_number": "=1+1"})
    assert bad.status_code in (200, 400)
    assert "Enter the 8-character provider number, for example 2123456A." in bad.content.decode()
    assert client_as_admin.post(url, {**data, "provider_number": "2461846J"}).status_code == 302
    world.physio.refresh_from_db()
    assert world.physio.provider_number == "2461846J"


def test_a_reviewed_plan_moves_the_end_date_on(client_as_practitioner, world):
    referral = f.make_referral(world.patient, by=world.admin)
    url = reverse("bookings:referral-edit", args=[referral.code])
    page = client_as_practitioner.get(url).content.decode()
    # The funder's own end date is not typed in (the plan date is).
    assert f'value="{referral.valid_until.isoformat()}"' not in page
    assert f'value="{referral.plan_date.isoformat()}"' in page
    reviewed = referral.plan_date + timedelta(days=100)
    data = {
        "funder": "medicare_cdm",
        "referrer": str(referral.referrer.code),
        "referral_date": referral.referral_date.isoformat(),
        "plan_type": "gpccmp",
        "plan_date": reviewed.isoformat(),
    }
    assert client_as_practitioner.post(url, data).status_code == 302
    referral.refresh_from_db()
    assert referral.valid_until > reviewed + timedelta(days=540)
