"""The demo referrals on a small scene (not the whole seed_demo), and the report of
referrals running out and the funded-services CSV on that seeded data."""

import csv
import io
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.funding import referral_usage, referrals_running_out
from bookings.models import Appointment
from clinic.models import Referral, User
from prescriptions.demo.referrals import demo_referrals_seed
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world):
    """Four demo patients with visits this year (two given, one booked), then the seed."""
    tz = world.clinic.tz
    today = timezone.now().astimezone(tz).date()
    world.ep.provider_number = "2461835K"
    world.ep.save()
    patients = {}
    for first, last in [
        ("Mia", "Harrow"),
        ("Noah", "Quill"),
        ("Ava", "Brindle"),
        ("Leo", "Farrant"),
    ]:
        patient = f.make_patient(
            world.clinic,
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@example.org".lower(),
        )
        patients[first] = patient
        for days_ago, hour, status in [(2, 9, "completed"), (1, 9, "attended"), (-1, 9, "booked")]:
            day = today - timedelta(days=days_ago)
            if day.year != today.year:
                continue
            f.make_appointment(
                patient=patient,
                practitioner=world.ep,
                service=world.service,
                start=datetime.combine(day, time(hour + len(patients)), tzinfo=tz),
                location=world.location,
                status=status,
            )
    lines = demo_referrals_seed(world.clinic, today=today)
    return world, today, patients, lines


def test_the_gpccmp_patient_has_4_of_5_used_and_running_twice_adds_nothing(seeded):
    world, today, patients, lines = seeded
    assert f"Demo referral: Mia Harrow, Medicare GPCCMP: 4 of 5 used in {today.year}." in lines
    referral = Referral.objects.get(patient=patients["Mia"])
    assert referral_usage(referral, year=today.year).used == 4
    assert demo_referrals_seed(world.clinic, today=today) == []
    assert Referral.objects.count() == 4


def test_the_running_out_report_lists_the_gpccmp_patient_and_the_ending_approval(
    seeded, client_as_admin
):
    world, today, _patients, _ = seeded
    rows = {
        r.usage.referral.patient.first_name: r.reason
        for r in referrals_running_out(world.clinic, today=today)
    }
    ends = today + timedelta(days=20)
    assert rows == {
        "Mia": "1 left",
        "Leo": f"Ends {ends.day} {ends:%B} {ends.year}",
    }
    page = client_as_admin.get(reverse("bookings:funding-report")).content.decode()
    assert "Mia Harrow" in page and "Leo Farrant" in page
    assert "Ava Brindle" not in page


def test_the_csv_lists_given_services_by_funder_with_item_and_provider_numbers(
    seeded, client_as_practitioner
):
    world, today, patients, _ = seeded
    Appointment.objects.filter(patient=patients["Ava"]).update(referral=None)
    patients["Noah"].first_name = "=cmd|' /C calc'!A0"
    patients["Noah"].save()
    response = client_as_practitioner.get(reverse("bookings:funding-csv") + f"?month={today:%Y-%m}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Funder",
        "Month",
        "Date",
        "Item number",
        "Practitioner",
        "Provider number",
        "Patient",
        "Minutes",
    ]
    given_this_month = [
        a
        for a in Appointment.objects.filter(
            referral__isnull=False, status__in=["attended", "completed"]
        )
        if a.start.astimezone(world.clinic.tz).strftime("%Y-%m") == f"{today:%Y-%m}"
    ]
    body = rows[1:]
    assert len(body) == len(given_this_month)
    funders_in_order = [row[0] for row in body]
    order = ["DVA", "Medicare GPCCMP", "Workers' compensation"]  # by funder key
    assert funders_in_order == sorted(funders_in_order, key=order.index)
    assert set(funders_in_order) == set(order)
    gpccmp = [row for row in body if row[0] == "Medicare GPCCMP"]
    for row in gpccmp:
        assert row[3] == "10953"
        assert row[4:6] == ["Sam Lee", "2461835K"]
        assert row[6] == "Mia Harrow"
        assert row[7] == "30"
    dva = [row for row in body if row[0] == "DVA"]
    assert all(row[6].startswith("'=cmd") for row in dva)
    assert all(row[2] for row in body)


def test_a_month_that_is_not_one_goes_back_to_the_report(client_as_practitioner, world):
    response = client_as_practitioner.get(reverse("bookings:funding-csv") + "?month=2026-13")
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:funding-report")


def test_reception_gets_no_funding_report(client_as_reception, world):
    assert client_as_reception.get(reverse("bookings:funding-report")).status_code == 404
    assert client_as_reception.get(reverse("bookings:funding-csv")).status_code == 404
    assert User.objects.filter(role="reception").exists()
