"""Signed links are single-purpose (a salt per purpose) and expire."""

from __future__ import annotations

import time
from unittest import mock

from django.core import signing
from django.urls import reverse

import pytest

from bookings.tokens import (
    MANAGE_SALT,
    OPT_OUT_SALT,
    appointment_code_from_manage_token,
    manage_token_for,
    patient_from_opt_out_token,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(world):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 0, 10),
    )


def test_a_manage_token_opens_its_own_appointment(appointment):
    assert appointment_code_from_manage_token(manage_token_for(appointment)) == str(
        appointment.code
    )


@pytest.mark.parametrize("salt", [None, "stance.bookings.reminders-opt-out", "other.purpose"])
def test_the_same_code_signed_for_another_purpose_is_refused(appointment, client, salt):
    kwargs = {"salt": salt} if salt else {}
    forged = signing.dumps(str(appointment.code), **kwargs)
    assert appointment_code_from_manage_token(forged) is None
    assert client.get(reverse("bookings:manage", args=[forged])).status_code == 404
    response = client.get(
        reverse("bookings:api-appointment-detail", args=[appointment.code]), {"token": forged}
    )
    assert response.status_code == 404


def test_a_manage_token_is_not_a_reminder_opt_out_token(appointment, client):
    token = manage_token_for(appointment)
    assert patient_from_opt_out_token(token) is None
    assert client.post(reverse("bookings:reminders-opt-out", args=[token])).status_code == 404


def test_a_manage_token_expires_after_the_configured_days(appointment, settings):
    token = manage_token_for(appointment)
    days = settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS
    just_inside = time.time() + (days * 86400) - 60
    with mock.patch("django.core.signing.time.time", return_value=just_inside):
        assert appointment_code_from_manage_token(token) == str(appointment.code)
    with mock.patch("django.core.signing.time.time", return_value=time.time() + days * 86400 + 60):
        assert appointment_code_from_manage_token(token) is None


def test_each_purpose_has_its_own_salt():
    assert len({MANAGE_SALT, OPT_OUT_SALT}) == 2


def test_an_opt_out_link_from_an_email_already_sent_still_works(world):
    """Opt-out tokens are made with clinic/links.py now; a token made as before (the
    patient's code signed with the same salt, uncompressed) names the same patient, and
    it never expires."""
    made_before = signing.dumps(str(world.patient.code), salt=OPT_OUT_SALT, compress=False)
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 10 * 365 * 86400):
        assert patient_from_opt_out_token(made_before) == world.patient
