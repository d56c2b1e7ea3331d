"""Patient email through an outbox: planning, hand-off to the worker, and sending once.

Every email is a `Notification` row. How a row moves (README "Emails and reminders"):

    pending --hand-off--> queued --worker claims--> sending --SMTP accepts--> sent
       ^                    |  \\                      |  \\--SMTP 5xx, or out of tries--> failed
       |--broker down-------/   \\--stale claim: the sweep hands it over again
       \\--SMTP 4xx / connection error: back to queued, retried with backoff
    any open row --visit cancelled, moved, over, or reminders turned off--> void

1. Planning happens in the transaction of the booking change (`appointment_book`,
   `appointment_reschedule`, `appointment_cancel` call `notifications_plan_for_*`), so a
   message exists exactly when the change commits. Reminders are rows with a `due_at`,
   never long ETA tasks.
2. Hand-off: after commit, an immediate message is published to the broker with one
   quick try (`notifications_dispatch`); if the broker is down the row simply stays
   pending. Every minute the sweep (`notifications_dispatch_due`, run by beat) claims due
   rows with `SELECT ... FOR UPDATE SKIP LOCKED` and publishes their ids, SEND_BATCH to a
   message. Rows handed over but not finished within STANCE_EMAIL_STALE_CLAIM_MINUTES are
   handed over again.
3. Sending (`notification_send` for one row, `notifications_send_batch` for the sweep's
   batches, in the worker) claims each row on its own (pending/queued -> sending) while
   holding the appointment's row lock, re-checks that the message still makes sense,
   sends, and marks it sent; a batch does this row after row. A second message for the
   same row finds it sending or sent and does nothing.

Duplicate window: the only way one email goes out twice is a worker that dies after the
SMTP server accepted the message and before the `sent` update commits (milliseconds).
The row stays `sending`; after STANCE_EMAIL_STALE_CLAIM_MINUTES the sweep hands it over
again and it is sent once more (same Message-ID, so many mail clients show one).
"""

from __future__ import annotations

import logging
import random
import re
import smtplib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from celery.exceptions import SoftTimeLimitExceeded

from bookings.mailer import mail_send
from bookings.models import OPEN_STATUSES, Appointment, Notification, Service
from clinic.errors import DomainError
from clinic.models import Location, Patient, Practitioner

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Status = Notification.Status

MINUTES_PER_DAY = 24 * 60
SWEEP_BATCH = 200
"""Rows one claim takes at most (one short transaction). A sweep claims batch after batch
until nothing is due, so a backlog (after a broker outage, say) goes out at the worker's
pace rather than a batch a minute."""
SWEEP_MAX_SECONDS = 20.0
"""A sweep stops claiming after this long, well inside its time limits; the next one
goes on where it stopped."""
SEND_BATCH = 25
"""Row ids per send message from the sweep (`send_notifications`). The worker sends them
one after another over its kept SMTP connection, so what each task costs (the broker round
trip, the pool's hand-off, the database connection check, loading what the emails show)
is paid once per batch instead of once per email. Each row is still claimed, sent and
marked sent on its own, so a batch widens neither the duplicate window nor the time a
cancellation can be too late for."""
BATCH_MAX_SECONDS = 20.0
"""A batch starts no new row after this long (well inside the task's soft time limit);
the rows it has not tried go to a new batch message."""

PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
"""One reconnect at most (a Redis restart leaves pooled connections stale), then give up:
the sweep is the safety net, so no request ever waits on a broker that is down."""

OPT_OUT_SALT = "stance.bookings.reminders-opt-out"


# --- Planning (inside the booking change's transaction) -------------------------------


def reminder_due_at(*, start: datetime, lead_minutes: int, tz: ZoneInfo) -> datetime:
    """When a reminder `lead_minutes` before a visit at `start` goes out (aware, UTC).

    A lead of whole days counts on the clinic's calendar: the same wall-clock time that
    many days before. The 24-hour reminder for a 10 am visit comes at 10 am the day
    before, even when the clocks change overnight (it is then 23 or 25 hours ahead).
    Any other lead is an exact duration (2 hours is 120 minutes, whatever the clocks do).
    A wall-clock time skipped by a spring-forward change is read with the offset in
    force before the change (so 2:30 am becomes 3:30 am daylight time).
    """
    if lead_minutes % MINUTES_PER_DAY == 0:
        local = start.astimezone(tz)
        earlier = local - timedelta(days=lead_minutes // MINUTES_PER_DAY)  # wall clock
        return earlier.astimezone(UTC)
    return (start - timedelta(minutes=lead_minutes)).astimezone(UTC)


def notifications_plan_for_booking(*, appointment: Appointment, now: datetime) -> None:
    """A new booking: the confirmation (handed to the worker after commit) and the
    reminders at the clinic's lead times that are still ahead."""
    confirmation = _plan_once(appointment, Kind.CONFIRMATION, due_at=now)
    _plan_reminders(appointment, now=now)
    _dispatch_on_commit([confirmation.pk])


def notifications_plan_for_reschedule(*, appointment: Appointment, now: datetime) -> None:
    """A moved visit: its open reminders are void, new ones are planned for the new time,
    and a reschedule notice (with the updated calendar entry) goes out after commit."""
    _void_open(appointment, kinds=[Kind.REMINDER], reason="The visit was moved.")
    # An earlier notice not sent yet would describe the same (latest) time: one is enough.
    _void_open(appointment, kinds=[Kind.RESCHEDULE], reason="A newer notice replaces it.")
    notice = _plan_once(appointment, Kind.RESCHEDULE, due_at=now)
    _plan_reminders(appointment, now=now)
    _dispatch_on_commit([notice.pk])


def notifications_plan_for_cancel(*, appointment: Appointment, now: datetime) -> None:
    """A cancelled visit: nothing else is sent for it (open reminders and unsent notices
    are void) except the cancellation notice, after commit."""
    _void_open(appointment, kinds=None, reason="The visit was cancelled.")
    notice = _plan_once(appointment, Kind.CANCELLATION, due_at=now)
    _dispatch_on_commit([notice.pk])


def notification_enqueue(
    *,
    patient: Patient,
    kind: str,
    appointment: Appointment | None = None,
    context: dict[str, Any] | None = None,
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> Notification:
    """Plan one email to a patient: the hook for other apps (prescriptions' "your
    programme is ready": `kind=Notification.Kind.PROGRAMME_READY`, `context={"programme":
    str(code), "link_path": "/programmes/<code>/"}`).

    Call it inside the transaction that makes the change. A message due now is handed to
    the worker after commit; a later one goes with the sweep. `context` holds ids and a
    site path only (strings or numbers), never patient details: the email is rendered
    from the database when it is sent, with `templates/bookings/emails/<kind>_*`.
    """
    now = now or timezone.now()
    if kind not in Kind.values:
        raise DomainError(f"Unknown kind of message: {kind}.")
    context = dict(context or {})
    if any(not isinstance(v, str | int) for v in context.values()):
        raise DomainError("Message context holds strings and numbers only.")
    link = context.get("link_path", "/")
    if not isinstance(link, str) or not link.startswith("/") or link.startswith("//"):
        raise DomainError("link_path must be a path on this site, such as /programmes/.")
    due = due_at or now
    if appointment is not None:
        row = _plan_once(appointment, kind, due_at=due)
    else:
        row = Notification.objects.create(patient=patient, kind=kind, due_at=due, context=context)
    if row.due_at <= now:
        _dispatch_on_commit([row.pk])
    return row


def _plan_once(
    appointment: Appointment,
    kind: str,
    *,
    due_at: datetime,
    lead_minutes: int | None = None,
) -> Notification:
    """The row for (appointment, kind, due_at), created or revived: planning twice is
    harmless. A row that was void (say, the visit moved away and back) is planned again;
    one already sent stays sent."""
    row, created = Notification.objects.get_or_create(
        appointment=appointment,
        kind=kind,
        due_at=due_at,
        defaults={
            "patient_id": appointment.patient_id,
            "lead_minutes": lead_minutes,
            "appointment_start_snapshot": appointment.start,
        },
    )
    if not created and row.status == Status.VOID:
        row.status = Status.PENDING
        row.attempts = 0
        row.claimed_at = None
        row.last_error = ""
        row.appointment_start_snapshot = appointment.start
        row.save(
            update_fields=[
                "status",
                "attempts",
                "claimed_at",
                "last_error",
                "appointment_start_snapshot",
                "updated_at",
            ]
        )
    return row


def _plan_reminders(appointment: Appointment, *, now: datetime) -> None:
    clinic = appointment.practitioner.clinic
    for lead in clinic.reminder_leads_minutes:
        due = reminder_due_at(start=appointment.start, lead_minutes=lead, tz=clinic.tz)
        if due <= now:
            continue  # booked inside the lead time: that reminder would already be late
        _plan_once(appointment, Kind.REMINDER, due_at=due, lead_minutes=lead)


def _void_open(appointment: Appointment, *, kinds: list[str] | None, reason: str) -> int:
    """Void the appointment's rows that no worker has taken yet. A row already `sending`
    is past recall: its SMTP conversation is under way."""
    rows = Notification.objects.filter(
        appointment=appointment, status__in=[Status.PENDING, Status.QUEUED]
    )
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    return rows.update(status=Status.VOID, last_error=reason, updated_at=timezone.now())


# --- Hand-off to the worker ------------------------------------------------------------


def _dispatch_on_commit(ids: list[int]) -> None:
    # robust: whatever happens here, the booking has committed and its request succeeds.
    transaction.on_commit(partial(notifications_dispatch, ids=ids), robust=True)


def notifications_dispatch(*, ids: list[int], now: datetime | None = None) -> list[int]:
    """Hand these rows to the worker now (pending -> queued, then publish), returning the
    ids handed over. A broker that is down costs one quick try: the row goes back to
    pending and the next sweep takes it."""
    now = now or timezone.now()
    handed = []
    for pk in ids:
        claimed = Notification.objects.filter(pk=pk, status=Status.PENDING, due_at__lte=now)
        if claimed.update(status=Status.QUEUED, claimed_at=now, updated_at=now) != 1:
            continue
        if not _publish(pk):
            _release([pk], claimed_at=now)
            break
        handed.append(pk)
    return handed


def notifications_claim_due(*, now: datetime, batch: int = SWEEP_BATCH) -> list[int]:
    """Claim what is due (pending -> queued) and return the ids, oldest first.

    Due: pending rows whose time has come, and rows handed over (queued) or taken
    (sending) more than STANCE_EMAIL_STALE_CLAIM_MINUTES ago whose message or worker was
    lost. Rows another sweep holds are skipped, not waited for (SKIP LOCKED), so two
    sweeps at once claim disjoint sets. SQLite has one writer at a time instead.
    """
    stale_before = now - timedelta(minutes=settings.STANCE_EMAIL_STALE_CLAIM_MINUTES)
    due = Q(status=Status.PENDING, due_at__lte=now) | Q(
        status__in=[Status.QUEUED, Status.SENDING], claimed_at__lt=stale_before
    )
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(
                status=Status.QUEUED, claimed_at=now, updated_at=now
            )
    return ids


def notifications_dispatch_due(*, now: datetime | None = None) -> list[int]:
    """The sweep, every minute: claim what is due, batch after batch, and publish each id
    to the send task. If the broker fails part-way, the rest go back to pending for the
    next sweep."""
    now = now or timezone.now()
    deadline = monotonic() + SWEEP_MAX_SECONDS
    handed: list[int] = []
    while True:
        ids = notifications_claim_due(now=now, batch=SWEEP_BATCH)
        published = _publish_in_order(ids, claimed_at=now)
        handed += published
        if len(published) < SWEEP_BATCH or monotonic() > deadline:
            break
    if handed:
        logger.info("notifications handed to the worker count=%s", len(handed))
    return handed


def _publish_in_order(ids: list[int], *, claimed_at: datetime) -> list[int]:
    """Publish claimed ids, SEND_BATCH to a message, until the broker fails; the rest go
    back to pending."""
    for start in range(0, len(ids), SEND_BATCH):
        if not _publish_batch(ids[start : start + SEND_BATCH]):
            _release(ids[start:], claimed_at=claimed_at)
            return ids[:start]
    return ids


def _publish(pk: int, *, countdown: float | None = None) -> bool:
    """One row to `send_notification` (a confirmation right after commit, a retry)."""
    from bookings.tasks import send_notification  # tasks import this module

    return _apply_async(send_notification, [pk], countdown=countdown, what=f"id={pk}")


def _publish_batch(ids: list[int], *, countdown: float | None = None) -> bool:
    """Rows the sweep claimed to `send_notifications`, in one message."""
    from bookings.tasks import send_notifications

    return _apply_async(send_notifications, [ids], countdown=countdown, what=f"ids={ids}")


def _apply_async(task: Any, args: list[Any], *, countdown: float | None, what: str) -> bool:
    try:
        task.apply_async(
            args=args, countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception:  # any broker failure (kombu, redis, socket): the sweep will retry
        logger.warning("notification %s not handed to the broker; the sweep will", what)
        return False
    return True


def _release(ids: list[int], *, claimed_at: datetime) -> None:
    Notification.objects.filter(pk__in=ids, status=Status.QUEUED, claimed_at=claimed_at).update(
        status=Status.PENDING, claimed_at=None, updated_at=timezone.now()
    )


# --- Sending (in the worker) -----------------------------------------------------------


class TransientEmailError(Exception):
    """This try failed for now (connection, timeout, SMTP 4xx); try again later.
    The message is the SMTP reply or error class, without addresses. `unreachable`: the
    mail server could not be reached at all (refused, dropped, timed out), so the rest of
    a batch would fail the same way."""

    def __init__(self, message: str, *, attempts: int, unreachable: bool = False) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.unreachable = unreachable


def notification_send(
    *, notification_id: int, now: datetime | None = None, batch: SendBatch | None = None
) -> str:
    """Send one email at most once. Returns what happened: "sent", "void", "failed", or
    "skipped" (someone else has it, it is finished, or it is not due yet). Raises
    TransientEmailError, with the row handed back (queued), when a retry should follow.

    1. Claim: with the appointment's row locked (the order the booking services lock in,
       so no deadlock), take the row from pending/queued to sending and count the try.
       A cancelled, moved or past visit, or a reminder the patient turned off, makes the
       row void instead; no email. (`batch`: what `notifications_send_batch` loaded for
       all its rows, so the claim takes fewer queries; see `_claim_loaded`.)
    2. Render the email from the database (no patient details travel in task messages).
    3. Send. A 5xx reply, or too many tries, marks the row failed with the reason;
       a connection error, timeout or 4xx hands it back for a retry.
    4. Mark it sent.
    """
    now = now or timezone.now()
    claimed = _claim_for_send(notification_id, now=now, batch=batch)
    if isinstance(claimed, str):
        return claimed
    row = claimed
    from bookings.emails import notification_email  # emails import this module

    try:
        message = notification_email(row, batch=batch)
    except Exception as exc:  # a template or data bug: retrying would not help
        logger.exception("notification id=%s could not be rendered", row.pk)
        _finish(row, Status.FAILED, f"The email could not be built ({type(exc).__name__}).")
        return "failed"
    try:
        mail_send(message)  # over the worker's kept SMTP connection (bookings/mailer.py)
    except Exception as exc:
        permanent, reason = classify_send_error(exc)
        if permanent or row.attempts >= settings.STANCE_EMAIL_MAX_ATTEMPTS:
            if not permanent:
                reason = f"Gave up after {row.attempts} tries. Last: {reason}"
            _finish(row, Status.FAILED, reason)
            logger.warning("notification id=%s failed: %s", row.pk, reason)
            return "failed"
        Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.QUEUED,
            claimed_at=timezone.now(),
            last_error=reason,
            updated_at=timezone.now(),
        )
        logger.info("notification id=%s try %s failed for now: %s", row.pk, row.attempts, reason)
        raise TransientEmailError(
            reason, attempts=row.attempts, unreachable=_server_unreachable(exc)
        ) from None
    _mark_sent(row)
    logger.info("notification id=%s kind=%s sent", row.pk, row.kind)
    return "sent"


MARK_SENT_SQL = """
    UPDATE bookings_notification SET status = %s, sent_at = %s, last_error = '', updated_at = %s
    WHERE id = %s AND status IN (%s, %s, %s)
"""
"""PostgreSQL: `_mark_sent`'s UPDATE, in autocommit: its COMMIT waits for the disk (see
LOCK_VISIT_SQL), so a sent email stays marked sent."""


def _mark_sent(row: Notification) -> None:
    """Any open status: a copy handed over again meanwhile then finds it sent. On its own
    and at once after the SMTP server took the email (never batched: a crash would resend
    every email of the batch)."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(MARK_SENT_SQL, [Status.SENT, now, now, row.pk, *OPEN_STATUSES])
        return
    Notification.objects.filter(pk=row.pk, status__in=OPEN_STATUSES).update(
        status=Status.SENT, sent_at=now, last_error="", updated_at=now
    )


def notifications_send_batch(*, ids: list[int]) -> dict[str, int]:
    """Send the rows of one sweep message, one after another, each exactly as
    `notification_send` would; returns how many had each outcome.

    1. Load once what the rows' emails share (`SendBatch`): the rows, their visits'
       practitioners, clinics, locations and services, and the visits' other reminders.
    2. For each row in turn: claim it (its visit locked and read afresh), render, send over
       the worker's kept SMTP connection, mark it sent. A row another worker has, or one
       already finished, is skipped; a visit cancelled or moved before the row's turn
       makes it void. Only the row on the wire can be lost in mid-send.
    3. A transient failure hands that row back (queued) with a `send_notification` task of
       its own after a backoff; the rows already sent stay sent and the batch goes on.
       If the mail server cannot be reached at all, or the batch has run for
       BATCH_MAX_SECONDS, the rows not tried yet go to a new batch message (after the
       backoff, or at once); if the broker is down too, back to pending for the sweep.
    """
    started = monotonic()
    batch = SendBatch.load(ids)
    outcomes: Counter[str] = Counter()
    for i, pk in enumerate(ids):
        if i and monotonic() - started > BATCH_MAX_SECONDS:
            _hand_on(ids[i:], countdown=None)
            outcomes["handed on"] += len(ids) - i
            break
        try:
            outcomes[notification_send(notification_id=pk, batch=batch)] += 1
        except TransientEmailError as exc:
            outcomes["retry"] += 1
            # If the broker is down too, the row stays queued: the sweep hands it over
            # again once its claim is stale (STANCE_EMAIL_STALE_CLAIM_MINUTES).
            _publish(pk, countdown=retry_delay(exc.attempts))
            if exc.unreachable and i + 1 < len(ids):
                _hand_on(ids[i + 1 :], countdown=retry_delay(exc.attempts))
                outcomes["handed on"] += len(ids) - i - 1
                break
    return dict(outcomes)


def _hand_on(ids: list[int], *, countdown: float | None) -> None:
    """Rows a batch did not try: to a new batch message, else back to pending."""
    if _publish_batch(ids, countdown=countdown):
        return
    Notification.objects.filter(pk__in=ids, status=Status.QUEUED).update(
        status=Status.PENDING, claimed_at=None, updated_at=timezone.now()
    )


@dataclass
class SendBatch:
    """What a batch loads once, before it locks anything: its rows as they were (kind,
    planned time, the visit start they were planned for, tries), what their emails show
    about each visit (practitioner and clinic, location, service), the visits' reminders
    (due times, and for the reminders a confirmation lists: status, lead and the start
    they were planned for), and, with confirmations in the batch, what the pre-visit
    questionnaire link depends on
    (`prescriptions.previsit.questionnaires.PrevisitBatch`): two queries, four with
    confirmations.

    Claiming a row still locks its visit and reads it afresh with its patient (status,
    time, reminder opt-out, time zone: everything a decision rests on), and changes the
    row only if it is still as loaded. The shown details are at most one batch old
    (seconds): a renamed room or practitioner, a reminder sent meanwhile, a questionnaire
    text loaded meanwhile are what can lag. A visit moved since the batch was loaded has
    its reminders read afresh (`planned_leads`)."""

    rows: dict[int, Notification]
    reminder_dues: dict[int, list[datetime]]
    practitioners: dict[int, Practitioner]
    locations: dict[int, Location]
    services: dict[int, Service]
    reminders: dict[int, list[tuple[datetime, str, datetime | None, int | None]]] = field(
        default_factory=dict
    )
    """By visit: (due_at, status, appointment_start_snapshot, lead_minutes) of each
    reminder, by due time."""
    visits_as_loaded: dict[int, tuple[datetime, int]] = field(default_factory=dict)
    """By visit: (start, sequence) when the batch was loaded."""
    previsit: Any = None
    """`PrevisitBatch` when the batch holds confirmations."""

    @classmethod
    def load(cls, ids: list[int]) -> SendBatch:
        rows = {
            row.pk: row
            for row in Notification.objects.filter(pk__in=ids).select_related(
                "patient__clinic",
                "appointment__practitioner__clinic",
                "appointment__location",
                "appointment__service",
            )
        }
        visits = [row.appointment for row in rows.values() if row.appointment is not None]
        dues: dict[int, list[datetime]] = {}
        reminders: dict[int, list[tuple[datetime, str, datetime | None, int | None]]] = {}
        planned = (
            Notification.objects.filter(appointment__in=[v.pk for v in visits], kind=Kind.REMINDER)
            .order_by("due_at")
            .values_list(
                "appointment_id", "due_at", "status", "appointment_start_snapshot", "lead_minutes"
            )
        )
        for appointment_id, due_at, *rest in planned:
            dues.setdefault(appointment_id, []).append(due_at)
            reminders.setdefault(appointment_id, []).append((due_at, *rest))
        previsit = None
        confirmed = [
            row for row in rows.values() if row.kind == Kind.CONFIRMATION and row.appointment
        ]
        if confirmed:
            # Imported here: the booking app does not depend on prescriptions when it loads.
            from prescriptions.previsit.questionnaires import PrevisitBatch

            previsit = PrevisitBatch.load(
                clinic_ids={row.patient.clinic_id for row in confirmed},
                patient_ids={row.patient_id for row in confirmed},
            )
        return cls(
            rows=rows,
            reminder_dues=dues,
            practitioners={v.practitioner_id: v.practitioner for v in visits},
            locations={v.location_id: v.location for v in visits if v.location_id},
            services={v.service_id: v.service for v in visits},
            reminders=reminders,
            visits_as_loaded={v.pk: (v.start, v.sequence) for v in visits},
            previsit=previsit,
        )

    def planned_leads(self, appointment: Appointment) -> list[int | None] | None:
        """The leads of the visit's reminders still to go out (open, planned for its
        current start), by due time, as loaded; None when the visit is not in the batch or
        has moved since (then ask the database)."""
        if self.visits_as_loaded.get(appointment.pk) != (appointment.start, appointment.sequence):
            return None
        return [
            lead
            for _, status, snapshot, lead in self.reminders.get(appointment.pk, [])
            if status in (Status.PENDING, Status.QUEUED) and snapshot == appointment.start
        ]

    def dress(self, appointment: Appointment, patient: Patient) -> Appointment:
        """Attach the loaded patient, practitioner, location and service to a freshly read
        visit (loading any it now has that the batch lacks: it moved to another
        practitioner, say)."""
        practitioner = self.practitioners.get(appointment.practitioner_id)
        if practitioner is None:
            practitioner = Practitioner.objects.select_related("clinic").get(
                pk=appointment.practitioner_id
            )
        appointment.practitioner = practitioner
        if appointment.location_id is None:
            appointment.location = None
        else:
            appointment.location = self.locations.get(
                appointment.location_id
            ) or Location.objects.get(pk=appointment.location_id)
        appointment.service = self.services.get(appointment.service_id) or Service.objects.get(
            pk=appointment.service_id
        )
        appointment.patient = patient
        return appointment

    def later_due(self, row: Notification, now: datetime) -> bool | None:
        """False when no other reminder of the visit falls between this one and `now`
        (so none can replace it, and no query is needed); None to ask the database."""
        if row.kind != Kind.REMINDER:
            return False
        dues = self.reminder_dues.get(row.appointment_id or 0, [])
        return None if any(row.due_at < due <= now for due in dues) else False


def _claim_for_send(
    pk: int, *, now: datetime, batch: SendBatch | None = None
) -> Notification | str:
    loaded = batch.rows.get(pk) if batch is not None else None
    if batch is not None and loaded is not None and loaded.appointment_id is not None:
        claimed = _claim_loaded(loaded, batch, now=now)
        if claimed is not None:
            return claimed
    return _claim_locked(pk, now=now)


def _claim_loaded(
    loaded: Notification, batch: SendBatch, *, now: datetime
) -> Notification | str | None:
    """Claim a row as loaded with its batch, in two statements: lock the visit and read
    it afresh with the patient's reminder choice (`_lock_visit`), decide as
    `_claim_locked` does, and change the row with one conditional UPDATE that matches only
    if the row is still open with the tries and planned visit start it was loaded with.
    None when it does not match, or the row is out of tries: `_claim_locked` then
    decides from scratch."""
    if loaded.status not in (Status.PENDING, Status.QUEUED):
        return "skipped"  # someone has it or it is finished (if handed back, it has a retry)
    if loaded.due_at > now:
        return "skipped"
    if loaded.attempts >= settings.STANCE_EMAIL_MAX_ATTEMPTS:
        return None
    if connection.vendor == "postgresql":
        return _claim_loaded_in_one(loaded, batch, now=now)
    with transaction.atomic():
        visit = _lock_visit(loaded.appointment_id)
        if visit is None or visit.patient_id != loaded.patient_id:
            return None
        row = loaded
        row.patient.reminders_opt_out = visit.patient_reminders_opt_out
        appointment = batch.dress(visit, row.patient)
        reason = _void_reason(row, appointment, now=now, later_due=batch.later_due(row, now))
        if reason:
            if _update_as_loaded(loaded, status=Status.VOID, last_error=reason, now=now) != 1:
                return None
            logger.info("notification id=%s void: %s", row.pk, reason)
            return "void"
        if _update_as_loaded(loaded, status=Status.SENDING, last_error=None, now=now) != 1:
            return None
    row.status, row.claimed_at, row.attempts = Status.SENDING, now, row.attempts + 1
    row.appointment = appointment
    return row


def _claim_loaded_in_one(
    loaded: Notification, batch: SendBatch, *, now: datetime
) -> Notification | str | None:
    """`_claim_loaded` on PostgreSQL in one statement, its own transaction
    (CLAIM_WITH_VISIT_SQL): lock the visit, claim the row if it is still as loaded, and
    return the visit as read under the lock; then decide. In the rare case the visit no
    longer wants the email (cancelled, moved, started, reminders turned off, replaced by a
    later reminder), a second statement turns this claim into void, putting the tries and
    claim time back as they were: the row ends as `_claim_loaded` would leave it.

    The same guarantees as deciding first under the lock: the decision rests on the visit
    as it was when the claim committed, and a change to the visit after that (the booking
    services lock the visit first, then the visit's open rows) finds the row claimed, as
    it would after any claim. Between the two statements the row is `sending`; if the
    worker dies there, the sweep hands it over again once stale and it is decided afresh.
    Two round trips to the database instead of five (BEGIN, lock, UPDATE, COMMIT)."""
    same = [Status.PENDING, Status.QUEUED, loaded.attempts, loaded.appointment_start_snapshot]
    params = [loaded.appointment_id, Status.SENDING, now, now, loaded.pk, *same]
    visit = _visit_from_sql(CLAIM_WITH_VISIT_SQL, params)
    if visit is None:
        return None  # not as loaded any more (or no such visit): decide from scratch
    row = loaded
    row.patient.reminders_opt_out = visit.patient_reminders_opt_out
    appointment = batch.dress(visit, row.patient)
    reason = _void_reason(row, appointment, now=now, later_due=batch.later_due(row, now))
    if reason:
        as_before = [loaded.attempts, loaded.claimed_at, now]
        with connection.cursor() as cursor:
            cursor.execute(
                VOID_CLAIMED_SQL, [Status.VOID, reason, *as_before, loaded.pk, Status.SENDING, now]
            )
        logger.info("notification id=%s void: %s", row.pk, reason)
        return "void"
    row.status, row.claimed_at, row.attempts = Status.SENDING, now, row.attempts + 1
    row.appointment = appointment
    return row


CLAIM_WITH_VISIT_SQL = """
    WITH visit AS (
        SELECT a.*, p.reminders_opt_out AS patient_reminders_opt_out,
            set_config('synchronous_commit', 'off', true) AS claim_commit
        FROM bookings_appointment a JOIN clinic_patient p ON p.id = a.patient_id
        WHERE a.id = %s
        FOR UPDATE OF a
    ), claimed AS (
        UPDATE bookings_notification n
        SET status = %s, claimed_at = %s, attempts = n.attempts + 1, updated_at = %s
        FROM visit
        WHERE n.id = %s AND n.patient_id = visit.patient_id
            AND n.status IN (%s, %s) AND n.attempts = %s
            AND n.appointment_start_snapshot IS NOT DISTINCT FROM %s
        RETURNING n.id
    )
    SELECT visit.* FROM visit JOIN claimed ON true
"""
"""PostgreSQL: lock the visit (as LOCK_VISIT_SQL, whose note on synchronous_commit holds
here too), claim the row only if it is still open with the tries and planned visit start
it was loaded with, and return the visit as read under the lock; no row when the claim
did not match."""
VOID_CLAIMED_SQL = """
    UPDATE bookings_notification
    SET status = %s, last_error = %s, attempts = %s, claimed_at = %s, updated_at = %s
    WHERE id = %s AND status = %s AND claimed_at = %s
"""
"""PostgreSQL: turn this worker's claim (`sending`, claimed at that instant) into void,
with the tries and claim time the row had before."""


CLAIM_AS_LOADED_SQL = """
    UPDATE bookings_notification
    SET status = %s, claimed_at = %s, attempts = attempts + 1, updated_at = %s
    WHERE id = %s AND status IN (%s, %s) AND attempts = %s
        AND appointment_start_snapshot IS NOT DISTINCT FROM %s
"""
VOID_AS_LOADED_SQL = """
    UPDATE bookings_notification
    SET status = %s, last_error = %s, updated_at = %s
    WHERE id = %s AND status IN (%s, %s) AND attempts = %s
        AND appointment_start_snapshot IS NOT DISTINCT FROM %s
"""
"""PostgreSQL: `_update_as_loaded`'s two UPDATEs (the ORM takes longer to compile them
than the database takes to run them, once per email)."""


def _update_as_loaded(
    loaded: Notification, *, status: str, last_error: str | None, now: datetime
) -> int:
    """Claim the row (`status` SENDING: one more try, claimed now) or void it (with
    `last_error`), only if it is still open with the tries and planned visit start it was
    loaded with; the number of rows changed (0 or 1)."""
    if connection.vendor == "postgresql":
        same = [Status.PENDING, Status.QUEUED, loaded.attempts, loaded.appointment_start_snapshot]
        if status == Status.SENDING:
            sql, params = CLAIM_AS_LOADED_SQL, [status, now, now, loaded.pk, *same]
        else:
            sql, params = VOID_AS_LOADED_SQL, [status, last_error, now, loaded.pk, *same]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    as_loaded = Notification.objects.filter(
        pk=loaded.pk,
        status__in=[Status.PENDING, Status.QUEUED],
        attempts=loaded.attempts,
        appointment_start_snapshot=loaded.appointment_start_snapshot,
    )
    if status == Status.SENDING:
        return as_loaded.update(
            status=status, claimed_at=now, attempts=loaded.attempts + 1, updated_at=now
        )
    return as_loaded.update(status=status, last_error=last_error, updated_at=now)


LOCK_VISIT_SQL = """
    SELECT a.*, p.reminders_opt_out AS patient_reminders_opt_out,
        set_config('synchronous_commit', 'off', true) AS claim_commit
    FROM bookings_appointment a JOIN clinic_patient p ON p.id = a.patient_id
    WHERE a.id = %s
    FOR UPDATE OF a
"""
"""PostgreSQL: the visit, locked (FOR UPDATE of the appointment only: the lock the booking
services take first), with its patient's reminder choice read at the same moment.

`set_config(..., true)` is SET LOCAL: this claim's COMMIT does not wait for its WAL to
reach the disk. That changes nothing a crash can do: other sessions see the claim (and
its row lock is released) at COMMIT either way, the `sent` UPDATE after the email does
wait for the disk (and so makes the claim durable with it), and if PostgreSQL itself
fails between the two, the row is resent whether the claim survived (`sending`, handed
over again once stale) or not (back to `queued`). It saves a disk flush per email."""


def _visit_from_sql(sql: str, params: list[Any]) -> Appointment | None:
    """The first row of `sql` (PostgreSQL: `a.*` of an appointment, then extra columns) as
    an Appointment, the extra columns as attributes; None when there is no row. What
    `Appointment.objects.raw(sql, params)` gives, with less work: the statement runs once
    per email, and RawQuerySet works out its column mapping afresh every time (no field of
    Appointment converts its value on PostgreSQL; tests compare the two)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        names = tuple(column.name for column in cursor.description)
    order, extras = _visit_columns(names)
    visit = Appointment.from_db(connection.alias, _visit_attnames(), [row[i] for i in order])
    for name, i in extras:
        setattr(visit, name, row[i])
    return visit


@lru_cache(maxsize=8)
def _visit_columns(names: tuple[str, ...]) -> tuple[list[int], list[tuple[str, int]]]:
    """For a result's column names: where each of Appointment's fields is, in field order,
    and the other columns (name, where)."""
    at = {name: i for i, name in enumerate(names)}
    attnames = _visit_attnames()
    missing = [name for name in attnames if name not in at]
    if missing:
        raise ValueError(f"the statement does not return {missing}")
    return [at[name] for name in attnames], [
        (name, i) for i, name in enumerate(names) if name not in attnames
    ]


@lru_cache(maxsize=1)
def _visit_attnames() -> tuple[str, ...]:
    return tuple(f.attname for f in Appointment._meta.concrete_fields)


def _lock_visit(appointment_id: int | None) -> Appointment | None:
    """The visit for `_claim_loaded`, locked and read afresh, with its patient's
    `reminders_opt_out` as `patient_reminders_opt_out`. SQL on PostgreSQL because it runs
    once per email and the ORM takes longer to compile it than the database takes to run
    it; elsewhere (SQLite, one writer at a time) the ORM."""
    if connection.vendor == "postgresql":
        return _visit_from_sql(LOCK_VISIT_SQL, [appointment_id])
    visit = (
        Appointment.objects.select_for_update()
        .select_related("patient")
        .filter(pk=appointment_id)
        .first()
    )
    if visit is not None:
        visit.patient_reminders_opt_out = visit.patient.reminders_opt_out
    return visit


def _claim_locked(pk: int, *, now: datetime) -> Notification | str:
    with transaction.atomic():
        appointment_id = (
            Notification.objects.filter(pk=pk).values_list("appointment_id", flat=True).first()
        )
        appointment = None
        if appointment_id is not None:
            appointment = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("practitioner__clinic", "patient", "location", "service")
                .get(pk=appointment_id)
            )
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("patient__clinic")
            .filter(pk=pk)
            .first()
        )
        if row is None or row.status not in (Status.PENDING, Status.QUEUED):
            return "skipped"
        if row.due_at > now:
            return "skipped"  # a stray early message: the sweep sends it when due
        reason = _void_reason(row, appointment, now=now)
        if reason:
            row.status, row.last_error = Status.VOID, reason
            row.save(update_fields=["status", "last_error", "updated_at"])
            logger.info("notification id=%s void: %s", row.pk, reason)
            return "void"
        if row.attempts >= settings.STANCE_EMAIL_MAX_ATTEMPTS:
            row.status = Status.FAILED
            row.last_error = f"Gave up after {row.attempts} tries. {row.last_error}"[:300]
            row.save(update_fields=["status", "last_error", "updated_at"])
            return "failed"
        row.status, row.claimed_at, row.attempts = Status.SENDING, now, row.attempts + 1
        row.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    row.appointment = appointment
    return row


def _void_reason(
    row: Notification,
    appointment: Appointment | None,
    *,
    now: datetime,
    later_due: bool | None = None,
) -> str:
    """Why this message must not go out now, or "" if it may. `later_due`: whether a
    later reminder of the visit has come due, when already known (None: ask)."""
    if appointment is None:
        return ""
    if appointment.start <= now:
        return "The visit has already started."
    cancelled = appointment.status == Appointment.Status.CANCELLED
    if row.kind == Kind.CANCELLATION:
        return "" if cancelled else "The visit is not cancelled."
    if cancelled:
        return "The visit was cancelled."
    if row.kind != Kind.REMINDER:
        return ""
    if row.appointment_start_snapshot != appointment.start:
        return "The visit was moved."
    if row.patient.reminders_opt_out:
        return "The patient turned reminders off."
    if later_due is None:
        later_due = Notification.objects.filter(
            appointment=appointment,
            kind=Kind.REMINDER,
            due_at__gt=row.due_at,
            due_at__lte=now,
            status__in=[*OPEN_STATUSES, Status.SENT],
        ).exists()
    if later_due:
        return "A later reminder replaces it (this one was late)."
    return ""


def _finish(row: Notification, status: str, reason: str) -> None:
    Notification.objects.filter(pk=row.pk).update(
        status=status, last_error=reason[:300], updated_at=timezone.now()
    )


def _server_unreachable(exc: BaseException) -> bool:
    """The mail server could not be reached or went away (not a reply about this one
    message): the next message would fail the same way."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(exc, smtplib.SMTPException):  # a reply to this message (4xx, 5xx)
        return False
    return isinstance(exc, OSError | SoftTimeLimitExceeded)


_ADDRESS = re.compile(r"[^\s<>()\[\]@,;:\"']+@[^\s<>()\[\]@,;:\"']+")


def _without_addresses(text: str) -> str:
    return _ADDRESS.sub("<address>", text).strip()[:240]


def classify_send_error(exc: BaseException) -> tuple[bool, str]:
    """(permanent, reason) for an exception raised while sending, reason free of addresses.

    Permanent: SMTP 5xx replies (refused recipient, rejected message), and SMTP errors
    with no reply code (for example no usable authentication). Transient: SMTP 4xx,
    a dropped connection, refused connection, timeout or name lookup failure, and the
    task's soft time limit.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = any(code >= 500 for code in codes)
        reply = next(iter(exc.recipients.values()), (0, b""))
        return permanent, _reply_reason("Recipient refused", *reply)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500, _reply_reason("SMTP", exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return False, "The mail server closed the connection."
    if isinstance(exc, smtplib.SMTPException):
        return True, _without_addresses(f"SMTP error: {exc}")
    if isinstance(exc, SoftTimeLimitExceeded):
        return False, "Sending took too long (time limit)."
    if isinstance(exc, OSError):  # ConnectionRefusedError, TimeoutError, socket.gaierror
        detail = exc.strerror or str(exc) or ""
        return False, _without_addresses(f"{type(exc).__name__}: {detail}")
    return True, f"Unexpected error ({type(exc).__name__})."


def _reply_reason(prefix: str, code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return _without_addresses(f"{prefix} {code} {text}")


def retry_delay(attempts: int) -> float:
    """Seconds before try `attempts + 1`: exponential from STANCE_EMAIL_RETRY_BASE_SECONDS,
    capped at STANCE_EMAIL_RETRY_MAX_SECONDS (far below the broker's visibility timeout),
    with jitter so a recovering mail server is not hit by every retry at once."""
    cap = min(
        settings.STANCE_EMAIL_RETRY_MAX_SECONDS,
        settings.STANCE_EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0),
    )
    return cap / 2 + random.uniform(0, cap / 2)  # noqa: S311 - jitter, not a secret


# --- Staff actions ---------------------------------------------------------------------


def notification_retry(*, notification: Notification) -> bool:
    """Staff: try a failed message again (from scratch), handing it to the worker now.
    False if it was not failed.

    The planned time stays as it was (the history keeps it, and a late 24-hour reminder
    whose 2-hour one has gone out meanwhile is still recognised as replaced); the usual
    checks run again when it is sent, so a cancelled or past visit gets nothing."""
    updated = Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
        status=Status.PENDING,
        attempts=0,
        claimed_at=None,
        updated_at=timezone.now(),
    )
    if updated != 1:
        return False
    _dispatch_on_commit([notification.pk])
    return True


# --- Reminder opt-out ------------------------------------------------------------------


def opt_out_token_for(patient: Patient) -> str:
    """A signed link token that only turns this patient's reminders off or on."""
    return signing.dumps(str(patient.code), salt=OPT_OUT_SALT, compress=False)


def patient_from_opt_out_token(token: str) -> Patient | None:
    """The patient named by a valid token, or None. These links do not expire: a
    reminder email must always be able to stop the next one. A patient who deleted their
    account has no reminders and no preferences left: their links are void."""
    try:
        code = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(code, str):
        return None
    return (
        Patient.objects.filter(code=code, deletion_request__isnull=True)
        .select_related("clinic")
        .first()
    )


def patient_set_reminders(*, patient: Patient, opt_out: bool) -> Patient:
    """Turn a patient's reminder emails off (or back on). Confirmations and notices of
    changes are always sent; reminders already planned are checked when due."""
    Patient.objects.filter(pk=patient.pk).update(reminders_opt_out=opt_out)
    patient.reminders_opt_out = opt_out
    logger.info("patient id=%s reminders_opt_out=%s", patient.pk, opt_out)
    return patient


# --- Selectors -------------------------------------------------------------------------


def notification_list_for_appointment(appointment: Appointment) -> QuerySet[Notification]:
    """The appointment's messages for staff, in planned order: what, when, and outcome."""
    return Notification.objects.filter(appointment=appointment).order_by("due_at", "pk")
