"""Hostile input for the clinical forms, with Hypothesis: the programme builder (start,
items, adding, reordering, phases, publishing), the exercise library form, session logs
and morning pain, outcome measures in an assessment, screening, and the answers patients
send before a visit. Never a 500; invalid input saves nothing; valid input round-trips;
markup is shown escaped.

Bounded and repeatable like test_hostile_input.py (derandomised, few examples, no example
database). The world is Pat's (tests/security/scene.py), built once for the module; every
example runs in a savepoint that is rolled back.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from prescriptions.library.forms import ExerciseForm
from prescriptions.models import (
    Assessment,
    Exercise,
    OutcomeResponse,
    Phase,
    PreExerciseScreening,
    Programme,
    ProgrammeItem,
    SessionLog,
)
from prescriptions.programmes.forms import ProgrammeItemForm, item_initial
from tests.security.scene import Scene, persona_client
from tests.security.test_hostile_input import FAST, HEAVY, markup, nasty_text

FEW = settings(FAST, max_examples=10)
"""Every example posts a page and often renders one: fewer than the forms-only tests."""

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    cache.clear()
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


plausible = st.sampled_from(
    ["", "0", "1", "3", "5", "10", "11", "60", " 7 ", "2.5", "on", "yes", "no", "Weeks 1 to 2"]
)
"""Values a person might type, valid for some fields: so the valid path is walked too."""
anything = st.one_of(plausible, nasty_text)


def changes(*names: str, max_size: int = 4) -> st.SearchStrategy[dict[str, str]]:
    """Some of the form's fields, each with something a person or a bot might send."""
    return st.dictionaries(st.sampled_from(names), anything, max_size=max_size)


def _bound_values(form: Any) -> dict[str, Any]:
    """What the form would post as it stands (its initial values)."""
    data: dict[str, Any] = {}
    for bf in form:
        value = bf.value()
        if value in (None, False, "", []):
            continue
        if isinstance(value, list | tuple):
            data[bf.name] = [str(v) for v in value]
        else:
            data[bf.name] = "on" if value is True else str(value)
    return data


def _programme_url(name: str, s: Scene, *extra: Any) -> str:
    return reverse(f"prescriptions:{name}", args=[s.programme.code, *extra])


def _draft(s: Scene) -> Any:
    return Programme.objects.get(pk=s.programme.pk).draft_version


# --- The programme builder ---------------------------------------------------------------

ITEM_FIELDS = (
    "exercise",
    "phase",
    "sets",
    "reps",
    "per_side",
    "load_kind",
    "band_colour",
    "load_kg",
    "tempo",
    "rest_seconds",
    "days_per_week",
    "sessions_per_day",
    "notes",
    "reason",
)
KEPT = ("sets", "reps", "tempo", "rest_seconds", "days_per_week", "sessions_per_day", "notes")


def _item_form(item: ProgrammeItem, data: Any = None) -> ProgrammeItemForm:
    return ProgrammeItemForm(
        data,
        dose_type=item.dose_type,
        exercises=list(Exercise.objects.visible_to(item.version.programme.clinic_id).active()),
        phases=list(item.version.phases.all()),
        initial=item_initial(item),
    )


def _item_state(item: ProgrammeItem) -> tuple[Any, ...]:
    item.refresh_from_db()
    return tuple(getattr(item, name) for name in ("exercise_id", "phase_id", *KEPT, "reason"))


@FEW
@given(typed=changes(*ITEM_FIELDS))
@example(typed={})
@example(typed={"sets": "3", "notes": " Slowly <b>down</b> ", "tempo": "3 seconds down"})
def test_an_item_saves_exactly_what_is_valid(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        item = ProgrammeItem.objects.get(pk=s.item.pk)
        before = _item_state(item)
        data = _bound_values(_item_form(item)) | typed
        url = _programme_url("programme-item-edit", s, item.code)
        response = persona_client(sessions, "practitioner").post(url, data)
        assert response.status_code in {302, 400}
        if response.status_code == 400:
            assert _item_state(item) == before
            return
        form = _item_form(item, data)
        assert form.is_valid()
        fields = form.item_fields()
        item.refresh_from_db()
        if fields["exercise"].dose_type == s.item.dose_type:  # else the goal's dose for it
            for name in KEPT:
                if name in fields and fields[name] is not None:
                    assert getattr(item, name) == fields[name], name


@HEAVY
@given(notes=markup)
def test_item_notes_with_markup_are_shown_as_text(shared_scene, sessions, notes):
    s = shared_scene
    with rolled_back():
        ProgrammeItem.objects.filter(pk=s.item.pk).update(notes=notes, tempo=notes)
        client = persona_client(sessions, "practitioner")
        for name, args in (
            ("programme-builder", ()),
            ("programme-item-edit", (s.item.code,)),
            ("programme-publish", ()),
        ):
            page = client.get(_programme_url(name, s, *args)).content.decode()
            assert notes not in page, name
        assert "&lt;" in page  # the item page shows the notes (escaped) in their box


@FEW
@given(typed=changes("goal", "title", "practitioner", "assessment"))
@example(typed={"title": " Hips <i>first</i> "})
def test_starting_a_programme_with_anything(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        before = Programme.objects.count()
        data = {"goal": "strength", "practitioner": str(s.w.ep.code), "title": ""} | typed
        url = reverse("prescriptions:programme-new", args=[s.w.patient.code])
        response = persona_client(sessions, "practitioner").post(url, data)
        assert response.status_code in {200, 302}
        created = Programme.objects.count() - before
        assert created == (1 if response.status_code == 302 else 0)
        if created:
            programme = Programme.objects.order_by("-pk").first()
            assert programme.title == data["title"].strip()
            assert programme.goal == data["goal"]


@FEW
@given(typed=changes("exercise", "load_kg", "from", "search"))
@example(typed={})
@example(typed={"from": "suggestion"})
def test_adding_an_item_with_anything(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        squat = Exercise.objects.shipped().get(slug="squat")
        before = _draft(s).items.count()
        data = {"exercise": str(squat.code)} | typed
        url = _programme_url("programme-item-add", s)
        response = persona_client(sessions, "practitioner").post(url, data)
        assert response.status_code in {302, 400, 404}  # 404: no such exercise for this clinic
        added = _draft(s).items.count() - before
        assert added == (1 if response.status_code == 302 else 0)


@FEW
@given(codes=st.lists(st.one_of(nasty_text, st.sampled_from(["item", "00000000"])), max_size=4))
def test_reordering_with_any_list_keeps_the_order(shared_scene, sessions, codes):
    s = shared_scene
    with rolled_back():
        before = list(_draft(s).items.order_by("order").values_list("code", flat=True))
        url = _programme_url("programme-items-reorder", s)
        response = persona_client(sessions, "practitioner").post(url, {"item": codes})
        assert response.status_code == 302
        after = list(_draft(s).items.order_by("order").values_list("code", flat=True))
        assert after == before  # only the draft's own codes, each once, may reorder it


@FEW
@given(typed=changes("name", "starts_on"))
@example(typed={"name": " Settle <b>it</b> "})
def test_adding_a_phase_with_anything(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        before = Phase.objects.count()
        data = {"name": "Weeks 3 to 4", "starts_on": "1/1/2030"} | typed
        response = persona_client(sessions, "practitioner").post(
            _programme_url("programme-phase-add", s), data
        )
        assert response.status_code in {302, 400}
        added = Phase.objects.count() - before
        assert added == (1 if response.status_code == 302 else 0)
        if added:
            assert Phase.objects.order_by("-pk").first().name == data["name"].strip()


@FEW
@given(note=nasty_text)
def test_publishing_with_any_change_note(shared_scene, sessions, note):
    s = shared_scene
    with rolled_back():
        draft = _draft(s)
        response = persona_client(sessions, "practitioner").post(
            _programme_url("programme-publish", s), {"change_note": note}
        )
        assert response.status_code in {302, 400}
        draft.refresh_from_db()
        assert draft.is_published == (response.status_code == 302)
        if draft.is_published:
            assert draft.change_note == note.strip()


# --- The exercise library ---------------------------------------------------------------

EXERCISE_FIELDS = (
    "name",
    "level",
    "weight_bearing",
    "dose_type",
    "distance_m",
    "load_note",
    "image_alt",
    "video_url",
    "instructions",
    "cues",
    "primary_muscles",
    "equipment",
    "caution_0_text",
    "caution_0_kind",
    "caution_0_condition",
)


@FEW
@given(typed=changes(*EXERCISE_FIELDS))
@example(typed={"name": "Wall <b>sit</b>"})
def test_a_clinics_exercise_saves_exactly_what_is_valid(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        data = _bound_values(ExerciseForm(exercise=s.own_exercise)) | typed
        data.pop("image", None)
        before = Exercise.objects.filter(clinic=s.w.clinic).count()
        response = persona_client(sessions, "practitioner").post(
            reverse("prescriptions:exercise-new"), data
        )
        assert response.status_code in {200, 302}
        added = Exercise.objects.filter(clinic=s.w.clinic).count() - before
        assert added == (1 if response.status_code == 302 else 0)
        if added:
            new = Exercise.objects.filter(clinic=s.w.clinic).order_by("-pk").first()
            assert new.name == data["name"].strip()
            page = persona_client(sessions, "practitioner").get(
                reverse("prescriptions:exercise-detail", args=[new.code])
            )
            assert page.status_code == 200
            if "<" in new.name:
                assert new.name not in page.content.decode()


# --- Session logs and morning pain (the patient) ------------------------------------------


def _log_data(s: Scene) -> dict[str, Any]:
    version = s.programme.current_version
    today = timezone.now().astimezone(s.w.clinic.tz).date()
    data: dict[str, Any] = {"version": version.number, "day": today.isoformat(), "comment": ""}
    for item in version.items.order_by("order"):
        p = f"item{item.order}_"
        data.update({f"{p}done": "on", f"{p}achieved": "10", f"{p}pain": "2", f"{p}rpe": "6"})
    return data


LOG_FIELDS = (
    "version",
    "day",
    "comment",
    "item1_done",
    "item1_achieved",
    "item1_load",
    "item1_pain",
    "item1_rpe",
    "item2_done",
    "item2_achieved",
    "item2_pain",
)


@FEW
@given(typed=changes(*LOG_FIELDS))
@example(typed={"comment": " Felt <b>good</b> "})
@example(typed={"item2_done": "", "item2_achieved": "", "item2_pain": ""})
def test_a_session_log_saves_exactly_what_is_valid(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        before = SessionLog.objects.count()
        data = _log_data(s) | typed
        log = reverse("prescriptions:my-programme-log", args=[s.programme.code])
        response = persona_client(sessions, "patient").post(log, data)
        assert response.status_code in {302, 400}
        added = SessionLog.objects.count() - before
        if response.status_code == 400 or response["Location"] == log:  # errors, or stale
            assert added == 0
            return
        assert added == 1
        session = SessionLog.objects.order_by("-pk").first()
        assert session.comment == data["comment"].strip()
        assert session.entries.count() == s.programme.current_version.items.count()


@HEAVY
@given(comment=markup)
def test_what_patients_write_is_shown_as_text(shared_scene, sessions, comment):
    s = shared_scene
    with rolled_back():
        SessionLog.objects.filter(pk=s.session.pk).update(comment=comment)
        pages = [
            persona_client(sessions, "patient").get(
                reverse(
                    "prescriptions:my-programme-session", args=[s.programme.code, s.session.code]
                )
            ),
            persona_client(sessions, "practitioner").get(_programme_url("programme-progress", s)),
        ]
        for page in pages:
            body = page.content.decode()
            assert page.status_code == 200
            assert comment not in body


@FEW
@given(value=anything)
@example(value="3")
@example(value=" 10 ")
def test_morning_pain_saves_only_a_score_from_0_to_10(shared_scene, sessions, value):
    s = shared_scene
    with rolled_back():
        url = reverse("prescriptions:my-programme-morning", args=[s.programme.code, s.session.code])
        response = persona_client(sessions, "patient").post(url, {"morning_pain": value})
        assert response.status_code in {302, 400}
        session = SessionLog.objects.get(pk=s.session.pk)
        if response.status_code == 400:
            assert session.morning_pain is None
        else:
            assert session.morning_pain == int(value.strip())
            assert 0 <= session.morning_pain <= 10


# --- Outcome measures in an assessment, and screening (staff) ------------------------------


def _assessment_form(draft: Assessment) -> Any:
    from prescriptions.assessments.views import _edit_form

    return _edit_form(None, draft)  # type: ignore[arg-type]


MEASURE_FIELDS = (
    "measure__NPRS__1",
    *(f"measure__VISA-G__{n}" for n in range(1, 9)),
    "revision",
)


@FEW
@given(typed=changes(*MEASURE_FIELDS))
@example(typed={"measure__NPRS__1": "6"})
def test_outcome_measures_in_a_draft_with_anything(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        draft = Assessment.objects.get(pk=s.draft.pk)
        responses = sorted(draft.outcome_responses.values_list("instrument", "answers"))
        data = _bound_values(_assessment_form(draft)) | typed
        url = reverse("prescriptions:assessment-edit", args=[draft.code])
        response = persona_client(sessions, "practitioner").post(url, data)
        assert response.status_code in {200, 302}
        draft.refresh_from_db()
        after = sorted(draft.outcome_responses.values_list("instrument", "answers"))
        if response.status_code == 200:
            assert draft.revision == s.draft.revision and after == responses
            return
        nprs = data.get("measure__NPRS__1", "").strip()
        if nprs.isdigit():
            assert ("NPRS", [int(nprs)]) in after


def _screening_data(s: Scene) -> dict[str, str]:
    today = timezone.now().astimezone(s.w.clinic.tz).date()
    data = {f"q{n}": "no" for n in range(1, 7)}
    data["screened_on"] = f"{today.day}/{today.month}/{today.year}"
    return data


SCREENING_FIELDS = (
    "screened_on",
    "q1",
    "q4",
    "light_sessions",
    "light_minutes",
    "moderate_minutes",
    "vigorous_sessions",
    "vigorous_minutes",
    "notes",
)


@FEW
@given(typed=changes(*SCREENING_FIELDS))
@example(typed={"q1": "yes", "notes": "Sent to the GP <script>x</script>"})
def test_a_screening_saves_exactly_what_is_valid(shared_scene, sessions, typed):
    s = shared_scene
    with rolled_back():
        before = PreExerciseScreening.objects.count()
        data = _screening_data(s) | typed
        url = reverse("prescriptions:screening", args=[s.w.patient.code])
        response = persona_client(sessions, "practitioner").post(url, data)
        assert response.status_code in {200, 302}
        added = PreExerciseScreening.objects.count() - before
        assert added == (1 if response.status_code == 302 else 0)
        if added:
            row = PreExerciseScreening.objects.order_by("-pk").first()
            assert row.notes == data.get("notes", "").strip()
            page = persona_client(sessions, "practitioner").get(url).content.decode()
            if "<" in row.notes:
                assert row.notes not in page


# --- What patients send before a visit (signed link) ---------------------------------------


@FEW
@given(value=anything)
@example(value="7")
def test_a_pre_visit_nprs_saves_only_an_answer_it_offers(shared_scene, sessions, value):
    s = shared_scene
    with rolled_back():
        url = reverse("prescriptions:previsit-answer", args=[s.previsit_token, "NPRS"])
        response = persona_client(sessions, "anonymous").post(url, {"measure__NPRS__1": value})
        assert response.status_code in {200, 302}
        row = OutcomeResponse.objects.get(pk=s.response.pk)
        if response.status_code == 200:
            assert row.answers == [4]  # what was there before
        else:
            assert row.answers == [int(value)]


@FEW
@given(
    typed=changes(
        "measure__PSFS__text_1", "measure__PSFS__1", "measure__PSFS__text_2", "measure__PSFS__2"
    ),
    text=markup,
)
@example(typed={}, text="Stairs <b>up</b>")
def test_pre_visit_psfs_activities_with_anything(shared_scene, sessions, typed, text):
    s = shared_scene
    with rolled_back():
        Assessment.objects.filter(pk=s.draft.pk).update(measures=["PSFS"])
        before = OutcomeResponse.objects.filter(instrument="PSFS").count()
        data = {"measure__PSFS__text_1": text, "measure__PSFS__1": "3"} | typed
        url = reverse("prescriptions:previsit-answer", args=[s.previsit_token, "PSFS"])
        response = persona_client(sessions, "anonymous").post(url, data)
        assert response.status_code in {200, 302}
        added = OutcomeResponse.objects.filter(instrument="PSFS").count() - before
        assert added == (1 if response.status_code == 302 else 0)
        if added:
            row = OutcomeResponse.objects.filter(instrument="PSFS").get()
            typed_text = data["measure__PSFS__text_1"].strip()
            if typed_text:
                assert row.activities[0]["text"] == typed_text
            page = persona_client(sessions, "patient").get(reverse("records:print"))
            body = page.content.decode()
            for activity in row.activities:
                if "<" in activity["text"]:
                    assert activity["text"] not in body
