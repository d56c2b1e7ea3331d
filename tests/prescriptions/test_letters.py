"""Letters to other practitioners: written from the clinic's template with the record's
fields, edited, signed (then never changed), downloaded as a PDF, sent through the
outbox with the PDF attached, and recorded on the patient's file."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta

from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Appointment, Notification
from bookings.notifications import notification_send
from clinic.deletion import patient_deletion_request
from clinic.errors import DomainError
from clinic.models import AccessLog
from clinic.records import patient_record_json
from prescriptions.letters.context import NEXT_STEPS_PROMPT
from prescriptions.letters.services import letter_draft, letter_send, letter_sign
from prescriptions.models import Letter, LetterDelivery, LetterTemplate, SignedLetterError
from tests import factories as f

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The text an fpdf2 document draws: its content streams inflated, as Latin-1."""
    assert content.startswith(b"%PDF-")
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            out.append(stream.decode("latin-1"))
    return "\n".join(out)


@pytest.fixture
def ready(world):
    """Pat with a signed assessment and an attended visit; Sam Lee's provider number."""
    world.ep.provider_number = "2123456A"
    world.ep.save()
    world.clinic.email = "hello@harbour.example"
    world.clinic.save()
    f.make_signed_assessment(world.patient, world.ep)
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=2),
    )
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.ATTENDED)
    return world


def test_a_practitioner_writes_signs_downloads_and_sends_an_initial_gp_report(
    ready, client_as_practitioner, django_capture_on_commit_callbacks
):
    w = ready
    # 1. Start from the template: fields filled from the record.
    r = client_as_practitioner.post(
        reverse("prescriptions:letter-new", args=[w.patient.code]),
        {
            "kind": "initial_gp",
            "practitioner": str(w.ep.code),
            "recipient_name": "Dr Jane Citizen",
            "recipient_email": "",
        },
    )
    letter = Letter.objects.get(patient=w.patient)
    assert r.status_code == 302 and r["Location"] == letter.get_absolute_url()
    assert letter.subject == f"Initial exercise physiology report: {w.patient.full_name}"
    assert "Dear Dr Jane Citizen," in letter.body
    assert f"born {w.patient.date_of_birth.day} {w.patient.date_of_birth:%B %Y}" in letter.body
    assert "Lateral hip" in letter.body or "lateral hip" in letter.body.lower()
    assert "Trendelenburg" in letter.body  # the assessment's findings
    assert NEXT_STEPS_PROMPT in letter.body
    page = client_as_practitioner.get(letter.get_absolute_url())
    assert page.status_code == 200 and b"Sign the letter" in page.content

    # 2. Signing with the prompt still there is refused next to the text.
    r = client_as_practitioner.post(reverse("prescriptions:letter-sign", args=[letter.code]))
    assert r.status_code == 400
    assert b"with your own words before signing" in r.content
    letter.refresh_from_db()
    assert not letter.is_signed

    # 3. Edit, then sign.
    body = letter.body.replace(NEXT_STEPS_PROMPT, "Please review her blood pressure.")
    r = client_as_practitioner.post(
        letter.get_absolute_url(),
        {
            "recipient_name": "Dr Jane Citizen",
            "recipient_email": "",
            "subject": letter.subject,
            "body": body,
        },
    )
    assert r.status_code == 302
    r = client_as_practitioner.post(reverse("prescriptions:letter-sign", args=[letter.code]))
    assert r.status_code == 302
    letter.refresh_from_db()
    assert letter.is_signed and "blood pressure" in letter.body
    assert letter.signature.splitlines() == [
        "Sam Lee",
        "Accredited Exercise Physiologist (AEP)",
        "Provider number 2123456A",
    ]

    # 4. The PDF: letterhead, recipient, text and signature block.
    r = client_as_practitioner.get(reverse("prescriptions:letter-pdf", args=[letter.code]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    for expected in (
        w.clinic.name,
        "2 Example Road, Parramatta",  # Sam Lee's first rooms
        "Phone 02 9000 0000",
        "Dr Jane Citizen",
        "blood pressure",
        "Provider number 2123456A",
    ):
        assert expected in text

    # 5. Send it: exactly one email, to the GP, with the PDF attached.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = client_as_practitioner.post(
            reverse("prescriptions:letter-send", args=[letter.code]),
            {"to_name": "Dr Jane Citizen", "to_email": "gp@surgery.example"},
        )
    assert r.status_code == 302
    row = Notification.objects.get(kind=Notification.Kind.LETTER)
    assert row.context == {"letter": str(letter.code)}  # ids only
    assert notification_send(notification_id=row.pk) == "sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["gp@surgery.example"]
    assert message.subject == letter.subject
    assert "blood pressure" not in message.body  # the clinical text is in the PDF only
    assert message.body.startswith("Dear Dr Jane Citizen,\n\nPlease find attached a letter")
    assert "To reply, write to hello@harbour.example or call 02 9000 0000." in message.body
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    assert w.clinic.name in pdf_text(content)

    # 6. Recorded on the file: sent, to whom, when.
    delivery = LetterDelivery.objects.get(letter=letter)
    assert delivery.notification.sent_at is not None
    page = client_as_practitioner.get(w.patient.get_absolute_url())
    assert b"sent to gp@surgery.example" in page.content
    actions = set(
        AccessLog.objects.filter(record_type="prescriptions.letter").values_list(
            "action", flat=True
        )
    )
    assert actions == {"view", "change", "export"}


def test_a_signed_letter_is_never_changed(ready, client_as_practitioner):
    w = ready
    letter = letter_draft(patient=w.patient, practitioner=w.ep, kind="progress", by=w.ep.user)
    letter.body = "Final text."
    letter.save()
    letter_sign(letter=letter, by=w.ep.user)
    r = client_as_practitioner.post(
        letter.get_absolute_url(),
        {"recipient_name": "X", "subject": "Changed", "body": "Changed text."},
    )
    assert r.status_code == 302
    letter.refresh_from_db()
    assert (letter.subject, letter.body) != ("Changed", "Changed text.")
    letter.body = "Changed in code."
    with pytest.raises(SignedLetterError):
        letter.save()
    with pytest.raises(SignedLetterError):
        letter.delete()
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="signed letter"), transaction.atomic():
            Letter.objects.filter(pk=letter.pk).update(body="Changed in SQL.")
    # Sharing with the patient may still change.
    Letter.objects.filter(pk=letter.pk).update(shared_with_patient=True)


def test_only_the_letters_practitioner_signs_it(ready):
    w = ready
    letter = letter_draft(patient=w.patient, practitioner=w.physio, kind="physio", by=w.ep.user)
    letter.body = "Text."
    letter.save()
    with pytest.raises(DomainError, match="Only Jo Park"):
        letter_sign(letter=letter, by=w.ep.user)


def test_an_unsigned_letter_cannot_be_sent(ready):
    w = ready
    letter = letter_draft(patient=w.patient, practitioner=w.ep, kind="progress", by=w.ep.user)
    with pytest.raises(DomainError, match="Sign the letter"):
        letter_send(letter=letter, by=w.ep.user, to_email="gp@surgery.example")


def test_a_bad_placeholder_is_an_error_next_to_the_field(world, client_as_practitioner):
    url = reverse("prescriptions:letter-template", args=["initial_gp"])
    r = client_as_practitioner.post(url, {"subject": "Report {patient_name}", "body": "Hi {oops"})
    assert r.status_code == 400
    assert b"There is a problem" in r.content
    assert b"lone" in r.content
    assert not LetterTemplate.objects.exists()
    r = client_as_practitioner.post(
        url, {"subject": "Report on {patient_name}", "body": "Dear {recipient_name}, ok."}
    )
    assert r.status_code == 302
    letter = letter_draft(
        patient=world.patient,
        practitioner=world.ep,
        kind="initial_gp",
        by=world.ep.user,
        recipient_name="Dr Who",
    )
    assert (letter.subject, letter.body) == (
        f"Report on {world.patient.full_name}",
        "Dear Dr Who, ok.",
    )


def test_unknown_template_kind_is_404_and_reception_sees_no_letters(
    ready, client_as_practitioner, client_as_reception, client_as_outsider
):
    w = ready
    r = client_as_practitioner.get(reverse("prescriptions:letter-template", args=["nope"]))
    assert r.status_code == 404
    letter = letter_draft(patient=w.patient, practitioner=w.ep, kind="progress", by=w.ep.user)
    for client in (client_as_reception, client_as_outsider):
        assert client.get(letter.get_absolute_url()).status_code == 404
        assert (
            client.get(reverse("prescriptions:letter-pdf", args=[letter.code])).status_code == 404
        )


def test_the_patient_sees_only_letters_the_clinic_shares(ready):
    w = ready
    shared = letter_draft(patient=w.patient, practitioner=w.ep, kind="progress", by=w.ep.user)
    shared.body = "Shared text."
    shared.shared_with_patient = True
    shared.save()
    letter_sign(letter=shared, by=w.ep.user)
    kept = letter_draft(patient=w.patient, practitioner=w.ep, kind="discharge", by=w.ep.user)
    kept.body = "Clinic only."
    kept.save()
    letter_sign(letter=kept, by=w.ep.user)
    section = patient_record_json(patient=w.patient)["sections"]["letters"]
    texts = [e["text"] for e in section["entries"]]
    assert texts == ["Shared text."]


def test_letters_stay_and_still_go_when_the_patient_deletes_their_account(ready):
    w = ready
    letter = letter_draft(patient=w.patient, practitioner=w.ep, kind="discharge", by=w.ep.user)
    letter.body = "Text."
    letter.save()
    letter_sign(letter=letter, by=w.ep.user)
    delivery = letter_send(letter=letter, by=w.ep.user, to_email="gp@surgery.example")
    patient_deletion_request(patient=w.patient, requested_by=w.patient.user)
    assert Letter.objects.filter(pk=letter.pk, status="signed").exists()
    delivery.notification.refresh_from_db()
    assert delivery.notification.status != Notification.Status.VOID
    assert delivery.notification.context == {"letter": str(letter.code)}


def test_a_letter_signed_after_the_account_was_deleted_keeps_the_records_longer(ready):
    w = ready
    request = patient_deletion_request(patient=w.patient, requested_by=w.patient.user)
    first_end = request.retain_until
    letter = letter_draft(patient=w.patient, practitioner=w.ep, kind="discharge", by=w.ep.user)
    letter.body = "Text."
    letter.save()
    later = timezone.now() + timedelta(days=400)
    letter_sign(letter=letter, by=w.ep.user, now=later)
    request.refresh_from_db()
    assert request.retain_until > first_end
    assert request.retain_until.year == later.astimezone(w.clinic.tz).year + 7


def test_records_opened_before_18_are_kept_until_25(world):
    from datetime import date

    from clinic.deletion import retention_end
    from clinic.models import Patient

    # With 7 years the 25th birthday of an adult is always earlier; a clinic may keep fewer.
    world.clinic.record_retention_years = 5
    world.clinic.save()
    adult_now = f.make_patient(world.clinic, date_of_birth=date(2008, 6, 1))
    Patient.objects.filter(pk=adult_now.pk).update(
        created_at=timezone.now().replace(year=2025, month=1, day=10)
    )
    adult_now.refresh_from_db()
    # 19 at the request, but the record was opened at 16: kept to the 25th birthday.
    assert retention_end(patient=adult_now, on=date(2027, 7, 1)) == date(2033, 6, 1)
    assert retention_end(patient=adult_now, on=date(2030, 7, 1)) == date(2035, 7, 1)
    young_at_request = f.make_patient(world.clinic, date_of_birth=date(2015, 1, 1))
    assert retention_end(patient=young_at_request, on=date(2026, 7, 1)) == date(2040, 1, 1)


def test_an_admin_enters_a_practitioners_provider_number(client_as_admin, world):
    url = reverse("bookings:staff-settings-practitioner-edit", args=[world.ep.code])
    data = {
        "display_name": "Sam Lee",
        "profession": "ep",
        "email": world.ep.user.email,
        "is_active": "on",
        "provider_number": "2123456 a",
    }
    assert client_as_admin.post(url, data).status_code == 302
    world.ep.refresh_from_db()
    assert world.ep.provider_number == "2123456A"
    r = client_as_admin.post(url, {**data, "provider_number": "12AB"})
    assert r.status_code == 200  # the settings pages answer a form's errors with 200
    assert b"8-character provider number" in r.content


def test_a_progress_report_gives_each_change_with_its_verdict(ready):
    w = ready
    f.make_signed_assessment(
        w.patient, w.ep, fields={"pain_nprs": 2, "pain_context": "average_24h"}
    )
    first = w.patient.assessments.order_by("created_at").first()
    type(first).objects.filter(pk=first.pk).update(pain_nprs=7, pain_context="average_24h")
    letter = letter_draft(patient=w.patient, practitioner=w.ep, kind="progress", by=w.ep.user)
    assert (
        "- Pain (NPRS, 0 to 10), average over the last 24 hours: 7 to 2 (\u22125), Improved"
        in letter.body
    )
    assert "no established threshold" in letter.body  # a battery change without a rule
