"""Patient email when things go wrong (issue 3, "Fault tests"): Redis down at booking
time, an SMTP server that says "try later" or "never", two sweeps at once, and a visit
cancelled or moved after its reminder was handed to the worker.

The worker's part is played in this process: task messages go to an in-memory broker
(or a closed port when Redis is down) and `run_memory_broker_tasks` runs them the way a
worker would, so the publishing, claiming and sending code is the real one. Emails go
over real SMTP to a local aiosmtpd server where the test is about SMTP.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

from django.core import mail
from django.db import connection, transaction
from django.db.models.query import QuerySet
from django.utils import timezone

import pytest

from bookings import notifications as outbox
from bookings.models import Appointment, Notification
from bookings.notifications import (
    TransientEmailError,
    notification_send,
    notifications_claim_due,
    notifications_dispatch_due,
    notifications_plan_for_booking,
    notifications_send_batch,
    retry_delay,
)
from bookings.services import appointment_book, appointment_cancel, appointment_reschedule
from bookings.tasks import send_notification
from tests import factories as f
from tests.outbox import (
    CLOSED_PORT_BROKER,
    SmtpSink,
    email_parts,
    run_memory_broker_tasks,
    use_broker,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_broker")]

Kind = Notification.Kind
Status = Notification.Status

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and SKIP LOCKED need PostgreSQL"
)


def _subjects():
    return [m.subject for m in mail.outbox]


def _soon(world):
    """A clinic visit 90 minutes from now whose confirmation went out days ago and whose
    2-hour reminder came due half an hour ago (the clinic sends that one only)."""
    world.clinic.reminder_lead_hours = "2"
    world.clinic.save()
    now = timezone.now().replace(microsecond=0)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=now + timedelta(minutes=90),
        location=world.location,
    )
    with transaction.atomic():
        notifications_plan_for_booking(appointment=appointment, now=now - timedelta(days=3))
    Notification.objects.filter(kind=Kind.CONFIRMATION).update(status=Status.SENT)
    reminder = Notification.objects.get(appointment=appointment, kind=Kind.REMINDER)
    assert reminder.due_at == now - timedelta(minutes=30)
    return appointment, reminder


# --- Redis down at booking time --------------------------------------------------------


def test_with_redis_down_the_booking_is_saved_and_the_sweep_sends_the_email_later_once(
    world, django_capture_on_commit_callbacks
):
    start = f.next_weekday_at(world.clinic, 1, 10)
    with use_broker(CLOSED_PORT_BROKER), django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_book(
            service=world.service,
            practitioner=world.ep,
            modality="clinic",
            start=start,
            patient=world.patient,
            source=Appointment.Source.STAFF,
        )
        # A sweep while Redis is still down hands nothing over and loses nothing.
        assert notifications_dispatch_due() == []
    assert Appointment.objects.filter(pk=appointment.pk, status="booked").exists()
    confirmation = Notification.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)
    assert (confirmation.status, confirmation.claimed_at) == (Status.PENDING, None)
    assert mail.outbox == []

    # Redis is back: the next sweep hands it over and the worker sends it.
    assert notifications_dispatch_due() == [confirmation.pk]
    run_memory_broker_tasks()
    assert _subjects() == [f"Booking confirmed: {_words(start)}"]
    # Later sweeps find nothing more to send.
    assert notifications_dispatch_due() == []
    assert run_memory_broker_tasks() == []
    assert len(mail.outbox) == 1
    confirmation.refresh_from_db()
    assert confirmation.status == Status.SENT


def _words(moment):
    hour = moment.hour % 12 or 12
    half = "am" if moment.hour < 12 else "pm"
    return f"{moment:%A} {moment.day} {moment:%B} {moment.year}, {hour}:{moment:%M} {half}"


# --- SMTP says "try later", or "never" -------------------------------------------------


@pytest.fixture
def due_confirmation(world):
    start = f.next_weekday_at(world.clinic, 1, 10)
    appointment = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=world.patient,
        source=Appointment.Source.STAFF,
    )
    return Notification.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)


def test_smtp_421_then_accepting_sends_exactly_one_email(due_confirmation, settings):
    with SmtpSink(data_replies=["421 4.3.2 Service busy, try again later"]) as sink:
        settings.MAILERS = sink.mailers()
        with pytest.raises(TransientEmailError):
            notification_send(notification_id=due_confirmation.pk)
        row = Notification.objects.get(pk=due_confirmation.pk)
        assert (row.status, row.attempts) == (Status.QUEUED, 1)
        assert row.last_error == "SMTP 421 4.3.2 Service busy, try again later"
        # Waiting for its retry, it is not handed over again by the sweep.
        assert notifications_dispatch_due() == []

        assert notification_send(notification_id=due_confirmation.pk) == "sent"
        assert notification_send(notification_id=due_confirmation.pk) == "skipped"
        assert (sink.data_attempts, len(sink.messages())) == (2, 1)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, "")
    message = sink.messages()[0]
    assert message["To"] == "pat@example.org"
    assert message["Subject"].startswith("Booking confirmed: ")
    assert "text/calendar" in email_parts(message)


def test_the_send_task_retries_a_421_with_backoff_and_sends_once(due_confirmation, settings):
    with SmtpSink(data_replies=["421 4.3.2 Try again later"] * 2) as sink:
        settings.MAILERS = sink.mailers()
        with mock.patch("bookings.tasks.retry_delay", wraps=retry_delay) as delay:
            # Eager `apply` runs each retry at once rather than after its countdown.
            result = send_notification.apply(args=[due_confirmation.pk])
        assert result.result == "sent"
        assert [c.args for c in delay.call_args_list] == [(1,), (2,)]
        assert (sink.data_attempts, len(sink.messages())) == (3, 1)


def test_smtp_550_marks_the_message_failed_with_the_reason_and_never_retries(
    due_confirmation, settings
):
    with SmtpSink(rcpt_reply="550 5.1.1 <pat@example.org>: Recipient address rejected") as sink:
        settings.MAILERS = sink.mailers()
        result = send_notification.apply(args=[due_confirmation.pk])
        assert result.result == "failed"
        # Later sweeps leave it alone: no retry storm.
        for minutes in (1, 60, 24 * 60):
            later = timezone.now() + timedelta(minutes=minutes)
            assert notifications_dispatch_due(now=later) == []
        assert run_memory_broker_tasks() == []
        assert (sink.rcpt_attempts, sink.messages()) == (1, [])
    row = Notification.objects.get(pk=due_confirmation.pk)
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error == "Recipient refused 550 5.1.1 <<address>>: Recipient address rejected"


def test_an_smtp_server_that_is_down_is_retried_then_given_up_on(due_confirmation, settings):
    settings.STANCE_EMAIL_MAX_ATTEMPTS = 3
    settings.MAILERS = SmtpSink().mailers()  # a port nobody listens on
    result = send_notification.apply(args=[due_confirmation.pk])
    assert result.result == "failed"
    row = Notification.objects.get(pk=due_confirmation.pk)
    assert (row.status, row.attempts) == (Status.FAILED, 3)
    assert row.last_error.startswith("Gave up after 3 tries. Last: ConnectionRefusedError")
    assert mail.outbox == []


# --- A visit cancelled or moved after its reminder was handed over ---------------------


def test_cancelling_after_the_reminder_was_handed_over_sends_no_reminder(
    world, django_capture_on_commit_callbacks
):
    appointment, reminder = _soon(world)
    assert notifications_dispatch_due() == [reminder.pk]  # on its way to the worker
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, by_user=world.reception, as_staff=True)
    run_memory_broker_tasks()

    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (Status.VOID, "The visit was cancelled.")
    assert [s.split(":")[0] for s in _subjects()] == ["Visit cancelled"]


def test_cancelling_after_the_sweep_but_before_a_worker_claims_it_sends_nothing(world):
    appointment, reminder = _soon(world)
    assert notifications_dispatch_due() == [reminder.pk]
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    run_memory_broker_tasks()  # the cancel went around the service: the send re-checks
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (Status.VOID, "The visit was cancelled.")
    assert mail.outbox == []


def test_moving_the_visit_after_the_reminder_was_handed_over_voids_it_and_plans_a_new_one(
    world, django_capture_on_commit_callbacks
):
    appointment, old = _soon(world)
    assert notifications_dispatch_due() == [old.pk]
    new_start = f.next_weekday_at(world.clinic, 2, 11)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(
            appointment=appointment, start=new_start, by_user=world.reception, as_staff=True
        )
    run_memory_broker_tasks()

    old.refresh_from_db()
    assert (old.status, old.last_error) == (Status.VOID, "The visit was moved.")
    assert _subjects() == [f"Visit moved: now {_words(new_start)}"]
    new = Notification.objects.get(appointment=appointment, kind=Kind.REMINDER, status="pending")
    assert (new.due_at, new.appointment_start_snapshot) == (
        new_start - timedelta(hours=2),
        new_start,
    )
    # When its time comes, the new reminder goes out with the new time.
    assert notification_send(notification_id=new.pk, now=new.due_at) == "sent"
    assert mail.outbox[-1].subject == f"Reminder: your visit on {_words(new_start)}"


# --- Two sweeps, or two workers, at once (PostgreSQL, threads) -------------------------


def _in_threads(*jobs):
    """Run each callable in its own thread (own connection), released together."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # reported by the assertions below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


def _programme_messages(world, count):
    """`count` due "programme ready" messages (no visit, so no void rules), oldest first,
    that no sweep has handed over yet."""
    now = timezone.now()
    return [
        Notification.objects.create(
            patient=world.patient,
            kind=Kind.PROGRAMME_READY,
            due_at=now - timedelta(seconds=count - i),
            context={"programme": str(i), "link_path": f"/programmes/{i}/"},
        ).pk
        for i in range(count)
    ]


def _send_inline(ids):
    """A worker that takes each batch the moment it is published."""
    notifications_send_batch(ids=ids)
    return True


@ON_POSTGRES
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_email_once(world):
    ids = _programme_messages(world, 40)
    with mock.patch.object(outbox, "_publish_batch", side_effect=_send_inline):
        first, second = _in_threads(notifications_dispatch_due, notifications_dispatch_due)
    assert isinstance(first, list) and isinstance(second, list)
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(ids)
    assert len(mail.outbox) == 40
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 40
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


@ON_POSTGRES
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_skips_rows_another_sweep_holds_instead_of_waiting(world):
    """Sweep A has selected and locked its batch and is about to mark it; sweep B runs
    meanwhile. B must neither wait for A nor take A's rows."""
    ids = _programme_messages(world, 12)
    a_holds_its_rows, b_done = threading.Event(), threading.Event()
    original_update = QuerySet.update

    def update(qs, **kwargs):
        if threading.current_thread().name == "sweep-a" and not a_holds_its_rows.is_set():
            a_holds_its_rows.set()
            assert b_done.wait(timeout=30), "sweep B waited for sweep A's locks"
        return original_update(qs, **kwargs)

    results = {}

    def sweep(name):
        try:
            results[name] = notifications_claim_due(now=timezone.now(), batch=5)
        finally:
            connection.close()

    with mock.patch.object(QuerySet, "update", autospec=True, side_effect=update):
        a = threading.Thread(target=sweep, args=("a",), name="sweep-a")
        a.start()
        assert a_holds_its_rows.wait(timeout=30)
        sweep("b")  # in this thread, while A holds its rows
        b_done.set()
        a.join(timeout=30)
    assert not a.is_alive()
    assert results["a"] == ids[:5]
    assert results["b"] == ids[5:10]
    assert notifications_claim_due(now=timezone.now()) == ids[10:]


@ON_POSTGRES
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_message_send_it_once(world):
    (pk,) = _programme_messages(world, 1)
    outcomes = _in_threads(*[lambda: notification_send(notification_id=pk)] * 4)
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1


def test_a_claim_made_from_a_stale_read_changes_nothing(due_confirmation):
    """Where the database cannot lock rows (SQLite), two workers may read the same open
    row; the claim is an UPDATE that matches only the row as read, so only one wins."""
    first_read = Notification.objects.get(pk=due_confirmation.pk)
    second_read = Notification.objects.get(pk=due_confirmation.pk)
    now = timezone.now()
    claim = {"status": Notification.Status.SENDING, "claimed_at": now, "attempts": 1}
    assert outbox._update_if_unchanged(first_read, **claim) is True
    assert outbox._update_if_unchanged(second_read, **claim) is False
    assert outbox._claim(due_confirmation.pk, now=now) == "skipped"
    due_confirmation.refresh_from_db()
    assert (due_confirmation.status, due_confirmation.attempts) == ("sending", 1)
