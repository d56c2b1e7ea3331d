"""Pain flags that reach the clinician: the pain rule's flag is stored once, emails the
treating practitioner once through the outbox (ids only in the task message), shows on
the patient's staff page and the schedule until a practitioner marks it seen."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Notification
from bookings.tasks import send_notification
from clinic.models import AccessLog
from prescriptions.models import PainFlag
from prescriptions.patient_programme.flags import pain_flag_mark_seen
from prescriptions.patient_programme.services import (
    EntryInput,
    session_flag_review,
    session_log_record,
    session_morning_pain_record,
)
from tests import factories as f
from tests.outbox import email_parts, memory_broker_messages

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_broker")]
SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


@pytest.fixture
def programme(world):
    return f.make_published_programme(
        world.patient, world.ep, published_at=timezone.now() - timedelta(days=7)
    )


def _today():
    return timezone.now().astimezone(SYDNEY).date()


def _record(programme, *, pain, client_id=None):
    version = programme.current_version
    entries = [
        EntryInput(item=i, done=True, reps=10, pain_during=pain, rpe=6)
        for i in version.items.order_by("order")
    ]
    return session_log_record(
        patient=programme.patient,
        version=version,
        performed_on=_today(),
        entries=entries,
        today=_today(),
        client_id=client_id,
    )


def _send_messages():
    """Play the worker: run each send message on the in-memory broker, as it would."""
    ran = []
    for name, args, _ in memory_broker_messages():
        assert name == "bookings.tasks.send_notification"
        ran.append(send_notification.apply(args=args).get())
    return ran


def test_a_pain_flag_emails_the_practitioner_exactly_once(
    programme, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session, check = _record(programme, pain=7)
    assert check.flag
    flag = PainFlag.objects.get()
    assert (flag.session, flag.kind, flag.practitioner) == (session, "during", world.ep)
    row = flag.notification
    assert (row.kind, row.recipient, row.patient) == ("pain_flag", world.ep.user, world.patient)
    # Ids and a site path only: no name, no score, no reason in the stored context.
    assert row.context == {"pain_flag": flag.pk, "link_path": world.patient.get_absolute_url()}
    messages = memory_broker_messages()
    assert [(name, args) for name, args, _ in messages] == [
        ("bookings.tasks.send_notification", [row.pk])
    ]

    # The task runs twice (a redelivered message): one email.
    assert send_notification.apply(args=[row.pk]).get() == "sent"
    assert send_notification.apply(args=[row.pk]).get() == "skipped"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.ep.user.email]
    assert world.patient.full_name in message.subject
    body = email_parts(message)["text/plain"]
    assert f"/staff/patients/{world.patient.code}/" in body
    for clinical in ("7/10", "Hip thrust", "above 5/10"):
        assert clinical not in body and clinical not in email_parts(message)["text/html"]


def test_no_flag_no_email(programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _record(programme, pain=3)
    assert not PainFlag.objects.exists()
    assert not Notification.objects.filter(kind="pain_flag").exists()


def test_a_session_sent_twice_is_recorded_once_with_one_flag(
    programme, django_capture_on_commit_callbacks
):
    client_id = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = _record(programme, pain=8, client_id=client_id)
        second, again = _record(programme, pain=8, client_id=client_id)
    assert first.pk == second.pk and again.flag
    assert programme.patient.session_logs.count() == 1
    assert PainFlag.objects.count() == 1
    assert _send_messages() == ["sent"]
    assert len(mail.outbox) == 1


def test_the_morning_flag_is_a_second_flag_with_its_own_email(
    programme, world, django_capture_on_commit_callbacks
):
    version = programme.current_version
    day = _today() - timedelta(days=1)
    session = f.make_session(version, performed_on=day)
    # Baseline mornings of 1/10 (the week before) make 6/10 two or more above it.
    for back in range(2, 9):
        f.make_session(
            version,
            performed_on=day - timedelta(days=back),
            morning_pain=1,
            morning_pain_logged_at=timezone.now(),
        )
    morning = datetime.combine(day + timedelta(days=1), time(8), tzinfo=SYDNEY)
    with django_capture_on_commit_callbacks(execute=True):
        _saved, check = session_morning_pain_record(session=session, morning_pain=6, now=morning)
    assert check.flag
    assert list(PainFlag.objects.values_list("kind", flat=True)) == ["morning"]
    assert _send_messages() == ["sent"]


def test_the_staff_page_shows_the_flag_until_marked_seen(programme, world, client_as_practitioner):
    session, _ = _record(programme, pain=7)
    flag = PainFlag.objects.get()
    page = client_as_practitioner.get(world.patient.get_absolute_url()).content.decode()
    assert "Pain flag to review" in page
    assert "Hip thrust: Pain during exercise was 7/10" in page

    url = reverse("prescriptions:pain-flag-seen", args=[flag.code])
    response = client_as_practitioner.post(url)
    assert response.status_code == 302
    assert response["Location"] == world.patient.get_absolute_url()
    flag.refresh_from_db()
    session.refresh_from_db()
    assert flag.seen_by == world.ep.user and flag.seen_at is not None
    assert session.flag_reviewed_by == world.ep.user  # its only flag: the session is reviewed
    assert AccessLog.objects.filter(
        action="change", patient=world.patient, user=world.ep.user
    ).exists()
    page = client_as_practitioner.get(world.patient.get_absolute_url()).content.decode()
    assert "Pain flag to review" not in page
    assert flag.record_history.first().seen_by == world.ep.user  # kept in its history


def test_reception_and_other_clinics_cannot_see_or_mark_a_flag(
    programme, world, client_as_reception, client_as_outsider
):
    _record(programme, pain=7)
    flag = PainFlag.objects.get()
    page = client_as_reception.get(world.patient.get_absolute_url()).content.decode()
    assert "Pain flag" not in page
    url = reverse("prescriptions:pain-flag-seen", args=[flag.code])
    assert client_as_reception.post(url).status_code == 404
    assert client_as_outsider.post(url).status_code == 404
    flag.refresh_from_db()
    assert flag.seen_at is None


def test_the_flag_shows_on_the_schedule_beside_the_next_visit_until_seen(
    programme, world, client_as_practitioner
):
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
        location=world.location,
    )
    _record(programme, pain=7)
    url = f"{reverse('bookings:staff-calendar')}?date={visit.start.date().isoformat()}"
    assert "Pain flag to review" in client_as_practitioner.get(url).content.decode()
    pain_flag_mark_seen(flag=PainFlag.objects.get(), by=world.ep.user)
    assert "Pain flag to review" not in client_as_practitioner.get(url).content.decode()


def test_reviewing_on_the_progress_page_marks_the_flags_seen(programme, world):
    session, _ = _record(programme, pain=7)
    session_flag_review(session=session, by=world.ep.user)
    assert not PainFlag.objects.filter(seen_at__isnull=True).exists()
