"""Writes of the clinic's settings pages that need more than a model form's save: a new
practitioner's login, working hours that must not overlap, time off, and the order of the
booking's health questions. Everything else on those pages is a plain model form save.

Each write goes through the ORM, so the cached week pages are forgotten by the signals
in bookings/signals.py (working hours, time off, services, practitioners, locations and
the clinic's rules all change what can be booked).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Max

from bookings.models import ScreeningQuestion, Service, TimeOff, WorkingHours
from clinic.errors import DomainError
from clinic.lib.time import clock_label
from clinic.models import Clinic, Practitioner, User

QUESTION_ORDER_STEP = 10
"""Gap between the health questions' places, so one can go between two without renumbering."""

EMAIL_TAKEN = "Someone already logs in with this email address. Use another one."
EMAIL_THEIRS = (
    "They have logged in with their email address, so only the Stance operator can change it."
)


class EmailTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(EMAIL_TAKEN, field="email")


class HoursOverlap(DomainError):
    """The practitioner already works part of that time on that day (at any location:
    nobody is in two places at once)."""


# --- Practitioners ------------------------------------------------------------------------


def _email_taken(email: str, *, except_user_id: int | None) -> bool:
    users = User.objects.filter(email__iexact=email)
    if except_user_id is not None:
        users = users.exclude(pk=except_user_id)
    return users.exists()


@transaction.atomic
def practitioner_save(
    *, practitioner: Practitioner, clinic: Clinic, email: str, services: Iterable[Service]
) -> Practitioner:
    """Save a practitioner of `clinic` (new or changed) with the email they log in with
    and the services they offer.

    A new practitioner gets a login of their own (the practitioner role, this clinic, no
    password: they choose one through "Forgotten your password?"). A changed email is
    their login's; it must not be anyone else's (EmailTaken), and once they have logged in
    it is theirs: changing it here would let someone else reset their password (a
    DomainError).
    """
    user = practitioner.user if practitioner.pk else None
    if user is not None and user.email != email and user.last_login is not None:
        raise DomainError(EMAIL_THEIRS, field="email")
    if _email_taken(email, except_user_id=user.pk if user else None):
        raise EmailTaken
    try:
        with transaction.atomic():
            if user is None:
                user = User.objects.create_user(
                    email=email, password=None, role=User.Role.PRACTITIONER, clinic=clinic
                )
                practitioner.user = user
                practitioner.clinic = clinic
            elif user.email != email:
                user.email = email
                user.save(update_fields=["email"])
            practitioner.save()
    except IntegrityError:  # the same address, taken a moment ago by someone else
        raise EmailTaken from None
    practitioner.services.set([s for s in services if s.clinic_id == clinic.pk])
    return practitioner


# --- Working hours --------------------------------------------------------------------------


@transaction.atomic
def working_hours_save(*, hours: WorkingHours) -> WorkingHours:
    """Save a block of working hours (new or changed) unless it overlaps another block of
    the same practitioner on the same day, wherever that one is. The practitioner's row
    is locked first, as the booking services do, so two saves cannot both pass the check.
    The block's location joins the practitioner's locations. Raises HoursOverlap."""
    list(Practitioner.objects.select_for_update().filter(pk=hours.practitioner_id).values("pk"))
    clash = (
        WorkingHours.objects.filter(
            practitioner_id=hours.practitioner_id,
            weekday=hours.weekday,
            start_time__lt=hours.end_time,
            end_time__gt=hours.start_time,
        )
        .exclude(pk=hours.pk)
        .select_related("location")
        .first()
    )
    if clash is not None:
        raise HoursOverlap(
            f"This overlaps the hours on {clash.get_weekday_display()}, "
            f"{clock_label(clash.start_time)} to {clock_label(clash.end_time)} at "
            f"{clash.location.name}. Change the times, or edit those hours instead.",
            field="start_time",
        )
    hours.save()
    hours.practitioner.locations.add(hours.location)
    return hours


# --- Time off -------------------------------------------------------------------------------


def time_off_add(
    *, practitioner: Practitioner, start: datetime, end: datetime, reason: str
) -> TimeOff:
    """Time away for a practitioner, from `start` to `end` (aware instants). Visits already
    booked in that time stay booked: the page says how many, to move them."""
    time_off = TimeOff(practitioner=practitioner, start=start, end=end, reason=reason)
    time_off.full_clean()
    time_off.save()
    return time_off


# --- Health questions -----------------------------------------------------------------------


@transaction.atomic
def screening_question_add(*, question: ScreeningQuestion, clinic: Clinic) -> ScreeningQuestion:
    """A new health question of `clinic`, asked after the others."""
    # The clinic's row is the lock: two questions added at once get different places.
    list(Clinic.objects.select_for_update().filter(pk=clinic.pk).values("pk"))
    last = ScreeningQuestion.objects.filter(clinic=clinic).aggregate(last=Max("display_order"))
    question.clinic = clinic
    question.display_order = (last["last"] or 0) + QUESTION_ORDER_STEP
    question.save()
    return question


@transaction.atomic
def screening_question_move(
    *, question: ScreeningQuestion, direction: Literal["up", "down"]
) -> bool:
    """Move a health question one place up or down among its clinic's questions. Places
    are renumbered in steps of ten as they stand, then two neighbours swap. Returns False
    when it is already first (or last)."""
    questions = list(
        ScreeningQuestion.objects.select_for_update()
        .filter(clinic_id=question.clinic_id)
        .order_by("display_order", "id")
    )
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return False
    questions[index], questions[other] = questions[other], questions[index]
    for place, row in enumerate(questions, start=1):
        row.display_order = place * QUESTION_ORDER_STEP
    ScreeningQuestion.objects.bulk_update(questions, ["display_order"])
    return True
