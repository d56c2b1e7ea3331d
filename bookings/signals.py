"""Signals that keep the cached week pages honest (bookings/week_cache.py).

This is cache bookkeeping, not domain flow: whatever writes a row that changes free times
(the booking services, staff pages, the Django admin, a shell), the cached pages are
forgotten. Bulk `QuerySet.update()` sends no signal, so code that changes these rows in
bulk calls `availability_changed()` itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from bookings.models import Appointment, Closure, HolidayOptOut, Service, TimeOff, WorkingHours
from bookings.week_cache import availability_changed
from clinic.models import Clinic, Location, Practitioner

WATCHED = (
    Appointment,
    Service,
    TimeOff,
    WorkingHours,
    Closure,
    HolidayOptOut,
    Practitioner,
    Location,
    Clinic,
)


def _changed(**_kwargs: Any) -> None:
    availability_changed()


def connect() -> None:
    for model in WATCHED:
        post_save.connect(_changed, sender=model, dispatch_uid=f"week-cache-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"week-cache-delete-{model.__name__}"
        )
    for through in (Service.practitioners.through, Practitioner.locations.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"week-cache-{through}")
