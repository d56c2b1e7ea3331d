"""Funding a visit already booked (online, in a series, or under the wrong referral) from
its appointment page: the referral is chosen among the patient's, the visit counts
toward it at once, and past the referral's limits a reason is asked for first."""

from django.urls import reverse

import pytest

from bookings.models import Appointment
from clinic.models import AccessLog
from tests import factories as f

pytestmark = pytest.mark.django_db


def _url(appointment) -> str:
    return reverse("bookings:staff-appointment-funding", args=[appointment.code])


def _visit(world, start, **kw):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=start,
        source=Appointment.Source.ONLINE,
        **kw,
    )


def test_reception_funds_an_online_booking_under_the_patients_referral(client_as_reception, world):
    gpccmp = f.make_referral(world.patient, by=world.admin)
    visit = _visit(world, f.next_weekday_at(world.clinic, 2, 10))
    detail = client_as_reception.get(reverse("bookings:staff-appointment", args=[visit.code]))
    assert "Fund under a referral" in detail.content.decode()

    page = client_as_reception.get(_url(visit))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Funding for this visit</h1>" in html
    assert "Not under a referral" in html and str(gpccmp.code) in html

    response = client_as_reception.post(_url(visit), {"referral": str(gpccmp.code)})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.referral, visit.funding_reason) == (gpccmp, "")
    detail = client_as_reception.get(response["Location"]).content.decode()
    assert "Funded under Medicare GPCCMP" in detail
    assert "Medicare GPCCMP (item 10953)" in detail
    assert AccessLog.objects.filter(action="change", record_code=visit.code).exists()


def test_past_the_cap_a_reason_is_asked_for_first_and_nothing_changes_until_then(
    client_as_reception, world
):
    gpccmp = f.make_referral(world.patient, by=world.admin)
    start = f.next_weekday_at(world.clinic, 2, 10)
    for hour in range(13, 18):  # the five services of the year, booked under it
        _visit(world, start.replace(hour=hour), referral=gpccmp)
    sixth = _visit(world, start)

    response = client_as_reception.post(_url(sixth), {"referral": str(gpccmp.code)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert f"Medicare GPCCMP: all 5 services in {start.year} are used." in html
    assert "Enter a reason to fund it under this referral anyway." in html
    sixth.refresh_from_db()
    assert sixth.referral is None

    response = client_as_reception.post(
        _url(sixth), {"referral": str(gpccmp.code), "funding_reason": "A new plan is coming"}
    )
    assert response.status_code == 302
    sixth.refresh_from_db()
    assert (sixth.referral, sixth.funding_reason) == (gpccmp, "A new plan is coming")


def test_a_visit_already_funded_is_not_counted_against_itself(client_as_reception, world):
    gpccmp = f.make_referral(world.patient, by=world.admin)
    start = f.next_weekday_at(world.clinic, 2, 10)
    for hour in range(13, 17):
        _visit(world, start.replace(hour=hour), referral=gpccmp)
    fifth = _visit(world, start, referral=gpccmp)  # the fifth of five: within the cap

    response = client_as_reception.post(_url(fifth), {"referral": str(gpccmp.code)})
    assert response.status_code == 302


def test_taking_a_visit_out_of_its_referral_clears_the_reason(client_as_reception, world):
    gpccmp = f.make_referral(world.patient, by=world.admin)
    visit = _visit(
        world, f.next_weekday_at(world.clinic, 2, 10), referral=gpccmp, funding_reason="Past cap"
    )
    response = client_as_reception.post(_url(visit), {"referral": ""})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.referral, visit.funding_reason) == (None, "")


def test_another_patients_referral_or_a_made_up_one_is_refused(client_as_reception, world):
    other = f.make_patient(world.clinic, first_name="Other", email="other.funding@example.org")
    theirs = f.make_referral(other, by=world.admin)
    visit = _visit(world, f.next_weekday_at(world.clinic, 2, 10))
    for value in (str(theirs.code), "not-a-code", "x" * 5000):
        response = client_as_reception.post(_url(visit), {"referral": value})
        assert response.status_code == 400
        assert "There is a problem" in response.content.decode()
    visit.refresh_from_db()
    assert visit.referral is None


def test_a_cancelled_visit_cannot_be_funded(client_as_reception, world):
    gpccmp = f.make_referral(world.patient, by=world.admin)
    visit = _visit(world, f.next_weekday_at(world.clinic, 2, 10))
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.CANCELLED)
    response = client_as_reception.post(_url(visit), {"referral": str(gpccmp.code)})
    assert response.status_code == 400
    assert "Only a visit that is booked or took place can be funded." in response.content.decode()
    visit.refresh_from_db()
    assert visit.referral is None
