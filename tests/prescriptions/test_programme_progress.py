"""The practitioner's progress view: suggestions from logged sessions (CLINICAL.md §4.2)
applied as a new published version, pain flags marked reviewed, charts with tables, and
who may see any of it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.errors import DomainError
from prescriptions.models import Exercise, SessionLog
from prescriptions.programmes.progress import programme_progress
from prescriptions.programmes.progression import ProgressionStale, progression_apply
from prescriptions.programmes.services import programme_draft_get_or_create
from prescriptions.rules import dosing
from tests import factories as f

pytestmark = pytest.mark.django_db

HIP_THRUST = ("hip-thrust", {"load_kind": "external", "load_kg": 60, "reps": 10, "sets": 3})


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


def _today():
    return timezone.now().astimezone(ZoneInfo("Australia/Sydney")).date()


def _programme(world, exercises=None, goal="strength"):
    return f.make_published_programme(
        world.patient,
        world.ep,
        goal=goal,
        exercises=exercises or [HIP_THRUST],
        published_at=timezone.now() - timedelta(days=10),
    )


def _sessions(programme, *entries_per_session, morning_pain=2):
    """One session a day, ending yesterday, oldest first, each with its next-morning pain
    (the pain-monitoring model never progresses without it, CLINICAL.md §8.3 row 5)."""
    version = programme.current_version
    n = len(entries_per_session)
    return [
        f.make_session(
            version,
            performed_on=_today() - timedelta(days=n - i),
            entries=entries,
            morning_pain=morning_pain,
            morning_pain_logged_at=timezone.now(),
        )
        for i, entries in enumerate(entries_per_session)
    ]


def _suggestion(programme, order=1):
    progress = programme_progress(programme, programme.current_version)
    return next(e for e in progress.exercises if e.item.order == order)


# --- The rules, from the database ---------------------------------------------------------


def test_the_worked_example_12_reps_twice_at_60_kg_suggests_62_5_or_65_kg(world):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 12, "rpe": 8}}, {1: {"reps": 12, "rpe": 8}})
    ex = _suggestion(programme)
    s = ex.suggestion
    assert (s.action, s.rule) == (dosing.Action.INCREASE_LOAD, "2_for_2")
    assert s.load_range_kg == (61.2, 66.0)
    assert [c.value for c in ex.choices] == ["62.5", "65"]


def test_applying_it_publishes_a_new_version_the_patient_sees(world, client_as_patient):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 12, "rpe": 8}}, {1: {"reps": 12, "rpe": 8}})
    version = progression_apply(
        programme=programme, version_number=1, item_order=1, choice="65", by=world.ep.user
    )
    assert version.number == 2 and version.is_published
    assert version.items.get(order=1).load_kg == Decimal("65")
    assert "Hip thrust: load 60 kg to 65 kg" in version.change_note
    page = client_as_patient.get(reverse("prescriptions:my-programme", args=[programme.code]))
    assert "65 kg" in page.content.decode()
    # The 2-for-2 count starts again at the new load.
    assert _suggestion(programme).suggestion.action == dosing.Action.HOLD


def test_one_good_session_is_not_enough_for_2_for_2(world):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 10, "rpe": 8}}, {1: {"reps": 12, "rpe": 8}})
    assert _suggestion(programme).suggestion.action == dosing.Action.HOLD


def test_target_reps_twice_the_latest_at_rpe_7_or_less_adds_load_and_rpe_9_holds(world):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 10, "rpe": 8}}, {1: {"reps": 10, "rpe": 7}})
    assert _suggestion(programme).suggestion.rule == "rpe"
    _sessions(programme, {1: {"reps": 12, "rpe": 9}})  # a later session, harder
    assert _suggestion(programme).suggestion.rule == "rpe_hold"


def test_a_heavier_load_logged_by_the_patient_counts_as_at_the_target(world):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 12, "rpe": 8, "load_kg": 62}}, {1: {"reps": 12, "rpe": 8}})
    assert _suggestion(programme).suggestion.rule == "2_for_2"


def test_an_unloaded_exercise_done_to_target_twice_moves_along_the_chain(world):
    programme = _programme(world, exercises=[("clam", {"reps": 15})], goal="muscular_endurance")
    _sessions(programme, {1: {"reps": 15, "rpe": 6}}, {1: {"reps": 16, "rpe": 6}})
    ex = _suggestion(programme)
    assert ex.suggestion.action == dosing.Action.NEXT_EXERCISE
    banded = Exercise.objects.shipped().get(slug="banded-clam")
    assert [c.value for c in ex.choices] == [str(banded.code)]
    version = progression_apply(
        programme=programme,
        version_number=1,
        item_order=1,
        choice=str(banded.code),
        by=world.ep.user,
    )
    item = version.items.get(order=1)
    assert item.exercise == banded
    assert (item.load_kind, item.band_colour) == ("band", "red")  # a band exercise gets a band
    assert version.change_note.startswith("Clamshell becomes Clamshell with band. Target met")


def test_under_the_gt_goal_the_chain_skips_compressive_exercises(world):
    programme = _programme(
        world, exercises=[("clam-in-hip-extension", {"reps": 10})], goal="gt_load_management"
    )
    _sessions(programme, {1: {"reps": 10, "rpe": 5}}, {1: {"reps": 10, "rpe": 5}})
    s = _suggestion(programme).suggestion
    assert "side-lying-hip-abduction" not in s.next_exercises
    lying = Exercise.objects.shipped().get(slug="side-lying-hip-abduction").name
    assert any(note.startswith(f"Left out {lying}: to be avoided early") for note in s.notes)


def test_pain_above_the_limit_suggests_easing_to_an_easier_exercise(world):
    programme = _programme(
        world, exercises=[("banded-clam", {"reps": 10})], goal="muscular_endurance"
    )
    _sessions(programme, {1: {"reps": 10, "rpe": 6, "pain_during": 7}})
    ex = _suggestion(programme)
    assert (ex.suggestion.action, ex.suggestion.rule) == (dosing.Action.EASE, "pain")
    clam = Exercise.objects.shipped().get(slug="clam")
    assert str(clam.code) in [c.value for c in ex.choices]
    version = progression_apply(
        programme=programme, version_number=1, item_order=1, choice=str(clam.code), by=world.ep.user
    )
    assert version.items.get(order=1).exercise == clam


def test_a_stale_page_or_a_choice_not_offered_changes_nothing(world):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 12, "rpe": 8}}, {1: {"reps": 12, "rpe": 8}})
    with pytest.raises(ProgressionStale):
        progression_apply(
            programme=programme, version_number=2, item_order=1, choice="62.5", by=world.ep.user
        )
    with pytest.raises(ProgressionStale):
        progression_apply(
            programme=programme, version_number=1, item_order=1, choice="80", by=world.ep.user
        )
    programme_draft_get_or_create(programme=programme, by=world.ep.user)
    with pytest.raises(DomainError, match="unpublished changes"):
        progression_apply(
            programme=programme, version_number=1, item_order=1, choice="62.5", by=world.ep.user
        )
    assert programme.versions.filter(published_at__isnull=False).count() == 1


# --- The page -------------------------------------------------------------------------------


def test_the_page_shows_charts_with_tables_flags_and_the_suggestion(world, client_as_practitioner):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 12, "rpe": 8}}, {1: {"reps": 12, "rpe": 8, "pain_during": 6}})
    SessionLog.objects.filter(entries__pain_during=6).update(
        pain_flag=True, pain_flag_reasons=["Hip thrust: Pain during exercise was 6/10, above 5/10."]
    )
    r = client_as_practitioner.get(
        reverse("prescriptions:programme-progress", args=[programme.code])
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count('role="img"') >= 4  # adherence, pain, reps and load
    assert "<caption>Sessions planned and done, by week</caption>" in html
    assert "<caption>Pain by session (0 to 10)</caption>" in html
    assert "Hip thrust: Pain during exercise was 6/10, above 5/10." in html
    assert "Mark reviewed" in html
    assert "Suggestion: Ease off." in html  # the latest session broke the pain rule


def test_the_apply_button_publishes_and_says_so(world, client_as_practitioner):
    programme = _programme(world)
    _sessions(programme, {1: {"reps": 12, "rpe": 8}}, {1: {"reps": 12, "rpe": 8}})
    url = reverse("prescriptions:programme-progress-apply", args=[programme.code])
    r = client_as_practitioner.post(url, {"version": 1, "item": 1, "choice": "62.5"}, follow=True)
    assert "Version 2 is published" in r.content.decode()
    assert programme.current_version.items.get(order=1).load_kg == Decimal("62.5")


def test_marking_a_flag_reviewed_takes_it_off_the_list(world, client_as_practitioner):
    programme = _programme(world)
    (session,) = _sessions(programme, {1: {"pain_during": 7}})
    SessionLog.objects.filter(pk=session.pk).update(pain_flag=True, pain_flag_reasons=["x"])
    url = reverse("prescriptions:session-flag-review", args=[programme.code, session.code])
    r = client_as_practitioner.post(url)
    assert r.status_code == 302
    session.refresh_from_db()
    assert session.flag_reviewed_by == world.ep.user and session.flag_reviewed_at is not None
    progress = programme_progress(programme, programme.current_version)
    assert progress.open_flags == [] and progress.reviewed_flags == [session]


@pytest.mark.parametrize(
    "who",
    ["client_as_reception", "client_as_outsider", "client_as_patient", "client_as_other_patient"],
)
def test_only_the_clinics_clinicians_may_see_or_change_it(request, world, who):
    client = request.getfixturevalue(who)
    programme = _programme(world)
    (session,) = _sessions(programme, {1: {"pain_during": 7}})
    SessionLog.objects.filter(pk=session.pk).update(pain_flag=True, pain_flag_reasons=["x"])
    code = programme.code
    assert client.get(reverse("prescriptions:programme-progress", args=[code])).status_code == 404
    apply = reverse("prescriptions:programme-progress-apply", args=[code])
    assert client.post(apply, {"version": 1, "item": 1, "choice": "62.5"}).status_code == 404
    review = reverse("prescriptions:session-flag-review", args=[code, session.code])
    assert client.post(review).status_code == 404
    session.refresh_from_db()
    assert session.flag_reviewed_at is None
    assert programme.versions.count() == 1


def test_the_clinic_admin_may_see_it(world, client_as_admin):
    programme = _programme(world)
    url = reverse("prescriptions:programme-progress", args=[programme.code])
    assert client_as_admin.get(url).status_code == 200
