"""Signed, single-purpose links for patients who are not logged in (clinic/links.py).

A manage token names one appointment and one purpose (the salt); it cannot be used for
another purpose or another appointment, and it stops working after
STANCE_MANAGE_LINK_MAX_AGE_DAYS days or once the visit is over. A reminder opt-out token
names a patient and never expires (the same salt and format as before, so the links in
emails already sent still work).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from bookings.models import Appointment
from clinic.links import code_from_token, code_token
from clinic.models import Patient

MANAGE_SALT = "stance.bookings.manage-appointment"


def manage_token_for(appointment: Appointment) -> str:
    return code_token(appointment.code, salt=MANAGE_SALT)


def appointment_code_from_manage_token(token: str) -> str | None:
    """The appointment code inside a valid token, or None for a bad or expired one."""
    max_age = timedelta(days=settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS)
    return code_from_token(token, salt=MANAGE_SALT, max_age=max_age)


# --- Reminder opt-out -----------------------------------------------------------------

OPT_OUT_SALT = "stance.bookings.reminders-opt-out"


def opt_out_token_for(patient: Patient) -> str:
    """A signed link token that only turns this patient's reminders off or on."""
    return code_token(patient.code, salt=OPT_OUT_SALT)


def patient_from_opt_out_token(token: str) -> Patient | None:
    """The patient named by a valid token, or None. These links do not expire: a
    reminder email must always be able to stop the next one. A patient who deleted their
    account has no reminders and no preferences left: their links are void."""
    code = code_from_token(token, salt=OPT_OUT_SALT)
    if code is None:
        return None
    return (
        Patient.objects.filter(code=code, deletion_request__isnull=True)
        .select_related("clinic")
        .first()
    )
