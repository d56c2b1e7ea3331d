"""The staff appointment page's message history in a real browser: readable at 375 px,
axe-clean, and a failed email can be tried again with the keyboard alone."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from bookings.models import Notification
from bookings.notifications import notifications_plan_for_booking
from tests import factories as f
from tests.browser.conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)

Status = Notification.Status


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_staff_read_the_message_history_and_retry_a_failed_email(page, live_server, world):
    now = timezone.now().replace(second=0, microsecond=0)
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=now + timedelta(hours=20),
    )
    with transaction.atomic():
        notifications_plan_for_booking(appointment=appointment, now=now - timedelta(days=2))
    Notification.objects.filter(kind="confirmation").update(
        status=Status.SENT, sent_at=now - timedelta(days=2)
    )
    failed = Notification.objects.get(lead_minutes=24 * 60)
    Notification.objects.filter(pk=failed.pk).update(
        status=Status.FAILED,
        attempts=1,
        last_error="Recipient refused 550 5.1.1 <<address>>: mailbox unavailable",
    )

    _log_in(page, live_server, world.reception)
    page.goto(live_server.url + reverse("bookings:staff-appointment", args=[appointment.code]))
    history = page.get_by_role("table", name="Emails about this appointment")
    assert history.get_by_role("row").count() == 4
    assert "mailbox unavailable" in history.inner_text()
    check_page(page, "staff-appointment-message-history")

    button = page.get_by_role("button", name="Try again: Reminder (the day before)")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("Reminder (the day before): sending it again now.")
    assert page.get_by_role("button", name="Try again").count() == 0
    check_page(page, "staff-appointment-message-history-retried")
    failed.refresh_from_db()
    assert failed.status in (Status.PENDING, Status.QUEUED)
