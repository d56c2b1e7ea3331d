"""The cached week page (bookings/week_cache.py): shared by anonymous visitors, never
showing a time taken before the page was asked for, and never standing between a patient
and a booking when the cache is down."""

from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.models import Appointment, Closure, TimeOff
from bookings.services import appointment_book
from clinic.lib.time import week_start

pytestmark = pytest.mark.django_db

DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _next_week_monday(clinic) -> str:
    today = timezone.now().astimezone(clinic.tz).date()
    return (week_start(today) + timedelta(days=7)).isoformat()


def _url(world) -> str:
    url = reverse("bookings:slot-list", args=[world.service.code, "clinic"])
    return f"{url}?practitioner={world.ep.code}&week={_next_week_monday(world.clinic)}"


def _first_time(world) -> datetime:
    """A free start next week that the page offers (Tuesday 10:00, clinic time)."""
    monday = datetime.fromisoformat(_next_week_monday(world.clinic)).date()
    return datetime.combine(monday + timedelta(days=1), time(10), tzinfo=world.clinic.tz)


def _label(moment: datetime) -> str:
    return f"start={moment.isoformat()}".replace(":", "%3A").replace("+", "%2B")


def _book(world, start: datetime) -> Appointment:
    """Reception books the time (through the booking service, as every page does)."""
    return appointment_book(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        modality="clinic",
        start=start,
        location_id=world.location.pk,
        source=Appointment.Source.STAFF,
    )


def test_an_anonymous_visitor_gets_the_shared_copy_without_touching_the_database(world):
    first = Client().get(_url(world))
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        second = Client().get(_url(world))
    assert second.status_code == 200
    assert second.content == first.content
    assert len(queries) == 0


def test_a_booking_makes_every_cached_week_page_stale_at_once(
    world, django_capture_on_commit_callbacks
):
    start = _first_time(world)
    assert _label(start) in Client().get(_url(world)).content.decode()

    # The cached copies are forgotten when the booking commits.
    with django_capture_on_commit_callbacks(execute=True):
        _book(world, start)

    assert _label(start) not in Client().get(_url(world)).content.decode()


def test_new_time_off_is_shown_at_once(world, django_capture_on_commit_callbacks):
    start = _first_time(world)
    assert _label(start) in Client().get(_url(world)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        TimeOff.objects.create(
            practitioner=world.ep, start=start - timedelta(hours=1), end=start + timedelta(hours=2)
        )
    assert _label(start) not in Client().get(_url(world)).content.decode()


def test_a_new_or_deleted_closure_is_shown_at_once(world, django_capture_on_commit_callbacks):
    start = _first_time(world)
    assert _label(start) in Client().get(_url(world)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        closure = Closure.objects.create(clinic=world.clinic, date=start.date(), reason="Training")
    assert _label(start) not in Client().get(_url(world)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        closure.delete()
    assert _label(start) in Client().get(_url(world)).content.decode()


def test_logged_in_people_always_get_a_fresh_page(world, client_as_patient):
    Client().get(_url(world))  # cached for anonymous visitors
    with CaptureQueriesContext(connection) as queries:
        page = client_as_patient.get(_url(world))
    assert page.status_code == 200
    assert len(queries) > 0
    assert "Log out" in page.content.decode()  # their own page, not the shared copy


def test_the_cache_can_be_turned_off(world, settings):
    settings.STANCE_WEEK_PAGE_CACHE_SECONDS = 0
    Client().get(_url(world))
    with CaptureQueriesContext(connection) as queries:
        Client().get(_url(world))
    assert len(queries) > 0


def test_the_page_and_a_booking_still_work_when_the_cache_is_down(world, settings):
    settings.CACHES = DEAD_CACHE
    page = Client().get(_url(world))
    assert page.status_code == 200

    start = _first_time(world)
    booked = _book(world, start)
    assert booked.pk is not None


def test_the_booking_api_does_not_fail_when_its_throttle_cannot_count(world, settings):
    settings.CACHES = DEAD_CACHE
    start = _first_time(world)
    response = Client().post(
        reverse("bookings:api-appointment-create"),
        {
            "service": str(world.service.code),
            "practitioner": str(world.ep.code),
            "modality": "clinic",
            "start": start.isoformat(),
            "patient": {
                "first_name": "Rowan",
                "last_name": "Inventa",
                "email": "rowan.cache@example.org",
                "phone": "0400 123 456",
                "date_of_birth": "1979-07-14",
            },
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


# --- The availability API, cached the same way (issue 16) ---------------------------------


def _api_week(world) -> str:
    monday = _next_week_monday(world.clinic)
    sunday = (datetime.fromisoformat(monday) + timedelta(days=6)).date().isoformat()
    return (
        f"/api/v1/availability/?service={world.service.code}&start={monday}&end={sunday}"
        f"&practitioner={world.ep.code}"
    )


def _api_starts(world) -> set[datetime]:
    response = Client().get(_api_week(world))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return {datetime.fromisoformat(s["start"]) for s in response.json()["slots"]}


def test_the_availability_api_answers_a_repeat_from_the_cache(world):
    first = Client().get(_api_week(world))
    with CaptureQueriesContext(connection) as queries:
        second = Client().get(_api_week(world))
    assert second.content == first.content
    assert len(queries) == 0


def test_the_availability_api_forgets_its_copy_when_a_time_is_booked(
    world, django_capture_on_commit_callbacks
):
    start = _first_time(world)
    assert start in _api_starts(world)
    # The cached copies are forgotten when the booking commits.
    with django_capture_on_commit_callbacks(execute=True):
        _book(world, start)
    assert start not in _api_starts(world)


def test_the_availability_api_loads_the_practitioners_once(world, settings):
    settings.STANCE_WEEK_PAGE_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        assert _api_starts(world)
    practitioner_reads = [
        q["sql"] for q in queries if 'FROM "clinic_practitioner"' in q["sql"].split("WHERE")[0]
    ]
    assert len(practitioner_reads) == 1, practitioner_reads
