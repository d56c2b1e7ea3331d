"""Prescribing pages: who may see them, starting from an assessment or the patient's page,
the builder (suggestions, library search, items, reorder, phases, warnings), bad input
next to the field with nothing saved, publishing and versions."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

import pytest

from bookings.models import Notification
from prescriptions.models import Exercise, Programme, ProgrammeItem, ProgrammeVersion
from prescriptions.programmes.services import (
    programme_create,
    programme_item_add,
    programme_phase_add,
    programme_publish,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


def ex(slug):
    return Exercise.objects.shipped().get(slug=slug)


@pytest.fixture
def assessment(world):
    return f.make_signed_assessment(world.patient, world.ep)


@pytest.fixture
def programme(world, assessment):
    return programme_create(
        patient=world.patient,
        practitioner=world.ep,
        goal="gt_load_management",
        by=world.ep.user,
        assessment=assessment,
    )


def _draft(programme):
    return programme.versions.get(published_at__isnull=True)


def _add(programme, slug, **kw):
    return programme_item_add(
        version=_draft(programme), exercise=ex(slug), by=programme.created_by, **kw
    )


def url(name, programme, *args):
    return reverse(f"prescriptions:{name}", args=[programme.code, *args])


# --- Who may see what ------------------------------------------------------------------


def _pages(world, programme, item):
    return [
        reverse("prescriptions:programme-new", args=[world.patient.code]),
        url("programme-detail", programme),
        url("programme-builder", programme),
        url("programme-item-edit", programme, item.code),
        url("programme-publish", programme),
    ]


@pytest.mark.parametrize("client_name", ["client_as_practitioner", "client_as_admin"])
def test_practitioners_and_clinic_admins_see_the_pages(request, client_name, world, programme):
    client = request.getfixturevalue(client_name)
    item = _add(programme, "glute-bridge")
    for page in _pages(world, programme, item):
        assert client.get(page).status_code == 200, page


@pytest.mark.parametrize(
    "client_name", ["client_as_reception", "client_as_patient", "client_as_outsider"]
)
def test_reception_patients_and_other_clinics_get_404(request, client_name, world, programme):
    client = request.getfixturevalue(client_name)
    item = _add(programme, "glute-bridge")
    for page in _pages(world, programme, item):
        assert client.get(page).status_code == 404, page
    posts = [
        (url("programme-item-add", programme), {"exercise": str(ex("squat").code)}),
        (url("programme-item-move", programme, item.code), {"direction": "down"}),
        (url("programme-item-remove", programme, item.code), {}),
        (url("programme-item-edit", programme, item.code), {"sets": "3"}),
        (url("programme-items-reorder", programme), {"item": [item.code]}),
        (url("programme-phase-add", programme), {"name": "A", "starts_on": "2/3/2026"}),
        (url("programme-publish", programme), {}),
        (url("programme-make-changes", programme), {}),
        (reverse("prescriptions:programme-new", args=[world.patient.code]), {"goal": "power"}),
    ]
    for page, data in posts:
        assert client.post(page, data).status_code == 404, page
    assert list(_draft(programme).items.values_list("exercise__slug", "sets")) == [
        ("glute-bridge", 1)
    ]
    assert not _draft(programme).phases.exists()
    assert Programme.objects.count() == 1 and not Notification.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, world, programme):
    response = client.get(url("programme-builder", programme))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_patient_page_lists_programmes_for_clinicians_only(
    client_as_practitioner, client_as_reception, world, programme
):
    _add(programme, "glute-bridge")
    programme_publish(programme=programme, by=world.ep.user)
    patient_page = reverse("bookings:staff-patient-detail", args=[world.patient.code])
    page = client_as_practitioner.get(patient_page).content.decode()
    assert "Programmes" in page and "Gluteal tendinopathy load management" in page
    assert "Version 1 published" in page
    assert reverse("prescriptions:programme-new", args=[world.patient.code]) in page
    page = client_as_reception.get(patient_page).content.decode()
    assert "programmes-heading" not in page and "Start a programme" not in page


# --- Starting ------------------------------------------------------------------------------


def test_a_signed_assessment_offers_to_start_a_programme_with_its_goal(
    client_as_practitioner, world, assessment
):
    page = client_as_practitioner.get(assessment.get_absolute_url()).content.decode()
    start = reverse("prescriptions:programme-new", args=[world.patient.code])
    assert f"{start}?assessment={assessment.code}" in page
    response = client_as_practitioner.get(f"{start}?assessment={assessment.code}")
    form = response.context["form"]
    assert form.initial["assessment"] == str(assessment.code)
    assert form.initial["goal"] == "gt_load_management"  # the GT finding suggests it
    assert "15–30" in response.content.decode()  # noqa: RUF001 - each goal shows its dose
    response = client_as_practitioner.post(
        start,
        {
            "goal": "muscular_endurance",
            "title": "Hip endurance",
            "practitioner": str(world.ep.code),
            "assessment": str(assessment.code),
        },
    )
    programme = Programme.objects.get()
    assert response["Location"] == url("programme-builder", programme)
    assert (programme.goal, programme.title, programme.assessment) == (
        "muscular_endurance",
        "Hip endurance",
        assessment,
    )
    assert programme.versions.count() == 1


def test_the_start_form_explains_its_errors_and_saves_nothing(client_as_practitioner, world):
    start = reverse("prescriptions:programme-new", args=[world.patient.code])
    response = client_as_practitioner.post(
        start, {"goal": "", "title": "x" * 121, "practitioner": str(world.ep.code)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'id="id_goal_error"' in page and "Choose the goal of the programme." in page
    assert "Keep the title to 120 characters or fewer." in page
    assert 'value="' + "x" * 121 + '"' in page  # what was typed is kept
    assert not Programme.objects.exists()


# --- The builder -------------------------------------------------------------------------


def test_the_builder_shows_suggestions_each_with_its_finding(client_as_practitioner, programme):
    page = client_as_practitioner.get(url("programme-builder", programme)).content.decode()
    assert "Suggestions from the assessment" in page
    assert "LEAP programme, stage 1" in page
    assert "Trendelenburg test positive (right)" in page
    assert "Keep out for now" in page and ex("side-lying-hip-abduction").name in page
    assert "Sitting cross-legged" in page


def test_one_button_adds_a_suggested_exercise_with_goal_defaults(client_as_practitioner, programme):
    supine = ex("supine-isometric-hip-abduction")
    response = client_as_practitioner.post(
        url("programme-item-add", programme),
        {"exercise": str(supine.code), "search": "", "from": "suggestion"},
    )
    item = ProgrammeItem.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith("#suggestions-heading")  # to add the next one
    assert (item.exercise, item.dose_type, item.reps, item.hold_seconds) == (
        supine,
        "hold_seconds",
        5,
        10,
    )
    assert "Your assessment found" in item.reason
    page = client_as_practitioner.get(url("programme-builder", programme)).content.decode()
    assert "In the programme" in page and "5 holds of 10 seconds" in page


def test_the_library_search_on_the_builder_filters_and_adds(client_as_practitioner, programme):
    builder = url("programme-builder", programme)
    response = client_as_practitioner.get(builder, {"q": "bridge", "weight_bearing": "no"})
    names = [r["exercise"].name for r in response.context["results"]]
    assert names and all("bridge" in n.lower() for n in names)
    response = client_as_practitioner.get(builder, {"condition": "gluteal_tendinopathy"})
    slugs = {r["exercise"].slug for r in response.context["results"]}
    assert "supine-isometric-hip-abduction" in slugs and "side-plank" not in slugs
    carry = ex("suitcase-carry")
    response = client_as_practitioner.post(
        url("programme-item-add", programme),
        {"exercise": str(carry.code), "search": "q=carry", "load_kg": ""},
    )
    assert response.status_code == 400
    assert "Enter the weight in kg." in response.content.decode()
    assert not ProgrammeItem.objects.exists()
    client_as_practitioner.post(
        url("programme-item-add", programme),
        {"exercise": str(carry.code), "search": "q=carry", "load_kg": "12.5"},
    )
    assert ProgrammeItem.objects.get().load_kg == 12.5


def test_warnings_show_for_compressive_exercises_in_gt(client_as_practitioner, programme):
    _add(programme, "side-plank")
    page = client_as_practitioner.get(url("programme-builder", programme)).content.decode()
    assert "Warning:" in page
    assert "Early gluteal tendinopathy: avoid. The side plank" in page


def test_red_flags_of_the_assessment_warn_on_the_builder_and_publish_pages(
    client_as_practitioner, world
):
    flagged = f.make_signed_assessment(
        world.patient,
        world.ep,
        fields={"red_flags": ["no_weight_bearing"], "red_flags_note": "Referred to GP."},
    )
    programme = programme_create(
        patient=world.patient,
        practitioner=world.ep,
        goal="strength",
        by=world.ep.user,
        assessment=flagged,
    )
    _add(programme, "squat")
    for name in ("programme-builder", "programme-publish"):
        page = client_as_practitioner.get(url(name, programme)).content.decode()
        assert "Stop and refer before exercising: Unable to weight-bear." in page, name
        assert "unable to weight-bear, and this exercise is done standing" in page, name


def test_move_up_and_down_buttons_reorder_without_javascript(client_as_practitioner, programme):
    a, b, c = (_add(programme, s) for s in ("clam", "glute-bridge", "squat"))
    response = client_as_practitioner.post(
        url("programme-item-move", programme, c.code), {"direction": "up"}
    )
    assert response["Location"].endswith(f"#item-{c.code}")
    order = list(_draft(programme).items.order_by("order").values_list("pk", flat=True))
    assert order == [a.pk, c.pk, b.pk]
    page = client_as_practitioner.get(url("programme-builder", programme)).content.decode()
    assert f"Moved {c.exercise.name} up to number 2." in page
    # The drag-and-drop script posts the whole order.
    response = client_as_practitioner.post(
        url("programme-items-reorder", programme),
        {"item": [b.code, a.code, c.code]},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 204
    order = list(_draft(programme).items.order_by("order").values_list("pk", flat=True))
    assert order == [b.pk, a.pk, c.pk]


def test_editing_an_item_saves_the_dose(client_as_practitioner, programme):
    item = _add(programme, "glute-bridge")
    edit = url("programme-item-edit", programme, item.code)
    data = _item_data(client_as_practitioner, edit)
    data.update(sets="2", reps="8", tempo="3 seconds down", load_kind="band", band_colour="green")
    response = client_as_practitioner.post(edit, data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.sets, item.reps, item.tempo, item.load_kind, item.band_colour) == (
        2,
        8,
        "3 seconds down",
        "band",
        "green",
    )


def _item_data(client, edit):
    form = client.get(edit).context["form"]
    data = {}
    for bf in form:
        value = bf.value()
        if value in (None, False, ""):
            continue
        data[bf.name] = "on" if value is True else str(value)
    return data


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sets": "0"}, "sets", "Enter the number of sets, from 1 to 10."),
        ({"reps": "abc"}, "reps", "Enter the repetitions as a whole number."),
        ({"reps": ""}, "reps", "Enter the repetitions, from 1 to 100."),
        ({"rest_seconds": "900"}, "rest_seconds", "Enter the rest in seconds, from 0 to 600."),
        ({"load_kind": "external", "load_kg": ""}, "load_kg", "Enter the weight in kg."),
        ({"load_kind": "external", "load_kg": "2.555"}, "load_kg", "at most 2 decimal places"),
        ({"load_kind": "band", "band_colour": ""}, "band_colour", "Choose the band colour."),
        ({"days_per_week": "8"}, "days_per_week", "Enter the days per week, from 1 to 7."),
    ],
)
def test_bad_item_input_is_explained_next_to_the_field_and_nothing_is_saved(
    client_as_practitioner, programme, changes, field, message
):
    item = _add(programme, "glute-bridge")
    edit = url("programme-item-edit", programme, item.code)
    data = _item_data(client_as_practitioner, edit)
    data.update(changes, tempo="Slow")
    response = client_as_practitioner.post(edit, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'id="id_{field}_error"' in page and message in page
    assert f'href="#id_{field}' in page  # the summary links to the field
    assert 'value="Slow"' in page  # the rest of the typing is kept
    item.refresh_from_db()
    assert (item.sets, item.reps, item.tempo, item.load_kind) == (1, 10, item.tempo, "body_weight")
    assert item.tempo != "Slow"


def test_phases_are_added_with_errors_next_to_the_fields(client_as_practitioner, programme):
    add = url("programme-phase-add", programme)
    response = client_as_practitioner.post(add, {"name": "", "starts_on": "31/2/2026"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Name the phase, for example" in page and "Enter a real date" in page
    assert not _draft(programme).phases.exists()
    response = client_as_practitioner.post(add, {"name": "Weeks 1 to 2", "starts_on": "2/3/2026"})
    assert response.status_code == 302
    phase = _draft(programme).phases.get()
    assert (phase.name, phase.starts_on) == ("Weeks 1 to 2", date(2026, 3, 2))


# --- Publishing and versions -------------------------------------------------------------


def test_publishing_freezes_the_version_plans_one_email_and_make_changes_copies(
    client_as_practitioner, world, programme
):
    _add(programme, "supine-isometric-hip-abduction")
    programme_phase_add(
        version=_draft(programme), by=world.ep.user, name="Weeks 1 to 2", starts_on=date(2026, 3, 2)
    )
    publish = url("programme-publish", programme)
    assert "Publish version 1" in client_as_practitioner.get(publish).content.decode()
    response = client_as_practitioner.post(publish, {"change_note": ""})
    assert response["Location"] == url("programme-detail", programme)
    programme.refresh_from_db()
    assert programme.status == "active" and programme.current_version.number == 1
    assert Notification.objects.filter(kind="programme_ready").count() == 1
    page = client_as_practitioner.get(url("programme-detail", programme)).content.decode()
    assert "will get an email that their programme is ready" in page
    assert "Make changes" in page and "What the patient sees" in page
    # The builder and publish pages of a published version send you back to it.
    response = client_as_practitioner.get(url("programme-builder", programme))
    assert response["Location"] == url("programme-detail", programme)
    response = client_as_practitioner.post(publish, {"change_note": "Again"})
    assert Notification.objects.count() == 1

    response = client_as_practitioner.post(url("programme-make-changes", programme))
    assert response["Location"] == url("programme-builder", programme)
    draft = _draft(programme)
    assert draft.number == 2 and draft.items.count() == 1
    _add(programme, "glute-bridge")
    response = client_as_practitioner.post(publish, {"change_note": "Bridges added."})
    programme.refresh_from_db()
    assert programme.current_version.number == 2
    assert Notification.objects.filter(kind="programme_ready").count() == 2
    page = client_as_practitioner.get(url("programme-detail", programme)).content.decode()
    assert "Bridges added." in page and "Replaced" in page
    v1 = client_as_practitioner.get(url("programme-version", programme, 1))
    assert v1.status_code == 200 and ex("glute-bridge").name not in v1.content.decode()
    assert ProgrammeVersion.objects.get(programme=programme, number=1).items.count() == 1


def test_the_change_note_has_a_limit(client_as_practitioner, programme):
    _add(programme, "glute-bridge")
    response = client_as_practitioner.post(
        url("programme-publish", programme), {"change_note": "x" * 301}
    )
    assert response.status_code == 400
    assert "Keep the change note to 300 characters or fewer." in response.content.decode()
    assert not Notification.objects.exists()
    assert _draft(programme).published_at is None


def test_changing_to_an_exercise_dosed_another_way_starts_from_its_defaults(
    client_as_practitioner, programme
):
    item = _add(programme, "glute-bridge")
    edit = url("programme-item-edit", programme, item.code)
    data = _item_data(client_as_practitioner, edit)
    data.update(exercise=str(ex("side-plank").code), sets="2", reps="20")
    response = client_as_practitioner.post(edit, data)
    assert response["Location"] == edit  # back to the item, to check the new dose
    item.refresh_from_db()
    assert (item.exercise.slug, item.dose_type, item.sets, item.reps, item.hold_seconds) == (
        "side-plank",
        "hold_seconds",
        1,
        5,
        10,
    )
    page = client_as_practitioner.get(edit).content.decode()
    assert "it now has the goal&#x27;s default dose for that" in page


def test_the_builder_and_library_keep_to_a_fixed_number_of_queries(
    client_as_practitioner, programme, django_assert_max_num_queries
):
    for slug in ("clam", "glute-bridge", "squat", "side-plank", "lateral-band-walk"):
        _add(programme, slug)
    with django_assert_max_num_queries(20):  # 13 today, however many items
        client_as_practitioner.get(url("programme-builder", programme), {"q": "bridge"})
    with django_assert_max_num_queries(8):  # 4 today
        client_as_practitioner.get(reverse("prescriptions:exercise-list"))
