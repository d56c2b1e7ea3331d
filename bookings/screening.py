"""The booking's health questions: what a person answered is kept with their appointment
for the clinician, and someone whose answer stops the online booking is kept as an
enquiry the clinic calls back (issue 12, pre-visit screening)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bookings.models import (
    Appointment,
    BookingAnswers,
    ScreeningEnquiry,
    ScreeningQuestion,
    Service,
)
from clinic.errors import DomainError
from clinic.models import Clinic, Patient, User

_KEYS = ("question", "answer", "on_yes")


def _checked(answers: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    out = []
    for a in answers:
        row = {k: str(a.get(k, "")) for k in _KEYS}
        if row["answer"] not in ("yes", "no") or row["on_yes"] not in ScreeningQuestion.OnYes:
            raise DomainError("Answer every question with yes or no.")
        out.append(row)
    return out


def appointment_screening_save(
    *, appointment: Appointment, answers: Sequence[Mapping[str, str]]
) -> None:
    """Keep the answers with the appointment (on the patient's file; the clinician sees
    them on the day). Nothing asked, nothing kept."""
    if not answers:
        return
    BookingAnswers.objects.update_or_create(
        appointment=appointment, defaults={"answers": _checked(answers)}
    )


def screening_enquiry_record(
    *,
    clinic: Clinic,
    service: Service | None,
    wanted_start: datetime | None,
    patient: Patient | None,
    details: Mapping[str, str],
    answers: Sequence[Mapping[str, str]],
) -> ScreeningEnquiry:
    """Keep a refused person as an enquiry: who (their patient record when logged in, else
    the details they typed), what they wanted and every answer."""
    source: Mapping[str, str] = (
        {
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "phone": patient.phone,
            "email": patient.email,
        }
        if patient is not None
        else details
    )
    return ScreeningEnquiry.objects.create(
        clinic=clinic,
        service=service,
        wanted_start=wanted_start,
        patient=patient,
        first_name=str(source.get("first_name", ""))[:80],
        last_name=str(source.get("last_name", ""))[:80],
        phone=str(source.get("phone", ""))[:30],
        email=str(source.get("email", ""))[:254],
        answers=_checked(answers),
    )


def enquiry_list_for_clinic(*, clinic: Clinic) -> QuerySet[ScreeningEnquiry]:
    return ScreeningEnquiry.objects.filter(clinic=clinic).select_related("service", "handled_by")


@transaction.atomic
def screening_enquiry_done(*, enquiry: ScreeningEnquiry, by: User) -> ScreeningEnquiry:
    """Mark an enquiry called back (once)."""
    ScreeningEnquiry.objects.filter(pk=enquiry.pk, status=ScreeningEnquiry.Status.OPEN).update(
        status=ScreeningEnquiry.Status.DONE, handled_by=by, handled_at=timezone.now()
    )
    enquiry.refresh_from_db()
    return enquiry
