"""The staff appointment page shows the patient's pre-exercise screening to clinicians
(a yes as a warning, a re-screen when due, else the date of the last one); reception runs
the same page and never sees it."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.screening.services import screening_record
from tests import factories as f

pytestmark = pytest.mark.django_db


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


@pytest.fixture
def visit_url(world):
    appointment = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 2, 10),
    )
    return reverse("bookings:staff-appointment", args=[appointment.code])


def _screen(world, *, yes, days_ago=0, notes=""):
    screening_record(
        patient=world.patient,
        screened_on=_today(world) - timedelta(days=days_ago),
        answers=[yes] + [False] * 5,
        activity={},
        wording="themes",
        by=world.ep.user,
        notes=notes,
    )


def test_a_yes_is_a_warning_on_the_appointment_page_for_clinicians(
    client_as_practitioner, client_as_admin, world, visit_url
):
    _screen(world, yes=True, notes="Cleared by the GP for supervised exercise.")
    for client in (client_as_practitioner, client_as_admin):
        page = client.get(visit_url).content.decode()
        assert '<h3 id="screening-heading">Pre-exercise screening: higher risk</h3>' in page
        assert "Question 1: Heart condition" in page
        assert "Cleared by the GP for supervised exercise." in page
        screening = reverse("prescriptions:screening", args=[world.patient.code])
        assert f'href="{screening}"' in page


def test_reception_sees_the_appointment_but_no_screening(client_as_reception, world, visit_url):
    _screen(world, yes=True, notes="Cleared by the GP for supervised exercise.")
    page = client_as_reception.get(visit_url).content.decode()
    assert world.patient.full_name in page
    assert "screening" not in page.lower()
    assert "Heart condition" not in page and "Cleared by the GP" not in page


def test_no_screening_yet_or_an_old_one_prompts_a_screen(client_as_practitioner, world, visit_url):
    page = client_as_practitioner.get(visit_url).content.decode()
    assert "Pre-exercise screening due" in page
    _screen(world, yes=False, days_ago=370)
    page = client_as_practitioner.get(visit_url).content.decode()
    assert "Pre-exercise screening due" in page
    assert "The last screening was 12 months ago or more." in page


def test_a_current_screening_with_no_yes_is_one_line(client_as_practitioner, world, visit_url):
    _screen(world, yes=False)
    page = client_as_practitioner.get(visit_url).content.decode()
    assert "no yes answers" in page
    assert "higher risk" not in page and "screening due" not in page


def test_another_clinics_practitioner_still_gets_404(client_as_outsider, visit_url):
    assert client_as_outsider.get(visit_url).status_code == 404
