"""The choice of email or text message, on the patient's reminders page and the staff
patient page, in a real browser at 375 px and by keyboard alone: axe-clean, and an
impossible choice shows its error by the field."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

import pytest
from playwright.sync_api import expect

from bookings.tokens import opt_out_token_for
from clinic.models import Patient
from tests.browser.conftest import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_chooses_text_messages_by_keyboard(page, live_server, world):
    Patient.objects.filter(pk=world.patient.pk).update(phone="02 9000 0000")
    url = reverse("bookings:reminders-opt-out", args=[opt_out_token_for(world.patient)])
    page.goto(live_server.url + url)
    check_page(page, "reminders-channel")

    page.get_by_role("radio", name="Both").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert (
        page.get_by_role("alert")
        .get_by_role("link")
        .inner_text()
        .startswith("We have no Australian mobile number for you")
    )
    check_page(page, "reminders-channel-error")

    Patient.objects.filter(pk=world.patient.pk).update(phone="0412 345 678")
    page.goto(live_server.url + url)
    page.get_by_role("radio", name="Text message").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("Saved: your reminders come by text message.")
    check_page(page, "reminders-channel-saved")
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "sms"


def test_reception_set_text_reminders_on_the_patient_page_by_keyboard(page, live_server, world):
    client = Client()
    client.force_login(world.reception)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.goto(live_server.url + reverse("bookings:staff-patient-detail", args=[world.patient.code]))
    page.get_by_role("radio", name="Email and text message").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save how reminders go").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("body")).to_contain_text("Reminders now go by email and text message.")
    check_page(page, "staff-patient-reminder-channel")
    world.patient.refresh_from_db()
    assert world.patient.reminder_channel == "both"
