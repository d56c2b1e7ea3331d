"""A patient's request to delete their account: what goes, what stays, and for how long.

`patient_deletion_request(*, patient, requested_by, now=None)` does it all in one
transaction and returns the `DeletionRequest`:

Goes at once (personal information we no longer need, APP 11.2):
- the login: deactivated, password unusable, email and name replaced, so nobody can log
  in or ask for a password link with it; its sessions everywhere, two-step devices and
  backup codes, and the login-attempt records that hold its address (django-axes);
- contact details on the patient record: email, phone, own time zone; the reminder
  preference (back to the default, though nothing is sent: there is no address);
- what the other apps register (`DeletionStep`, in their `deletion.py`): bookings cancels
  upcoming visits (the clinic's cancellation window does not apply), voids every email
  not yet sent and clears the ids and paths kept for messages (bookings/deletion.py).

Stays (a health-service provider must keep clinical records, NSW HRIP Act s 25, Vic
Health Records Act HPP 4.2): the patient's name and date of birth (a record must be
attributable), visits, assessments and every other clinical record, and the access log.
They are kept until `retain_until`: the request's date plus the clinic's
`record_retention_years` (7 by default); for someone whose record was opened while they
were under 18, at least until their `minor_retention_until_age` birthday (25 by default).
A clinical record made after the request (a letter, a case conference) moves the date on
(`retention_extend`). Counting from the
request rather than the last visit errs on keeping records a little longer, never
shorter. Destroying or de-identifying them after that date is a separate, later step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.errors import DomainError
from clinic.models import DeletionRequest, Patient, User

logger = logging.getLogger(__name__)

DELETED_EMAIL_DOMAIN = "deleted.invalid"
"""Replaced login addresses end here (.invalid is reserved: it can never receive mail)."""


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def retention_end(*, patient: Patient, on: date) -> date:
    """The last day the clinic must keep this patient's clinical records, counting from
    `on` (the request, or a later service): `record_retention_years` after it and, when
    a record was made before they turned 18 (they were under 18 then, or when their
    record was opened), at least until their `minor_retention_until_age` birthday."""
    clinic = patient.clinic
    end = _add_years(on, clinic.record_retention_years)
    opened = patient.created_at.astimezone(clinic.tz).date() if patient.created_at else on
    if patient.age_on(min(on, opened)) < 18:
        end = max(end, _add_years(patient.date_of_birth, clinic.minor_retention_until_age))
    return end


def retention_extend(*, patient: Patient, on: date) -> DeletionRequest | None:
    """A clinical record made on `on` for a patient who has deleted their account (a
    letter or case conference after the last visit, say): their records are kept for
    the retention period from that day too. Returns the request if it moved."""
    request = DeletionRequest.objects.filter(patient=patient).first()
    if request is None:
        return None
    end = retention_end(patient=patient, on=on)
    if end <= request.retain_until:
        return None
    request.retain_until = end
    request.save(update_fields=["retain_until"])
    return request


def _user_sessions_delete(user: User) -> int:
    """Delete every unexpired session that belongs to `user` (database sessions)."""
    doomed = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def _user_close(user: User) -> None:
    old_email = user.email
    user.is_active = False
    user.set_unusable_password()
    user.email = f"deleted-{user.code}@{DELETED_EMAIL_DOMAIN}"
    user.first_name = ""
    user.last_name = ""
    user.save(update_fields=["is_active", "password", "email", "first_name", "last_name"])
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()  # its backup codes go with it
    for model in (AccessAttempt, AccessFailureLog, AxesAccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    _user_sessions_delete(user)


@dataclass(frozen=True)
class DeletionStep:
    """What an app ends or removes when a patient deletes their account. An app registers
    its steps with `deletion_step_register` in its `deletion.py` (found automatically,
    like admin.py), so this module needs to know no other app.

    `run(patient, requested_by, now)` runs inside the deletion's transaction, in `order`,
    and returns counts to keep on the DeletionRequest (`cancelled_appointments`).
    `preview(patient, now)` says in sentences what it will do, for the confirmation page.
    """

    order: int
    run: Callable[[Patient, User | None, datetime], dict[str, int]]
    preview: Callable[[Patient, datetime], list[str]]


_STEPS: list[DeletionStep] = []
_discovered = False


def deletion_step_register(step: DeletionStep) -> DeletionStep:
    if step not in _STEPS:
        _STEPS.append(step)
        _STEPS.sort(key=lambda s: s.order)
    return step


def _steps() -> list[DeletionStep]:
    global _discovered
    if not _discovered:
        autodiscover_modules("deletion")
        _discovered = True
    return list(_STEPS)


def deletion_preview(*, patient: Patient, now: datetime) -> list[str]:
    """What deleting the account will also do, in sentences (upcoming visits cancelled)."""
    return [sentence for step in _steps() for sentence in step.preview(patient, now)]


def patient_deletion_request(
    *, patient: Patient, requested_by: User | None, now: datetime | None = None
) -> DeletionRequest:
    """Close the patient's account and remove their non-clinical personal data, keeping
    clinical records for the retention period (module docstring). Raises DomainError if
    it was already done."""
    now = now or timezone.now()
    with transaction.atomic():
        patient = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
        if DeletionRequest.objects.filter(patient=patient).exists():
            raise DomainError("This account has already been deleted.")
        counts: dict[str, int] = {}
        for step in _steps():
            counts.update(step.run(patient, requested_by, now))
        cancelled = counts.get("cancelled_appointments", 0)
        user = patient.user
        if user is not None:
            _user_close(user)
        patient.email = ""
        patient.phone = ""
        patient.timezone = ""
        patient.reminders_opt_out = False
        patient.save(update_fields=["email", "phone", "timezone", "reminders_opt_out"])
        today = now.astimezone(patient.clinic.tz).date()
        request = DeletionRequest.objects.create(
            patient=patient,
            requested_by=requested_by,
            requested_at=now,
            retain_until=retention_end(patient=patient, on=today),
            cancelled_appointments=cancelled,
        )
    logger.info("patient account deleted patient=%s cancelled=%s", patient.pk, cancelled)
    return request
