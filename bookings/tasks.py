"""Celery tasks for patient email. Thin: ids in, services do the work
(bookings/notifications.py). Messages carry a row id and nothing about the patient."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from bookings import waitlist
from bookings.notifications import (
    TransientEmailError,
    notification_send,
    notifications_dispatch_due,
    notifications_send_batch,
    retry_delay,
)


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=30,
    time_limit=45,
)
def notifications_sweep() -> int:
    """Every minute (beat): hand the due outbox rows to `send_notifications`, a batch of
    ids to a message. Two sweeps at once are harmless: they claim disjoint rows."""
    return len(notifications_dispatch_due())


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,  # the row's `attempts` caps tries (STANCE_EMAIL_MAX_ATTEMPTS)
)
def send_notification(self: Task[Any, Any], notification_id: int) -> str:
    """Send one outbox row, at most once; safe to receive twice. A transient failure is
    retried with exponential backoff and jitter (countdowns of minutes at most, far below
    the broker's visibility timeout)."""
    try:
        return notification_send(notification_id=notification_id)
    except TransientEmailError as exc:
        raise self.retry(countdown=retry_delay(exc.attempts), exc=exc) from None


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def send_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of outbox rows from the sweep, one after another over one mail
    connection; each row is claimed, sent and marked sent on its own, so receiving
    the batch twice (or a row in two batches) sends nothing twice. A row that fails for
    now gets a `send_notification` retry of its own; the others are not sent again."""
    return notifications_send_batch(ids=notification_ids)


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=50,
    time_limit=55,
)
def waitlist_sweep() -> int:
    """Every minute (beat) and after each cancellation or move: lapse waitlist offers that
    ran out and offer free earlier times, oldest entry first (bookings/waitlist.py). Two
    at once are harmless: the second waits for the first and finds its holds."""
    return len(waitlist.waitlist_sweep())
