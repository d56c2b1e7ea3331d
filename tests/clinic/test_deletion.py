"""Deleting a patient's account: the login and contact details go, clinical records stay
for the clinic's retention period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from axes.models import AccessAttempt
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.models import Appointment, Notification
from bookings.services import appointment_book, patient_match_or_create
from clinic.accounts.services import mfa_backup_codes_regenerate
from clinic.deletion import patient_deletion_request, retention_end
from clinic.errors import DomainError
from clinic.models import DeletionRequest, Patient
from prescriptions.assessments.services import assessment_create
from prescriptions.models import Assessment
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(world):
    """An upcoming visit booked through the service, so its emails are planned."""
    return appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=f.next_weekday_at(world.clinic, 1, 10),
        patient=world.patient,
        source=Appointment.Source.ONLINE,
        booked_by=None,
    )


@pytest.fixture
def past_visit(world):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=20),
        status=Appointment.Status.ATTENDED,
    )


@pytest.fixture
def assessment(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date() - timedelta(days=20),
        conditions=["acl"],
    )


def test_it_removes_contact_details_and_closes_the_login(world, booked):
    user = world.patient.user
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    mfa_backup_codes_regenerate(user=user)
    AccessAttempt.objects.create(
        username=user.email, ip_address="192.0.2.1", user_agent="x", failures_since_start=1
    )
    world.patient.timezone = "Europe/London"
    world.patient.reminders_opt_out = True
    world.patient.save()
    logged_in = Client()
    logged_in.force_login(user)

    request = patient_deletion_request(patient=world.patient, requested_by=user)

    patient = Patient.objects.get(pk=world.patient.pk)
    assert (patient.email, patient.phone, patient.timezone) == ("", "", "")
    assert patient.reminders_opt_out is False
    assert (patient.first_name, patient.date_of_birth) == ("Pat", world.patient.date_of_birth)
    user.refresh_from_db()
    assert user.is_active is False
    assert not user.has_usable_password()
    assert user.email.endswith("@deleted.invalid")
    assert (user.first_name, user.last_name) == ("", "")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.filter(username__iexact="pat@example.org").exists()
    assert not any(s.get_decoded().get(SESSION_KEY) == str(user.pk) for s in Session.objects.all())
    assert logged_in.get(reverse("bookings:my-appointments")).status_code == 302
    assert request.requested_by == user


def test_it_cancels_upcoming_visits_and_sends_nothing_more(world, booked):
    Notification.objects.filter(patient=world.patient).update(context={"path": "/x"})

    request = patient_deletion_request(patient=world.patient, requested_by=world.patient.user)

    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED
    assert request.cancelled_appointments == 1
    rows = Notification.objects.filter(patient=world.patient)
    assert rows.exists()
    assert {n.status for n in rows} <= {Notification.Status.VOID, Notification.Status.SENT}
    assert all(n.context == {} for n in rows)


def test_clinical_records_stay(world, past_visit, assessment):
    patient_deletion_request(patient=world.patient, requested_by=world.patient.user)
    assert Appointment.objects.get(pk=past_visit.pk).status == Appointment.Status.ATTENDED
    assert Assessment.objects.filter(pk=assessment.pk, patient=world.patient).exists()


def test_adults_records_are_kept_for_the_clinics_years(world):
    world.clinic.record_retention_years = 7
    world.clinic.save()
    today = timezone.now().astimezone(world.clinic.tz).date()
    request = patient_deletion_request(patient=world.patient, requested_by=None)
    assert request.retain_until == today.replace(year=today.year + 7)


def test_a_minors_records_are_kept_until_they_are_25_if_that_is_later(world):
    child = f.make_patient(world.clinic, date_of_birth=date(2020, 6, 1))
    assert retention_end(patient=child, on=date(2026, 3, 1)) == date(2045, 6, 1)
    teen = f.make_patient(world.clinic, date_of_birth=date(2009, 1, 1))
    assert retention_end(patient=teen, on=date(2026, 3, 1)) == date(2034, 1, 1)  # 25th
    world.clinic.record_retention_years = 10
    world.clinic.save()
    teen.clinic.refresh_from_db()
    assert retention_end(patient=teen, on=date(2026, 3, 1)) == date(2036, 3, 1)  # 10 years


def test_a_leap_day_request_keeps_records_to_the_28th(world):
    assert retention_end(patient=world.patient, on=date(2028, 2, 29)) == date(2035, 2, 28)


def test_it_happens_once(world):
    patient_deletion_request(patient=world.patient, requested_by=None)
    with pytest.raises(DomainError, match="already"):
        patient_deletion_request(patient=world.patient, requested_by=None)
    assert DeletionRequest.objects.count() == 1


def test_two_deleted_patients_of_one_clinic_may_both_have_no_email(world):
    patient_deletion_request(patient=world.patient, requested_by=None)
    patient_deletion_request(patient=world.other_patient, requested_by=None)
    assert Patient.objects.filter(clinic=world.clinic, email="").count() == 2


def test_a_deleted_address_cannot_ask_for_a_password_link(world, client, mailoutbox):
    patient_deletion_request(patient=world.patient, requested_by=None)
    response = client.post(reverse("password_reset"), {"email": "pat@example.org"})
    assert response.status_code == 302
    assert mailoutbox == []


def test_booking_again_with_the_old_address_makes_a_new_record(world):
    patient_deletion_request(patient=world.patient, requested_by=None)
    again = patient_match_or_create(
        clinic=world.clinic,
        first_name="Pat",
        last_name="Again",
        email="pat@example.org",
        phone="0400 111 222",
        date_of_birth=date(1985, 3, 14),
    )
    assert again.pk != world.patient.pk
    assert again.user is not None and again.user.is_active


# --- The page -----------------------------------------------------------------------


def _delete_url() -> str:
    return reverse("records:delete")


def test_the_page_says_what_goes_and_what_stays(world, booked, client_as_patient):
    response = client_as_patient.get(_delete_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 upcoming visit is cancelled" in body
    assert "We keep your name, date of birth, visits and clinical records until" in body


def test_it_needs_the_tick_and_the_password(world, client_as_patient):
    response = client_as_patient.post(_delete_url(), {"password": f.PASSWORD})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    response = client_as_patient.post(_delete_url(), {"confirm": "on", "password": "wrong one!"})
    assert response.status_code == 400
    assert "The password is not right" in response.content.decode()
    assert not DeletionRequest.objects.exists()
    world.patient.user.refresh_from_db()
    assert world.patient.user.is_active


def test_confirming_deletes_and_logs_out(world, client_as_patient):
    response = client_as_patient.post(_delete_url(), {"confirm": "on", "password": f.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("records:deleted")
    assert DeletionRequest.objects.get().patient == world.patient
    assert SESSION_KEY not in client_as_patient.session
    assert "has been deleted" in client_as_patient.get(response["Location"]).content.decode()


def test_wrong_passwords_pause_after_five(world, client_as_patient):
    for _ in range(5):
        client_as_patient.post(_delete_url(), {"confirm": "on", "password": "nope nope"})
    response = client_as_patient.post(_delete_url(), {"confirm": "on", "password": f.PASSWORD})
    assert response.status_code == 429
    assert not DeletionRequest.objects.exists()


def test_staff_see_that_the_account_was_deleted(world, client_as_reception, client_as_admin):
    patient_deletion_request(patient=world.patient, requested_by=world.patient.user)
    url = reverse("bookings:staff-patient-detail", args=[world.patient.code])
    page = client_as_reception.get(url)
    assert "deleted their online account" in page.content.decode()
    listing = client_as_admin.get(reverse("audit:deletions")).content.decode()
    assert reverse("audit:patient", args=[world.patient.code]) in listing


def test_the_time_of_the_request_is_kept(world):
    at = datetime(2026, 3, 1, 9, tzinfo=world.clinic.tz)
    request = patient_deletion_request(patient=world.patient, requested_by=None, now=at)
    assert request.requested_at == at
