"""Signed, expiring, single-purpose links for patients who are not logged in.

A token names one appointment and one purpose (the salt); it cannot be used for another
purpose or another appointment, and it stops working after
STANCE_MANAGE_LINK_MAX_AGE_DAYS days or once the visit is over.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing

from bookings.models import Appointment

MANAGE_SALT = "stance.bookings.manage-appointment"


def manage_token_for(appointment: Appointment) -> str:
    return signing.dumps(str(appointment.code), salt=MANAGE_SALT, compress=False)


def appointment_code_from_manage_token(token: str) -> str | None:
    """The appointment code inside a valid token, or None for a bad or expired one."""
    max_age = timedelta(days=settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS)
    try:
        value = signing.loads(token, salt=MANAGE_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None
