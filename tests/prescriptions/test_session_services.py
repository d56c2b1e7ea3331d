"""Session services: recording a session and next-morning pain with the pain-monitoring
model (CLINICAL.md §8, rules/dosing.py pain_check), and reviewing a flag."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

import pytest

from clinic.errors import DomainError
from prescriptions.models import Programme, SessionLog
from prescriptions.patient_programme.services import (
    EntryInput,
    SessionNotAllowed,
    VersionChanged,
    session_flag_review,
    session_log_record,
    session_morning_pain_record,
)
from prescriptions.programmes.services import programme_draft_get_or_create, programme_publish
from tests import factories as f

pytestmark = pytest.mark.django_db
SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


@pytest.fixture
def programme(world):
    return f.make_published_programme(
        world.patient,
        world.ep,
        exercises=[
            ("hip-thrust", {"load_kind": "external", "load_kg": 60, "reps": 10}),
            ("clam", {}),
        ],
        published_at=timezone.now() - timedelta(days=7),
    )


def _today():
    return timezone.now().astimezone(SYDNEY).date()


def _entries(version, **pain):
    items = list(version.items.order_by("order"))
    return [
        EntryInput(item=i, done=True, reps=10, pain_during=pain.get(f"item{i.order}", 2), rpe=6)
        for i in items
    ]


def _record(programme, *, day=None, entries=None, **pain):
    version = programme.current_version
    return session_log_record(
        patient=programme.patient,
        version=version,
        performed_on=day or _today(),
        entries=entries if entries is not None else _entries(version, **pain),
        today=_today(),
    )


def _morning_after(session, hours=8):
    """A moment on the morning after `session`, in Sydney."""
    day = session.performed_on + timedelta(days=1)
    return datetime.combine(day, time(hours), tzinfo=SYDNEY)


# --- Pain during ----------------------------------------------------------------------------


def test_pain_of_5_is_within_the_rule(programme):
    session, check = _record(programme, item1=5)
    assert not session.pain_flag and session.pain_flag_reasons == []
    assert not check.ease_load


def test_pain_above_5_flags_and_names_each_exercise(programme):
    session, check = _record(programme, item1=6, item2=8)
    assert session.pain_flag and check.ease_load
    assert session.pain_flag_reasons == [
        "Hip thrust: Pain during exercise was 6/10, above 5/10.",
        "Clamshell: Pain during exercise was 8/10, above 5/10.",
    ]
    assert "Ease the load" in check.patient_message


def test_pain_during_an_exercise_not_done_does_not_count(programme):
    version = programme.current_version
    items = list(version.items.order_by("order"))
    entries = [
        EntryInput(item=items[0], done=True, reps=10, pain_during=2, rpe=6),
        EntryInput(item=items[1], done=False),
    ]
    session, _ = _record(programme, entries=entries)
    assert not session.pain_flag
    assert session.entries.get(item=items[1]).done is False


# --- Next-morning pain --------------------------------------------------------------------


def test_morning_pain_2_above_the_baseline_flags_and_1_above_is_noise(programme):
    # Issue 12 point 1: 2 -> 3 is inside the NPRS measurement error (MDC 2, CLINICAL.md
    # §8.1) and used to raise a flag; the baseline is the median of the earlier mornings.
    first, _ = _record(programme, day=_today() - timedelta(days=5))
    session_morning_pain_record(session=first, morning_pain=2, now=_morning_after(first))
    second, _ = _record(programme, day=_today() - timedelta(days=3))
    saved, check = session_morning_pain_record(
        session=second, morning_pain=3, now=_morning_after(second)
    )
    assert not saved.pain_flag and not check.ease_load
    third, _ = _record(programme, day=_today() - timedelta(days=1))
    saved, check = session_morning_pain_record(
        session=third, morning_pain=5, now=_morning_after(third)
    )
    assert saved.pain_flag and check.ease_load
    assert saved.pain_flag_reasons == [
        "Next-morning pain was 5/10, 2.5 above your usual morning pain (2.5/10): it had not "
        "settled."
    ]
    assert saved.morning_pain == 5 and saved.morning_pain_logged_at is not None


def test_too_much_pain_in_two_sessions_running_asks_for_contact(programme):
    _record(programme, day=_today() - timedelta(days=3), item1=7)
    session, check = _record(programme, day=_today() - timedelta(days=1), item1=6)
    assert check.contact and session.pain_flag
    second_running = "This is the second session running with pain that high."
    assert session.pain_flag_reasons[-1] == second_running


def test_the_same_morning_pain_or_the_first_one_does_not_flag(programme):
    first, _ = _record(programme, day=_today() - timedelta(days=3))
    saved, _ = session_morning_pain_record(session=first, morning_pain=4, now=_morning_after(first))
    assert not saved.pain_flag  # nothing before it to compare with
    second, _ = _record(programme, day=_today() - timedelta(days=1))
    saved, _ = session_morning_pain_record(
        session=second, morning_pain=4, now=_morning_after(second)
    )
    assert not saved.pain_flag


def test_a_reviewed_flag_opens_again_when_the_morning_is_worse(world, programme):
    first, _ = _record(programme, day=_today() - timedelta(days=3))
    session_morning_pain_record(session=first, morning_pain=1, now=_morning_after(first))
    second, _ = _record(programme, day=_today() - timedelta(days=1), item1=7)
    session_flag_review(session=second, by=world.ep.user)
    saved, _ = session_morning_pain_record(
        session=second, morning_pain=5, now=_morning_after(second)
    )
    assert saved.pain_flag and saved.flag_reviewed_at is None and saved.flag_reviewed_by is None
    assert len(saved.pain_flag_reasons) == 2


@pytest.mark.parametrize("days_after", [0, 3])
def test_morning_pain_is_taken_from_the_next_day_for_two_days(programme, days_after):
    session, _ = _record(programme, day=_today() - timedelta(days=3))
    moment = datetime.combine(
        session.performed_on + timedelta(days=days_after), time(8), tzinfo=SYDNEY
    )
    with pytest.raises(DomainError, match="from the day after the session"):
        session_morning_pain_record(session=session, morning_pain=2, now=moment)


def test_morning_pain_is_recorded_once(programme):
    session, _ = _record(programme, day=_today() - timedelta(days=1))
    session_morning_pain_record(session=session, morning_pain=2, now=_morning_after(session))
    with pytest.raises(DomainError, match="already recorded"):
        session_morning_pain_record(session=session, morning_pain=3, now=_morning_after(session, 9))


# --- What cannot be logged ----------------------------------------------------------------


def test_a_future_day_or_one_before_the_start_is_refused(programme):
    with pytest.raises(SessionNotAllowed, match="future"):
        _record(programme, day=_today() + timedelta(days=1))
    with pytest.raises(SessionNotAllowed, match="before your programme started"):
        _record(programme, day=_today() - timedelta(days=30))
    assert not SessionLog.objects.exists()


def test_every_item_must_be_answered_and_one_done(programme):
    version = programme.current_version
    entries = _entries(version)
    with pytest.raises(DomainError, match="whether you did it"):
        _record(programme, entries=entries[:1])
    with pytest.raises(DomainError, match="at least one"):
        _record(programme, entries=[EntryInput(item=e.item, done=False) for e in entries])
    assert not SessionLog.objects.exists()


def test_an_old_version_or_an_ended_programme_is_refused(world, programme):
    old = programme.current_version
    entries = _entries(old)
    programme_draft_get_or_create(programme=programme, by=world.ep.user)
    programme_publish(programme=programme, by=world.ep.user)
    with pytest.raises(VersionChanged):
        session_log_record(
            patient=programme.patient, version=old, performed_on=_today(), entries=entries
        )
    Programme.objects.filter(pk=programme.pk).update(status="ended", ended_at=timezone.now())
    with pytest.raises(SessionNotAllowed, match="ended"):
        _record(programme)


def test_another_patient_cannot_log_into_the_programme(world, programme):
    with pytest.raises(SessionNotAllowed):
        session_log_record(
            patient=world.other_patient,
            version=programme.current_version,
            performed_on=_today(),
            entries=_entries(programme.current_version),
        )


# --- Review -----------------------------------------------------------------------------------


def test_review_is_for_the_clinics_clinicians_and_twice_is_harmless(world, programme):
    session, _ = _record(programme, item1=8)
    for outsider in (world.reception, world.outsider.user, world.patient.user):
        with pytest.raises(DomainError, match="practitioners"):
            session_flag_review(session=session, by=outsider)
    first = session_flag_review(session=session, by=world.ep.user)
    again = session_flag_review(session=session, by=world.admin)
    assert (
        again.flag_reviewed_at == first.flag_reviewed_at and again.flag_reviewed_by == world.ep.user
    )


def test_a_session_without_a_flag_has_nothing_to_review(world, programme):
    session, _ = _record(programme)
    with pytest.raises(DomainError, match="no pain flag"):
        session_flag_review(session=session, by=world.ep.user)
