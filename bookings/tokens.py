"""Signed, expiring, single-purpose links for patients who are not logged in.

A token names one appointment and one purpose (the salt); it cannot be used for another
purpose or another appointment, and it stops working after
STANCE_MANAGE_LINK_MAX_AGE_DAYS days or once the visit is over.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from bookings.models import Appointment
from clinic.links import code_from_token, code_token

MANAGE_SALT = "stance.bookings.manage-appointment"


def manage_token_for(appointment: Appointment) -> str:
    return code_token(appointment.code, salt=MANAGE_SALT)


def appointment_code_from_manage_token(token: str) -> str | None:
    """The appointment code inside a valid token, or None for a bad or expired one."""
    max_age = timedelta(days=settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS)
    return code_from_token(token, salt=MANAGE_SALT, max_age=max_age)
