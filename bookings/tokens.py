"""Signed, single-purpose links for patients who are not logged in (clinic/links.py).

A manage token names one appointment and one purpose (the salt); it cannot be used for
another purpose or another appointment. Its expiry is written into it when it is issued
(STANCE_MANAGE_LINK_MAX_AGE_DAYS days on), so issuing another link, or the API showing
one again, never extends a link already sent. A link also stops working once the visit is
over or the patient has deleted their account (`manage_link_usable`). A reminder opt-out
token names a patient and never expires (the same salt and format as before, so the
links in emails already sent still work).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from bookings.models import Appointment, WaitlistOffer
from clinic.links import code_from_token, code_token
from clinic.models import DeletionRequest, Patient

MANAGE_SALT = "stance.bookings.manage-appointment"


def manage_token_for(appointment: Appointment, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    expires = now + timedelta(days=settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS)
    return code_token(appointment.code, salt=MANAGE_SALT, expires=expires)


def appointment_code_from_manage_token(token: str, *, now: datetime | None = None) -> str | None:
    """The appointment code inside a valid token, or None for a bad or expired one."""
    max_age = timedelta(days=settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS)
    return code_from_token(token, salt=MANAGE_SALT, max_age=max_age, now=now)


def manage_link_usable(appointment: Appointment, *, now: datetime) -> bool:
    """A manage link opens its visit until the visit is over and while the patient's
    account exists (deleting the account revokes every link to their visits)."""
    if appointment.end <= now:
        return False
    return not DeletionRequest.objects.filter(patient_id=appointment.patient_id).exists()


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


# --- Confirming that a booking's email address is yours ---------------------------------

SAME_PERSON_SALT = "stance.bookings.same-person"
SAME_PERSON_DAYS = 30


def same_person_token_for(patient: Patient, *, now: datetime | None = None) -> str:
    """For the confirmation email of a booking kept apart as a possible duplicate: its
    holder (the address's owner) may join it to their record."""
    expires = (now or timezone.now()) + timedelta(days=SAME_PERSON_DAYS)
    return code_token(patient.code, salt=SAME_PERSON_SALT, expires=expires)


def possible_duplicate_from_token(token: str) -> Patient | None:
    """The record a valid token names, while it is still a possible duplicate."""
    code = code_from_token(token, salt=SAME_PERSON_SALT)
    if code is None:
        return None
    return (
        Patient.objects.filter(
            code=code, possible_duplicate_of__isnull=False, duplicate_joined_at__isnull=True
        )
        .select_related("clinic", "possible_duplicate_of")
        .first()
    )


# --- Waitlist offers ------------------------------------------------------------------

WAITLIST_SALT = "stance.bookings.waitlist-offer"


def waitlist_offer_token_for(offer: WaitlistOffer) -> str:
    """The link in an offer email: it works until the hold runs out, and no longer."""
    return code_token(offer.code, salt=WAITLIST_SALT, expires=offer.expires_at)


def waitlist_offer_code_from_token(token: str, *, now: datetime | None = None) -> str | None:
    return code_from_token(token, salt=WAITLIST_SALT, max_age=timedelta(days=1), now=now)
