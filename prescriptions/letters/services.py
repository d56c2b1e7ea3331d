"""Writing letters and case conferences: the clinic's templates, a draft filled from the
record, edits, signing (after which nothing changes), sending through the outbox, and
recording a case conference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from bookings.emails import LetterParts
from bookings.funding import reports_due
from bookings.models import Notification
from bookings.notifications import notification_enqueue
from clinic.deletion import retention_extend
from clinic.errors import DomainError
from clinic.models import Patient, Practitioner, User
from clinic.referrals.funders import ReportKind
from clinic.referrals.services import referral_report_mark_sent
from prescriptions.letters.context import (
    PROMPTS,
    day_words,
    letter_values,
    practitioner_qualification,
)
from prescriptions.letters.models import (
    CaseConference,
    CaseConferenceParticipant,
    Letter,
    LetterDelivery,
    LetterKind,
    LetterTemplate,
)
from prescriptions.letters.pdf import letter_pdf
from prescriptions.letters.placeholders import template_errors, template_fill
from prescriptions.letters.selectors import clinic_letterhead, letter_wording

# --- Templates ------------------------------------------------------------------------


def letter_template_save(
    *, clinic_id: int, kind: str, subject: str, body: str, by: User
) -> LetterTemplate:
    """The clinic's own wording of `kind`. Raises DomainError (with the field) when a
    placeholder is unknown or a brace is out of place."""
    if kind not in LetterKind.values:
        raise DomainError("Choose a kind of letter.", field="kind")
    for field, text in (("subject", subject), ("body", body)):
        errors = template_errors(text)
        if errors:
            raise DomainError(" ".join(errors), field=field)
    row, _ = LetterTemplate.objects.update_or_create(
        clinic_id=clinic_id,
        kind=kind,
        defaults={"subject": subject, "body": body, "updated_by": by},
    )
    return row


def letter_template_reset(*, clinic_id: int, kind: str) -> None:
    """Back to the shipped wording."""
    LetterTemplate.objects.filter(clinic_id=clinic_id, kind=kind).delete()


# --- Letters ----------------------------------------------------------------------------


def _today(patient: Patient) -> date:
    return timezone.now().astimezone(patient.clinic.tz).date()


@transaction.atomic
def letter_draft(
    *,
    patient: Patient,
    practitioner: Practitioner,
    kind: str,
    by: User,
    recipient_name: str = "",
    recipient_email: str = "",
    conference: CaseConference | None = None,
    today: date | None = None,
) -> Letter:
    """A new draft letter from the clinic's template, its placeholders filled from the
    patient's record."""
    if kind not in LetterKind.values:
        raise DomainError("Choose a kind of letter.", field="kind")
    if practitioner.clinic_id != patient.clinic_id:
        raise DomainError("Choose a practitioner of this clinic.", field="practitioner")
    if kind == LetterKind.CASE_CONFERENCE and conference is None:
        raise DomainError("A case conference summary is written from the conference.")
    wording, _own = letter_wording(clinic=patient.clinic, kind=kind)
    values = letter_values(
        patient=patient,
        practitioner=practitioner,
        recipient_name=recipient_name,
        today=today or _today(patient),
        conference=conference,
    )
    letter = Letter(
        clinic=patient.clinic,
        patient=patient,
        practitioner=practitioner,
        kind=kind,
        case_conference=conference,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        subject=template_fill(wording.subject, values)[:200],
        body=template_fill(wording.body, values),
        created_by=by,
    )
    letter.full_clean(exclude=["clinic", "patient", "practitioner", "created_by"])
    letter.save()
    return letter


@transaction.atomic
def letter_update(
    *,
    letter: Letter,
    recipient_name: str,
    recipient_email: str,
    subject: str,
    body: str,
    shared_with_patient: bool,
) -> Letter:
    """The practitioner's edits to a draft. A signed letter is never changed."""
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.is_signed:
        raise DomainError("This letter is signed: it can no longer be changed.")
    letter.recipient_name = recipient_name
    letter.recipient_email = recipient_email
    letter.subject = subject
    letter.body = body
    letter.shared_with_patient = shared_with_patient
    letter.full_clean(exclude=["clinic", "patient", "practitioner", "created_by"])
    letter.save()
    return letter


def signature_lines(practitioner: Practitioner) -> str:
    lines = [practitioner.display_name, practitioner_qualification(practitioner)]
    if practitioner.provider_number:
        lines.append(f"Provider number {practitioner.provider_number}")
    return "\n".join(lines)


@transaction.atomic
def letter_sign(*, letter: Letter, by: User, now: datetime | None = None) -> Letter:
    """Sign the letter: its text, recipient, letterhead and signature are fixed from now
    on. Only the practitioner it is from signs it, and not while a prompt in square
    brackets (context.PROMPTS) is still in the text."""
    letter = Letter.objects.select_for_update().select_related("practitioner").get(pk=letter.pk)
    if letter.is_signed:
        raise DomainError("This letter is already signed.")
    if letter.practitioner.user_id != by.pk:
        raise DomainError(f"Only {letter.practitioner.display_name} can sign this letter.")
    left = [prompt for prompt in PROMPTS if prompt in letter.body]
    if left:
        raise DomainError(f"Replace {left[0]} with your own words before signing.", field="body")
    letter.letterhead = clinic_letterhead(clinic=letter.clinic, practitioner=letter.practitioner)
    letter.signature = signature_lines(letter.practitioner)
    letter.status = Letter.Status.SIGNED
    letter.signed_at = now or timezone.now()
    letter.signed_by = by
    letter.save()
    # A letter signed after the patient deleted their account is kept its full period.
    retention_extend(
        patient=letter.patient, on=letter.signed_at.astimezone(letter.clinic.tz).date()
    )
    return letter


def letter_share_set(*, letter: Letter, shared: bool) -> Letter:
    """Whether the patient may read the letter in their record (signed or not)."""
    letter.shared_with_patient = shared
    letter.save(update_fields=["shared_with_patient", "updated_at"])
    return letter


@transaction.atomic
def letter_send(*, letter: Letter, by: User, to_email: str, to_name: str = "") -> LetterDelivery:
    """Email the signed letter, its PDF attached, to `to_email` through the outbox (one
    row of kind "letter", whose context holds the letter's code only)."""
    letter = Letter.objects.select_for_update().select_related("patient").get(pk=letter.pk)
    if not letter.is_signed:
        raise DomainError("Sign the letter before sending it.")
    try:
        validate_email(to_email)
    except ValidationError:
        raise DomainError(
            "Enter an email address like name@example.org.", field="to_email"
        ) from None
    row = notification_enqueue(
        patient=letter.patient,
        kind=Notification.Kind.LETTER,
        context={"letter": str(letter.code)},
    )
    delivery = LetterDelivery.objects.create(
        letter=letter, to_name=to_name, to_email=to_email, sent_by=by, notification=row
    )
    _report_mark_sent(letter, by=by)
    return delivery


REPORT_LETTERS = {
    ReportKind.INITIAL: LetterKind.INITIAL_GP,
    ReportKind.FINAL: LetterKind.DISCHARGE,
    ReportKind.END_OF_CYCLE: LetterKind.DVA_END_OF_CYCLE,
}
"""The letter that answers each report a funder asks of the clinic (bookings.funding)."""


def _report_mark_sent(letter: Letter, *, by: User) -> None:
    """A sent initial, discharge or end-of-cycle letter is the report due to the referrer
    for that patient: the oldest such report due is marked sent, so it leaves the tasks."""
    kinds = [report for report, kind in REPORT_LETTERS.items() if kind == letter.kind]
    if not kinds:
        return
    today = timezone.now().astimezone(letter.patient.clinic.tz).date()
    due = [
        d
        for d in reports_due(letter.patient.clinic, today=today, patient=letter.patient)
        if d.kind in kinds
    ]
    if due:
        referral_report_mark_sent(referral=due[0].referral, kind=due[0].kind, sent_on=today, by=by)


@dataclass(frozen=True)
class LetterDocument:
    filename: str
    content: bytes


def letter_document(letter: Letter) -> LetterDocument:
    """The letter's PDF: as signed, or today's letterhead and signature for a draft."""
    if letter.is_signed and letter.signed_at is not None:
        day = letter.signed_at.astimezone(letter.clinic.tz).date()
        letterhead, signature = letter.letterhead, letter.signature
    else:
        day = _today(letter.patient)
        letterhead = clinic_letterhead(clinic=letter.clinic, practitioner=letter.practitioner)
        signature = signature_lines(letter.practitioner)
    content = letter_pdf(letter, letterhead=letterhead, signature=signature, dated=day_words(day))
    return LetterDocument(f"letter-{day.isoformat()}-{str(letter.code)[:8]}.pdf", content)


def letter_email_parts(notification: Notification) -> LetterParts:
    """The email of a letter's outbox row (registered with bookings.emails): to the
    delivery's address, the letter's subject, a covering note without clinical detail,
    and the PDF."""
    delivery = LetterDelivery.objects.select_related(
        "letter__clinic", "letter__patient__clinic", "letter__practitioner"
    ).get(notification=notification)
    letter = delivery.letter
    document = letter_document(letter)
    greeting = f"Dear {delivery.to_name}," if delivery.to_name else "Hello,"
    clinic = letter.clinic
    reply = " or ".join(
        part
        for part in (
            f"write to {clinic.email}" if clinic.email else "",
            f"call {clinic.phone}" if clinic.phone else "",
        )
        if part
    )
    body = (
        f"{greeting}\n\nPlease find attached a letter from {letter.practitioner.display_name}, "
        f"{clinic.name}.\n" + (f"\nTo reply, {reply}.\n" if reply else "")
    )
    return LetterParts(
        clinic=letter.clinic,
        to=[delivery.to_email],
        subject=letter.subject,
        body=body,
        attachments=[(document.filename, document.content, "application/pdf")],
    )


# --- Case conferences -------------------------------------------------------------------


@transaction.atomic
def case_conference_record(
    *,
    patient: Patient,
    practitioner: Practitioner,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    mode: str,
    patient_agreed: bool,
    matters_discussed: str,
    outcomes: str,
    participants: list[tuple[str, str, str]],
    shared_with_patient: bool = False,
) -> CaseConference:
    """Record a case conference with who took part ((role, name, organisation) each)."""
    if ends_at <= starts_at:
        raise DomainError("The end time must be after the start time.", field="end_time")
    if not patient_agreed:
        raise DomainError(
            "Record the patient's agreement: a case conference needs it.",
            field="patient_agreed",
        )
    if not participants:
        raise DomainError("Add who took part.", field="participants")
    conference = CaseConference(
        clinic=patient.clinic,
        patient=patient,
        practitioner=practitioner,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        patient_agreed=patient_agreed,
        matters_discussed=matters_discussed,
        outcomes=outcomes,
        shared_with_patient=shared_with_patient,
        created_by=by,
    )
    conference.full_clean(exclude=["clinic", "patient", "practitioner", "created_by"])
    conference.save()
    CaseConferenceParticipant.objects.bulk_create(
        CaseConferenceParticipant(conference=conference, role=role, name=name, organisation=org)
        for role, name, org in participants
    )
    retention_extend(patient=patient, on=ends_at.astimezone(patient.clinic.tz).date())
    return conference
