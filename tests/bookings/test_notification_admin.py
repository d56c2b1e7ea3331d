"""The outbox in the Django admin: staff read it, filter it, and retry failed messages;
nobody edits or deletes a row by hand."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Notification
from tests import factories as f
from tests.conftest import World

LIST_URL = reverse("admin:bookings_notification_changelist")


@pytest.fixture
def superuser_client(world: World) -> Client:
    user = f.make_user(email="root@example.org", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def _outbox(world: World) -> tuple[Notification, Notification]:
    start = f.next_weekday_at(world.clinic, 1, 10)
    appointment = f.make_appointment(
        patient=world.patient, practitioner=world.ep, service=world.service, start=start
    )
    now = timezone.now()
    sent = Notification.objects.create(
        patient=world.patient,
        appointment=appointment,
        kind=Notification.Kind.CONFIRMATION,
        due_at=now - timedelta(minutes=5),
        status=Notification.Status.SENT,
        sent_at=now,
    )
    failed = Notification.objects.create(
        patient=world.patient,
        appointment=appointment,
        kind=Notification.Kind.REMINDER,
        lead_minutes=120,
        due_at=now - timedelta(minutes=1),
        status=Notification.Status.FAILED,
        attempts=1,
        last_error="SMTP 550 Mailbox unavailable",
    )
    return sent, failed


def test_staff_filter_the_outbox_by_status_and_find_an_appointments_messages(
    world: World, superuser_client: Client
) -> None:
    sent, failed = _outbox(world)

    only_failed = superuser_client.get(LIST_URL, {"status__exact": "failed"})
    by_code = superuser_client.get(LIST_URL, {"q": str(sent.appointment.code)})
    nonsense = superuser_client.get(LIST_URL, {"q": "not-a-code"})

    assert list(only_failed.context["cl"].result_list) == [failed]
    assert "SMTP 550 Mailbox unavailable" in only_failed.text
    assert set(by_code.context["cl"].result_list) == {sent, failed}
    assert nonsense.status_code == 200
    assert list(nonsense.context["cl"].result_list) == []


def test_the_admin_cannot_add_edit_or_delete_outbox_rows(
    world: World, superuser_client: Client
) -> None:
    sent, _ = _outbox(world)
    change_url = reverse("admin:bookings_notification_change", args=[sent.pk])

    superuser_client.post(change_url, {"status": "pending", "due_at": "2030-01-01"})

    assert superuser_client.get(reverse("admin:bookings_notification_add")).status_code == 403
    assert (
        superuser_client.get(reverse("admin:bookings_notification_delete", args=[sent.pk]))
    ).status_code == 403
    sent.refresh_from_db()
    assert sent.status == Notification.Status.SENT


def test_retrying_from_the_admin_replans_failed_messages_only(
    world: World, superuser_client: Client
) -> None:
    sent, failed = _outbox(world)

    superuser_client.post(
        LIST_URL,
        {"action": "retry_failed", "_selected_action": [sent.pk, failed.pk]},
    )

    sent.refresh_from_db()
    failed.refresh_from_db()
    assert failed.status == Notification.Status.PENDING
    assert failed.attempts == 0
    assert sent.status == Notification.Status.SENT
