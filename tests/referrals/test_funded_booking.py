"""Booking a visit under a referral on the staff booking page: the count, the warning
past the cap and the reason it needs."""

from datetime import timedelta

from django.urls import reverse

import pytest

from bookings.forms.staff import slot_value
from bookings.funding import funding_check, referral_usage
from bookings.models import Appointment
from clinic.models import OutsideServices
from tests import factories as f

pytestmark = pytest.mark.django_db


def _book_url(world, patient, day):
    return (
        f"{reverse('bookings:staff-book')}?patient={patient.code}&service={world.service.code}"
        f"&modality=clinic&practitioner={world.ep.code}&date={day.isoformat()}"
    )


def _used(world, referral, start, count, **kw):
    for i in range(count):
        f.make_appointment(
            patient=world.patient,
            practitioner=world.ep,
            service=world.service,
            start=start.replace(hour=13 + i),
            referral=referral,
            **kw,
        )


@pytest.fixture
def gpccmp(world):
    return f.make_referral(world.patient, by=world.admin)


def test_the_fifth_gpccmp_service_shows_5_of_5_and_the_sixth_needs_a_reason(
    client_as_reception, world, gpccmp
):
    start = f.next_weekday_at(world.clinic, 2, 10)
    _used(world, gpccmp, start, 4)
    url = _book_url(world, world.patient, start.date())
    page = client_as_reception.get(url).content.decode()
    assert "Medicare GPCCMP: 4 of 5 used in " in page
    assert f'<option value="{gpccmp.code}" selected>' in page  # the one open referral

    value = slot_value(practitioner_code=world.ep.code, start=start, location_id=world.location.pk)
    response = client_as_reception.post(url, {"slot": value, "referral": str(gpccmp.code)})
    assert response.status_code == 302
    fifth = Appointment.objects.get(patient=world.patient, start=start)
    assert fifth.referral == gpccmp and fifth.funding_reason == ""
    page = client_as_reception.get(url).content.decode()
    assert f"Medicare GPCCMP: 5 of 5 used in {start.year}" in page

    sixth = start + timedelta(minutes=30)
    value = slot_value(practitioner_code=world.ep.code, start=sixth, location_id=world.location.pk)
    response = client_as_reception.post(url, {"slot": value, "referral": str(gpccmp.code)})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Medicare GPCCMP: all 5 services in {start.year} are used." in page
    assert "Enter a reason to book it under this referral anyway." in page
    assert not Appointment.objects.filter(start=sixth).exists()

    response = client_as_reception.post(
        url,
        {"slot": value, "referral": str(gpccmp.code), "funding_reason": "GP sent a new plan"},
    )
    assert response.status_code == 302
    booked = Appointment.objects.get(start=sixth)
    assert booked.referral == gpccmp
    assert booked.funding_reason == "GP sent a new plan"
    detail = client_as_reception.get(response["Location"]).content.decode()
    assert "Medicare GPCCMP (item 10953); booked past its limits: GP sent a new plan" in detail


def test_cancelled_and_no_show_visits_do_not_count_and_outside_services_do(world, gpccmp):
    start = f.next_weekday_at(world.clinic, 2, 10)
    _used(world, gpccmp, start, 2, status=Appointment.Status.CANCELLED)
    _used(world, gpccmp, start.replace(day=start.day) + timedelta(days=1), 1, status="no_show")
    _used(world, gpccmp, start + timedelta(days=2), 2, status=Appointment.Status.COMPLETED)
    year = start.astimezone(world.clinic.tz).year
    assert referral_usage(gpccmp, year=year).used == 2
    OutsideServices.objects.create(
        clinic=world.clinic, patient=world.patient, year=year, services=3, updated_by=world.admin
    )
    usage = referral_usage(gpccmp, year=year)
    assert usage.used == 5
    assert usage.text == f"Medicare GPCCMP: 5 of 5 used in {year}"


def test_a_visit_past_the_end_or_too_short_warns(world):
    referral = f.make_referral(world.patient, by=world.admin, valid_until=None)
    later = referral.valid_until + timedelta(days=1)
    start = f.next_weekday_at(world.clinic, 2, 10)
    check = funding_check(referral=referral, start=start, minutes=15)
    assert check.problems == ("Medicare GPCCMP needs at least 20 minutes; this visit is 15.",)
    check = funding_check(referral=referral, start=start.replace(year=later.year + 1), minutes=30)
    assert any(p.startswith("The referral ended on") for p in check.problems)


def test_without_a_referral_nothing_is_asked(client_as_reception, world):
    start = f.next_weekday_at(world.clinic, 2, 10)
    url = _book_url(world, world.patient, start.date())
    page = client_as_reception.get(url).content.decode()
    assert "Funded under" not in page
    value = slot_value(practitioner_code=world.ep.code, start=start, location_id=world.location.pk)
    assert client_as_reception.post(url, {"slot": value}).status_code == 302
    assert Appointment.objects.get(start=start).referral is None


def test_the_calendar_card_shows_the_referrals_usage(client_as_reception, world, gpccmp):
    start = f.next_weekday_at(world.clinic, 2, 10)
    _used(world, gpccmp, start, 3)
    day = start.astimezone(world.clinic.tz).date()
    page = client_as_reception.get(
        reverse("bookings:staff-calendar") + f"?date={day.isoformat()}"
    ).content.decode()
    assert page.count(f"Medicare GPCCMP: 3 of 5 used in {day.year}") == 3


def test_an_ndis_plan_counts_its_hours(world):
    referral = f.make_referral(world.patient, by=world.admin, funder="ndis", hours_approved=1)
    start = f.next_weekday_at(world.clinic, 2, 10)
    _used(world, referral, start, 1)
    referral.refresh_from_db()  # hours_approved as the database gives it: Decimal("1.00")
    usage = referral_usage(referral, year=start.year)
    assert usage.text == "NDIS: 1 used, hours 0.5 of 1"
    check = funding_check(referral=referral, start=start, minutes=45)
    assert check.problems == ("This visit goes past the hours agreed (0.5 of 1 used).",)
