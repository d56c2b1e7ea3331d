"""Login lockout (django-axes): keyed on the address tried AND the connection."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from axes.models import AccessAttempt

from tests import factories as f

pytestmark = pytest.mark.django_db

HOME = "203.0.113.10"
ELSEWHERE = "198.51.100.20"


def _login(client: Client, email: str, password: str, ip: str = ELSEWHERE):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


def _fail(client: Client, email: str, times: int, ip: str = ELSEWHERE) -> None:
    for _ in range(times):
        _login(client, email, "not-the-password", ip)


def _logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_four_failures_still_get_the_ordinary_error(world):
    client = Client()
    for _ in range(4):
        response = _login(client, world.patient.user.email, "not-the-password")
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()


def test_the_fifth_failure_locks_out_that_address_from_that_connection(world):
    client = Client()
    _fail(client, world.patient.user.email, 4)

    response = _login(client, world.patient.user.email, "not-the-password")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts to log in" in page
    assert "15 minutes" in page
    assert reverse("password_reset") in page
    # Even the right password is refused while locked out.
    response = _login(client, world.patient.user.email, f.PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)


def test_an_attacker_elsewhere_cannot_lock_the_patient_out(world):
    _fail(Client(), world.patient.user.email, 6, ip=ELSEWHERE)

    patient = Client()
    response = _login(patient, world.patient.user.email, f.PASSWORD, ip=HOME)

    assert response.status_code == 302
    assert _logged_in(patient)


def test_other_accounts_on_the_same_connection_still_log_in(world):
    client = Client()
    _fail(client, world.patient.user.email, 5)

    response = _login(client, world.other_patient.user.email, f.PASSWORD)

    assert response.status_code == 302
    assert _logged_in(client)


def test_changing_the_case_of_the_address_buys_no_extra_guesses(world):
    client = Client()
    email = world.patient.user.email
    for variant in [email.upper(), email.title(), f"  {email} ", email.capitalize()]:
        _login(client, variant, "not-the-password")

    response = _login(client, email.swapcase(), "not-the-password")

    assert response.status_code == 429


def test_the_address_matches_whatever_its_case(world):
    client = Client()
    response = _login(client, world.patient.user.email.upper(), f.PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_unknown_addresses_lock_out_the_same_way(db):
    """The lockout page never tells whether the address has an account."""
    client = Client()
    _fail(client, "nobody@example.org", 4)
    response = _login(client, "nobody@example.org", "not-the-password")
    assert response.status_code == 429


def test_the_lockout_lifts_after_the_cool_off(world):
    client = Client()
    _fail(client, world.patient.user.email, 5)
    assert _login(client, world.patient.user.email, f.PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = _login(client, world.patient.user.email, f.PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_successful_login_starts_the_count_again(world):
    client = Client()
    _fail(client, world.patient.user.email, 4)
    assert _login(client, world.patient.user.email, f.PASSWORD).status_code == 302
    client.post(reverse("logout"))

    _fail(client, world.patient.user.email, 4)
    response = _login(client, world.patient.user.email, f.PASSWORD)

    assert response.status_code == 302


def test_the_limit_and_cool_off_are_settings(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=45)
    client = Client()
    _login(client, world.patient.user.email, "not-the-password")
    response = _login(client, world.patient.user.email, "not-the-password")
    assert response.status_code == 429
    assert "45 minutes" in response.content.decode()
    assert response["Retry-After"] == str(45 * 60)
