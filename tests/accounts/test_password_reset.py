"""Asking for a password link never tells whether an address has an account."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

import pytest

from clinic.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"
NEW_PASSWORD = "maple kettle orbit lantern"


def _ask(client: Client, email: str, ip: str = "203.0.113.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def test_known_and_unknown_addresses_get_the_same_answer(world, mailoutbox):
    known = _ask(Client(), world.patient.user.email)
    unknown = _ask(Client(), "nobody-here@example.org")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert [m.to for m in mailoutbox] == [[world.patient.user.email]]


def test_a_failing_mail_server_changes_nothing_the_visitor_sees(world, settings, caplog):
    # An SMTP server that refuses connections (nothing listens on port 9).
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    known = _ask(Client(), world.patient.user.email)
    unknown = _ask(Client(), "nobody-here@example.org")

    assert "Failed to send password reset email" in caplog.text  # it really failed
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    done = Client().get(known["Location"])
    assert done.status_code == 200
    assert "If the address has an account" in done.content.decode()


def test_an_inactive_account_gets_no_email_and_the_same_answer(world, mailoutbox):
    world.other_patient.user.is_active = False
    world.other_patient.user.save()
    response = _ask(Client(), world.other_patient.user.email)
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_someone_who_booked_without_a_password_can_set_one(world, mailoutbox):
    user = f.make_user(email="booked-online@example.org", password=None)
    assert not user.has_usable_password()

    _ask(Client(), "Booked-Online@Example.org")

    assert len(mailoutbox) == 1
    client = Client()
    form_url = client.get(_link(mailoutbox[0].body))["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_link_points_at_the_site_address_not_the_request_host(world, settings, mailoutbox):
    settings.SITE_URL = "https://clinic.example"
    _ask(Client(), world.patient.user.email)
    assert "https://clinic.example/accounts/reset/" in mailoutbox[0].body
    assert world.clinic.name in mailoutbox[0].subject


def test_a_weak_new_password_is_refused_next_to_the_field(world, mailoutbox):
    user = world.patient.user
    _ask(Client(), user.email)
    client = Client()
    form_url = client.get(_link(mailoutbox[0].body))["Location"]

    response = client.post(form_url, {"new_password1": "short-pw", "new_password2": "short-pw"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_new_password2"' in page
    assert "at least 12 characters" in page
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)


def test_each_client_may_ask_only_so_often(world, settings, mailoutbox):
    settings.STANCE_PASSWORD_RESET_RATE_LIMIT = "2/hour"
    client = Client()
    assert _ask(client, "a@example.org").status_code == 302
    assert _ask(client, "b@example.org").status_code == 302

    response = _ask(client, world.patient.user.email)

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert mailoutbox == []
    # Another connection is not affected.
    assert _ask(Client(), world.patient.user.email, ip="198.51.100.1").status_code == 302


def test_one_inbox_gets_at_most_three_links_an_hour_without_a_different_answer(world, mailoutbox):
    answers = {
        _ask(Client(), world.patient.user.email, ip=f"198.51.100.{n}")["Location"]
        for n in range(1, 6)
    }
    assert answers == {reverse("password_reset_done")}
    assert len(mailoutbox) == 3


# --- The password rules --------------------------------------------------------------


def _problems(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_eleven_characters_are_too_few_and_twelve_are_enough():
    assert any("at least 12" in m for m in _problems("zq8#kvlw.pme"[:11]))
    assert _problems("zq8#kvlw.pme") == []


def test_common_passwords_are_refused_however_long():
    assert any("too common" in m for m in _problems("password1234"))


def test_a_password_like_the_email_address_is_refused():
    user = User(email="harriet.quill@example.org", first_name="Harriet", last_name="Quill")
    assert any("too similar" in m for m in _problems("harriet.quill.example", user))


def test_no_composition_rules_a_long_lower_case_phrase_is_fine():
    assert _problems(NEW_PASSWORD) == []
    assert _problems("x" * 11 + "y" * 60) == []
