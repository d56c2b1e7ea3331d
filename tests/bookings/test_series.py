"""Recurring visits: a block booked as a series from its first visit, with every clash
listed for a decision before anything is saved, and cancelled from one visit on."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import mail
from django.urls import reverse

import pytest

from bookings.models import Appointment, Notification, TimeOff
from bookings.series import appointment_series_plan, series_starts
from bookings.services import appointment_book
from tests import factories as f

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")


def _first(world):
    """Pat's follow-up with Sam Lee next Tuesday (at least a week away) at 10:00."""
    return appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=f.next_weekday_at(world.clinic, 1, 10),
        patient=world.patient,
        source=Appointment.Source.STAFF,
    )


def _value(start):
    return f"{start.astimezone(UTC):%Y-%m-%dT%H:%M}Z"


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _repeat_url(appt, query=""):
    return reverse("bookings:staff-repeat", args=[appt.code]) + query


def test_a_series_keeps_the_wall_clock_time_across_daylight_saving():
    first = datetime(2026, 9, 29, 10, 0, tzinfo=SYDNEY)  # AEST; Sydney springs forward 4 Oct
    starts = series_starts(first=first, every_weeks=1, repeats=2, tz=SYDNEY)
    assert [s.astimezone(SYDNEY).strftime("%d %H:%M %Z") for s in starts] == [
        "06 10:00 AEDT",
        "13 10:00 AEDT",
    ]
    assert starts[0] - first == timedelta(days=7, hours=-1)  # a real week minus the lost hour


def test_every_two_weeks_skips_a_week():
    first = datetime(2026, 3, 3, 9, 30, tzinfo=SYDNEY)
    starts = series_starts(first=first, every_weeks=2, repeats=3, tz=SYDNEY)
    assert [s.astimezone(SYDNEY).date().day for s in starts] == [17, 31, 14]


def test_the_plan_says_why_each_clashing_time_is_not_free(world):
    first = _first(world)
    week3 = first.start + timedelta(weeks=3)
    appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=week3,
        patient=world.other_patient,
    )
    week4 = first.start + timedelta(weeks=4)
    TimeOff.objects.create(
        practitioner=world.ep, start=week4 - timedelta(hours=1), end=week4 + timedelta(hours=2)
    )
    before = Appointment.objects.count()

    plan = appointment_series_plan(appointment=first, every_weeks=1, repeats=5)

    assert [v.free for v in plan] == [True, True, False, False, True]
    assert plan[2].clash == "Sam Lee is already booked then."
    assert "not working then" in plan[3].clash
    assert plan[2].alternatives and all(
        a.start.astimezone(world.clinic.tz).date() == week3.astimezone(world.clinic.tz).date()
        for a in plan[2].alternatives
    )
    assert Appointment.objects.count() == before  # planning saves nothing


def test_the_patients_own_visit_elsewhere_is_a_clash(world):
    first = _first(world)
    week2 = first.start + timedelta(weeks=2)
    appointment_book(
        service=world.service,
        practitioner=world.physio,
        modality="clinic",
        start=week2,
        patient=world.patient,
        source=Appointment.Source.STAFF,
    )
    plan = appointment_series_plan(appointment=first, every_weeks=1, repeats=2)
    assert plan[1].clash == "Pat already has a visit then, with Jo Park."


def test_reception_books_a_block_with_a_clash_moved_and_one_skipped(world, client_as_reception):
    first = _first(world)
    week2, week3 = first.start + timedelta(weeks=2), first.start + timedelta(weeks=3)
    appointment_book(
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=week2,
        patient=world.other_patient,
    )
    page = client_as_reception.get(_repeat_url(first, "?every_weeks=1&repeats=3"))
    assert page.status_code == 200
    body = _text(page)
    assert "1 of 3 times clashes" in body
    assert "Sam Lee is already booked then." in body
    assert Appointment.objects.filter(patient=world.patient).count() == 1

    half_past = week2 + timedelta(minutes=30)
    assert _value(half_past) in body  # the nearest free time that day is offered instead
    mail.outbox.clear()
    response = client_as_reception.post(
        _repeat_url(first),
        {
            "every_weeks": "1",
            "repeats": "3",
            "visit_1": _value(first.start + timedelta(weeks=1)),
            "visit_2": _value(half_past),
            "visit_3": "skip",
        },
    )
    assert response.status_code == 302
    series = Appointment.objects.filter(patient=world.patient).order_by("start")
    assert [a.start for a in series] == [first.start, first.start + timedelta(weeks=1), half_past]
    assert len({a.series for a in series}) == 1 and series[0].series is not None
    assert all(a.source == Appointment.Source.STAFF for a in series[1:])
    # Each new visit has its own confirmation (with its own calendar entry) planned.
    assert Notification.objects.filter(appointment__in=series[1:], kind="confirmation").count() == 2
    assert week3 not in [a.start for a in series]


def test_a_time_taken_meanwhile_books_none_of_the_series(world, client_as_reception):
    first = _first(world)
    week1, week2 = first.start + timedelta(weeks=1), first.start + timedelta(weeks=2)
    page = _text(client_as_reception.get(_repeat_url(first, "?every_weeks=1&repeats=2")))
    assert "All 2 times are free" in page
    appointment_book(  # someone books week 2 while reception reads the plan
        service=world.service,
        practitioner=world.ep,
        modality="clinic",
        start=week2,
        patient=world.other_patient,
    )
    response = client_as_reception.post(
        _repeat_url(first),
        {"every_weeks": "1", "repeats": "2", "visit_1": _value(week1), "visit_2": _value(week2)},
    )
    assert response.status_code == 200
    body = _text(response)
    assert "There is a problem" in body
    # The fresh plan no longer offers the taken time, so the choice is refused.
    assert Appointment.objects.filter(patient=world.patient).count() == 1
    first.refresh_from_db()
    assert first.series is None


def test_a_race_inside_the_booking_rolls_back_every_visit(world):
    from bookings.series import appointment_series_book
    from bookings.services import SlotUnavailable

    first = _first(world)
    week1, week2 = first.start + timedelta(weeks=1), first.start + timedelta(weeks=2)
    f.make_appointment(
        patient=world.other_patient, practitioner=world.ep, service=world.service, start=week2
    )
    with pytest.raises(SlotUnavailable):
        appointment_series_book(appointment=first, starts=[week1, week2], by_user=world.reception)
    assert not Appointment.objects.filter(patient=world.patient, start=week1).exists()
    first.refresh_from_db()
    assert first.series is None


@pytest.mark.parametrize("value", ["2030-01-01T00:00Z", "nonsense", "", "x" * 3000])
def test_a_time_not_offered_is_a_form_error(world, client_as_reception, value):
    first = _first(world)
    response = client_as_reception.post(
        _repeat_url(first), {"every_weeks": "1", "repeats": "1", "visit_1": value}
    )
    assert response.status_code == 200
    assert "There is a problem" in _text(response)
    assert Appointment.objects.filter(patient=world.patient).count() == 1


@pytest.mark.parametrize(
    "query",
    [
        "?every_weeks=9&repeats=3",
        "?every_weeks=1&repeats=99",
        "?every_weeks=1&repeats=abc",
        "?every_weeks=%00&repeats=-1",
    ],
)
def test_bad_repeat_settings_are_form_errors(world, client_as_reception, query):
    response = client_as_reception.get(_repeat_url(_first(world), query))
    assert response.status_code == 200
    assert "There is a problem" in _text(response)


def test_cancelling_from_one_visit_on_keeps_the_earlier_ones(world, client_as_reception):
    from bookings.series import appointment_series_book

    first = _first(world)
    later = appointment_series_book(
        appointment=first,
        starts=[first.start + timedelta(weeks=n) for n in (1, 2, 3)],
        by_user=world.reception,
    )
    url = reverse("bookings:staff-series-cancel", args=[later[0].code])
    page = _text(client_as_reception.get(url))
    assert "These 3 visits will be cancelled" in page

    empty = client_as_reception.post(url, {"reason": ""})
    assert "Enter a reason for cancelling" in _text(empty)
    assert Appointment.objects.filter(status="cancelled").count() == 0

    assert client_as_reception.post(url, {"reason": "Finished rehab early"}).status_code == 302
    statuses = list(
        Appointment.objects.filter(patient=world.patient)
        .order_by("start")
        .values_list("status", flat=True)
    )
    assert statuses == ["booked", "cancelled", "cancelled", "cancelled"]


def test_the_appointment_page_offers_repeat_and_series_cancel(world, client_as_reception):
    from bookings.series import appointment_series_book

    first = _first(world)
    detail = reverse("bookings:staff-appointment", args=[first.code])
    body = _text(client_as_reception.get(detail))
    assert _repeat_url(first) in body
    assert reverse("bookings:staff-series-cancel", args=[first.code]) not in body
    appointment_series_book(
        appointment=first, starts=[first.start + timedelta(weeks=1)], by_user=world.reception
    )
    body = _text(client_as_reception.get(detail))
    assert reverse("bookings:staff-series-cancel", args=[first.code]) in body


@pytest.mark.parametrize("name", ["staff-repeat", "staff-series-cancel", "staff-series-move"])
def test_patients_and_other_clinics_cannot_reach_series_pages(
    world, client_as_patient, client_as_outsider, name
):
    url = reverse(f"bookings:{name}", args=[_first(world).code])
    assert client_as_patient.get(url).status_code == 404
    assert client_as_outsider.get(url).status_code == 404
    assert (
        client_as_patient.post(url, {"reason": "x", "every_weeks": "1", "repeats": "1"}).status_code
        == 404
    )


def _series_of_three(world):
    from bookings.series import appointment_series_book

    first = _first(world)
    later = appointment_series_book(
        appointment=first,
        starts=[first.start + timedelta(weeks=n) for n in (1, 2)],
        by_user=world.reception,
    )
    first.refresh_from_db()
    return first, *later


def test_moving_from_one_visit_on_moves_the_later_ones_by_the_same_days(world, client_as_reception):
    first, second, third = _series_of_three(world)
    tz = world.clinic.tz
    thursday = (second.start.astimezone(tz) + timedelta(days=2)).date()
    new_second = datetime.combine(thursday, datetime.min.time().replace(hour=14), tzinfo=tz)
    new_third = new_second + timedelta(weeks=1)
    f.make_appointment(  # Sam Lee is busy at the third visit's new time
        patient=world.other_patient, practitioner=world.ep, service=world.service, start=new_third
    )
    url = reverse("bookings:staff-series-move", args=[second.code])
    page = _text(client_as_reception.get(f"{url}?date={thursday}&time=14:00"))
    assert "1 of 2 new times clashes" in page
    assert "Sam Lee is already booked then." in page
    assert Appointment.objects.get(pk=second.pk).start == second.start  # nothing moved yet

    response = client_as_reception.post(
        url,
        {
            "date": thursday.isoformat(),
            "time": "14:00",
            "visit_1": _value(new_second),
            "visit_2": "skip",
        },
    )
    assert response.status_code == 302
    moved = {a.pk: a for a in Appointment.objects.filter(series=first.series)}
    assert moved[first.pk].start == first.start  # earlier visits stay
    assert moved[second.pk].start == new_second
    assert moved[second.pk].sequence == 1
    assert moved[third.pk].start == third.start  # left where it was
    assert Notification.objects.filter(appointment=second, kind="reschedule").exists()


def test_a_series_move_that_loses_a_race_moves_nothing(world):
    from bookings.series import appointment_series_move
    from bookings.services import SlotUnavailable

    _, second, third = _series_of_three(world)
    to_second, to_third = second.start + timedelta(hours=2), third.start + timedelta(hours=2)
    f.make_appointment(
        patient=world.other_patient, practitioner=world.ep, service=world.service, start=to_third
    )
    with pytest.raises(SlotUnavailable):
        appointment_series_move(
            moves=[(second, to_second), (third, to_third)], by_user=world.reception
        )
    second.refresh_from_db()
    assert second.start == to_second - timedelta(hours=2)


@pytest.mark.parametrize(
    "query", ["?date=2026-02-30&time=10:00", "?date=2026-03-03&time=25:99", "?date=&time="]
)
def test_bad_series_move_input_is_a_form_error(world, client_as_reception, query):
    _, second, _ = _series_of_three(world)
    url = reverse("bookings:staff-series-move", args=[second.code])
    response = client_as_reception.get(url + query)
    assert response.status_code == 200
    assert "There is a problem" in _text(response)
