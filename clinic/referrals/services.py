"""Writing referrers, referrals, services used elsewhere and sent reports. Each write
checks the row (`full_clean`, the rules the database also holds) and keeps its history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model

from clinic.errors import DomainError
from clinic.models import Clinic, Patient, User
from clinic.referrals import funders
from clinic.referrals.models import OutsideServices, Referral, ReferralReport, Referrer

LETTER_MAX_BYTES = 10 * 1024 * 1024
"""A referral letter may be at most 10 MB."""
LETTER_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
"""PDF, JPEG and PNG: the file's first bytes, whatever its name says."""

REFERRER_FIELDS = ("name", "kind", "practice", "provider_number", "email", "phone")
REFERRAL_FIELDS = (
    "funder",
    "referrer",
    "referral_date",
    "valid_until",
    "services_approved",
    "hours_approved",
    "plan_type",
    "plan_date",
    "atsi",
    "claim_number",
    "insurer",
    "conditions",
    "closed_on",
)
_NULLABLE = {
    "referrer",
    "valid_until",
    "services_approved",
    "hours_approved",
    "plan_date",
    "closed_on",
}


def letter_check(letter: UploadedFile[bytes]) -> None:
    """Refuse a letter that is too big or is not a PDF, JPEG or PNG (by its content)."""
    if letter.size is not None and letter.size > LETTER_MAX_BYTES:
        raise DomainError("Choose a letter of 10 MB or less.", field="letter")
    head = letter.read(16)
    letter.seek(0)
    if not any(head.startswith(signature) for signature in LETTER_SIGNATURES):
        raise DomainError("Choose a PDF, JPEG or PNG file.", field="letter")


def _save(row: Model, exclude: list[str]) -> None:
    try:
        row.full_clean(exclude=exclude)
    except ValidationError as exc:
        name, errors = next(iter(exc.message_dict.items()))
        raise DomainError(errors[0], field=None if name == "__all__" else name) from None
    row.save()


@transaction.atomic
def referrer_save(*, clinic: Clinic, referrer: Referrer | None = None, **values: Any) -> Referrer:
    """Add a referrer to the clinic's list, or correct one."""
    row = referrer or Referrer(clinic=clinic)
    for name in REFERRER_FIELDS:
        setattr(row, name, (values.get(name) or "").strip())
    _save(row, ["clinic"])
    return row


def _referral_values(clinic: Clinic, values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: values.get(k) for k in REFERRAL_FIELDS}
    data = {k: (v if v is not None or k in _NULLABLE else "") for k, v in data.items()}
    data["atsi"] = bool(data["atsi"])
    referrer = data["referrer"]
    if referrer is not None and referrer.clinic_id != clinic.pk:
        raise DomainError("Choose a referrer from the list.", field="referrer")
    rule = funders.rule_for(data["funder"])
    if rule.needs_referrer and referrer is None:
        raise DomainError(f"{rule.label} needs a referring practitioner.", field="referrer")
    if not rule.needs_plan:
        data["plan_type"], data["plan_date"] = "", None
    if rule.annual_cap_atsi is None:
        data["atsi"] = False
    data["valid_until"] = funders.valid_until(
        funder=data["funder"],
        referral_date=data["referral_date"],
        plan_type=data["plan_type"],
        plan_date=data["plan_date"],
        approval_expiry=data["valid_until"],
    )
    return data


def _apply(row: Referral, data: dict[str, Any], letter: UploadedFile[bytes] | None) -> Referral:
    for name, value in data.items():
        setattr(row, name, value)
    if letter is not None:
        letter_check(letter)
        row.letter = letter
    _save(row, ["clinic", "patient", "created_by", "updated_by", "referrer"])
    return row


@transaction.atomic
def referral_add(
    *, patient: Patient, by: User, letter: UploadedFile[bytes] | None = None, **values: Any
) -> Referral:
    """A new referral on the patient's record; its end date follows the funder's rules
    unless the funder approved an earlier one."""
    data = _referral_values(patient.clinic, values)
    row = Referral(clinic=patient.clinic, patient=patient, created_by=by, updated_by=by)
    return _apply(row, data, letter)


@transaction.atomic
def referral_update(
    *, referral: Referral, by: User, letter: UploadedFile[bytes] | None = None, **values: Any
) -> Referral:
    """Correct a referral (or close it early); the history keeps what it was."""
    data = _referral_values(referral.patient.clinic, values)
    referral.updated_by = by
    return _apply(referral, data, letter)


@transaction.atomic
def outside_services_set(
    *, patient: Patient, year: int, services: int, note: str, by: User
) -> OutsideServices | None:
    """Record the GPCCMP services the patient used elsewhere in `year`; 0 removes it."""
    if services == 0:
        OutsideServices.objects.filter(patient=patient, year=year).delete()
        return None
    row, _ = OutsideServices.objects.update_or_create(
        patient=patient,
        year=year,
        defaults={
            "clinic": patient.clinic,
            "services": services,
            "note": note.strip(),
            "updated_by": by,
        },
    )
    return row


@transaction.atomic
def referral_report_mark_sent(
    *, referral: Referral, kind: str, sent_on: date, by: User
) -> ReferralReport:
    """Mark a report to the referrer as sent; marking it twice keeps the first."""
    if kind not in ReferralReport.Kind.values:
        raise DomainError("Choose a report.", field="kind")
    row, _ = ReferralReport.objects.get_or_create(
        referral=referral, kind=kind, defaults={"sent_on": sent_on, "sent_by": by}
    )
    return row
