"""The sweep's batches (`send_notifications`, bookings/notifications.py
`notifications_send_batch`): one message carries many row ids and the worker sends them
one after another, each row claimed, sent and marked sent on its own. So two batches with
the same rows, a batch received twice, a row that fails for now, a visit cancelled or
moved while the batch is under way, and a mail server that is down all behave as they
do for one row at a time.

Task messages go to an in-memory broker and `run_memory_broker_tasks` plays the worker;
emails go to Django's in-memory mailer, or over real SMTP to a local aiosmtpd server.
"""

from __future__ import annotations

import email.policy
from datetime import timedelta
from unittest import mock

from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

import pytest

from bookings import notifications as outbox
from bookings.emails import notification_email
from bookings.models import Appointment, Notification
from bookings.notifications import (
    notifications_dispatch_due,
    notifications_send_batch,
)
from bookings.services import appointment_cancel, appointment_reschedule
from tests import factories as f
from tests.bookings.test_notification_faults import _in_threads
from tests.outbox import (
    SmtpSink,
    memory_broker_messages,
    run_memory_broker_tasks,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_broker")]

Kind = Notification.Kind
Status = Notification.Status

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


def _due_reminders(world, count):
    """`count` visits tomorrow, 30 minutes apart, each with a 2-hour reminder that is
    due now and that a sweep has handed over (queued), oldest first."""
    now = timezone.now()
    start = f.next_weekday_at(world.clinic, 2, 7)
    rows = []
    for i in range(count):
        appointment = f.make_appointment(
            patient=world.patient,
            practitioner=world.ep,
            service=world.service,
            start=start + timedelta(minutes=30 * i),
            location=world.location,
        )
        rows.append(
            Notification.objects.create(
                patient=world.patient,
                appointment=appointment,
                kind=Kind.REMINDER,
                lead_minutes=120,
                due_at=now - timedelta(seconds=count - i),
                appointment_start_snapshot=appointment.start,
                status=Status.QUEUED,
                claimed_at=now,
            ).pk
        )
    return rows


def _statuses(ids):
    by_pk = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "status"))
    return [by_pk[pk] for pk in ids]


def _message_ids(messages):
    return [m.extra_headers["Message-ID"] for m in messages]


def test_the_sweep_hands_over_due_rows_in_batches(world):
    ids = _due_reminders(world, 5)
    Notification.objects.filter(pk__in=ids).update(status=Status.PENDING, claimed_at=None)
    with mock.patch.object(outbox, "SEND_BATCH", 2):
        assert notifications_dispatch_due() == ids
    assert memory_broker_messages() == [
        ("bookings.tasks.send_notifications", [ids[:2]], {}),
        ("bookings.tasks.send_notifications", [ids[2:4]], {}),
        ("bookings.tasks.send_notifications", [ids[4:]], {}),
    ]


def _queries(run):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_a_batch_sends_each_row_once_and_marks_each_sent(world):
    ids = _due_reminders(world, 6)
    assert notifications_send_batch(ids=ids) == {"sent": 6}
    assert _statuses(ids) == [Status.SENT] * 6
    assert len(mail.outbox) == 6
    assert len(set(_message_ids(mail.outbox))) == 6
    assert all(m.subject.startswith("Reminder: your visit on ") for m in mail.outbox)
    attempts = set(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True))
    assert attempts == {1}

    # The same batch again (a redelivered message): nothing more goes out.
    assert notifications_send_batch(ids=ids) == {"skipped": 6}
    assert len(mail.outbox) == 6


def test_a_batch_received_again_after_a_worker_died_sends_only_what_was_not_sent(world):
    """The worker died while the second row was on the wire: the first is sent, the second
    is `sending` (the one-message duplicate window: the sweep hands it over once its claim
    is stale), the rest are still queued and go out with the redelivered message."""
    ids = _due_reminders(world, 4)
    Notification.objects.filter(pk=ids[0]).update(status=Status.SENT, attempts=1)
    Notification.objects.filter(pk=ids[1]).update(status=Status.SENDING, attempts=1)
    assert notifications_send_batch(ids=ids) == {"skipped": 2, "sent": 2}
    assert _statuses(ids) == [Status.SENT, Status.SENDING, Status.SENT, Status.SENT]
    assert len(mail.outbox) == 2


@ON_POSTGRES
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_batches_with_overlapping_rows_send_each_email_once(world):
    ids = _due_reminders(world, 30)
    first, second = _in_threads(
        lambda: notifications_send_batch(ids=ids[:20]),
        lambda: notifications_send_batch(ids=ids[10:]),
    )
    assert isinstance(first, dict) and isinstance(second, dict), (first, second)
    assert first.get("sent", 0) + second.get("sent", 0) == 30
    assert first.get("skipped", 0) + second.get("skipped", 0) == 10
    assert len(mail.outbox) == 30
    assert len(set(_message_ids(mail.outbox))) == 30
    assert _statuses(ids) == [Status.SENT] * 30
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_a_row_that_gets_421_is_retried_on_its_own_and_the_rest_are_sent_once(world, settings):
    ids = _due_reminders(world, 3)
    with SmtpSink(data_replies=["421 4.3.2 Service busy, try again later"]) as sink:
        settings.MAILERS = sink.mailers()
        assert notifications_send_batch(ids=ids) == {"retry": 1, "sent": 2}
        row = Notification.objects.get(pk=ids[0])
        assert (row.status, row.attempts) == (Status.QUEUED, 1)
        assert row.last_error == "SMTP 421 4.3.2 Service busy, try again later"
        assert _statuses(ids[1:]) == [Status.SENT, Status.SENT]
        # Its own retry, after a backoff; the batch is not sent again.
        with mock.patch("bookings.tasks.retry_delay", return_value=0):
            ran = run_memory_broker_tasks()
        assert ran == [("bookings.tasks.send_notification", [ids[0]])]
        assert (sink.data_attempts, len(sink.messages())) == (4, 3)
    assert _statuses(ids) == [Status.SENT] * 3
    received = [m["Message-ID"] for m in sink.messages()]
    assert len(set(received)) == 3
    row.refresh_from_db()
    assert (row.attempts, row.last_error) == (2, "")


def test_the_retry_of_a_row_in_a_batch_waits_for_its_backoff(world, settings):
    ids = _due_reminders(world, 2)
    with SmtpSink(data_replies=["451 4.3.0 Try later"]) as sink:
        settings.MAILERS = sink.mailers()
        with mock.patch.object(outbox, "retry_delay", return_value=17.0) as delay:
            notifications_send_batch(ids=ids)
    assert delay.call_args.args == (1,)  # after its first try
    queue = memory_broker_messages()
    assert [(name, args) for name, args, _ in queue] == [
        ("bookings.tasks.send_notification", [ids[0]])
    ]


def test_a_row_whose_visit_is_cancelled_before_its_turn_is_not_sent(
    world, django_capture_on_commit_callbacks
):
    """The sweep claimed the batch (queued); while the worker sends the first row, the
    third row's visit is cancelled (through the booking service), and the fourth's is
    cancelled around it (a direct update): neither reminder goes out."""
    ids = _due_reminders(world, 4)
    visits = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "appointment_id"))
    real_send = outbox.mail_send

    def send_then_cancel(message, **kwargs):
        real_send(message, **kwargs)
        if len(mail.outbox) == 1:
            with django_capture_on_commit_callbacks(execute=False):
                appointment_cancel(
                    appointment=Appointment.objects.get(pk=visits[ids[2]]),
                    by_user=world.reception,
                    as_staff=True,
                )
            Appointment.objects.filter(pk=visits[ids[3]]).update(
                status=Appointment.Status.CANCELLED
            )

    with mock.patch.object(outbox, "mail_send", side_effect=send_then_cancel):
        outcomes = notifications_send_batch(ids=ids)

    assert outcomes == {"sent": 2, "skipped": 1, "void": 1}
    assert _statuses(ids) == [Status.SENT, Status.SENT, Status.VOID, Status.VOID]
    reasons = Notification.objects.filter(pk__in=ids[2:]).values_list("last_error", flat=True)
    assert set(reasons) == {"The visit was cancelled."}
    assert len(mail.outbox) == 2


def test_a_row_whose_visit_moves_before_its_turn_is_not_sent(
    world, django_capture_on_commit_callbacks
):
    ids = _due_reminders(world, 2)
    moved = Notification.objects.get(pk=ids[1]).appointment
    real_send = outbox.mail_send

    def send_then_move(message, **kwargs):
        real_send(message, **kwargs)
        with django_capture_on_commit_callbacks(execute=False):
            appointment_reschedule(
                appointment=moved,
                start=f.next_weekday_at(world.clinic, 3, 11),
                by_user=world.reception,
                as_staff=True,
            )

    with mock.patch.object(outbox, "mail_send", side_effect=send_then_move):
        notifications_send_batch(ids=ids)
    assert _statuses(ids) == [Status.SENT, Status.VOID]
    assert Notification.objects.get(pk=ids[1]).last_error == "The visit was moved."
    assert len(mail.outbox) == 1


def test_a_patient_who_turns_reminders_off_during_a_batch_gets_no_more(world):
    ids = _due_reminders(world, 3)
    real_send = outbox.mail_send

    def send_then_opt_out(message, **kwargs):
        real_send(message, **kwargs)
        type(world.patient).objects.filter(pk=world.patient.pk).update(reminders_opt_out=True)

    before = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "claimed_at"))
    with mock.patch.object(outbox, "mail_send", side_effect=send_then_opt_out):
        assert notifications_send_batch(ids=ids) == {"sent": 1, "void": 2}
    assert len(mail.outbox) == 1
    # Voided rows are left as a decision before the claim would leave them: no try
    # counted, the sweep's claim time kept.
    voided = Notification.objects.filter(pk__in=ids[1:]).values_list(
        "pk", "status", "attempts", "claimed_at", "last_error"
    )
    assert sorted(voided) == [
        (pk, Status.VOID, 0, before[pk], "The patient turned reminders off.") for pk in ids[1:]
    ]


def test_a_late_reminder_in_a_batch_is_still_replaced_by_a_later_one_that_came_due(world):
    """The 24-hour reminder of a visit 90 minutes away was never sent (the sweep was away):
    the 2-hour one, due half an hour ago, replaces it."""
    now = timezone.now()
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=now + timedelta(minutes=90),
        location=world.location,
    )
    rows = [
        Notification.objects.create(
            patient=world.patient,
            appointment=visit,
            kind=Kind.REMINDER,
            lead_minutes=lead,
            due_at=visit.start - timedelta(minutes=lead),
            appointment_start_snapshot=visit.start,
            status=Status.QUEUED,
        )
        for lead in (24 * 60, 120)
    ]
    assert notifications_send_batch(ids=[r.pk for r in rows]) == {"void": 1, "sent": 1}
    day_before = Notification.objects.get(pk=rows[0].pk)
    assert day_before.last_error == "A later reminder replaces it (this one was late)."
    assert len(mail.outbox) == 1


def test_a_batch_with_the_mail_server_down_hands_the_untried_rows_to_a_new_batch(world, settings):
    ids = _due_reminders(world, 4)
    settings.MAILERS = SmtpSink().mailers()  # nobody listens there
    with mock.patch.object(outbox, "retry_delay", return_value=20.0):
        assert notifications_send_batch(ids=ids) == {"retry": 1, "handed on": 3}
    # One connection attempt, not four; the first row counts a try and has its retry.
    first = Notification.objects.get(pk=ids[0])
    assert (first.status, first.attempts) == (Status.QUEUED, 1)
    assert first.last_error.startswith("ConnectionRefusedError")
    rest = Notification.objects.filter(pk__in=ids[1:])
    assert set(rest.values_list("status", "attempts")) == {(Status.QUEUED, 0)}
    assert [(n, a) for n, a, _ in memory_broker_messages()] == [
        ("bookings.tasks.send_notification", [ids[0]]),
        ("bookings.tasks.send_notifications", [ids[1:]]),
    ]


def test_a_batch_out_of_time_hands_the_rest_to_a_new_batch(world):
    ids = _due_reminders(world, 3)
    with mock.patch.object(outbox, "BATCH_MAX_SECONDS", -1):
        assert notifications_send_batch(ids=ids) == {"sent": 1, "handed on": 2}
    # The next batch goes on with the rest.
    assert run_memory_broker_tasks() == [("bookings.tasks.send_notifications", [ids[1:]])]
    assert _statuses(ids) == [Status.SENT] * 3
    assert len(mail.outbox) == 3


def test_rows_handed_on_with_the_broker_down_go_back_to_the_sweep(world):
    ids = _due_reminders(world, 3)
    with (
        mock.patch.object(outbox, "BATCH_MAX_SECONDS", -1),
        mock.patch.object(outbox, "_publish_batch", return_value=False),
    ):
        notifications_send_batch(ids=ids)
    assert _statuses(ids) == [Status.SENT, Status.PENDING, Status.PENDING]
    with mock.patch.object(outbox, "_publish_batch", return_value=True):
        assert notifications_dispatch_due() == ids[1:]


def test_a_batch_mixes_kinds_and_renders_each_from_the_database(world):
    """A confirmation (with its calendar file) and a programme message in one batch, as a
    sweep after a broker outage hands them over, next to a reminder."""
    (reminder,) = _due_reminders(world, 1)
    visit = Notification.objects.get(pk=reminder).appointment
    confirmation = Notification.objects.create(
        patient=world.patient,
        appointment=visit,
        kind=Kind.CONFIRMATION,
        due_at=timezone.now() - timedelta(minutes=5),
        appointment_start_snapshot=visit.start,
        status=Status.QUEUED,
    )
    programme = Notification.objects.create(
        patient=world.patient,
        kind=Kind.PROGRAMME_READY,
        due_at=timezone.now(),
        context={"programme": "p1", "link_path": "/programmes/p1/"},
        status=Status.QUEUED,
    )
    ids = [confirmation.pk, reminder, programme.pk]
    assert notifications_send_batch(ids=ids) == {"sent": 3}
    subjects = [m.subject for m in mail.outbox]
    assert subjects[0].startswith("Booking confirmed: ")
    assert subjects[1].startswith("Reminder: your visit on ")
    assert subjects[2] == "Your exercise programme is ready"
    assert any(a.get_content_type() == "text/calendar" for a in mail.outbox[0].attachments)


def test_the_unsubscribe_header_stays_one_url_on_the_wire(world):
    """Python's email package would write a long List-Unsubscribe as RFC 2047 encoded
    words, which mail apps do not read as a URL: it goes out on one line instead."""
    (pk,) = _due_reminders(world, 1)
    row = Notification.objects.select_related("patient", "appointment").get(pk=pk)
    raw = notification_email(row).message(policy=email.policy.SMTP).as_bytes()
    line = next(x for x in raw.split(b"\r\n") if x.startswith(b"List-Unsubscribe:"))
    assert line.startswith(b"List-Unsubscribe: <http://127.0.0.1:8000/reminders/")
    assert line.endswith(b"/>")
    assert b"=?" not in line
    assert len(line) < 998


def test_a_confirmation_after_commit_is_still_one_message_for_one_row(
    world, django_capture_on_commit_callbacks
):
    from bookings.services import appointment_book

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        appointment = appointment_book(
            service=world.service,
            practitioner=world.ep,
            modality="clinic",
            start=f.next_weekday_at(world.clinic, 1, 10),
            patient=world.patient,
            source=Appointment.Source.STAFF,
        )
    confirmation = Notification.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)
    assert memory_broker_messages() == [("bookings.tasks.send_notification", [confirmation.pk], {})]


def test_each_row_of_a_batch_costs_the_same_few_queries(world):
    """Claim, render and mark sent cost a fixed number of queries per email, whatever
    the batch's size: no query grows with the batch."""
    ids = _due_reminders(world, 8)
    few, more = ids[:2], ids[2:]
    per_row_few = _queries(lambda: notifications_send_batch(ids=few)) / 2
    per_row_more = _queries(lambda: notifications_send_batch(ids=more)) / 6
    assert per_row_few == per_row_more <= 8
    assert _statuses(few + more) == [Status.SENT] * 8


def test_a_batch_of_confirmations_carries_the_previsit_link(world):
    """Prescriptions adds the pre-visit questionnaire link to confirmations through the
    hook it registers (bookings does not import prescriptions)."""
    ids = _due_reminders(world, 4)
    Notification.objects.filter(pk__in=ids).update(kind=Kind.CONFIRMATION, lead_minutes=None)
    assert notifications_send_batch(ids=ids) == {"sent": 4}
    assert all(m.subject.startswith("Booking confirmed: ") for m in mail.outbox)
    assert all("/before-your-visit/" in m.body for m in mail.outbox)


def test_a_batch_sends_its_emails_over_one_mail_connection(world, settings):
    ids = _due_reminders(world, 3)
    with SmtpSink() as sink:
        settings.MAILERS = sink.mailers()
        with mock.patch.object(outbox, "mail_connection", wraps=outbox.mail_connection) as made:
            assert notifications_send_batch(ids=ids) == {"sent": 3}
    assert made.call_count == 1
    assert len(sink.messages()) == 3
