"""The admin shows and takes times in the clinic's zone (issue 14: time off entered
9:00-17:00 for a Sydney clinic landed 20:00-04:00), on ordinary and daylight-saving
days; stored values stay aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

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
