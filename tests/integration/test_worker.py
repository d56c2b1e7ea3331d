"""Patient email end to end: the real Redis, a real Celery worker (a subprocess started
here) and a local SMTP server (aiosmtpd). A booking's confirmation, a reminder the sweep
finds due, a sweep's batch of reminders, and a confirmation booked while Redis was down
each reach the SMTP server through the worker exactly once.

Needs PostgreSQL (the worker shares pytest's test database, so the tests commit) and
Redis on 127.0.0.1:6379 (database 15 and a queue of this run's own, so nothing else's
messages are touched). Deselect with `-m "not integration"`.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

import pytest
import redis

from bookings.models import Appointment, Notification
from bookings.notifications import notifications_dispatch
from bookings.services import appointment_book
from bookings.tasks import notifications_sweep, send_notification, send_notifications
from tests import factories as f
from tests.outbox import CLOSED_PORT_BROKER, SmtpSink, use_broker

REDIS_URL = "redis://127.0.0.1:6379/15"
BASE_DIR = Path(__file__).resolve().parents[2]
DEADLINE = 20.0
"""Seconds to wait for something the worker does in well under one; only a stuck or
broken worker hits it."""

Kind = Notification.Kind
Status = Notification.Status


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker shares the PostgreSQL test database"
    ),
    pytest.mark.skipif(
        not _redis_answers() and not os.environ.get("CI"), reason="needs Redis on 6379"
    ),
]


def wait_until(check: Callable[[], object], what: str, log: list[str] | None = None) -> None:
    give_up = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > give_up:
            tail = "\n".join((log or [])[-40:])
            raise AssertionError(f"waited {DEADLINE} s for {what}; the worker said:\n{tail}")
        time.sleep(0.05)


@dataclass
class Worker:
    sink: SmtpSink
    queue: str
    log: list[str] = field(default_factory=list)

    def emails_to(self, address: str) -> list:
        return [m for m in self.sink.messages() if m["To"] == address]

    def wait(self, check: Callable[[], object], what: str) -> None:
        wait_until(check, what, self.log)


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _die_with_this_process() -> None:
    """In the worker, before it starts (Linux): if pytest itself is killed, the kernel
    stops the worker too (PR_SET_PDEATHSIG); a normal end stops it in `_stop`."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _start(queue: str, sink: SmtpSink) -> tuple[subprocess.Popen[str], list[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the same signed links as the tests'
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "STANCE_TEST_QUEUE": queue,
        "STANCE_LOG_LEVEL": "INFO",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "clinic", "worker",
        "--pool", "solo", "--queues", queue, "--hostname", f"{queue}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        command,
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_die_with_this_process,
    )
    log: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line.rstrip())

    threading.Thread(target=read, daemon=True).start()
    return process, log


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _forget_queue(queue: str) -> None:
    """Remove what kombu keeps in Redis for the queue (messages, bindings)."""
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker) -> Iterator[Worker]:
    queue = f"stance-test-{uuid.uuid4().hex[:12]}"
    with SmtpSink() as sink:
        process, log = _start(queue, sink)
        try:
            wait_until(
                lambda: process.poll() is not None or any(" ready." in line for line in log),
                "the worker to start",
                log,
            )
            assert process.poll() is None, "the worker stopped:\n" + "\n".join(log)
            with use_broker(REDIS_URL, queue=queue):
                yield Worker(sink, queue, log)
        finally:
            _stop(process)
            _forget_queue(queue)


@pytest.fixture(autouse=True)
def _fresh_sink(worker):
    worker.sink.received.clear()


def _book(world, patient, start):
    return appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=start,
        patient=patient,
        source=Appointment.Source.STAFF,
    )


def _everything_before_has_run(worker: Worker, world) -> None:
    """Publish one more email, to another patient, and wait until it is sent. One worker
    with one process takes the queue in order, so every message published earlier has
    been handled by then. (A sweep already in the queue may claim the marker first; it
    then publishes it, after everything before it, so the wait means the same.)"""
    marker = Notification.objects.create(
        patient=world.other_patient,
        kind=Kind.PROGRAMME_READY,
        due_at=timezone.now(),
        context={"programme": "marker", "link_path": "/"},
    )
    notifications_dispatch(ids=[marker.pk])
    worker.wait(
        lambda: Notification.objects.filter(pk=marker.pk, status=Status.SENT).exists(),
        "the marker email",
    )


def _sent_once_even_if_handed_over_again(worker: Worker, world, row: Notification) -> None:
    """The row's email arrived once; a duplicate message and another sweep send nothing."""
    worker.wait(
        lambda: Notification.objects.filter(pk=row.pk, status=Status.SENT).exists(),
        "the row to be marked sent",
    )
    send_notification.delay(row.pk)
    notifications_sweep.delay()
    _everything_before_has_run(worker, world)
    assert len(worker.emails_to(row.patient.email)) == 1


def test_a_bookings_confirmation_reaches_smtp_through_the_worker_exactly_once(worker, world):
    start = f.next_weekday_at(world.clinic, 1, 10)
    appointment = _book(world, world.patient, start)  # commits: handed over at once
    confirmation = Notification.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)

    worker.wait(lambda: worker.emails_to("pat@example.org"), "the confirmation email")
    (email,) = worker.emails_to("pat@example.org")
    assert email["Subject"].startswith("Booking confirmed: ")
    assert email["From"] == f"{world.clinic.name} <bookings@stance.example>"
    assert any(p.get_content_type() == "text/calendar" for p in email.walk())
    _sent_once_even_if_handed_over_again(worker, world, confirmation)


def test_a_reminder_due_now_reaches_smtp_through_the_sweep_task(worker, world):
    now = timezone.now().replace(microsecond=0)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=now + timedelta(minutes=90),
    )
    reminder = Notification.objects.create(
        patient=world.patient,
        appointment=appointment,
        kind=Kind.REMINDER,
        lead_minutes=120,
        due_at=appointment.start - timedelta(hours=2),
        appointment_start_snapshot=appointment.start,
    )
    assert worker.sink.messages() == []

    notifications_sweep.delay()  # what beat does every minute
    worker.wait(lambda: worker.emails_to("pat@example.org"), "the reminder email")
    (email,) = worker.emails_to("pat@example.org")
    assert email["Subject"].startswith("Reminder: your visit on ")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    _sent_once_even_if_handed_over_again(worker, world, reminder)


def test_a_sweeps_batch_of_reminders_reaches_smtp_once_each(worker, world):
    now = timezone.now().replace(microsecond=0)
    rows = []
    for i in range(3):
        appointment = f.make_appointment(
            patient=world.patient,
            practitioner=world.ep,
            service=world.service,
            start=now + timedelta(minutes=90 + 30 * i),
        )
        rows.append(
            Notification.objects.create(
                patient=world.patient,
                appointment=appointment,
                kind=Kind.REMINDER,
                lead_minutes=120,
                due_at=now - timedelta(minutes=1),
                appointment_start_snapshot=appointment.start,
            )
        )
    ids = [r.pk for r in rows]

    notifications_sweep.delay()  # one message with the three ids
    worker.wait(lambda: len(worker.emails_to("pat@example.org")) == 3, "three reminders")
    worker.wait(
        lambda: Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == 3,
        "the rows to be marked sent",
    )
    send_notifications.delay(ids)  # the same batch again, as after a redelivery
    _everything_before_has_run(worker, world)
    emails = worker.emails_to("pat@example.org")
    assert len(emails) == 3
    assert len({e["Message-ID"] for e in emails}) == 3
    assert any("send_notifications[" in line for line in worker.log)


def test_a_booking_made_while_redis_is_down_is_confirmed_once_redis_is_back(worker, world):
    start = f.next_weekday_at(world.clinic, 2, 11)
    with use_broker(CLOSED_PORT_BROKER):
        appointment = _book(world, world.patient, start)
    confirmation = Notification.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)
    assert confirmation.status == Status.PENDING  # the booking stands; the email waits
    _everything_before_has_run(worker, world)
    assert worker.emails_to("pat@example.org") == []

    notifications_sweep.delay()  # the first sweep once Redis answers again
    worker.wait(lambda: worker.emails_to("pat@example.org"), "the confirmation email")
    _sent_once_even_if_handed_over_again(worker, world, confirmation)
