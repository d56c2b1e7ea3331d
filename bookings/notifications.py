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
   rows with `SELECT ... FOR UPDATE SKIP LOCKED` and publishes their ids. Rows handed over
   but not finished within STANCE_EMAIL_STALE_CLAIM_MINUTES are handed over again.
3. Sending (`notification_send`, in the worker) claims the row (pending/queued ->
   sending) while holding the appointment's row lock, re-checks that the message still
   makes sense, sends, and marks it sent. A second message for the same row finds it
   sending or sent and does nothing.

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
from datetime import UTC, datetime, timedelta
from functools import partial
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from celery.exceptions import SoftTimeLimitExceeded

from bookings.mailer import mail_send
from bookings.models import OPEN_STATUSES, Appointment, Notification
from clinic.errors import DomainError
from clinic.models import Patient

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
    """Publish claimed ids until the broker fails; the rest go back to pending."""
    for i, pk in enumerate(ids):
        if not _publish(pk):
            _release(ids[i:], claimed_at=claimed_at)
            return ids[:i]
    return ids


def _publish(pk: int) -> bool:
    from bookings.tasks import send_notification  # tasks import this module

    try:
        send_notification.apply_async(args=[pk], retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:  # any broker failure (kombu, redis, socket): the sweep will retry
        logger.warning("notification id=%s not handed to the broker; the sweep will", pk)
        return False
    return True


def _release(ids: list[int], *, claimed_at: datetime) -> None:
    Notification.objects.filter(pk__in=ids, status=Status.QUEUED, claimed_at=claimed_at).update(
        status=Status.PENDING, claimed_at=None, updated_at=timezone.now()
    )


# --- Sending (in the worker) -----------------------------------------------------------


class TransientEmailError(Exception):
    """This try failed for now (connection, timeout, SMTP 4xx); try again later.
    The message is the SMTP reply or error class, without addresses."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


def notification_send(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one email at most once. Returns what happened: "sent", "void", "failed", or
    "skipped" (someone else has it, it is finished, or it is not due yet). Raises
    TransientEmailError, with the row handed back (queued), when a retry should follow.

    1. Claim: with the appointment's row locked (the order the booking services lock in,
       so no deadlock), take the row from pending/queued to sending and count the try.
       A cancelled, moved or past visit, or a reminder the patient turned off, makes the
       row void instead; no email.
    2. Render the email from the database (no patient details travel in task messages).
    3. Send. A 5xx reply, or too many tries, marks the row failed with the reason;
       a connection error, timeout or 4xx hands it back for a retry.
    4. Mark it sent.
    """
    now = now or timezone.now()
    claimed = _claim_for_send(notification_id, now=now)
    if isinstance(claimed, str):
        return claimed
    row = claimed
    from bookings.emails import notification_email  # emails import this module

    try:
        message = notification_email(row)
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
        raise TransientEmailError(reason, attempts=row.attempts) from None
    # Any open status: a copy handed over again meanwhile then finds it sent.
    Notification.objects.filter(pk=row.pk, status__in=OPEN_STATUSES).update(
        status=Status.SENT, sent_at=timezone.now(), last_error="", updated_at=timezone.now()
    )
    logger.info("notification id=%s kind=%s sent", row.pk, row.kind)
    return "sent"


def _claim_for_send(pk: int, *, now: datetime) -> Notification | str:
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


def _void_reason(row: Notification, appointment: Appointment | None, *, now: datetime) -> str:
    """Why this message must not go out now, or "" if it may."""
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
    later_due = Notification.objects.filter(
        appointment=appointment,
        kind=Kind.REMINDER,
        due_at__gt=row.due_at,
        due_at__lte=now,
        status__in=[*OPEN_STATUSES, Status.SENT],
    )
    if later_due.exists():
        return "A later reminder replaces it (this one was late)."
    return ""


def _finish(row: Notification, status: str, reason: str) -> None:
    Notification.objects.filter(pk=row.pk).update(
        status=status, last_error=reason[:300], updated_at=timezone.now()
    )


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
