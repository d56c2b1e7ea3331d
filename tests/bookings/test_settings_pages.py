"""The clinic's settings pages (bookings/views/settings.py), tried as an owner would: every
setting changes without the Django admin, a bad value is refused next to its field and
changes nothing, and a time typed as 9:00 is 9:00 clinic time everywhere, on the day the
clocks change too."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import ScreeningQuestion, Service, TimeOff, WorkingHours
from bookings.settings_services import practitioner_save
from clinic.errors import DomainError
from clinic.lib.time import week_start
from clinic.models import Clinic, Location, Practitioner, User
from tests import factories as f

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.fixture
def question(world) -> ScreeningQuestion:
    return ScreeningQuestion.objects.create(
        clinic=world.clinic, text="Are you pregnant?", on_yes="flag", display_order=10
    )


def _pages(world, question) -> list[str]:
    hours = world.ep.working_hours.first()
    return [
        reverse("bookings:staff-settings"),
        reverse("bookings:staff-settings-rules"),
        reverse("bookings:staff-settings-locations"),
        reverse("bookings:staff-settings-location-add"),
        reverse("bookings:staff-settings-location-edit", args=[world.location.pk]),
        reverse("bookings:staff-settings-practitioners"),
        reverse("bookings:staff-settings-practitioner-add"),
        reverse("bookings:staff-settings-practitioner-edit", args=[world.ep.code]),
        reverse("bookings:staff-settings-practitioner-hours", args=[world.ep.code]),
        reverse("bookings:staff-settings-hours-add", args=[world.ep.code]),
        reverse("bookings:staff-settings-hours-edit", args=[world.ep.code, hours.pk]),
        reverse("bookings:staff-settings-time-off"),
        reverse("bookings:staff-settings-time-off-add"),
        reverse("bookings:staff-settings-services"),
        reverse("bookings:staff-settings-service-add"),
        reverse("bookings:staff-settings-service-edit", args=[world.service.code]),
        reverse("bookings:staff-settings-questions"),
        reverse("bookings:staff-settings-question-add"),
        reverse("bookings:staff-settings-question-edit", args=[question.pk]),
    ]


def _posts(world, question) -> list[str]:
    hours = world.ep.working_hours.first()
    off = TimeOff.objects.create(
        practitioner=world.ep,
        start=timezone.now() + timedelta(days=3),
        end=timezone.now() + timedelta(days=4),
    )
    return [
        reverse("bookings:staff-settings-hours-delete", args=[world.ep.code, hours.pk]),
        reverse("bookings:staff-settings-time-off-delete", args=[off.pk]),
        reverse("bookings:staff-settings-question-move", args=[question.pk]),
    ]


def _field_error(html: str, field: str) -> str:
    """The message shown next to a field (its `<id>_error` element), as text."""
    found = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</', html, re.S)
    assert found, f"no error next to {field}"
    return re.sub(r"<[^>]+>", "", found.group(1)).replace("Error: ", "").strip()


def _error_next_to(response, field: str, words: str) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html  # the error summary
    assert f'href="#id_{field}' in html  # ...linking to the field
    assert words in html[html.index(f'id="id_{field}_error"') :][:600], _field_error(html, field)


# --- Who may see the pages ---------------------------------------------------------------


def test_each_settings_page_renders_for_a_clinic_admin(client_as_admin, world, question):
    for url in _pages(world, question):
        response = client_as_admin.get(url)
        assert response.status_code == 200, url
        assert response.content.decode().count("<h1") == 1, url


@pytest.mark.parametrize("persona", ["reception", "practitioner", "patient", "outsider"])
def test_the_settings_pages_are_not_found_for_anyone_but_the_clinics_admins(
    request, world, question, persona
):
    client = request.getfixturevalue(f"client_as_{persona}")
    for url in _pages(world, question):
        assert client.get(url).status_code == 404, url
    for url in _posts(world, question):
        assert client.post(url, {"direction": "up"}).status_code == 404, url
    assert WorkingHours.objects.filter(practitioner=world.ep).count() == 5
    assert TimeOff.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(world, question):
    response = Client().get(reverse("bookings:staff-settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_another_clinics_admin_cannot_reach_this_clinics_things(world, question):
    other_admin = f.make_user(role=User.Role.CLINIC_ADMIN, clinic=world.outsider_clinic)
    client = Client()
    client.force_login(other_admin)
    assert client.get(reverse("bookings:staff-settings")).status_code == 200  # their own
    for url in _pages(world, question)[4:]:
        if url.endswith(("/settings/practitioners/", "/new/", "/services/", "/questions/")):
            continue  # their own clinic's lists and forms
        if url.endswith(("/time-off/", "/locations/")):
            continue
        assert client.get(url).status_code == 404, url
    for url in _posts(world, question):
        assert client.post(url, {"direction": "up"}).status_code == 404, url


def test_the_settings_link_is_in_the_staff_menu_for_clinic_admins_only(
    client_as_admin, client_as_reception, client_as_practitioner
):
    settings_url = reverse("bookings:staff-settings")
    schedule = reverse("bookings:staff-schedule")
    assert f'href="{settings_url}"' in client_as_admin.get(schedule).content.decode()
    assert f'href="{settings_url}"' not in client_as_reception.get(schedule).content.decode()
    assert f'href="{settings_url}"' not in client_as_practitioner.get(schedule).content.decode()


def test_the_index_lists_every_section_with_what_it_is_for(client_as_admin):
    html = client_as_admin.get(reverse("bookings:staff-settings")).content.decode()
    for title in ("Booking rules", "Locations", "Practitioners and working hours", "Time off"):
        assert title in html
    assert "Services" in html and "Health questions" in html
    assert "the cancellation window" in html


# --- Booking rules ------------------------------------------------------------------------


def _rules(clinic: Clinic, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": clinic.name,
        "phone": clinic.phone,
        "email": clinic.email,
        "timezone": clinic.timezone,
        "min_booking_notice_minutes": clinic.min_booking_notice_minutes,
        "booking_horizon_days": clinic.booking_horizon_days,
        "slot_step_minutes": clinic.slot_step_minutes,
        "cancellation_notice_hours": clinic.cancellation_notice_hours,
        "reminder_lead_hours": clinic.reminder_lead_hours,
        "record_retention_years": clinic.record_retention_years,
        "minor_retention_until_age": clinic.minor_retention_until_age,
    }
    return data | changes


def test_an_admin_changes_the_booking_rules(client_as_admin, world):
    response = client_as_admin.post(
        reverse("bookings:staff-settings-rules"),
        _rules(
            world.clinic,
            booking_horizon_days="90",
            cancellation_notice_hours="48",
            min_booking_notice_minutes="240",
            slot_step_minutes="30",
            reminder_lead_hours="2h, 48",
            timezone="Australia/Perth",
        ),
    )
    assert response.status_code == 302
    world.clinic.refresh_from_db()
    assert world.clinic.booking_horizon_days == 90
    assert world.clinic.cancellation_notice_hours == 48
    assert world.clinic.min_booking_notice_minutes == 240
    assert world.clinic.slot_step_minutes == 30
    assert world.clinic.reminder_lead_hours == "48, 2"  # tidied, longest first
    assert world.clinic.timezone == "Australia/Perth"
    assert client_as_admin.session["stance_zone"] == "Australia/Perth"


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("booking_horizon_days", "0", "Enter a number of days from 1 to 365"),
        ("slot_step_minutes", "7.5", "Enter the minutes between start times from 5 to 60"),
        ("reminder_lead_hours", "24, soon", "Enter up to 4 whole numbers of hours"),
        ("timezone", "Mars/Olympus", "Choose a time zone from the list."),
        ("phone", "call me", "Enter a phone number"),
    ],
)
def test_a_bad_booking_rule_is_refused_next_to_its_field(
    client_as_admin, world, field, value, words
):
    before = Clinic.objects.values().get(pk=world.clinic.pk)
    response = client_as_admin.post(
        reverse("bookings:staff-settings-rules"), _rules(world.clinic, **{field: value})
    )
    _error_next_to(response, field, words)
    assert Clinic.objects.values().get(pk=world.clinic.pk) == before


# --- Locations -----------------------------------------------------------------------------


def test_an_admin_adds_a_location_and_closes_it_to_bookings(client_as_admin, world):
    response = client_as_admin.post(
        reverse("bookings:staff-settings-location-add"),
        {
            "name": "Newtown studio",
            "address": "9 King Street, Newtown NSW 2042",
            "parking": "Two-hour street parking on Wilson Street.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    location = Location.objects.get(name="Newtown studio")
    assert location.clinic == world.clinic and location.is_active
    assert "Wilson Street" in client_as_admin.get(response["Location"]).content.decode()

    edit = reverse("bookings:staff-settings-location-edit", args=[location.pk])
    client_as_admin.post(edit, {"name": "Newtown studio", "address": location.address})
    location.refresh_from_db()
    assert not location.is_active
    assert location.parking == ""  # emptied by the form, like any field


def test_a_location_without_a_name_or_address_is_refused(client_as_admin, world):
    response = client_as_admin.post(reverse("bookings:staff-settings-location-add"), {})
    _error_next_to(response, "name", "Enter the name.")
    _error_next_to(response, "address", "Enter the address.")
    assert Location.objects.filter(clinic=world.clinic).count() == 2


# --- Practitioners and working hours -----------------------------------------------------------


def test_an_admin_adds_a_practitioner_who_gets_a_login_without_a_password(client_as_admin, world):
    response = client_as_admin.post(
        reverse("bookings:staff-settings-practitioner-add"),
        {
            "display_name": "Ana Ruiz",
            "profession": "physio",
            "email": "Ana.Ruiz@Example.org",
            "services": [world.service.code, world.physio_service.code],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    ana = Practitioner.objects.select_related("user").get(display_name="Ana Ruiz")
    assert ana.clinic == world.clinic
    assert ana.user.email == "ana.ruiz@example.org"
    assert ana.user.role == User.Role.PRACTITIONER and ana.user.clinic == world.clinic
    assert not ana.user.has_usable_password()
    assert set(ana.services.all()) == {world.service, world.physio_service}
    assert response["Location"] == reverse(
        "bookings:staff-settings-practitioner-hours", args=[ana.code]
    )


def test_a_practitioner_cannot_take_an_email_someone_already_logs_in_with(client_as_admin, world):
    response = client_as_admin.post(
        reverse("bookings:staff-settings-practitioner-add"),
        {"display_name": "Ana Ruiz", "profession": "physio", "email": "FRONT@example.org"},
    )
    _error_next_to(response, "email", "Someone already logs in with this email address.")
    assert not Practitioner.objects.filter(display_name="Ana Ruiz").exists()


def test_an_admin_changes_a_practitioners_email_services_and_stops_their_bookings(
    client_as_admin, world
):
    response = client_as_admin.post(
        reverse("bookings:staff-settings-practitioner-edit", args=[world.physio.code]),
        {
            "display_name": "Jo Park",
            "profession": "physio",
            "email": "jo@example.org",
            "services": [world.service.code],
        },
    )
    assert response.status_code == 302
    world.physio.refresh_from_db()
    world.physio.user.refresh_from_db()
    assert world.physio.user.email == "jo@example.org"
    assert list(world.physio.services.all()) == [world.service]
    assert not world.physio.is_active


def test_the_email_of_a_practitioner_who_has_logged_in_stays_theirs(client_as_admin, world):
    world.ep.user.last_login = timezone.now()
    world.ep.user.save(update_fields=["last_login"])
    url = reverse("bookings:staff-settings-practitioner-edit", args=[world.ep.code])
    page = client_as_admin.get(url).content.decode()
    assert re.search(r'<input[^>]*name="email"[^>]*disabled', page)
    assert "only the Stance operator can change it" in page

    response = client_as_admin.post(
        url,
        {"display_name": "Sam Lee", "profession": "ep", "email": "me@attacker.example"},
    )
    assert response.status_code == 302  # the rest saves; the address is not taken from the post
    world.ep.user.refresh_from_db()
    assert world.ep.user.email != "me@attacker.example"
    with pytest.raises(DomainError):
        practitioner_save(
            practitioner=world.ep, clinic=world.clinic, email="me@attacker.example", services=[]
        )


def _hours(where: Location, **changes: object) -> dict[str, object]:
    return {
        "weekday": "5",
        "location": where.pk,
        "start_time": "9:00",
        "end_time": "13:00",
        "break_start": "",
        "break_end": "",
    } | changes


def test_hours_typed_as_9_00_are_kept_and_shown_as_9_00(client_as_admin, world):
    url = reverse("bookings:staff-settings-hours-add", args=[world.ep.code])
    response = client_as_admin.post(url, _hours(world.second_location))
    assert response.status_code == 302
    saturday = WorkingHours.objects.get(practitioner=world.ep, weekday=5)
    assert (saturday.start_time, saturday.end_time) == (time(9), time(13))
    page = client_as_admin.get(response["Location"]).content.decode()
    assert "Saturday, 9:00 am to 1:00 pm" in page
    edit = client_as_admin.get(
        reverse("bookings:staff-settings-hours-edit", args=[world.ep.code, saturday.pk])
    ).content.decode()
    assert 'value="09:00"' in edit and 'value="13:00"' in edit


def test_hours_at_a_new_location_add_it_to_the_practitioners_locations(client_as_admin, world):
    url = reverse("bookings:staff-settings-hours-add", args=[world.physio.code])
    client_as_admin.post(url, _hours(world.second_location))
    assert world.second_location in world.physio.locations.all()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end_time": "8:30"}, "end_time", "The finishing time must be after the starting time."),
        ({"start_time": "nine"}, "start_time", "Enter a time like 9:00 or 17:30."),
        (
            {"break_start": "12:00", "break_end": "14:00"},
            "break_start",
            "The break must be inside the working hours, 9:00 am to 1:00 pm.",
        ),
        ({"break_start": "12:00"}, "break_end", "Enter both break times"),
        ({"break_start": "12:30", "break_end": "12:00"}, "break_end", "The break must end"),
        (
            {"weekday": "0", "start_time": "16:00", "end_time": "18:00"},
            "start_time",
            "This overlaps the hours on Monday, 9:00 am to 5:00 pm at Surry Hills rooms.",
        ),
        ({"location": "999999"}, "location", "Choose a location from the list."),
    ],
)
def test_bad_hours_are_refused_next_to_the_field(client_as_admin, world, changes, field, words):
    before = list(WorkingHours.objects.values().order_by("pk"))
    url = reverse("bookings:staff-settings-hours-add", args=[world.ep.code])
    _error_next_to(client_as_admin.post(url, _hours(world.location, **changes)), field, words)
    assert list(WorkingHours.objects.values().order_by("pk")) == before


def test_editing_hours_may_keep_their_own_times_without_overlapping_themselves(
    client_as_admin, world
):
    monday = WorkingHours.objects.get(practitioner=world.ep, weekday=0)
    url = reverse("bookings:staff-settings-hours-edit", args=[world.ep.code, monday.pk])
    response = client_as_admin.post(
        url,
        _hours(world.location, weekday="0", start_time="09:00", end_time="17:00")
        | {"break_start": "12:30", "break_end": "13:15"},
    )
    assert response.status_code == 302
    monday.refresh_from_db()
    assert (monday.break_start, monday.break_end) == (time(12, 30), time(13, 15))


def test_an_admin_removes_a_block_of_hours(client_as_admin, world):
    monday = WorkingHours.objects.get(practitioner=world.ep, weekday=0)
    response = client_as_admin.post(
        reverse("bookings:staff-settings-hours-delete", args=[world.ep.code, monday.pk])
    )
    assert response.status_code == 302
    assert not WorkingHours.objects.filter(pk=monday.pk).exists()


def test_hours_of_another_practitioner_are_not_found_under_this_one(client_as_admin, world):
    physio_monday = WorkingHours.objects.get(practitioner=world.physio, weekday=0)
    url = reverse("bookings:staff-settings-hours-edit", args=[world.ep.code, physio_monday.pk])
    assert client_as_admin.get(url).status_code == 404


@pytest.fixture
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_fresh_cache")
def test_changing_hours_changes_the_times_offered_on_the_cached_week_page(
    client_as_admin, world, django_capture_on_commit_callbacks
):
    """The public week page is cached for anonymous visitors; the settings page's save
    makes the cached copy stale at once (bookings/signals.py)."""
    today = timezone.now().astimezone(world.clinic.tz).date()
    monday = week_start(today) + timedelta(days=7)
    tuesday_10 = datetime.combine(monday + timedelta(days=1), time(10), tzinfo=world.clinic.tz)
    offered = f"start={tuesday_10.isoformat()}".replace(":", "%3A").replace("+", "%2B")
    url = reverse("bookings:slot-list", args=[world.service.code, "clinic"])
    url += f"?practitioner={world.ep.code}&week={monday.isoformat()}"
    assert offered in Client().get(url).content.decode()
    assert offered in Client().get(url).content.decode()  # served from the cache

    tuesday = WorkingHours.objects.get(practitioner=world.ep, weekday=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as_admin.post(
            reverse("bookings:staff-settings-hours-edit", args=[world.ep.code, tuesday.pk]),
            _hours(world.location, weekday="1", start_time="13:00", end_time="17:00"),
        )
    assert response.status_code == 302

    html = Client().get(url).content.decode()
    assert offered not in html
    afternoon = tuesday_10.replace(hour=13)
    assert f"start={afternoon.isoformat()}".replace(":", "%3A").replace("+", "%2B") in html


# --- Time off -----------------------------------------------------------------------------


def _next_change(tz: ZoneInfo, *, forward: bool) -> date:
    """The next day (from a week ahead) when the clocks go forward (or back) in `tz`."""
    day = timezone.now().astimezone(tz).date() + timedelta(days=7)
    for _ in range(400):
        before = datetime.combine(day, time(0), tzinfo=tz).utcoffset() or timedelta()
        after = datetime.combine(day, time(23), tzinfo=tz).utcoffset() or timedelta()
        if before != after and (after > before) is forward:
            return day
        day += timedelta(days=1)
    raise AssertionError("no daylight-saving change within a year")


@pytest.mark.parametrize("change", ["forward", "back", "none"])
def test_time_off_typed_as_9_to_17_is_9_to_17_clinic_time_everywhere(
    client_as_admin, world, change
):
    if change == "none":
        day = timezone.now().astimezone(SYDNEY).date() + timedelta(days=10)
    else:
        day = _next_change(SYDNEY, forward=change == "forward")
    response = client_as_admin.post(
        reverse("bookings:staff-settings-time-off-add"),
        {
            "practitioner": world.ep.code,
            "start_date": day.isoformat(),
            "start_time": "9:00",
            "end_date": day.isoformat(),
            "end_time": "17:00",
            "reason": "Course",
        },
    )
    assert response.status_code == 302
    off = TimeOff.objects.get(practitioner=world.ep, reason="Course")
    # Stored aware, in UTC, at the instants 9:00 and 17:00 happen in Sydney that day.
    assert off.start == datetime.combine(day, time(9), tzinfo=SYDNEY).astimezone(UTC)
    assert off.end == datetime.combine(day, time(17), tzinfo=SYDNEY).astimezone(UTC)
    if change != "none":  # from 3 am that day Sydney is UTC+11 (forward) or UTC+10 (back)
        offset = timedelta(hours=11 if change == "forward" else 10)
        assert off.start == datetime.combine(day, time(9), tzinfo=UTC) - offset
        assert off.end == datetime.combine(day, time(17), tzinfo=UTC) - offset

    listing = client_as_admin.get(response["Location"]).content.decode()
    assert "9:00 am to 5:00 pm (Sydney time)" in listing

    operator = f.make_user(
        role=User.Role.CLINIC_ADMIN, clinic=world.clinic, is_staff=True, is_superuser=True
    )
    admin = Client()
    admin.force_login(operator)
    html = admin.get(reverse("admin:bookings_timeoff_change", args=[off.pk])).content.decode()
    assert 'value="09:00:00"' in html and 'value="17:00:00"' in html


def test_time_off_in_a_perth_clinic_is_perth_time(client_as_admin, world):
    world.clinic.timezone = "Australia/Perth"
    world.clinic.save(update_fields=["timezone"])
    world.clinic.locations.update(timezone="Australia/Perth")  # time off is in the rooms' zone
    day = timezone.now().date() + timedelta(days=12)
    client_as_admin.post(
        reverse("bookings:staff-settings-time-off-add"),
        {
            "practitioner": world.ep.code,
            "start_date": day.isoformat(),
            "start_time": "09:00",
            "end_date": day.isoformat(),
            "end_time": "17:00",
        },
    )
    off = TimeOff.objects.get(practitioner=world.ep)
    assert (off.start, off.end) == (  # Perth is UTC+8 all year
        datetime.combine(day, time(1), tzinfo=UTC),
        datetime.combine(day, time(9), tzinfo=UTC),
    )
    listing = client_as_admin.get(reverse("bookings:staff-settings-time-off")).content.decode()
    assert "9:00 am to 5:00 pm (Perth time)" in listing


@pytest.mark.parametrize(("forward", "hours"), [(True, 31), (False, 33)])
def test_time_off_across_the_clock_change_keeps_its_wall_clock_times(
    client_as_admin, world, forward, hours
):
    """9:00 on Saturday to 17:00 on Sunday, the clocks changing in the night between."""
    sunday = _next_change(SYDNEY, forward=forward)
    saturday = sunday - timedelta(days=1)
    client_as_admin.post(
        reverse("bookings:staff-settings-time-off-add"),
        {
            "practitioner": world.ep.code,
            "start_date": saturday.isoformat(),
            "start_time": "9:00",
            "end_date": sunday.isoformat(),
            "end_time": "17:00",
        },
    )
    off = TimeOff.objects.get(practitioner=world.ep)
    assert off.end - off.start == timedelta(hours=hours)  # 32 hours on an ordinary weekend
    assert off.start.astimezone(SYDNEY).time() == time(9)
    assert off.end.astimezone(SYDNEY).time() == time(17)
    listing = client_as_admin.get(reverse("bookings:staff-settings-time-off")).content.decode()
    assert f"{saturday.day} {saturday:%B %Y}, 9:00 am to Sunday" in listing
    assert "5:00 pm (Sydney time)" in listing


def test_whole_days_off_run_from_midnight_to_midnight(client_as_admin, world):
    first = timezone.now().astimezone(SYDNEY).date() + timedelta(days=20)
    response = client_as_admin.post(
        reverse("bookings:staff-settings-time-off-add"),
        {
            "practitioner": world.physio.code,
            "start_date": first.isoformat(),
            "end_date": (first + timedelta(days=4)).isoformat(),
        },
    )
    assert response.status_code == 302
    off = TimeOff.objects.get(practitioner=world.physio)
    assert off.start == datetime.combine(first, time(0), tzinfo=SYDNEY)
    assert off.end == datetime.combine(first + timedelta(days=5), time(0), tzinfo=SYDNEY)


def test_a_time_the_clocks_skip_is_refused(client_as_admin, world):
    day = _next_change(SYDNEY, forward=True)
    response = client_as_admin.post(
        reverse("bookings:staff-settings-time-off-add"),
        {
            "practitioner": world.ep.code,
            "start_date": day.isoformat(),
            "start_time": "2:30",
            "end_date": day.isoformat(),
            "end_time": "17:00",
        },
    )
    _error_next_to(response, "start_time", "the clocks go forward that night")
    assert not TimeOff.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end_time": "8:00"}, "end_time", "The end must be after the start."),
        ({"start_date": "31/02/2027"}, "start_date", "Enter a real date"),
        ({"practitioner": ""}, "practitioner", "Choose who is away."),
    ],
)
def test_bad_time_off_is_refused_next_to_the_field(client_as_admin, world, changes, field, words):
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    data = {
        "practitioner": world.ep.code,
        "start_date": day,
        "start_time": "9:00",
        "end_date": day,
        "end_time": "17:00",
    }
    response = client_as_admin.post(reverse("bookings:staff-settings-time-off-add"), data | changes)
    _error_next_to(response, field, words)
    assert not TimeOff.objects.exists()


def test_time_off_of_another_clinics_practitioner_cannot_be_chosen(client_as_admin, world):
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    response = client_as_admin.post(
        reverse("bookings:staff-settings-time-off-add"),
        {"practitioner": world.outsider.code, "start_date": day, "end_date": day},
    )
    _error_next_to(response, "practitioner", "Choose a practitioner from the list.")
    assert not TimeOff.objects.exists()


def test_time_off_over_booked_visits_says_how_many_stay_booked(client_as_admin, world):
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        location=world.location,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )
    day = visit.start.astimezone(SYDNEY).date().isoformat()
    response = client_as_admin.post(
        reverse("bookings:staff-settings-time-off-add"),
        {"practitioner": world.ep.code, "start_date": day, "end_date": day},
        follow=True,
    )
    assert "has 1 booked visit in that time. They stay booked" in response.content.decode()


def test_an_admin_removes_time_off(client_as_admin, world):
    off = TimeOff.objects.create(
        practitioner=world.ep,
        start=timezone.now() + timedelta(days=3),
        end=timezone.now() + timedelta(days=4),
    )
    client_as_admin.post(reverse("bookings:staff-settings-time-off-delete", args=[off.pk]))
    assert not TimeOff.objects.exists()


# --- Services -----------------------------------------------------------------------------


def _service(world, **changes: object) -> dict[str, object]:
    return {
        "name": "Hydrotherapy",
        "description": "In the warm pool.",
        "duration_minutes": "45",
        "buffer_after_minutes": "15",
        "modalities": "clinic",
        "audience": "returning",
        "practitioners": [world.physio.code],
        "bookable_online": "on",
        "is_active": "on",
        "display_order": "5",
    } | changes


def test_an_admin_adds_and_edits_a_service(client_as_admin, world):
    response = client_as_admin.post(reverse("bookings:staff-settings-service-add"), _service(world))
    assert response.status_code == 302
    service = Service.objects.get(name="Hydrotherapy")
    assert service.clinic == world.clinic
    assert (service.duration_minutes, service.buffer_after_minutes) == (45, 15)
    assert service.audience == "returning" and service.modalities == "clinic"
    assert list(service.practitioners.all()) == [world.physio]

    client_as_admin.post(
        reverse("bookings:staff-settings-service-edit", args=[service.code]),
        _service(world, duration_minutes="60", practitioners=[world.ep.code], bookable_online=""),
    )
    service.refresh_from_db()
    assert service.duration_minutes == 60 and not service.bookable_online
    assert list(service.practitioners.all()) == [world.ep]


def test_a_services_price_is_shown_to_patients_when_they_choose(client_as_admin, client, world):
    url = reverse("bookings:staff-settings-service-edit", args=[world.service.code])
    practitioners = [p.code for p in world.service.practitioners.all()]
    client_as_admin.post(
        url,
        _service(world, name=world.service.name, price="95.50", practitioners=practitioners),
    )
    world.service.refresh_from_db()
    assert str(world.service.price) == "95.50"
    assert "$95.50" in client.get(reverse("bookings:service-list")).content.decode()


def test_a_locations_phone_and_parking_reach_the_confirmation(client_as_admin, world):
    from django.core import mail

    from bookings.emails import notification_email
    from bookings.models import Notification
    from bookings.services import appointment_book

    edit = reverse("bookings:staff-settings-location-edit", args=[world.location.pk])
    client_as_admin.post(
        edit,
        {
            "name": world.location.name,
            "address": world.location.address,
            "phone": "02 9000 1111",
            "parking": "Two-hour street parking on Wilson Street.",
            "is_active": "on",
        },
    )
    world.location.refresh_from_db()
    assert world.location.phone == "02 9000 1111"
    visit = appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=f.next_weekday_at(world.clinic, 1, 10),
        patient=world.patient,
    )
    row = Notification.objects.get(appointment=visit, kind="confirmation")
    message = notification_email(row)
    assert "Phone: 02 9000 1111" in message.body
    assert "Parking: Two-hour street parking on Wilson Street." in message.body
    html = message.alternatives[0].content
    assert "Getting here" in html and "02 9000 1111" in html
    assert not mail.outbox  # rendered, not sent


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"price": "-1"}, "price", "Enter a price of 0 or more."),
        ({"price": "ninety"}, "price", "Enter the price in dollars"),
        ({"price": "9.999"}, "price", "to the cent at most"),
        ({"duration_minutes": "3"}, "duration_minutes", "Enter minutes from 5 to 480"),
        ({"buffer_after_minutes": "-5"}, "buffer_after_minutes", "Enter minutes from 0 to 120"),
        ({"name": ""}, "name", "Enter the name."),
        ({"modalities": "carrier pigeon"}, "modalities", "Select a valid choice"),
    ],
)
def test_a_bad_service_is_refused_next_to_the_field(client_as_admin, world, changes, field, words):
    before = list(Service.objects.values().order_by("pk"))
    url = reverse("bookings:staff-settings-service-edit", args=[world.service.code])
    _error_next_to(client_as_admin.post(url, _service(world, **changes)), field, words)
    assert list(Service.objects.values().order_by("pk")) == before


def test_a_service_cannot_be_given_another_clinics_practitioner(client_as_admin, world):
    url = reverse("bookings:staff-settings-service-add")
    response = client_as_admin.post(url, _service(world, practitioners=[world.outsider.code]))
    _error_next_to(response, "practitioners", "Choose practitioners from the list.")
    assert not Service.objects.filter(name="Hydrotherapy").exists()


# --- Health questions ----------------------------------------------------------------------


def test_an_admin_adds_reorders_and_stops_asking_a_question(client_as_admin, world, question):
    response = client_as_admin.post(
        reverse("bookings:staff-settings-question-add"),
        {"text": "Do you have chest pain when active?", "on_yes": "block", "is_active": "on"},
    )
    assert response.status_code == 302
    added = ScreeningQuestion.objects.get(text__startswith="Do you have chest pain")
    assert added.display_order > question.display_order  # asked last

    client_as_admin.post(
        reverse("bookings:staff-settings-question-move", args=[added.pk]), {"direction": "up"}
    )
    order = list(ScreeningQuestion.objects.filter(clinic=world.clinic).order_by("display_order"))
    assert order == [added, question]

    client_as_admin.post(
        reverse("bookings:staff-settings-question-edit", args=[question.pk]),
        {"text": question.text, "on_yes": "block"},
    )
    question.refresh_from_db()
    assert not question.is_active and question.on_yes == "block"


def test_a_question_without_words_is_refused(client_as_admin, world, question):
    url = reverse("bookings:staff-settings-question-edit", args=[question.pk])
    response = client_as_admin.post(url, {"text": "  ", "on_yes": "flag", "is_active": "on"})
    _error_next_to(response, "text", "Enter the question.")
    question.refresh_from_db()
    assert question.text == "Are you pregnant?"


# --- Lists load in a fixed number of queries ------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "staff-settings-locations",
        "staff-settings-practitioners",
        "staff-settings-time-off",
        "staff-settings-services",
        "staff-settings-questions",
    ],
)
def test_a_settings_list_does_not_grow_its_queries_with_its_rows(
    client_as_admin, world, django_assert_max_num_queries, name
):
    for n in range(6):
        practitioner = f.make_practitioner(world.clinic, display_name=f"Extra {n}")
        f.make_hours(practitioner, f.make_location(world.clinic, name=f"Room {n}"), weekdays=[n])
        f.make_service(world.clinic, [practitioner], name=f"Extra service {n}")
        TimeOff.objects.create(
            practitioner=practitioner,
            start=timezone.now() + timedelta(days=n + 1),
            end=timezone.now() + timedelta(days=n + 2),
        )
        ScreeningQuestion.objects.create(clinic=world.clinic, text=f"Question {n}?")
    with django_assert_max_num_queries(12):
        assert client_as_admin.get(reverse(f"bookings:{name}")).status_code == 200


# --- Hostile input: any text in any field is an answer with errors, never a 500 ---------------

FORMS = {
    "staff-settings-rules": [
        "name",
        "phone",
        "email",
        "timezone",
        "min_booking_notice_minutes",
        "booking_horizon_days",
        "slot_step_minutes",
        "cancellation_notice_hours",
        "reminder_lead_hours",
        "record_retention_years",
        "minor_retention_until_age",
    ],
    "staff-settings-location-add": ["name", "address", "directions", "parking", "is_active"],
    "staff-settings-practitioner-add": ["display_name", "profession", "email", "bio", "services"],
    "staff-settings-time-off-add": [
        "practitioner",
        "start_date",
        "start_time",
        "end_date",
        "end_time",
        "reason",
    ],
    "staff-settings-service-add": [
        "name",
        "duration_minutes",
        "buffer_after_minutes",
        "modalities",
        "audience",
        "practitioners",
        "display_order",
    ],
    "staff-settings-question-add": ["text", "on_yes"],
}
nasty = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "<script>x</script>",
            "-1",
            "1e309",
            "99999999999999999999",
            "24:00",
            "25:61",
            "2026-02-30",
            "00000000-0000-0000-0000-000000000000",
            "a" * 3000,
        ]
    ),
)


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(
    max_examples=12,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_settings_form_answers_anything_without_a_server_error(
    client_as_admin, world, name, data
):
    fields = FORMS[name]
    posted = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(fields, nasty)))
    with transaction.atomic():
        response = client_as_admin.post(reverse(f"bookings:{name}"), posted)
        assert response.status_code in (200, 302)
        transaction.set_rollback(True)


def test_a_location_phone_that_is_not_one_is_refused(client_as_admin, world):
    edit = reverse("bookings:staff-settings-location-edit", args=[world.location.pk])
    response = client_as_admin.post(
        edit, {"name": "Rooms", "address": "1 Example St", "phone": "call me", "is_active": "on"}
    )
    _error_next_to(response, "phone", "Enter a phone number using digits")
    world.location.refresh_from_db()
    assert world.location.phone == "" and world.location.name != "Rooms"


def test_time_off_is_each_practitioners_own_local_time_when_rooms_differ(client_as_admin, world):
    """A Sydney clinic with Perth rooms: a practitioner who works only in Perth has their
    time off entered and listed in Perth time, named; the Sydney ones stay Sydney time."""
    perth = f.make_location(world.clinic, name="Perth rooms", timezone="Australia/Perth")
    west = f.make_practitioner(world.clinic, display_name="Wes Tern")
    f.make_hours(west, perth)
    day = timezone.now().date() + timedelta(days=12)
    form = client_as_admin.get(reverse("bookings:staff-settings-time-off-add")).content.decode()
    assert "their local time" in form
    for who in (west, world.ep):
        client_as_admin.post(
            reverse("bookings:staff-settings-time-off-add"),
            {
                "practitioner": who.code,
                "start_date": day.isoformat(),
                "start_time": "09:00",
                "end_date": day.isoformat(),
                "end_time": "17:00",
            },
        )
    off = TimeOff.objects.get(practitioner=west)
    assert off.start == datetime.combine(day, time(1), tzinfo=UTC)  # 9:00 in Perth (UTC+8)
    sydney = TimeOff.objects.get(practitioner=world.ep)
    assert sydney.start == datetime.combine(day, time(9), tzinfo=SYDNEY)
    listing = client_as_admin.get(reverse("bookings:staff-settings-time-off")).content.decode()
    assert "9:00 am to 5:00 pm (Perth time)" in listing
    assert "9:00 am to 5:00 pm (Sydney time)" in listing
