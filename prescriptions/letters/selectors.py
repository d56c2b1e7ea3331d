"""Reading letters, their templates and case conferences for staff pages."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from clinic.models import Clinic, Location, Patient, Practitioner
from prescriptions.letters.defaults import DEFAULT_WORDING, Wording
from prescriptions.letters.models import (
    CaseConference,
    Letter,
    LetterDelivery,
    LetterKind,
    LetterTemplate,
)


def letter_wording(*, clinic: Clinic, kind: str) -> tuple[Wording, bool]:
    """The clinic's wording of `kind`, and whether it is the clinic's own (else shipped)."""
    row = LetterTemplate.objects.filter(clinic=clinic, kind=kind).first()
    if row is not None:
        return Wording(row.subject, row.body), True
    return DEFAULT_WORDING[kind], False


def letter_template_list(*, clinic: Clinic) -> list[tuple[str, str, bool]]:
    """(kind, label, the clinic's own) for every kind of letter."""
    own = set(LetterTemplate.objects.filter(clinic=clinic).values_list("kind", flat=True))
    return [(kind, label, kind in own) for kind, label in LetterKind.choices]


def letter_records() -> QuerySet[Letter]:
    return Letter.objects.select_related(
        "clinic", "patient", "patient__clinic", "practitioner", "case_conference"
    ).prefetch_related(
        Prefetch(
            "deliveries",
            queryset=LetterDelivery.objects.select_related("notification", "sent_by"),
        )
    )


def case_conference_records() -> QuerySet[CaseConference]:
    return CaseConference.objects.select_related(
        "clinic", "patient", "patient__clinic", "practitioner"
    ).prefetch_related("participants")


def letter_list_for_patient(*, patient: Patient) -> list[Letter]:
    return list(letter_records().filter(patient=patient))


def case_conference_list_for_patient(*, patient: Patient) -> list[CaseConference]:
    return list(case_conference_records().filter(patient=patient))


def clinic_letterhead(*, clinic: Clinic, practitioner: Practitioner | None = None) -> str:
    """The clinic's name, address and contacts, one per line: the practitioner's first
    rooms, else the clinic's first."""
    location: Location | None = None
    if practitioner is not None:
        location = practitioner.locations.filter(is_active=True).order_by("name").first()
    if location is None:
        location = clinic.locations.filter(is_active=True).order_by("name").first()
    lines = [clinic.name]
    if location is not None:
        lines += [" ".join(location.address.split())]
    phone = (location.phone if location is not None else "") or clinic.phone
    contacts = [f"Phone {phone}" if phone else "", f"Email {clinic.email}" if clinic.email else ""]
    if any(contacts):
        lines.append(", ".join(c for c in contacts if c))
    return "\n".join(lines)
