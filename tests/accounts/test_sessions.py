"""Sessions: a new key at login, HttpOnly cookies, idle timeouts, a fixed end for staff."""

from __future__ import annotations

import time
from datetime import timedelta

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.accounts.signals import LAST_SEEN_KEY
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _idle_for(client: Client, minutes: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time() - minutes * 60)
    session.save()


def test_logging_in_gives_the_session_a_new_key(world):
    client = Client()
    session = client.session
    session["booking_draft"] = {"service": 1}  # an anonymous visitor's session
    session.save()
    before = session.session_key

    response = client.post(
        reverse("login"), {"username": world.patient.user.email, "password": f.PASSWORD}
    )

    assert response.status_code == 302
    after = client.session
    assert after.session_key != before
    assert after[SESSION_KEY] == str(world.patient.user.pk)
    assert after["booking_draft"] == {"service": 1}  # kept, under the new key
    assert not SessionStore().exists(before)


def test_the_session_cookie_is_http_only(world):
    client = Client()
    response = client.post(
        reverse("login"), {"username": world.patient.user.email, "password": f.PASSWORD}
    )
    assert response.cookies["sessionid"]["httponly"] is True
    assert response.cookies["sessionid"]["samesite"] == "Lax"


def test_secure_cookies_carry_the_secure_flag(world, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    login_page = client.get(reverse("login"))
    response = client.post(
        reverse("login"), {"username": world.patient.user.email, "password": f.PASSWORD}
    )
    assert response.cookies["sessionid"]["secure"] is True
    assert login_page.cookies["csrftoken"]["secure"] is True


def test_staff_are_logged_out_after_thirty_idle_minutes(world):
    client = _client(world.reception)
    _idle_for(client, 31)

    response = client.get(reverse("bookings:staff-schedule"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "logged out after 30 minutes without activity" in page


def test_staff_who_keep_working_stay_logged_in(world):
    client = _client(world.reception)
    _idle_for(client, 29)
    assert client.get(reverse("bookings:staff-schedule")).status_code == 200
    # That request counted as activity.
    assert client.session[LAST_SEEN_KEY] >= int(time.time()) - 5


def test_patients_get_longer(world, settings):
    client = _client(world.patient.user)
    _idle_for(client, 31)
    assert client.get(reverse("bookings:my-appointments")).status_code == 200

    _idle_for(client, settings.STANCE_PATIENT_IDLE_TIMEOUT_MINUTES + 1)
    response = client.get(reverse("bookings:my-appointments"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_the_staff_timeout_is_a_setting(world, settings):
    settings.STANCE_STAFF_IDLE_TIMEOUT_MINUTES = 5
    client = _client(world.ep.user)
    _idle_for(client, 6)
    assert client.get(reverse("bookings:staff-schedule")).status_code == 302


def test_staff_sessions_end_a_working_day_after_login_however_active(world, settings):
    client = _client(world.reception)
    expires = client.session.get_expiry_date()
    expected = timezone.now() + timedelta(hours=settings.STANCE_STAFF_SESSION_MAX_HOURS)
    assert abs(expires - expected) < timedelta(minutes=1)

    patient_expires = _client(world.patient.user).session.get_expiry_date()
    assert patient_expires - timezone.now() > timedelta(days=7)


def test_anonymous_requests_write_no_session(db):
    client = Client()
    client.get(reverse("home"))
    assert "sessionid" not in client.cookies
