"""Issue 14: the closures settings page (/staff/settings/closures/)."""

from __future__ import annotations

from datetime import date, time, timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Closure, HolidayOptOut
from tests import factories as f

URL = reverse("bookings:staff-settings-closures")
SWITCH = reverse("bookings:staff-settings-holiday-switch")


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


def _next_christmas(world):
    today = _today(world)
    christmas = date(today.year, 12, 25)
    return christmas if christmas >= today else date(today.year + 1, 12, 25)


@pytest.fixture
def in_nsw(world):
    world.location.state = "NSW"
    world.location.save()
    return world


@pytest.mark.parametrize(
    "who", ["client_as_reception", "client_as_patient", "client_as_practitioner"]
)
def test_only_clinic_admins_see_or_change_closures(world, who, request):
    client = request.getfixturevalue(who)
    closure = Closure.objects.create(clinic=world.clinic, date=_today(world), reason="Mine")
    assert client.get(URL).status_code == 404
    day = (_today(world) + timedelta(days=3)).isoformat()
    assert client.post(URL, {"date": day, "location": "", "reason": "X"}).status_code == 404
    delete = reverse("bookings:staff-settings-closure-delete", args=[closure.pk])
    assert client.post(delete).status_code == 404
    assert client.post(SWITCH, {"location": world.location.pk}).status_code == 404
    assert Closure.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    assert client.get(URL).status_code == 302


def test_the_page_lists_each_locations_public_holidays(in_nsw, client_as_admin):
    page = client_as_admin.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Surry Hills rooms" in html and "New South Wales" in html
    assert "Christmas Day" in html and "Boxing Day" in html
    assert "Open this day" in html
    assert "Parramatta rooms" in html and "National public holidays only" in html


def test_an_admin_adds_a_half_day_closure(world, client_as_admin):
    day = _today(world) + timedelta(days=10)
    response = client_as_admin.post(
        URL,
        {
            "date": day.isoformat(),
            "location": str(world.location.pk),
            "start_time": "12:00",
            "end_time": "17:00",
            "reason": "Staff training",
        },
        follow=True,
    )
    closure = Closure.objects.get()
    assert (closure.location, closure.date, closure.start_time, closure.end_time) == (
        world.location,
        day,
        time(12),
        time(17),
    )
    assert closure.created_by == world.admin
    html = response.content.decode()
    assert "Surry Hills rooms closed" in html
    assert "12:00 pm to 5:00 pm" in html and "Staff training" in html


def test_a_whole_day_closure_of_every_location_warns_about_booked_visits(world, client_as_admin):
    start = f.next_weekday_at(world.clinic, 2, 10)
    f.make_appointment(
        patient=world.patient, practitioner=world.ep, service=world.service, start=start
    )
    response = client_as_admin.post(
        URL,
        {"date": start.date().isoformat(), "location": "", "reason": "Clinic retreat"},
        follow=True,
    )
    closure = Closure.objects.get()
    assert closure.location is None and closure.start_time is None
    assert "1 booked visit falls in it and stays booked" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "", "reason": "X"}, "date", "Enter the date of the closure."),
        ({"date": "31/02/2027", "reason": "X"}, "date", "Enter a real date"),
        ({"date": "2001-01-01", "reason": "X"}, "date", "Enter today&#x27;s date or a later one."),
        ({"reason": "   "}, "reason", "Enter the reason for the closure."),
        ({"start_time": "12:00"}, "end_time", "Enter the time the closure ends"),
        ({"end_time": "12:00"}, "start_time", "Enter the time the closure starts"),
        ({"start_time": "15:00", "end_time": "09:00"}, "end_time", "must end after it starts"),
        ({"start_time": "25:99", "end_time": "26:00"}, "start_time", "Enter a time like"),
        ({"location": "999999"}, "location", "Select a valid choice"),
        ({"location": "abc"}, "location", "Select a valid choice"),
    ],
)
def test_bad_input_is_an_error_next_to_its_field(world, client_as_admin, data, field, message):
    post = {
        "date": (_today(world) + timedelta(days=5)).isoformat(),
        "location": "",
        "reason": "Training",
        **data,
    }
    response = client_as_admin.post(URL, post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert message in html
    assert f'id="id_{field}"' in html and 'aria-invalid="true"' in html
    assert not Closure.objects.exists()


def test_an_admin_deletes_a_closure_of_their_own_clinic_only(world, client_as_admin):
    mine = Closure.objects.create(clinic=world.clinic, date=_today(world), reason="Mine")
    theirs = Closure.objects.create(clinic=world.outsider_clinic, date=_today(world), reason="X")
    other = reverse("bookings:staff-settings-closure-delete", args=[theirs.pk])
    assert client_as_admin.post(other).status_code == 404
    assert (
        client_as_admin.get(
            reverse("bookings:staff-settings-closure-delete", args=[mine.pk])
        ).status_code
        == 405
    )
    response = client_as_admin.post(
        reverse("bookings:staff-settings-closure-delete", args=[mine.pk]), follow=True
    )
    assert "Closure deleted" in response.content.decode()
    assert list(Closure.objects.all()) == [theirs]


def test_the_switch_opens_a_holiday_and_closes_it_again(in_nsw, client_as_admin):
    world = in_nsw
    christmas = _next_christmas(world)
    data = {"location": world.location.pk, "date": christmas.isoformat(), "open": "1"}
    response = client_as_admin.post(SWITCH, data, follow=True)
    assert "Surry Hills rooms opens on Christmas Day" in response.content.decode()
    assert HolidayOptOut.objects.filter(location=world.location, date=christmas).count() == 1
    client_as_admin.post(SWITCH, data)  # twice: still one
    assert HolidayOptOut.objects.count() == 1
    assert "Close this day" in client_as_admin.get(URL).content.decode()
    client_as_admin.post(SWITCH, {**data, "open": "0"})
    assert not HolidayOptOut.objects.exists()


def test_closing_one_location_again_keeps_a_clinic_wide_opening_for_the_others(
    in_nsw, client_as_admin
):
    world = in_nsw
    christmas = _next_christmas(world)
    HolidayOptOut.objects.create(clinic=world.clinic, date=christmas)
    data = {"location": world.location.pk, "date": christmas.isoformat(), "open": "0"}
    client_as_admin.post(SWITCH, data)
    opened = list(HolidayOptOut.objects.values_list("location", flat=True))
    assert opened == [world.second_location.pk]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"location": "x", "date": "2026-12-25", "open": "1"},
        {"location": "1", "date": "not a day", "open": "1"},
        {"location": "1", "date": "2026-12-25", "open": "maybe"},
        {"location": "99999999999999", "date": "2026-12-25", "open": "1"},
    ],
)
def test_a_malformed_switch_is_refused_without_a_500(world, client_as_admin, data):
    response = client_as_admin.post(SWITCH, data, follow=True)
    assert response.status_code == 200
    assert "could not be changed" in response.content.decode()
    assert not HolidayOptOut.objects.exists()


def test_the_switch_refuses_another_clinics_location_and_a_day_that_is_no_holiday(
    in_nsw, client_as_admin
):
    world = in_nsw
    elsewhere = f.make_location(world.outsider_clinic, state="NSW")
    christmas = _next_christmas(world).isoformat()
    assert (
        client_as_admin.post(
            SWITCH, {"location": elsewhere.pk, "date": christmas, "open": "1"}
        ).status_code
        == 404
    )
    ordinary = (_next_christmas(world) - timedelta(days=10)).isoformat()
    response = client_as_admin.post(
        SWITCH, {"location": world.location.pk, "date": ordinary, "open": "1"}, follow=True
    )
    assert "is not a public holiday there" in response.content.decode()
    assert not HolidayOptOut.objects.exists()


def test_the_location_settings_set_its_zone_and_state(world, client_as_admin):
    edit = reverse("bookings:staff-settings-location-edit", args=[world.second_location.pk])
    data = {
        "name": "Perth rooms",
        "address": "1 Hay Street, Perth WA 6000",
        "timezone": "Australia/Perth",
        "state": "WA",
        "is_active": "on",
    }
    assert client_as_admin.post(edit, data).status_code == 302
    world.second_location.refresh_from_db()
    assert (world.second_location.timezone, world.second_location.state) == (
        "Australia/Perth",
        "WA",
    )
    bad = client_as_admin.post(edit, {**data, "timezone": "Mars/Base", "state": "ZZ"})
    html = bad.content.decode()
    assert "Choose a time zone from the list." in html
    assert "Choose a state or territory from the list." in html
    # Left empty, the zone is the clinic's.
    client_as_admin.post(edit, {**data, "timezone": ""})
    world.second_location.refresh_from_db()
    assert world.second_location.timezone == world.clinic.timezone
