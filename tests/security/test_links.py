"""Signed links are single-purpose (a salt per purpose) and expire."""

from __future__ import annotations

import time
from datetime import timedelta
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
from clinic.deletion import patient_deletion_request
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
    days = settings.STANCE_MANAGE_LINK_MAX_AGE_DAYS
    issued = appointment.start - timedelta(days=days + 30)  # booked long before the visit
    token = manage_token_for(appointment, now=issued)
    inside = issued + timedelta(days=days, seconds=-60)
    assert appointment_code_from_manage_token(token, now=inside) == str(appointment.code)
    outside = issued + timedelta(days=days, seconds=60)
    assert appointment_code_from_manage_token(token, now=outside) is None


def test_a_manage_token_never_outlives_its_visit(appointment, client):
    token = manage_token_for(appointment, now=appointment.start - timedelta(days=2))
    url = reverse("bookings:api-appointment-detail", args=[appointment.code])
    assert client.get(url, {"token": token}).status_code == 200
    appointment.start -= timedelta(days=30)
    appointment.end -= timedelta(days=30)
    appointment.blocked_until -= timedelta(days=30)
    appointment.save()
    assert client.get(url, {"token": token}).status_code == 404


def test_showing_a_manage_token_again_never_extends_it(appointment, client, settings):
    """The API answers a caller who came with a link with that same link, not a new one
    whose expiry would start again (issue 16)."""
    token = manage_token_for(appointment)
    url = reverse("bookings:api-appointment-detail", args=[appointment.code])

    shown = client.get(url, {"token": token}).json()["manage_token"]

    assert shown == token


def test_a_time_stamped_manage_link_sent_before_the_change_still_works(appointment):
    legacy = signing.dumps(str(appointment.code), salt=MANAGE_SALT, compress=False)
    assert appointment_code_from_manage_token(legacy) == str(appointment.code)


def test_deleting_the_account_revokes_its_manage_links_in_the_api_too(appointment, client):
    token = manage_token_for(appointment)
    url = reverse("bookings:api-appointment-detail", args=[appointment.code])
    assert client.get(url, {"token": token}).status_code == 200

    patient_deletion_request(patient=appointment.patient, requested_by=None)

    assert client.get(url, {"token": token}).status_code == 404
    assert client.get(url, HTTP_X_MANAGE_TOKEN=token).status_code == 404
    assert client.get(reverse("bookings:manage", args=[token])).status_code == 410


def test_each_purpose_has_its_own_salt():
    assert len({MANAGE_SALT, OPT_OUT_SALT}) == 2


def test_an_opt_out_link_from_an_email_already_sent_still_works(world):
    """Opt-out tokens are made with clinic/links.py now; a token made as before (the
    patient's code signed with the same salt, uncompressed) names the same patient, and
    it never expires."""
    made_before = signing.dumps(str(world.patient.code), salt=OPT_OUT_SALT, compress=False)
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 10 * 365 * 86400):
        assert patient_from_opt_out_token(made_before) == world.patient
