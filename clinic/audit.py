"""The record access log: who opened, changed, exported or printed which clinical record.

Call `access_log_record(*, request, action, record, patient)` from every view that shows,
changes, exports or prints a clinical record (an assessment, screening answers, a
programme, a session log, an outcome measure), after the access check and before the
response is built:

    from clinic.audit import access_log_record
    access_log_record(request=request, action="view", record=assessment, patient=patient)

`action` is one of AccessLog.Action ("view", "change", "export", "print"); `record` is the
model instance with a UUID `code` (its type is stored as the model label, for example
"prescriptions.assessment"); `patient` is whose record it is. A page that shows a summary
of several records (the staff patient page, the comparison of assessments) logs one row
with `record=patient` and `record_type=` one of the SUMMARY types below. The row is written at once
(views run in autocommit; inside a transaction it commits or rolls back with it). If it
cannot be written the view fails: no audit, no record (fail closed).

Rows hold ids, a role and an IP address, never clinical content. Reading the log is for
clinic admins (clinic.audit_views) and goes through the selectors below.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from clinic.models import AccessLog, Clinic, Patient, User

ACTIONS = frozenset(AccessLog.Action.values)

CLINICAL_SUMMARY = "prescriptions.clinical_summary"
"""The clinical parts of the staff patient page (assessments with flags and scores,
screening, programmes) and other pages listing a patient's clinical records."""
ASSESSMENT_COMPARISON = "prescriptions.assessment_comparison"
"""Change over time: two assessments side by side and every signed one as trends."""
SCREENING_HISTORY = "prescriptions.screening_history"
"""The patient's pre-exercise screenings, latest first."""
SURGERY_HISTORY = "prescriptions.surgery_history"
"""The patient's surgeries with their precautions, and their training status."""
REFERRAL_HISTORY = "clinic.referral_history"
"""The patient's referrals with their usage, and services used elsewhere."""
SUMMARY_TYPES = frozenset(
    {CLINICAL_SUMMARY, ASSESSMENT_COMPARISON, SCREENING_HISTORY, SURGERY_HISTORY, REFERRAL_HISTORY}
)


def _client_ip(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR, as the rate limits and lockouts see it (a trusted proxy sets it)."""
    value = (request.META.get("REMOTE_ADDR") if request is not None else None) or ""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def access_log_record(
    *,
    request: HttpRequest | None,
    action: str,
    record: Model,
    patient: Patient,
    user: User | None = None,
    record_type: str | None = None,
) -> AccessLog:
    """Append one row to the access log and return it.

    1. Who: `user`, else the request's logged-in user, else nobody (a signed link).
    2. The role is copied from the user now, so a later change of role keeps history true.
    3. What: the record's model label (or `record_type`, one of SUMMARY_TYPES) and its
       UUID `code` (None for a record without one).
    4. Whose and where: the patient, their clinic, and the client's address.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown access-log action {action!r}.")
    if record_type is not None and record_type not in SUMMARY_TYPES:
        raise ValueError(f"Unknown access-log record type {record_type!r}.")
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if isinstance(candidate, User) and candidate.is_authenticated:
            user = candidate
    code = getattr(record, "code", None)
    return AccessLog.objects.create(
        user=user,
        role=user.role if user is not None else "",
        clinic_id=patient.clinic_id,
        patient=patient,
        action=action,
        record_type=record_type or record._meta.label_lower,
        record_code=code if isinstance(code, uuid.UUID) else None,
        ip_address=_client_ip(request),
    )


# --- Reads (clinic admins' reports) ------------------------------------------------------

RECORD_TYPE_LABELS = {
    "clinic.patient": "Whole record",
    "prescriptions.assessment": "Assessment",
    "bookings.appointment": "Appointment screening",
    CLINICAL_SUMMARY: "Clinical summary",
    ASSESSMENT_COMPARISON: "Assessments compared",
    SCREENING_HISTORY: "Screening history",
    SURGERY_HISTORY: "Surgeries and training status",
    "prescriptions.surgeryrecord": "Surgery",
    REFERRAL_HISTORY: "Referrals",
    "clinic.referral": "Referral",
    "prescriptions.preexercisescreening": "Pre-exercise screening",
    "prescriptions.outcomeresponse": "Outcome measure",
    "prescriptions.programme": "Exercise programme",
    "prescriptions.programmeversion": "Programme version",
    "prescriptions.sessionlog": "Exercise session log",
    "prescriptions.treatmentnote": "Treatment note",
    "prescriptions.goal": "Goal",
}
"""How the reports name record types; other areas may add theirs."""


def record_type_label(record_type: str) -> str:
    if record_type in RECORD_TYPE_LABELS:
        return RECORD_TYPE_LABELS[record_type]
    return record_type.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@dataclass(frozen=True)
class Period:
    """Clinic-local days, both included; either end may be open."""

    start: date | None = None
    end: date | None = None

    def bounds(self, clinic: Clinic) -> tuple[datetime | None, datetime | None]:
        tz = clinic.tz
        low = datetime.combine(self.start, time.min, tzinfo=tz) if self.start else None
        high = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)
            if self.end
            else None
        )
        return low, high


def _within(qs: QuerySet[AccessLog], clinic: Clinic, period: Period) -> QuerySet[AccessLog]:
    low, high = period.bounds(clinic)
    if low is not None:
        qs = qs.filter(at__gte=low)
    if high is not None:
        qs = qs.filter(at__lt=high)
    return qs


def access_log_for_patient(
    *, clinic: Clinic, patient: Patient, period: Period | None = None
) -> QuerySet[AccessLog]:
    """Who opened this patient's records, newest first (the patient's own exports too)."""
    qs = AccessLog.objects.filter(clinic=clinic, patient=patient).select_related("user")
    return _within(qs, clinic, period or Period())


def access_log_for_user(
    *, clinic: Clinic, user: User | None, period: Period | None = None
) -> QuerySet[AccessLog]:
    """What one user (or, with None, everyone) opened in this clinic, newest first."""
    qs = AccessLog.objects.filter(clinic=clinic).select_related("user", "patient")
    if user is not None:
        qs = qs.filter(user=user)
    return _within(qs, clinic, period or Period())


def access_log_users(*, clinic: Clinic) -> list[User]:
    """The people a clinic admin can pick in the activity report: the clinic's staff and
    anyone else who appears in its log (a patient exporting their record)."""
    ids = set(User.objects.filter(clinic=clinic).values_list("pk", flat=True))
    ids |= set(
        AccessLog.objects.filter(clinic=clinic, user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "email"))


def describe(entry: AccessLog) -> dict[str, Any]:
    """The parts of a row a report shows."""
    user = entry.user
    return {
        "who": (user.get_full_name() or user.email) if user else "Someone with a signed link",
        "role": User.Role(entry.role).label if entry.role in User.Role.values else "",
        "action": entry.get_action_display(),
        "record": record_type_label(entry.record_type),
    }
