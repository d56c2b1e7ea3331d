"""Patient email (and text message reminders) through an outbox: planning, hand-off to
the worker, and sending once.

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
   pending. A booking's confirmation is planned already queued, so after commit it is
   only published (back to pending if the broker is down); a process that dies between
   the commit and the publish leaves it for the stale-claim sweep below. Every minute
   the sweep (`notifications_dispatch_due`, run by beat) claims due rows (`SELECT ...
   FOR UPDATE SKIP LOCKED` where the database has it, a conditional UPDATE per row
   otherwise) and publishes their ids, SEND_BATCH to a message. Rows handed over but
   not finished within STANCE_EMAIL_STALE_CLAIM_MINUTES are handed over again.
   Tasks are published by name (bookings/tasks.py imports this module).
3. Sending (`notification_send` for one row, `notifications_send_batch` for the sweep's
   batches, in the worker) claims each row on its own (pending/queued -> sending) while
   holding the appointment's row lock, re-checks that the message still makes sense,
   sends it with Django's mail API, and marks it sent; a batch does this row after row
   over one mail connection. A second message for the same row finds it sending or sent
   and does nothing.

Text messages: a patient who chose them (Patient.reminder_channel) gets each reminder as
a row of its own with channel "sms", planned, claimed, retried and voided exactly like an
email, and sent through the SMS backend (bookings/sms.py) instead of the mailer.

Duplicate window: the only way one email goes out twice is a worker that dies after the
SMTP server accepted the message and before the `sent` update commits (milliseconds).
The row stays `sending`; after STANCE_EMAIL_STALE_CLAIM_MINUTES the sweep hands it over
again and it is sent once more (same Message-ID, so many mail clients show one).
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import smtplib
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from celery.exceptions import SoftTimeLimitExceeded

from bookings.emails import notification_email
from bookings.models import OPEN_STATUSES, Appointment, Notification, WaitlistOffer
from bookings.sms import SmsError, SmsMessage, au_mobile_e164, sms_backend, sms_reminder_text
from clinic.celery import app
from clinic.errors import DomainError
from clinic.models import Patient, User

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Status = Notification.Status
Channel = Notification.Channel

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
one after another over one mail connection, so the broker round trip and the SMTP
connection are paid once per batch instead of once per email. Each row is still
claimed, sent and marked sent on its own, so a batch widens neither the duplicate window
nor the time a cancellation can be too late for."""
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

SEND_ONE_TASK = "bookings.tasks.send_notification"
SEND_BATCH_TASK = "bookings.tasks.send_notifications"


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
    reminders at the clinic's lead times that are still ahead, by each channel the patient
    chose (`reminder_channels`), in one insert."""
    channels = reminder_channels(appointment.patient)
    rows = [
        # Handed over already (queued): after commit it only needs publishing.
        Notification(kind=Kind.CONFIRMATION, due_at=now, status=Status.QUEUED, claimed_at=now),
        *(
            Notification(kind=Kind.REMINDER, channel=channel, due_at=due, lead_minutes=lead)
            for lead, due in _reminder_times(appointment, now=now)
            for channel in channels
        ),
    ]
    for row in rows:
        row.appointment = appointment
        row.patient_id = appointment.patient_id
        row.appointment_start_snapshot = appointment.start
    # Planning twice stays harmless: a row already there for (visit, kind, time) is kept.
    confirmation, *_ = Notification.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["appointment", "kind", "channel", "due_at"],
        update_fields=["appointment_start_snapshot"],
    )
    transaction.on_commit(partial(_publish_claimed, [confirmation.pk], claimed_at=now), robust=True)


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
    recipient: User | None = None,
) -> Notification:
    """Plan one email to a patient: the hook for other apps (prescriptions' "your
    programme is ready": `kind=Notification.Kind.PROGRAMME_READY`, `context={"programme":
    str(code), "link_path": "/programmes/<code>/"}`). With `recipient`, the email goes to
    that member of staff about `patient` instead (prescriptions' pain flag,
    `kind=Notification.Kind.PAIN_FLAG`); the channel is email for now, like every
    message that is not a reminder.

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
        row = Notification.objects.create(
            patient=patient, kind=kind, due_at=due, context=context, recipient=recipient
        )
    if row.due_at <= now:
        _dispatch_on_commit([row.pk])
    return row


def _plan_once(
    appointment: Appointment,
    kind: str,
    *,
    due_at: datetime,
    lead_minutes: int | None = None,
    channel: str = Channel.EMAIL,
) -> Notification:
    """The row for (appointment, kind, channel, due_at), created or revived: planning twice
    is harmless. A row that was void (say, the visit moved away and back) is planned again;
    one already sent stays sent."""
    row, created = Notification.objects.get_or_create(
        appointment=appointment,
        kind=kind,
        channel=channel,
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


def _reminder_times(appointment: Appointment, *, now: datetime) -> list[tuple[int, datetime]]:
    """(lead, due) of the clinic's reminders for this visit that are still ahead."""
    clinic = appointment.practitioner.clinic
    times = []
    for lead in clinic.reminder_leads_minutes:
        due = reminder_due_at(start=appointment.start, lead_minutes=lead, tz=appointment.tz)
        if due > now:  # booked inside the lead time: that reminder would already be late
            times.append((lead, due))
    return times


def _plan_reminders(
    appointment: Appointment, *, now: datetime, channels: list[str] | None = None
) -> None:
    channels = channels or reminder_channels(appointment.patient)
    for lead, due in _reminder_times(appointment, now=now):
        for channel in channels:
            _plan_once(appointment, Kind.REMINDER, due_at=due, lead_minutes=lead, channel=channel)


def reminder_channels(patient: Patient) -> list[str]:
    """The channels a patient's reminders are planned on: email always, and text message
    when they chose it. Which of them goes out is decided when it is due
    (`_channel_void_reason`), from the choice and the phone number then: text only with a
    valid mobile, and email unless the patient chose text only and has one. So a patient
    who chose text without a usable mobile still gets email, and staff see why on the
    text message's row."""
    if patient.reminder_channel in (Patient.ReminderChannel.SMS, Patient.ReminderChannel.BOTH):
        return [Channel.EMAIL, Channel.SMS]
    return [Channel.EMAIL]


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


def _publish_claimed(ids: list[int], *, claimed_at: datetime) -> None:
    """Publish rows that were planned already queued; if the broker is down, back to
    pending for the sweep."""
    for i, pk in enumerate(ids):
        if not _publish(pk):
            _release(ids[i:], claimed_at=claimed_at)
            return


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
    lost. Two sweeps at once claim disjoint sets: rows another sweep holds are skipped,
    not waited for (SKIP LOCKED); a database without it (SQLite) claims each row with an
    UPDATE that matches only while the row is still due.
    """
    stale_before = now - timedelta(minutes=settings.STANCE_EMAIL_STALE_CLAIM_MINUTES)
    due = Q(status=Status.PENDING, due_at__lte=now) | Q(
        status__in=[Status.QUEUED, Status.SENDING], claimed_at__lt=stale_before
    )
    claim = {"status": Status.QUEUED, "claimed_at": now, "updated_at": now}
    with transaction.atomic():
        rows = Notification.objects.filter(due).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            ids = list(
                rows.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch]
            )
            Notification.objects.filter(pk__in=ids).update(**claim)
            return ids
        candidates = list(rows.values_list("pk", flat=True)[:batch])
        return [pk for pk in candidates if Notification.objects.filter(due, pk=pk).update(**claim)]


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
    return _send_task(SEND_ONE_TASK, [pk], countdown=countdown, what=f"id={pk}")


def _publish_batch(ids: list[int], *, countdown: float | None = None) -> bool:
    """Rows the sweep claimed to `send_notifications`, in one message."""
    return _send_task(SEND_BATCH_TASK, [ids], countdown=countdown, what=f"ids={ids}")


WAITLIST_SWEEP_TASK = "bookings.tasks.waitlist_sweep"


def waitlist_sweep_soon() -> None:
    """Ask the worker for a waitlist sweep (bookings/waitlist.py) once the current
    transaction commits: a cancellation or a move may have freed a time someone is
    waiting for. A broker that is down costs nothing: beat's sweep comes within a minute."""
    transaction.on_commit(
        partial(_send_task, WAITLIST_SWEEP_TASK, [], countdown=None, what="waitlist sweep"),
        robust=True,
    )


def _send_task(name: str, args: list[Any], *, countdown: float | None, what: str) -> bool:
    try:
        app.send_task(
            name, args=args, countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
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


def mail_connection() -> BaseEmailBackend:
    """A new connection to the default mailer (settings.MAILERS), not opened yet."""
    backend: BaseEmailBackend = mailers.default
    return backend


def mail_send(message: EmailMessage, *, mail: BaseEmailBackend) -> None:
    """Send one message over `mail`, opening it if needed (it then stays open for the
    next message); raises what the backend raises."""
    mail.open()
    mail.send_messages([message])


def _mail_close(mail: BaseEmailBackend) -> None:
    with contextlib.suppress(Exception):  # it is being thrown away either way
        mail.close()


def notification_send(
    *, notification_id: int, now: datetime | None = None, mail: BaseEmailBackend | None = None
) -> str:
    """Send one email at most once. Returns what happened: "sent", "void", "failed", or
    "skipped" (someone else has it, it is finished, or it is not due yet). Raises
    TransientEmailError, with the row handed back (queued), when a retry should follow.

    1. Claim (`_claim`): with the appointment's row locked, take the row from
       pending/queued to sending and count the try. A cancelled, moved or past visit, or
       a reminder the patient turned off, makes the row void instead; no email.
    2. Render the email from the database (no patient details travel in task messages).
    3. Send it over `mail` (a batch's connection), or a connection of its own. A 5xx
       reply, or too many tries, marks the row failed with the reason; a connection
       error, timeout or 4xx hands it back for a retry. After a failure the connection
       is closed, so the next message starts afresh.
    4. Mark it sent.
    """
    claimed = _claim(notification_id, now=now or timezone.now())
    if isinstance(claimed, str):
        return claimed
    row = claimed
    if row.channel == Channel.SMS:
        return _sms_send(row)
    try:
        message = notification_email(row)
    except Exception as exc:  # a template or data bug: retrying would not help
        logger.exception("notification id=%s could not be rendered", row.pk)
        _finish(row, Status.FAILED, f"The email could not be built ({type(exc).__name__}).")
        return "failed"
    own = mail is None
    conn = mail if mail is not None else mail_connection()
    try:
        mail_send(message, mail=conn)
    except Exception as exc:
        _mail_close(conn)
        permanent, reason = classify_send_error(exc)
        return _send_failed(row, permanent=permanent, reason=reason, mail_error=exc)
    _mark_sent(row)  # first: the duplicate window closes when this commits
    if own:
        _mail_close(conn)
    logger.info("notification id=%s kind=%s sent", row.pk, row.kind)
    return "sent"


def _sms_send(row: Notification) -> str:
    """Steps 2 to 4 of `notification_send` for a text message (a reminder), through the
    SMS backend (bookings/sms.py). The number was checked when the row was claimed. A
    provider that is down fails this row for now but not the rest of a batch (emails)."""
    to = au_mobile_e164(row.patient.phone)
    try:
        if to is None:
            raise ValueError("no mobile number")
        message = SmsMessage(to=to, body=sms_reminder_text(row))
    except Exception as exc:  # a data or template bug: retrying would not help
        logger.exception("notification id=%s could not be rendered", row.pk)
        _finish(row, Status.FAILED, f"The text could not be built ({type(exc).__name__}).")
        return "failed"
    try:
        sms_backend().send(message)
    except SmsError as exc:
        return _send_failed(row, permanent=exc.permanent, reason=str(exc))
    except Exception as exc:  # the file backend's disk, the task's time limit
        permanent, reason = classify_send_error(exc)
        return _send_failed(row, permanent=permanent, reason=reason)
    _mark_sent(row)
    logger.info("notification id=%s kind=%s channel=sms sent", row.pk, row.kind)
    return "sent"


def _send_failed(
    row: Notification, *, permanent: bool, reason: str, mail_error: BaseException | None = None
) -> str:
    """After a failed send: mark the row failed (a permanent error, or out of tries) and
    return "failed"; else hand it back (queued) and raise TransientEmailError for a retry.
    `mail_error`: what the mailer raised, to tell whether the mail server could not be
    reached (the rest of a batch then waits too); None for a text message."""
    if permanent or row.attempts >= settings.STANCE_EMAIL_MAX_ATTEMPTS:
        if not permanent:
            reason = f"Gave up after {row.attempts} tries. Last: {reason}"
        _finish(row, Status.FAILED, reason)
        logger.warning("notification id=%s failed: %s", row.pk, reason)
        return "failed"
    Notification.objects.filter(pk=row.pk, status=Status.SENDING).update(
        status=Status.QUEUED,
        claimed_at=timezone.now(),
        last_error=reason[:300],
        updated_at=timezone.now(),
    )
    logger.info("notification id=%s try %s failed for now: %s", row.pk, row.attempts, reason)
    raise TransientEmailError(
        reason,
        attempts=row.attempts,
        unreachable=mail_error is not None and _server_unreachable(mail_error),
    ) from None


def _mark_sent(row: Notification) -> None:
    """Any open status: a copy handed over again meanwhile then finds it sent. On its own
    and at once after the SMTP server took the email (never batched: a crash would resend
    every email of the batch)."""
    now = timezone.now()
    Notification.objects.filter(pk=row.pk, status__in=OPEN_STATUSES).update(
        status=Status.SENT, sent_at=now, last_error="", updated_at=now
    )


def notifications_send_batch(*, ids: list[int]) -> dict[str, int]:
    """Send the rows of one sweep message, one after another over one mail connection,
    each exactly as `notification_send` would; returns how many had each outcome.

    1. For each row in turn: claim it (its visit locked and read afresh), render, send,
       mark it sent. A row another worker has, or one already finished, is skipped; a
       visit cancelled or moved before the row's turn makes it void. Only the row on the
       wire can be lost in mid-send.
    2. A transient failure hands that row back (queued) with a `send_notification` task of
       its own after a backoff; the rows already sent stay sent and the batch goes on.
       If the mail server cannot be reached at all, or the batch has run for
       BATCH_MAX_SECONDS, the rows not tried yet go to a new batch message (after the
       backoff, or at once); if the broker is down too, back to pending for the sweep.
    """
    started = monotonic()
    outcomes: Counter[str] = Counter()
    mail = mail_connection()
    try:
        for i, pk in enumerate(ids):
            if i and monotonic() - started > BATCH_MAX_SECONDS:
                _hand_on(ids[i:], countdown=None)
                outcomes["handed on"] += len(ids) - i
                break
            try:
                outcomes[notification_send(notification_id=pk, mail=mail)] += 1
            except TransientEmailError as exc:
                outcomes["retry"] += 1
                # If the broker is down too, the row stays queued: the sweep hands it over
                # again once its claim is stale (STANCE_EMAIL_STALE_CLAIM_MINUTES).
                _publish(pk, countdown=retry_delay(exc.attempts))
                if exc.unreachable and i + 1 < len(ids):
                    _hand_on(ids[i + 1 :], countdown=retry_delay(exc.attempts))
                    outcomes["handed on"] += len(ids) - i - 1
                    break
    finally:
        _mail_close(mail)
    return dict(outcomes)


def _hand_on(ids: list[int], *, countdown: float | None) -> None:
    """Rows a batch did not try: to a new batch message, else back to pending."""
    if _publish_batch(ids, countdown=countdown):
        return
    Notification.objects.filter(pk__in=ids, status=Status.QUEUED).update(
        status=Status.PENDING, claimed_at=None, updated_at=timezone.now()
    )


def _claim(pk: int, *, now: datetime) -> Notification | str:
    """Take the row for sending, or decide it must not go out; in one short transaction.

    1. Lock the visit (the booking services lock it first too, so no deadlock) and read
       it afresh: its status and time, and with the row its patient's reminder choice.
    2. Read the row, skipping it if another worker holds it (SKIP LOCKED where the
       database has it).
    3. Void it (no email) if the visit no longer wants it, fail it if it is out of tries,
       else claim it (sending, one more try). Each change is an UPDATE that matches only
       if the row is still open with the tries it was read with, so where the database
       cannot lock rows (SQLite) two workers still cannot both claim it.
    """
    with transaction.atomic():
        appointment = (  # None for a message about no visit (a programme is ready)
            Appointment.objects.select_for_update(of=("self",))
            .select_related("practitioner__clinic", "location", "service")
            .filter(notifications=pk)
            .first()
        )
        # A later reminder of the same visit that has come due replaces a late one.
        later = Notification.objects.filter(
            appointment=OuterRef("appointment"),
            kind=Kind.REMINDER,
            channel=OuterRef("channel"),
            due_at__gt=OuterRef("due_at"),
            due_at__lte=now,
            status__in=[*OPEN_STATUSES, Status.SENT],
        )
        rows = (
            Notification.objects.select_related("patient__clinic")
            .filter(pk=pk)
            .annotate(replaced=Exists(later))
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        row = rows.first()
        if row is None or row.status not in (Status.PENDING, Status.QUEUED):
            return "skipped"
        if appointment is not None:
            appointment.patient = row.patient  # the visit's patient, read with the row
        if row.due_at > now:
            return "skipped"  # a stray early message: the sweep sends it when due
        reason = _void_reason(row, appointment, now=now, replaced=row.replaced)
        if reason:
            if not _update_if_unchanged(row, status=Status.VOID, last_error=reason):
                return "skipped"
            logger.info("notification id=%s void: %s", row.pk, reason)
            return "void"
        if row.attempts >= settings.STANCE_EMAIL_MAX_ATTEMPTS:
            gave_up = f"Gave up after {row.attempts} tries. {row.last_error}"[:300]
            if not _update_if_unchanged(row, status=Status.FAILED, last_error=gave_up):
                return "skipped"
            return "failed"
        claimed = {"status": Status.SENDING, "claimed_at": now, "attempts": row.attempts + 1}
        if not _update_if_unchanged(row, **claimed):
            return "skipped"
    row.status, row.claimed_at, row.attempts = Status.SENDING, now, row.attempts + 1
    row.appointment = appointment
    return row


def _update_if_unchanged(row: Notification, **changes: Any) -> bool:
    """Change the row only if it is still open with the tries it was read with."""
    unchanged = Notification.objects.filter(
        pk=row.pk, status__in=[Status.PENDING, Status.QUEUED], attempts=row.attempts
    )
    return unchanged.update(updated_at=timezone.now(), **changes) == 1


def _void_reason(
    row: Notification, appointment: Appointment | None, *, now: datetime, replaced: bool
) -> str:
    """Why this message must not go out now, or "" if it may. `replaced`: a later
    reminder of the visit has come due (or gone out)."""
    if appointment is None:
        return ""
    if appointment.start <= now:
        return "The visit has already started."
    cancelled = appointment.status == Appointment.Status.CANCELLED
    if row.kind == Kind.CANCELLATION:
        return "" if cancelled else "The visit is not cancelled."
    if cancelled:
        return "The visit was cancelled."
    if row.kind == Kind.WAITLIST_OFFER:
        still_open = WaitlistOffer.objects.filter(
            code=row.context.get("offer"), status=WaitlistOffer.Status.OPEN, expires_at__gt=now
        ).exists()
        return "" if still_open else "The earlier time is no longer held."
    if row.kind != Kind.REMINDER:
        return ""
    if row.appointment_start_snapshot != appointment.start:
        return "The visit was moved."
    if row.patient.reminders_opt_out:
        return "The patient turned reminders off."
    if channel_reason := _channel_void_reason(row):
        return channel_reason
    if replaced:
        return "A later reminder replaces it (this one was late)."
    return ""


def _channel_void_reason(row: Notification) -> str:
    """Why a reminder must not go out on its channel, or "": the patient's choice of
    email, text or both, and whether their phone number is a mobile a text can reach."""
    choice = row.patient.reminder_channel
    has_mobile = au_mobile_e164(row.patient.phone) is not None
    if row.channel == Channel.SMS:
        if choice == Patient.ReminderChannel.EMAIL:
            return "The patient chose reminders by email."
        if not has_mobile:
            return "No Australian mobile number on the patient's record: reminded by email."
        return ""
    if choice == Patient.ReminderChannel.SMS and has_mobile:
        return "The patient chose reminders by text message."
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
    cap: float = min(
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


def patient_set_reminders(*, patient: Patient, opt_out: bool) -> Patient:
    """Turn a patient's reminder emails off (or back on). Confirmations and notices of
    changes are always sent; reminders already planned are checked when due."""
    Patient.objects.filter(pk=patient.pk).update(reminders_opt_out=opt_out)
    patient.reminders_opt_out = opt_out
    logger.info("patient id=%s reminders_opt_out=%s", patient.pk, opt_out)
    return patient


def patient_set_reminder_channel(
    *, patient: Patient, channel: str, now: datetime | None = None
) -> Patient:
    """How the patient's reminders reach them: email, text message or both. Text message
    reminders are planned for their booked visits still ahead; every reminder already
    planned follows the new choice when it is due (`_channel_void_reason`)."""
    if channel not in Patient.ReminderChannel.values:
        raise DomainError("Choose email, text message or both.")
    now = now or timezone.now()
    with transaction.atomic():
        Patient.objects.filter(pk=patient.pk).update(reminder_channel=channel)
        patient.reminder_channel = channel
        if channel != Patient.ReminderChannel.EMAIL:
            upcoming = Appointment.objects.select_related("practitioner__clinic").filter(
                patient=patient, status=Appointment.Status.BOOKED, start__gt=now
            )
            for appointment in upcoming:
                _plan_reminders(appointment, now=now, channels=[Channel.SMS])
    logger.info("patient id=%s reminder_channel=%s", patient.pk, channel)
    return patient


# --- Selectors -------------------------------------------------------------------------


def notification_list_for_appointment(appointment: Appointment) -> QuerySet[Notification]:
    """The appointment's messages for staff, in planned order: what, when, and outcome."""
    return Notification.objects.filter(appointment=appointment).order_by("due_at", "pk")
