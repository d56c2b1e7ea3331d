"""What the staff calendar shows clinicians about treatment notes: on each visit that
needs one, "Write note" or "Note signed" (and a flag when it is still unsigned a day after
the visit), and above the calendar how many of their own notes wait to be signed.
Registered with bookings in PrescriptionsConfig.ready (bookings never imports this)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.urls import reverse

from bookings.calendar import CardExtras, CardLink
from bookings.models import Appointment
from clinic.models import User
from prescriptions.notes import selectors

OVERDUE_FLAG = "Treatment note not signed"


def note_card_extras(appointments: Sequence[Appointment], now: datetime) -> dict[int, CardExtras]:
    """Per visit that needs a note and has started: a link to it, and a flag when it is
    unsigned more than a day after the visit (one query)."""
    due = [a for a in appointments if a.status in selectors.NOTE_DUE_STATUSES and a.start <= now]
    states = selectors.note_states(appointments=due, now=now)
    extras: dict[int, CardExtras] = {}
    for a in due:
        state = states[a.pk]
        label = "Note signed" if state.signed else "Finish note" if state.exists else "Write note"
        extras[a.pk] = CardExtras(
            flags=[OVERDUE_FLAG] if state.overdue else [],
            links=[
                CardLink(
                    label,
                    reverse("prescriptions:note-start", args=[a.code]),
                    f": {a.patient.full_name}",
                )
            ],
        )
    return extras


def notes_to_sign_notice(user: User, now: datetime) -> list[CardLink]:
    """ "2 treatment notes to sign" for a practitioner with overdue notes."""
    count = selectors.notes_due_count(user=user, now=now)
    if not count:
        return []
    words = "treatment note" if count == 1 else "treatment notes"
    return [
        CardLink(
            f"{count} {words} of visits more than a day ago to sign",
            reverse("prescriptions:note-list"),
        )
    ]
