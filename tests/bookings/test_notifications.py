"""The patient email outbox (bookings/notifications.py, bookings/emails.py): planning with
each booking change, reminder times across daylight saving, the sweep's claims, when a
message must not go out, error classes, the reminder opt-out link, and what the emails say.

Sending here uses Django's in-memory mailer; tests/bookings/test_notification_faults.py
drives a real SMTP server and tests/integration/test_worker.py a real worker.
"""

from __future__ import annotations

import re
import smtplib
import socket
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from icalendar import Calendar

from bookings import notifications as outbox
from bookings.models import Appointment, Notification
from bookings.notifications import (
    classify_send_error,
    notification_enqueue,
    notification_send,
    notifications_claim_due,
    notifications_dispatch_due,
    notifications_plan_for_booking,
    reminder_due_at,
    retry_delay,
)
from bookings.services import appointment_book, appointment_cancel, appointment_reschedule
from bookings.tasks import notifications_sweep
from bookings.tokens import (
    appointment_code_from_manage_token,
    manage_token_for,
    opt_out_token_for,
    patient_from_opt_out_token,
)
from clinic.errors import DomainError
from tests import factories as f
from tests.outbox import email_parts, memory_broker_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_broker")]

Kind = Notification.Kind
Status = Notification.Status
SYDNEY = "Australia/Sydney"
DAY = 24 * 60


def _book(world, start, *, now, patient=None, service=None, modality="clinic", **kw):
    return appointment_book(
        service=service or world.service,
        practitioner=world.ep,
        modality=modality,
        start=start,
        patient=patient or world.patient,
        source=Appointment.Source.STAFF,
        now=now,
        **kw,
    )


def _rows(appointment, **filters):
    return list(
        Notification.objects.filter(appointment=appointment, **filters).order_by("due_at", "pk")
    )


def _plan(appointment):
    """(kind, due_at, lead_minutes, status) for each of the appointment's rows."""
    return [(n.kind, n.due_at, n.lead_minutes, n.status) for n in _rows(appointment)]


def _reminder(appointment, lead):
    return Notification.objects.get(appointment=appointment, kind=Kind.REMINDER, lead_minutes=lead)


def _send(row, now):
    return notification_send(notification_id=row.pk, now=now)


def _words(moment):
    """ "Tuesday 1 December 2026, 10:00 am": how emails write a time (already local)."""
    hour = moment.hour % 12 or 12
    half = "am" if moment.hour < 12 else "pm"
    return f"{moment:%A} {moment.day} {moment:%B} {moment.year}, {hour}:{moment:%M} {half}"


def _tuesday(world, hh=10):
    return f.next_weekday_at(world.clinic, 1, hh)


def _telehealth(world, start, *, now, patient=None):
    return _book(
        world, start, now=now, patient=patient, service=world.telehealth, modality="telehealth"
    )


# --- Planning ------------------------------------------------------------------------


def test_a_booking_plans_its_confirmation_now_and_reminders_at_the_clinics_lead_times(world):
    start = _tuesday(world)
    now = start - timedelta(days=7)
    appointment = _book(world, start, now=now)
    assert _plan(appointment) == [
        # Handed over in the booking's own transaction: after commit it is only published.
        (Kind.CONFIRMATION, now, None, Status.QUEUED),
        (Kind.REMINDER, start - timedelta(days=1), DAY, Status.PENDING),
        (Kind.REMINDER, start - timedelta(hours=2), 120, Status.PENDING),
    ]
    row = _rows(appointment)[0]
    assert row.patient == world.patient
    assert all(n.appointment_start_snapshot == start for n in _rows(appointment))


def test_a_visit_booked_an_hour_ahead_gets_no_24_or_2_hour_reminder(world):
    start = _tuesday(world)
    appointment = _book(world, start, now=start - timedelta(hours=1))
    assert [n.kind for n in _rows(appointment)] == [Kind.CONFIRMATION]


def test_a_visit_booked_three_hours_ahead_gets_only_the_2_hour_reminder(world):
    start = _tuesday(world, 13)
    appointment = _book(world, start, now=start - timedelta(hours=3))
    reminders = _rows(appointment, kind=Kind.REMINDER)
    assert [(n.lead_minutes, n.due_at) for n in reminders] == [(120, start - timedelta(hours=2))]


def test_the_clinics_own_lead_times_are_used_and_none_means_no_reminders(world):
    world.clinic.reminder_lead_hours = "48, 1"
    world.clinic.save()
    start = _tuesday(world)
    appointment = _book(world, start, now=start - timedelta(days=7))
    assert [n.lead_minutes for n in _rows(appointment, kind=Kind.REMINDER)] == [2 * DAY, 60]

    world.clinic.reminder_lead_hours = ""
    world.clinic.save()
    other = _book(world, start + timedelta(hours=2), now=start - timedelta(days=7))
    assert [n.kind for n in _rows(other)] == [Kind.CONFIRMATION]


def test_the_confirmation_goes_to_the_broker_only_after_commit_with_its_id_only(
    world, django_capture_on_commit_callbacks
):
    start = _tuesday(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        appointment = _book(world, start, now=timezone.now())
    confirmation = _rows(appointment, kind=Kind.CONFIRMATION)[0]
    assert confirmation.status == Status.QUEUED
    assert memory_broker_messages() == []  # nothing before commit

    for callback in callbacks:
        callback()
    confirmation.refresh_from_db()
    assert confirmation.status == Status.QUEUED
    # The message names the row and nothing about the patient.
    assert memory_broker_messages() == [("bookings.tasks.send_notification", [confirmation.pk], {})]


def test_a_confirmation_the_broker_did_not_take_goes_back_to_the_sweep(
    world, django_capture_on_commit_callbacks
):
    start = _tuesday(world)
    now = timezone.now()
    with (
        mock.patch.object(outbox, "_publish", return_value=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        appointment = _book(world, start, now=now)
    confirmation = _rows(appointment, kind=Kind.CONFIRMATION)[0]
    assert (confirmation.status, confirmation.claimed_at) == (Status.PENDING, None)
    # The next sweep hands it over.
    with mock.patch.object(outbox, "_publish_batch", return_value=True):
        assert notifications_dispatch_due(now=now + timedelta(minutes=1)) == [confirmation.pk]


def test_a_booking_rolled_back_leaves_no_messages(world, django_capture_on_commit_callbacks):
    start = _tuesday(world)

    def book_then_fail():
        with transaction.atomic():
            _book(world, start, now=timezone.now())
            raise RuntimeError("the request failed after booking")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        book_then_fail()
    assert not Notification.objects.exists()
    assert memory_broker_messages() == []


def test_planning_twice_makes_no_second_row_and_the_database_refuses_one(world):
    start = _tuesday(world)
    now = start - timedelta(days=7)
    appointment = _book(world, start, now=now)
    before = _plan(appointment)
    notifications_plan_for_booking(appointment=appointment, now=now)
    assert _plan(appointment) == before

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            patient=world.patient,
            appointment=appointment,
            kind=Kind.REMINDER,
            lead_minutes=120,
            due_at=start - timedelta(hours=2),
        )


def test_a_reschedule_voids_open_reminders_and_plans_new_ones_and_a_notice(world):
    start = _tuesday(world)
    booked_at = start - timedelta(days=7)
    appointment = _book(world, start, now=booked_at)
    _send(_rows(appointment, kind=Kind.CONFIRMATION)[0], booked_at)

    moved_at = start - timedelta(days=3)
    new_start = start + timedelta(days=1, hours=3)
    appointment = appointment_reschedule(
        appointment=appointment, start=new_start, by_user=None, as_staff=True, now=moved_at
    )
    assert appointment.sequence == 1
    assert _plan(appointment) == [
        (Kind.CONFIRMATION, booked_at, None, Status.SENT),
        (Kind.RESCHEDULE, moved_at, None, Status.PENDING),
        (Kind.REMINDER, start - timedelta(days=1), DAY, Status.VOID),
        (Kind.REMINDER, start - timedelta(hours=2), 120, Status.VOID),
        (Kind.REMINDER, new_start - timedelta(days=1), DAY, Status.PENDING),
        (Kind.REMINDER, new_start - timedelta(hours=2), 120, Status.PENDING),
    ]
    old = _rows(appointment, kind=Kind.REMINDER, status=Status.VOID)
    assert {n.last_error for n in old} == {"The visit was moved."}
    new = _rows(appointment, kind=Kind.REMINDER, status=Status.PENDING)
    assert {n.appointment_start_snapshot for n in new} == {new_start}


def test_moving_twice_before_the_first_notice_went_out_sends_one_notice(world):
    start = _tuesday(world)
    appointment = _book(world, start, now=start - timedelta(days=7))
    first_move = start - timedelta(days=3)
    for hours, now in ((2, first_move), (4, first_move + timedelta(minutes=5))):
        appointment = appointment_reschedule(
            appointment=appointment,
            start=start + timedelta(hours=hours),
            by_user=None,
            as_staff=True,
            now=now,
        )
    notices = _rows(appointment, kind=Kind.RESCHEDULE)
    assert [n.status for n in notices] == [Status.VOID, Status.PENDING]
    assert notices[0].last_error == "A newer notice replaces it."


def test_moving_away_and_back_plans_the_original_reminders_again(world):
    start = _tuesday(world)
    appointment = _book(world, start, now=start - timedelta(days=7))
    for target, days in ((start + timedelta(hours=2), 6), (start, 5)):
        appointment = appointment_reschedule(
            appointment=appointment,
            start=target,
            by_user=None,
            as_staff=True,
            now=start - timedelta(days=days),
        )
    pending = _rows(appointment, kind=Kind.REMINDER, status=Status.PENDING)
    assert [n.due_at for n in pending] == [start - timedelta(days=1), start - timedelta(hours=2)]


def test_a_cancellation_voids_everything_open_and_plans_the_notice(world):
    start = _tuesday(world)
    booked_at = start - timedelta(days=7)
    appointment = _book(world, start, now=booked_at)
    _send(_rows(appointment, kind=Kind.CONFIRMATION)[0], booked_at)
    cancelled_at = start - timedelta(days=2)
    appointment_cancel(appointment=appointment, by_user=None, as_staff=True, now=cancelled_at)
    assert _plan(appointment) == [
        (Kind.CONFIRMATION, booked_at, None, Status.SENT),
        (Kind.CANCELLATION, cancelled_at, None, Status.PENDING),
        (Kind.REMINDER, start - timedelta(days=1), DAY, Status.VOID),
        (Kind.REMINDER, start - timedelta(hours=2), 120, Status.VOID),
    ]


def test_the_programme_ready_hook_plans_a_message_with_ids_only(world):
    row = notification_enqueue(
        patient=world.patient,
        kind=Kind.PROGRAMME_READY,
        context={"programme": "0f6b", "link_path": "/programmes/0f6b/"},
    )
    assert (row.status, row.appointment, row.context["link_path"]) == (
        Status.PENDING,
        None,
        "/programmes/0f6b/",
    )
    assert _send(row, timezone.now()) == "sent"
    message = mail.outbox[-1]
    assert message.subject == "Your exercise programme is ready"
    assert "http://127.0.0.1:8000/programmes/0f6b/" in message.body
    assert message.to == [world.patient.email]


@pytest.mark.parametrize(
    ("kind", "details", "error"),  # not "context": pytest-playwright has that fixture
    [
        ("newsletter", {}, "Unknown kind"),
        (Kind.PROGRAMME_READY, {"exercises": ["squat"]}, "strings and numbers"),
        (Kind.PROGRAMME_READY, {"link_path": "https://evil.example/"}, "path on this site"),
        (Kind.PROGRAMME_READY, {"link_path": "//evil.example/"}, "path on this site"),
    ],
)
def test_the_hook_refuses_unknown_kinds_details_and_outside_links(world, kind, details, error):
    with pytest.raises(DomainError, match=error):
        notification_enqueue(patient=world.patient, kind=kind, context=details)
    assert not Notification.objects.exists()


# --- Reminder times across daylight saving ---------------------------------------------
# Sydney in 2027: clocks go back at 3 am on Sunday 4 April (AEDT +11 -> AEST +10) and
# forward at 2 am on Sunday 3 October (AEST +10 -> AEDT +11).


def _sydney(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(SYDNEY))


@pytest.mark.parametrize(
    ("visit", "lead", "due_utc", "hours_ahead"),
    [
        # The day after the clocks go back: 10 am Sunday, after the change, so 24 h.
        (_sydney(2027, 4, 5, 10), DAY, datetime(2027, 4, 4, 0, tzinfo=UTC), 24),
        # The day of the change: 10 am the day before is 25 hours ahead.
        (_sydney(2027, 4, 4, 10), DAY, datetime(2027, 4, 2, 23, tzinfo=UTC), 25),
        # Two days ahead across the change: 10 am Saturday, 49 hours.
        (_sydney(2027, 4, 5, 10), 2 * DAY, datetime(2027, 4, 2, 23, tzinfo=UTC), 49),
        # The day after the clocks go forward: 10 am Sunday, 24 h.
        (_sydney(2027, 10, 4, 10), DAY, datetime(2027, 10, 2, 23, tzinfo=UTC), 24),
        # The day of the change: 10 am the day before is 23 hours ahead.
        (_sydney(2027, 10, 3, 10), DAY, datetime(2027, 10, 2, 0, tzinfo=UTC), 23),
        # Hour leads are exact durations, whatever the clocks do.
        (_sydney(2027, 4, 4, 3, 30), 120, datetime(2027, 4, 3, 15, 30, tzinfo=UTC), 2),
        (_sydney(2027, 10, 3, 3, 30), 120, datetime(2027, 10, 2, 14, 30, tzinfo=UTC), 2),
    ],
)
def test_a_whole_day_lead_keeps_the_wall_clock_time_across_daylight_saving(
    visit, lead, due_utc, hours_ahead
):
    due = reminder_due_at(start=visit.astimezone(UTC), lead_minutes=lead, tz=ZoneInfo(SYDNEY))
    assert due == due_utc
    assert due.utcoffset() == timedelta(0)
    assert visit - due == timedelta(hours=hours_ahead)
    if lead % DAY == 0:
        assert due.astimezone(ZoneInfo(SYDNEY)).time() == visit.time()


def test_a_wall_clock_time_the_clocks_skip_is_read_before_the_change():
    # A 2:30 am visit on Monday 4 October: 2:30 am on the Sunday never happens.
    visit = _sydney(2027, 10, 4, 2, 30)
    due = reminder_due_at(start=visit.astimezone(UTC), lead_minutes=DAY, tz=ZoneInfo(SYDNEY))
    assert due == datetime(2027, 10, 2, 16, 30, tzinfo=UTC)  # 3:30 am daylight time


@pytest.mark.parametrize(
    ("visit", "due_utc"),
    [
        (_sydney(2027, 4, 5, 10), datetime(2027, 4, 4, 0, tzinfo=UTC)),
        (_sydney(2027, 4, 4, 10), datetime(2027, 4, 2, 23, tzinfo=UTC)),
        (_sydney(2027, 10, 4, 10), datetime(2027, 10, 2, 23, tzinfo=UTC)),
        (_sydney(2027, 10, 3, 10), datetime(2027, 10, 2, 0, tzinfo=UTC)),
    ],
    ids=["after-fall-back", "fall-back-day", "after-spring-forward", "spring-forward-day"],
)
def test_the_24_hour_reminder_around_a_clock_change_goes_out_at_the_right_instant(
    world, visit, due_utc
):
    f.make_hours(world.ep, world.location, weekdays=[6])  # Sunday clinics too
    appointment = _book(world, visit, now=datetime(2027, 3, 1, tzinfo=UTC))
    reminder = _reminder(appointment, DAY)
    assert reminder.due_at == due_utc

    # Not a minute early: the sweep before the instant leaves it, the one at it takes it.
    with mock.patch.object(outbox, "_publish_batch", return_value=True):
        confirmation = _rows(appointment, kind=Kind.CONFIRMATION)[0]
        assert notifications_dispatch_due(now=due_utc - timedelta(minutes=1)) == [confirmation.pk]
        assert notifications_dispatch_due(now=due_utc) == [reminder.pk]
    assert _send(reminder, due_utc) == "sent"
    message = mail.outbox[-1]
    assert message.subject == f"Reminder: your visit on {_words(visit)}"


# --- The sweep's claims ----------------------------------------------------------------


@pytest.fixture
def appointment(world):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=_tuesday(world),
        location=world.location,
    )


def _row(appointment, *, due_at, kind=Kind.REMINDER, **kw):
    lead = kw.pop("lead_minutes", 120 if kind == Kind.REMINDER else None)
    return Notification.objects.create(
        patient=appointment.patient,
        appointment=appointment,
        kind=kind,
        due_at=due_at,
        lead_minutes=lead,
        appointment_start_snapshot=appointment.start,
        **kw,
    )


def test_the_sweep_claims_what_is_due_oldest_first_and_nothing_twice(appointment):
    now = appointment.start - timedelta(hours=1)
    later = _row(appointment, due_at=now - timedelta(minutes=1))
    first = _row(appointment, due_at=now - timedelta(hours=5), lead_minutes=360)
    soon = _row(appointment, due_at=now + timedelta(minutes=1), lead_minutes=30)

    assert notifications_claim_due(now=now) == [first.pk, later.pk]
    for row in (first, later):
        row.refresh_from_db()
        assert (row.status, row.claimed_at) == (Status.QUEUED, now)
    assert notifications_claim_due(now=now + timedelta(minutes=1)) == [soon.pk]
    assert notifications_claim_due(now=now + timedelta(minutes=2)) == []


def test_the_sweep_hands_over_again_a_claim_gone_stale(appointment, settings):
    now = appointment.start - timedelta(hours=1)
    stale = now - timedelta(minutes=settings.STANCE_EMAIL_STALE_CLAIM_MINUTES + 1)
    fresh = now - timedelta(minutes=settings.STANCE_EMAIL_STALE_CLAIM_MINUTES - 1)
    lost_message = _row(appointment, due_at=now - timedelta(hours=2), lead_minutes=180)
    lost_worker = _row(appointment, due_at=now - timedelta(hours=3), lead_minutes=240)
    in_hand = _row(appointment, due_at=now - timedelta(hours=4), lead_minutes=300)
    Notification.objects.filter(pk=lost_message.pk).update(status=Status.QUEUED, claimed_at=stale)
    Notification.objects.filter(pk=lost_worker.pk).update(status=Status.SENDING, claimed_at=stale)
    Notification.objects.filter(pk=in_hand.pk).update(status=Status.SENDING, claimed_at=fresh)

    assert notifications_claim_due(now=now) == [lost_worker.pk, lost_message.pk]


@pytest.mark.parametrize("status", [Status.SENT, Status.FAILED, Status.VOID])
def test_the_sweep_leaves_finished_messages_alone(appointment, status):
    now = appointment.start - timedelta(hours=1)
    _row(
        appointment,
        due_at=now - timedelta(days=1),
        status=status,
        claimed_at=now - timedelta(days=1),
    )
    assert notifications_claim_due(now=now) == []


def test_a_sweep_takes_a_batch_and_leaves_the_rest_for_the_next(appointment):
    now = appointment.start - timedelta(hours=1)
    rows = [
        _row(appointment, due_at=now - timedelta(minutes=m), lead_minutes=60 + m)
        for m in range(5, 0, -1)
    ]
    assert notifications_claim_due(now=now, batch=3) == [r.pk for r in rows[:3]]
    assert notifications_claim_due(now=now, batch=3) == [r.pk for r in rows[3:]]


def test_a_broker_failing_mid_sweep_puts_the_rest_back_for_the_next_sweep(appointment):
    now = appointment.start - timedelta(hours=1)
    rows = [
        _row(appointment, due_at=now - timedelta(minutes=m), lead_minutes=60 + m) for m in (3, 2, 1)
    ]
    with (
        mock.patch.object(outbox, "SEND_BATCH", 1),
        mock.patch.object(outbox, "_publish_batch", side_effect=[True, False]),
    ):
        assert notifications_dispatch_due(now=now) == [rows[0].pk]
    statuses = [Notification.objects.get(pk=r.pk).status for r in rows]
    assert statuses == [Status.QUEUED, Status.PENDING, Status.PENDING]
    assert Notification.objects.get(pk=rows[1].pk).claimed_at is None
    # The next sweep takes them.
    with mock.patch.object(outbox, "_publish_batch", return_value=True):
        assert notifications_dispatch_due(now=now + timedelta(minutes=1)) == [
            rows[1].pk,
            rows[2].pk,
        ]


def test_the_sweep_task_publishes_the_due_rows_a_batch_to_a_message(appointment):
    now = timezone.now()
    rows = [
        _row(appointment, due_at=now - timedelta(minutes=m), lead_minutes=60 + m) for m in (3, 2, 1)
    ]
    with mock.patch.object(outbox, "SEND_BATCH", 2):
        assert notifications_sweep() == 3
    # Ids only: the message names the rows and nothing about the patient.
    assert memory_broker_messages() == [
        ("bookings.tasks.send_notifications", [[rows[0].pk, rows[1].pk]], {}),
        ("bookings.tasks.send_notifications", [[rows[2].pk]], {}),
    ]
    assert notifications_sweep() == 0


# --- Sending: once, and never when it no longer makes sense ----------------------------


def test_a_message_is_sent_once_and_marked_sent(appointment):
    now = appointment.start - timedelta(hours=1)
    row = _row(appointment, due_at=now - timedelta(hours=1))
    assert _send(row, now) == "sent"
    assert _send(row, now) == "skipped"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 1, "")
    assert row.sent_at is not None
    assert len(mail.outbox) == 1


def test_a_message_not_due_yet_is_left_for_the_sweep(appointment):
    now = appointment.start - timedelta(hours=3)
    row = _row(appointment, due_at=now + timedelta(minutes=5))
    assert _send(row, now) == "skipped"
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert mail.outbox == []


def test_a_message_another_worker_is_sending_is_left_to_it(appointment):
    now = appointment.start - timedelta(hours=1)
    row = _row(appointment, due_at=now, status=Status.SENDING, claimed_at=now)
    assert _send(row, now) == "skipped"
    assert mail.outbox == []


def test_an_unknown_id_is_nothing_to_do(db):
    assert notification_send(notification_id=987654) == "skipped"


def _void(row, now, reason):
    assert _send(row, now) == "void"
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.VOID, reason)
    assert mail.outbox == []


def test_nothing_is_sent_for_a_cancelled_visit(appointment):
    now = appointment.start - timedelta(hours=1)
    row = _row(appointment, due_at=now)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    _void(row, now, "The visit was cancelled.")


@pytest.mark.parametrize("kind", [Kind.CONFIRMATION, Kind.REMINDER, Kind.CANCELLATION])
def test_nothing_is_sent_once_the_visit_has_started(appointment, kind):
    row = _row(appointment, due_at=appointment.start - timedelta(hours=2), kind=kind)
    _void(row, appointment.start, "The visit has already started.")


def test_a_reminder_planned_for_another_start_time_is_not_sent(appointment):
    now = appointment.start - timedelta(hours=2)
    row = _row(appointment, due_at=now)
    Appointment.objects.filter(pk=appointment.pk).update(
        start=appointment.start + timedelta(days=1),
        end=appointment.end + timedelta(days=1),
        blocked_until=appointment.blocked_until + timedelta(days=1),
    )
    _void(row, now, "The visit was moved.")


def test_a_late_reminder_is_not_sent_after_a_later_one_came_due(appointment):
    now = appointment.start - timedelta(hours=1)
    day_before = _row(appointment, due_at=appointment.start - timedelta(days=1), lead_minutes=DAY)
    _row(appointment, due_at=appointment.start - timedelta(hours=2))
    _void(day_before, now, "A later reminder replaces it (this one was late).")


def test_a_patient_who_turned_reminders_off_gets_confirmations_but_no_reminders(appointment):
    now = appointment.start - timedelta(hours=1)
    appointment.patient.reminders_opt_out = True
    appointment.patient.save()
    reminder = _row(appointment, due_at=now)
    confirmation = _row(appointment, due_at=now - timedelta(days=3), kind=Kind.CONFIRMATION)
    _void(reminder, now, "The patient turned reminders off.")
    assert _send(confirmation, now) == "sent"


def test_a_cancellation_notice_goes_only_for_a_cancelled_visit(appointment):
    now = appointment.start - timedelta(hours=5)
    notice = _row(appointment, due_at=now, kind=Kind.CANCELLATION)
    _void(notice, now, "The visit is not cancelled.")
    notice = _row(appointment, due_at=now + timedelta(seconds=1), kind=Kind.CANCELLATION)
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    assert _send(notice, now + timedelta(seconds=1)) == "sent"


def test_a_message_out_of_tries_is_failed_without_sending(appointment, settings):
    now = appointment.start - timedelta(hours=1)
    row = _row(
        appointment,
        due_at=now,
        status=Status.QUEUED,
        attempts=settings.STANCE_EMAIL_MAX_ATTEMPTS,
        last_error="SMTP 421 busy",
    )
    assert _send(row, now) == "failed"
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.last_error.startswith(f"Gave up after {settings.STANCE_EMAIL_MAX_ATTEMPTS} tries.")
    assert mail.outbox == []


def test_an_email_that_cannot_be_built_is_failed_not_retried(appointment):
    row = _row(appointment, due_at=appointment.start - timedelta(hours=2))
    with mock.patch("bookings.emails.render_to_string", side_effect=KeyError("boom")):
        assert _send(row, row.due_at) == "failed"
    row.refresh_from_db()
    assert (row.status, row.last_error) == (
        Status.FAILED,
        "The email could not be built (KeyError).",
    )


# --- Error classes ---------------------------------------------------------------------

ADDRESS = "pat@example.org"


@pytest.mark.parametrize(
    ("exc", "permanent", "reason"),
    [
        (
            smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"5.1.1 <pat@example.org> unknown")}),
            True,
            "Recipient refused 550 5.1.1 <<address>> unknown",
        ),
        (
            smtplib.SMTPRecipientsRefused({ADDRESS: (450, b"4.2.1 mailbox busy")}),
            False,
            "Recipient refused 450 4.2.1 mailbox busy",
        ),
        (
            smtplib.SMTPDataError(421, b"4.3.2 Try again later"),
            False,
            "SMTP 421 4.3.2 Try again later",
        ),
        (smtplib.SMTPDataError(554, b"5.7.1 Rejected"), True, "SMTP 554 5.7.1 Rejected"),
        (smtplib.SMTPConnectError(421, b"Too busy"), False, "SMTP 421 Too busy"),
        (
            smtplib.SMTPSenderRefused(553, b"5.7.1 not allowed", ADDRESS),
            True,
            "SMTP 553 5.7.1 not allowed",
        ),
        (
            smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),
            True,
            "SMTP 535 5.7.8 Bad credentials",
        ),
        (smtplib.SMTPServerDisconnected("gone"), False, "The mail server closed the connection."),
        (
            smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server."),
            True,
            "SMTP error: SMTP AUTH extension not supported by server.",
        ),
        (
            ConnectionRefusedError(111, "Connection refused"),
            False,
            "ConnectionRefusedError: Connection refused",
        ),
        (TimeoutError("timed out"), False, "TimeoutError: timed out"),
        (
            socket.gaierror(-2, "Name or service not known"),
            False,
            "gaierror: Name or service not known",
        ),
        (SoftTimeLimitExceeded(), False, "Sending took too long (time limit)."),
        (ValueError(f"bad header for {ADDRESS}"), True, "Unexpected error (ValueError)."),
    ],
)
def test_send_errors_are_permanent_or_transient_and_never_name_an_address(exc, permanent, reason):
    assert classify_send_error(exc) == (permanent, reason)
    assert ADDRESS not in reason


def test_retries_back_off_with_jitter_and_stay_far_below_the_visibility_timeout(settings):
    for attempts in range(1, 12):
        cap = min(
            settings.STANCE_EMAIL_RETRY_MAX_SECONDS,
            settings.STANCE_EMAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1),
        )
        delays = {retry_delay(attempts) for _ in range(50)}
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(delays) > 1  # jitter
    # Redis hands an unacknowledged message out again after its visibility timeout
    # (an hour by default): a retry's countdown must never come near it.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert visibility > settings.STANCE_EMAIL_RETRY_MAX_SECONDS * 4


# --- The reminder opt-out link ---------------------------------------------------------


def _opt_out_url(patient):
    return reverse("bookings:reminders-opt-out", args=[opt_out_token_for(patient)])


def test_the_opt_out_link_asks_first_and_changes_nothing_on_a_visit(client, world):
    response = client.get(_opt_out_url(world.patient))
    assert response.status_code == 200
    assert "Turn off reminders" in response.text
    assert 'name="action" value="stop"' in response.text
    world.patient.refresh_from_db()
    assert world.patient.reminders_opt_out is False


def test_the_opt_out_button_turns_reminders_off_and_back_on(client, world):
    url = _opt_out_url(world.patient)
    response = client.post(url, {"action": "stop"})
    assert response.status_code == 200
    assert "Done: reminders are off." in response.text
    world.patient.refresh_from_db()
    assert world.patient.reminders_opt_out is True
    world.other_patient.refresh_from_db()
    assert world.other_patient.reminders_opt_out is False

    response = client.post(url, {"action": "resume"})
    assert "Done: reminders are on." in response.text
    world.patient.refresh_from_db()
    assert world.patient.reminders_opt_out is False


def test_a_mail_apps_one_click_unsubscribe_turns_reminders_off(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _opt_out_url(world.patient),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    world.patient.refresh_from_db()
    assert world.patient.reminders_opt_out is True


@pytest.mark.parametrize("token", ["not-a-token", "manage"])
def test_a_bad_opt_out_link_is_refused_and_changes_nothing(client, world, appointment, token):
    if token == "manage":  # a valid token for another purpose
        token = manage_token_for(appointment)
    url = reverse("bookings:reminders-opt-out", args=[token])
    response = client.post(url, {"action": "stop"})
    assert response.status_code == 404
    assert "This link is not valid" in response.text
    assert not type(world.patient).objects.filter(reminders_opt_out=True).exists()


# --- What the emails say ---------------------------------------------------------------


@pytest.fixture
def clinic_details(world):
    world.clinic.email = "hello@harbour.example"
    world.clinic.save()
    world.location.parking = "Free two-hour parking on Example Lane."
    world.location.directions = "Level 2; the lift is at the back."
    world.location.save()
    return world


def _send_kind(appointment, kind, now, **filters):
    row = _rows(appointment, kind=kind, **filters)[-1]
    assert _send(row, max(now, row.due_at)) == "sent"
    message = mail.outbox[-1]
    return message, email_parts(message)


def _event(parts):
    calendar = Calendar.from_ical(parts["text/calendar"])
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def _manage_link_opens(text, appointment):
    token = text.split("/manage/", 1)[1].split("/", 1)[0]
    assert appointment_code_from_manage_token(token) == str(appointment.code)


def _no_private_details(message, parts, patient, *extra):
    everything = "\n".join([message.subject, *parts.values()])
    for private in (patient.last_name, patient.phone, f"{patient.date_of_birth:%Y}", *extra):
        assert private not in everything


def test_the_confirmation_of_a_clinic_visit(clinic_details):
    world = clinic_details
    start = _tuesday(world)
    appointment = _book(world, start, now=start - timedelta(days=7))
    message, parts = _send_kind(appointment, Kind.CONFIRMATION, start - timedelta(days=7))

    when = _words(start)
    assert when.endswith(", 10:00 am")
    assert message.subject == f"Booking confirmed: {when}"
    assert message.to == [world.patient.email]
    assert message.from_email == f"{world.clinic.name} <bookings@stance.example>"
    assert message.reply_to == ["hello@harbour.example"]
    text, html = parts["text/plain"], parts["text/html"]
    for body in (text, html):
        assert f"{when} (Sydney time, {start.astimezone(world.clinic.tz).tzname()})" in body
        assert "Hi Pat" in body
        assert "Sam Lee" in body
        assert "Surry Hills rooms" in body
        assert "1 Example Street, Sydney NSW" in body
        assert "the day before and 2 hours before" in body
        assert "/reminders/" in body  # reminders can be turned off from here too
        _manage_link_opens(body, appointment)
    assert '<html lang="en-AU">' in html
    assert '<meta name="viewport"' in html
    assert "\n\n\n" not in text
    _no_private_details(message, parts, world.patient)

    calendar, event = _event(parts)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{appointment.code}@stance"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == start
    assert event["DTSTART"].params["TZID"] == SYDNEY


def test_the_reminder_for_a_clinic_visit_says_where_what_to_bring_and_about_screening(
    clinic_details,
):
    world = clinic_details
    start = _tuesday(world)
    appointment = _book(world, start, now=start - timedelta(days=7))
    message, parts = _send_kind(
        appointment, Kind.REMINDER, start - timedelta(days=7), lead_minutes=DAY
    )

    assert message.subject.startswith("Reminder: your visit on ")
    text, html = parts["text/plain"], parts["text/html"]
    for body in (text, html):
        assert "1 Example Street, Sydney NSW" in body
        assert "Free two-hour parking on Example Lane." in body
        assert "Level 2; the lift is at the back." in body
        assert "Comfortable clothes" in body
        assert "health screening questions" in body
        assert "video" not in body.lower()
        _manage_link_opens(body, appointment)
    # One-link opt-out, in the text, the HTML and the header mail apps use.
    opt_out = re.search(r"http://127\.0\.0\.1:8000/reminders/[^/\s]+/", text)[0]
    token = opt_out.removesuffix("/").rsplit("/", 1)[1]
    assert patient_from_opt_out_token(token) == world.patient
    assert opt_out in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{opt_out}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "text/calendar" not in parts
    _no_private_details(message, parts, world.patient)


def test_the_telehealth_reminder_has_the_video_link_a_tech_check_and_the_patients_zone(world):
    world.other_patient.timezone = "Australia/Perth"
    world.other_patient.save()
    start = _tuesday(world, 13)
    appointment = _telehealth(
        world, start, now=start - timedelta(days=7), patient=world.other_patient
    )
    assert appointment.telehealth_url.startswith("https://meet.jit.si/stance-")
    message, parts = _send_kind(
        appointment, Kind.REMINDER, start - timedelta(days=7), lead_minutes=120
    )

    assert message.subject.startswith("Reminder: your video visit on ")
    perth = _words(start.astimezone(ZoneInfo("Australia/Perth")))
    for body in (parts["text/plain"], parts["text/html"]):
        assert appointment.telehealth_url in body
        assert "technology check" in body.lower()
        assert "camera" in body
        assert f"1:00 pm (Sydney time, {start.astimezone(world.clinic.tz).tzname()})" in body
        assert f"Your time: {perth} (Perth time)" in body
        assert "Example Street" not in body
        assert "What to wear" not in body and "WHAT TO WEAR" not in body
    _no_private_details(message, parts, world.other_patient)


def test_the_patients_own_zone_is_left_out_when_unknown_or_the_same_as_the_clinics(world):
    start = _tuesday(world, 13)
    for zone in ("", "Australia/Melbourne"):
        world.patient.timezone = zone
        world.patient.save()
        appointment = _telehealth(world, start, now=start - timedelta(days=7))
        _, parts = _send_kind(appointment, Kind.CONFIRMATION, start - timedelta(days=7))
        assert "Your time" not in parts["text/plain"]
        appointment_cancel(
            appointment=appointment, by_user=None, as_staff=True, now=start - timedelta(days=6)
        )


def test_the_reschedule_notice_updates_the_same_calendar_entry(world):
    start = _tuesday(world)
    appointment = _book(world, start, now=start - timedelta(days=7))
    _, first = _send_kind(appointment, Kind.CONFIRMATION, start - timedelta(days=7))
    new_start = start + timedelta(days=1, hours=2)
    appointment = appointment_reschedule(
        appointment=appointment,
        start=new_start,
        by_user=None,
        as_staff=True,
        now=start - timedelta(days=5),
    )
    message, parts = _send_kind(appointment, Kind.RESCHEDULE, start - timedelta(days=5))

    when = _words(new_start)
    assert when.endswith(", 12:00 pm")
    assert message.subject == f"Visit moved: now {when}"
    zone = new_start.astimezone(world.clinic.tz).tzname()
    assert f"{when} (Sydney time, {zone})" in parts["text/plain"]
    _manage_link_opens(parts["text/plain"], appointment)
    calendar, event = _event(parts)
    _, original = _event(first)
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == str(original["UID"])
    assert (original["SEQUENCE"], event["SEQUENCE"]) == (0, 1)
    assert event.decoded("DTSTART") == new_start


def test_the_cancellation_notice_cancels_the_calendar_entry_and_keeps_the_reason_private(world):
    start = _tuesday(world, 13)
    appointment = _telehealth(world, start, now=start - timedelta(days=7))
    _, first = _send_kind(appointment, Kind.CONFIRMATION, start - timedelta(days=7))
    reason = "Flare-up of lower back pain"
    appointment_cancel(
        appointment=appointment,
        by_user=None,
        reason=reason,
        as_staff=True,
        now=start - timedelta(days=2),
    )
    message, parts = _send_kind(appointment, Kind.CANCELLATION, start - timedelta(days=2))

    assert message.subject.startswith("Visit cancelled: ")
    text, html = parts["text/plain"], parts["text/html"]
    for body in (text, html):
        assert "has been cancelled" in body
        assert "/book/" in body
        _manage_link_opens(body, appointment)
        assert appointment.telehealth_url not in body  # no call to join any more
        assert "/reminders/" not in body
    _no_private_details(message, parts, world.patient, reason)
    calendar, event = _event(parts)
    _, original = _event(first)
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(original["UID"])
    # RFC 5545: calendars ignore a CANCEL whose SEQUENCE is not above the last version.
    assert event["SEQUENCE"] > original["SEQUENCE"]


def test_every_email_has_the_same_message_id_on_every_try(appointment):
    row = _row(appointment, due_at=appointment.start - timedelta(hours=2))
    from bookings.emails import notification_email

    row = Notification.objects.select_related("appointment", "patient").get(pk=row.pk)
    first, second = notification_email(row), notification_email(row)
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"].startswith(f"<stance.{row.pk}.")
