"""seed_demo fills a working fortnight around today: past visits as they turned out
(with records for a few patients), today's full day and next week half booked; safe to
run twice and on a later day."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from io import StringIO
from itertools import pairwise

from django.core.management import call_command
from django.core.management.base import CommandError

import pytest

from bookings.models import OPEN_STATUSES, Appointment, BookingAnswers, Notification, TimeOff
from clinic.lib.time import local_day_bounds
from clinic.models import Clinic, Patient
from prescriptions.demo.fortnight import fortnight_seed, working_minutes
from prescriptions.models import Assessment, OutcomeResponse, Programme, SessionLog
from tests import factories as f

pytestmark = pytest.mark.django_db

THURSDAY = date(2026, 12, 3)
Status = Appointment.Status


def _seed(today: date) -> str:
    out = StringIO()
    call_command("seed_demo", f"--today={today.isoformat()}", stdout=out)
    return out.getvalue()


def _clinic() -> Clinic:
    return Clinic.objects.get(slug="harbourside")


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=_clinic().tz)


def _on(first: date, last: date | None = None):
    tz = Clinic.objects.first().tz  # every clinic here is in Sydney
    start = local_day_bounds(first, tz)[0]
    end = local_day_bounds(last or first, tz)[1]
    return Appointment.objects.filter(start__gte=start, start__lt=end)


def _held_share(first: date, last: date) -> float:
    """Visits' held time (cancelled ones too) over the practitioners' working time."""
    clinic = _clinic()
    practitioners = list(clinic.practitioners.all())
    minutes = working_minutes(practitioners)
    working = sum(
        minutes[p.pk].get((first + timedelta(days=n)).weekday(), 0)
        for p in practitioners
        for n in range((last - first).days + 1)
    )
    held = sum((a.blocked_until - a.start).total_seconds() / 60 for a in _on(first, last))
    return held / working


def _assert_no_patient_is_in_two_places_at_once() -> None:
    visits = list(Appointment.objects.active().order_by("patient_id", "start"))
    for before, after in pairwise(visits):
        if before.patient_id == after.patient_id:
            assert after.start >= before.end, (before.pk, after.pk)


def test_a_run_fills_the_fortnight_and_a_second_run_adds_nothing():
    output = _seed(THURSDAY)
    now = _noon(THURSDAY)

    # The past seven working days (Saturday mornings included) happened.
    past_first = date(2026, 11, 25)  # Wed, Thu, Fri, Sat, Mon, Tue, Wed
    past = Counter(_on(past_first, THURSDAY - timedelta(days=1)).values_list("status", flat=True))
    total = sum(past.values())
    assert total > 50
    assert past[Status.BOOKED] == 0
    assert 0.75 <= past[Status.COMPLETED] / total <= 0.95
    assert past[Status.NO_SHOW] >= 1 and past[Status.CANCELLED] >= 1
    assert past[Status.CANCELLED] / total <= 0.2
    # Nothing before the window but a story's visit.
    before_window = _on(date(2026, 11, 22), date(2026, 11, 24))
    assert not before_window.exclude(patient__email="noah.quill@example.org").exists()
    cancelled = _on(past_first, THURSDAY).filter(status=Status.CANCELLED).first()
    assert cancelled.cancellation_reason and cancelled.cancelled_at < cancelled.start

    # Today is about 80 % booked: what has started is over or under way, the rest booked.
    today = list(_on(THURSDAY))
    assert {a.practitioner.display_name for a in today} == {
        "Sam Okafor",
        "Priya Raman",
        "Tom Elliot",
    }
    assert all(a.status != Status.BOOKED for a in today if a.start <= now)
    assert all(a.status == Status.BOOKED for a in today if a.start > now)
    assert _held_share(THURSDAY, THURSDAY) >= 0.7
    # Next week about half.
    next_week = _on(THURSDAY + timedelta(days=1), THURSDAY + timedelta(days=7))
    assert next_week.count() > 20
    assert 0.4 <= _held_share(THURSDAY + timedelta(days=1), THURSDAY + timedelta(days=7)) <= 0.7
    _assert_no_patient_is_in_two_places_at_once()

    # Nothing is emailed about a visit that has started, nor any seeded confirmation.
    open_rows = Notification.objects.filter(status__in=OPEN_STATUSES)
    assert not open_rows.filter(appointment__start__lte=now).exists()
    assert not open_rows.filter(kind=Notification.Kind.CONFIRMATION).exists()
    assert open_rows.filter(kind=Notification.Kind.REMINDER, appointment__start__gt=now).exists()

    # Records: a signed assessment with outcome measures at an attended past visit, a
    # programme with logged sessions, one of them flagged for pain.
    noah = Patient.objects.get(email="noah.quill@example.org")
    assessment = Assessment.objects.get(patient=noah)
    assert assessment.status == Assessment.Status.SIGNED
    assert assessment.appointment.status == Status.COMPLETED
    assert assessment.appointment.start < now
    assert set(
        OutcomeResponse.objects.filter(assessment=assessment).values_list("instrument", flat=True)
    ) == {"ODI", "NPRS", "PSFS"}
    programme = Programme.objects.get(patient=noah)
    assert programme.status == Programme.Status.ACTIVE
    sessions = SessionLog.objects.filter(patient=noah)
    assert sessions.count() >= 3
    assert sessions.filter(pain_flag=True, flag_reviewed_at__isnull=True).exists()
    assert Assessment.objects.filter(patient__email="isla.penrose@example.org").exists()
    assert Programme.objects.filter(patient__email="ava.brindle@example.org").exists()
    # The demo patient and the stories' patients come back next week.
    for email in ("demo-patient@example.org", "noah.quill@example.org"):
        assert Appointment.objects.filter(
            patient__email=email, status=Status.BOOKED, start__gt=now
        ).exists()

    # One upcoming booking answered yes to a question that flags it for the clinician.
    flagged = [row for row in BookingAnswers.objects.all() if row.flagged]
    assert len(flagged) == 1
    assert flagged[0].appointment.start > now
    assert flagged[0].appointment.status == Status.BOOKED

    assert "Seeded 7 past days:" in output
    assert "today Thu 3 Dec:" in output

    def counts() -> tuple[int, ...]:
        return tuple(m.objects.count() for m in (Appointment, Assessment, SessionLog, Patient))

    before = counts()
    again = _seed(THURSDAY)
    assert counts() == before
    assert "Added 0 demo appointments" in again

    # A day later: yesterday afternoon's visits are marked, Friday is topped up to full.
    friday = THURSDAY + timedelta(days=1)
    friday_before = _on(friday).count()
    later = _seed(friday)
    assert not Appointment.objects.filter(status=Status.BOOKED, start__lte=_noon(friday)).exists()
    assert _on(friday).count() > friday_before
    assert _held_share(friday, friday) >= 0.7
    assert "today Fri 4 Dec:" in later
    assert Assessment.objects.filter(patient=noah).count() == 1  # each story told once
    _assert_no_patient_is_in_two_places_at_once()


def test_on_a_sunday_the_full_day_skips_the_public_holiday_across_the_daylight_saving_change():
    sunday = date(2026, 10, 4)  # Sydney's clocks go forward at 2 am
    output = _seed(sunday)
    monday = sunday + timedelta(days=1)  # Labour Day, a NSW public holiday
    tuesday = monday + timedelta(days=1)
    assert "today (Sun 4 Oct) the clinic is closed, so the full day is Tue 6 Oct" in output
    assert not _on(sunday).exists() and not _on(monday).exists()
    tz = _clinic().tz
    visits = list(_on(tuesday))
    assert visits and all(a.status == Status.BOOKED for a in visits)
    assert _held_share(tuesday, tuesday) >= 0.7
    # Wall-clock times stay inside working hours on both sides of the change.
    for first, last in ((date(2026, 9, 25), date(2026, 10, 3)), (tuesday, date(2026, 10, 11))):
        for a in _on(first, last):
            local_start, local_end = a.start.astimezone(tz), a.end.astimezone(tz)
            assert local_start.time() >= time(7, 30), a.start
            assert local_end.time() <= time(18), a.end
    assert _on(date(2026, 9, 25), date(2026, 10, 3)).count() > 50


def test_a_date_that_is_not_one_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--today=3/12/2026", stdout=StringIO())


def test_a_day_nobody_can_be_booked_is_not_taken_for_a_working_day(world):
    """Everyone off on Thursday and on the Wednesday before: Friday is the full day, and
    the past days skip that Wednesday (a closure the slots leave out would do the same)."""
    clinic = world.clinic
    for practitioner in clinic.practitioners.all():
        for day in (2, 3):  # Wed 2 and Thu 3 December
            TimeOff.objects.create(
                practitioner=practitioner,
                start=f.local(clinic, 2026, 12, day),
                end=f.local(clinic, 2026, 12, day + 1),
            )
    summary = fortnight_seed(clinic=clinic, now=f.local(clinic, 2026, 12, 3, 12))
    assert summary.full_day == date(2026, 12, 4)
    assert date(2026, 12, 2) not in summary.past_days
    assert summary.past_days == [date(2026, 11, d) for d in (23, 24, 25, 26, 27, 30)] + [
        date(2026, 12, 1)
    ]
    assert not _on(date(2026, 12, 2), date(2026, 12, 3)).exists()
    assert _on(date(2026, 12, 4)).count() >= 10
    assert "the clinic is closed, so the full day is Fri 4 Dec" in summary.lines()[0]
