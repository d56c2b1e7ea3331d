"""The admin shows and takes times in the clinic's zone (issue 14: time off entered
9:00-17:00 for a Sydney clinic landed 20:00-04:00), on ordinary and daylight-saving
days; stored values stay aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse

import pytest

from bookings.models import TimeOff
from clinic.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world) -> Client:
    user = f.make_user(
        role=User.Role.CLINIC_ADMIN,
        clinic=world.clinic,
        email="root@example.org",
        is_staff=True,
        is_superuser=True,
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("day", "start_utc", "end_utc"),
    [
        ("2026-12-08", datetime(2026, 12, 7, 22, tzinfo=UTC), datetime(2026, 12, 8, 6, tzinfo=UTC)),
        # Sydney's clocks go back at 3 am on 5 April 2026 (AEDT +11 -> AEST +10).
        ("2026-04-05", datetime(2026, 4, 4, 23, tzinfo=UTC), datetime(2026, 4, 5, 7, tzinfo=UTC)),
        # ...and forward at 2 am on 4 October 2026 (AEST +10 -> AEDT +11).
        ("2026-10-04", datetime(2026, 10, 3, 22, tzinfo=UTC), datetime(2026, 10, 4, 6, tzinfo=UTC)),
    ],
)
def test_time_off_entered_in_the_admin_is_clinic_time(world, admin_client, day, start_utc, end_utc):
    assert world.clinic.timezone == "Australia/Sydney"
    response = admin_client.post(
        reverse("admin:bookings_timeoff_add"),
        {
            "practitioner": world.ep.pk,
            "start_0": day,
            "start_1": "09:00:00",
            "end_0": day,
            "end_1": "17:00:00",
            "reason": "Course",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    off = TimeOff.objects.get(practitioner=world.ep, reason="Course")
    assert (off.start, off.end) == (start_utc, end_utc)

    page = admin_client.get(reverse("admin:bookings_timeoff_change", args=[off.pk]))
    html = page.content.decode()
    assert 'value="09:00:00"' in html
    assert 'value="17:00:00"' in html


@pytest.fixture
def perth(world):
    """The Sydney clinic's rooms in Perth, with a practitioner who works only there."""
    rooms = f.make_location(
        world.clinic, name="Perth rooms", timezone="Australia/Perth", state="WA"
    )
    who = f.make_practitioner(world.clinic, display_name="Per Th")
    f.make_hours(who, rooms)
    world.service.practitioners.add(who)
    return SimpleNamespace(rooms=rooms, who=who)


def test_time_off_for_a_perth_practitioner_is_perth_time_in_the_admin(world, perth, admin_client):
    response = admin_client.post(
        reverse("admin:bookings_timeoff_add"),
        {
            "practitioner": perth.who.pk,
            "start_0": "2026-12-08",
            "start_1": "09:00:00",
            "end_0": "2026-12-08",
            "end_1": "17:00:00",
            "reason": "Course",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    off = TimeOff.objects.get(practitioner=perth.who)
    # Perth is UTC+8 all year (no daylight saving).
    assert (off.start, off.end) == (
        datetime(2026, 12, 8, 1, tzinfo=UTC),
        datetime(2026, 12, 8, 9, tzinfo=UTC),
    )
    html = admin_client.get(reverse("admin:bookings_timeoff_change", args=[off.pk])).content
    assert b'value="09:00:00"' in html and b"Perth time (Australia/Perth)" in html
    listed = admin_client.get(reverse("admin:bookings_timeoff_changelist")).content.decode()
    assert "Tuesday 8 December 2026, 9:00 am (Perth)" in listed


def test_a_visit_shows_at_its_own_location_time_in_the_admin(world, perth, admin_client):
    from bookings.services import appointment_book

    nine_perth = datetime(2026, 12, 9, 1, tzinfo=UTC)  # 9:00 in Perth, 12:00 in Sydney
    visit = appointment_book(
        service=world.service,
        practitioner=perth.who,
        modality="clinic",
        start=nine_perth,
        patient=f.make_patient(world.clinic),
        source="staff",
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert visit.location == perth.rooms
    html = admin_client.get(reverse("admin:bookings_appointment_change", args=[visit.pk]))
    page = html.content.decode()
    assert 'value="09:00:00"' in page and "Perth time (Australia/Perth)" in page
    listed = admin_client.get(reverse("admin:bookings_appointment_changelist")).content.decode()
    assert "Wednesday 9 December 2026, 9:00 am (Perth)" in listed
    sent = admin_client.get(reverse("admin:bookings_notification_changelist")).content.decode()
    assert "(Perth)" in sent  # its confirmation, in Perth time

    # Saving the form unchanged keeps the visit where it is (9:00 Perth, not Sydney).
    form = {
        "patient": visit.patient_id,
        "practitioner": perth.who.pk,
        "service": world.service.pk,
        "modality": "clinic",
        "location": perth.rooms.pk,
        "start_0": "2026-12-09",
        "start_1": "09:00:00",
        "end_0": "2026-12-09",
        "end_1": "10:00:00",
        "status": visit.status,
        "source": visit.source,
        "cancellation_reason": "",
    }
    saved = admin_client.post(reverse("admin:bookings_appointment_change", args=[visit.pk]), form)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    visit.refresh_from_db()
    assert visit.start == nine_perth
