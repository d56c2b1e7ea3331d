"""Exercise library pages: who may see them, search and filters against the database rows,
the exercise page, and a clinic's own exercises (add, edit, copy, image, video)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from prescriptions.models import Exercise
from tests import factories as f

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
LIST = reverse("prescriptions:exercise-list")
NEW = reverse("prescriptions:exercise-new")


@pytest.fixture(autouse=True)
def _library(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    f.load_exercise_library()


def ex(slug):
    return Exercise.objects.shipped().get(slug=slug)


def own_exercise(clinic, **kw):
    values = {
        "slug": "wall-sit",
        "name": "Wall sit",
        "instructions": ["Back against the wall.", "Slide down.", "Hold."],
        "primary_muscles": ["quadriceps"],
        "level": 2,
        "load_types": ["body_weight"],
        "weight_bearing": True,
        "dose_type": "hold_seconds",
    }
    values.update(kw)
    return Exercise.objects.create(clinic=clinic, **values)


def _form(**changes):
    data = {
        "name": "Wall sit",
        "instructions": "Stand with your back to a wall.\nSlide down until your knees bend.\nHold.",
        "cues": "Knees over toes",
        "primary_muscles": ["quadriceps", "gluteus_maximus"],
        "level": "2",
        "load_types": ["body_weight"],
        "weight_bearing": "yes",
        "dose_type": "hold_seconds",
        "suits": ["patellofemoral_pain"],
        "caution_0_condition": "gluteal_tendinopathy",
        "caution_0_kind": "avoid_early",
        "caution_0_text": "Not while the side of the hip is painful.",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- Who may see what ------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["client_as_practitioner", "client_as_admin"])
def test_clinicians_see_the_library_and_its_exercises(request, client_name):
    client = request.getfixturevalue(client_name)
    assert client.get(LIST).status_code == 200
    assert (
        client.get(reverse("prescriptions:exercise-detail", args=[ex("clam").code])).status_code
        == 200
    )
    assert client.get(NEW).status_code == 200


@pytest.mark.parametrize(
    "client_name", ["client_as_reception", "client_as_patient", "client_as_outsider"]
)
def test_reception_patients_and_other_clinics_get_404(request, client_name, world):
    client = request.getfixturevalue(client_name)
    mine = own_exercise(world.clinic)
    pages = [
        reverse("prescriptions:exercise-detail", args=[mine.code]),
        reverse("prescriptions:exercise-edit", args=[mine.code]),
        reverse("prescriptions:exercise-image", args=[mine.code]),
    ]
    if client_name != "client_as_outsider":
        pages += [LIST, NEW, reverse("prescriptions:exercise-detail", args=[ex("clam").code])]
    for page in pages:
        assert client.get(page).status_code == 404, page
    copy = reverse("prescriptions:exercise-copy", args=[mine.code])
    assert client.post(copy).status_code == 404
    assert (
        client.post(
            reverse("prescriptions:exercise-edit", args=[mine.code]), _form(name="X")
        ).status_code
        == 404
    )
    mine.refresh_from_db()
    assert mine.name == "Wall sit" and Exercise.objects.filter(clinic__isnull=False).count() == 1


def test_the_staff_menu_links_the_library_for_clinicians_only(
    client_as_practitioner, client_as_reception
):
    schedule = reverse("bookings:staff-schedule")
    assert LIST in client_as_practitioner.get(schedule).content.decode()
    assert LIST not in client_as_reception.get(schedule).content.decode()


# --- Search and filters ------------------------------------------------------------------


def _slugs(response):
    return [e.slug for e, _ in response.context["rows"]]


def test_the_library_lists_shipped_and_own_exercises_not_other_clinics(
    client_as_practitioner, world
):
    own_exercise(world.clinic)
    own_exercise(world.outsider_clinic, slug="theirs", name="Their secret move")
    response = client_as_practitioner.get(LIST)
    slugs = _slugs(response)
    assert len(slugs) == Exercise.objects.shipped().count() + 1
    assert slugs[0] == "supine-isometric-hip-abduction" and slugs[-1] == "wall-sit"
    assert "Their secret move" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ({"q": "side plank"}, lambda e: "side plank" in e.name.lower()),
        ({"muscle": "hamstrings"}, lambda e: "hamstrings" in e.primary_muscles),
        ({"level": "5"}, lambda e: e.level == 5),
        ({"equipment": "loop_band"}, lambda e: "loop_band" in e.equipment + e.load_types),
        ({"weight_bearing": "no"}, lambda e: not e.weight_bearing),
        ({"weight_bearing": "yes"}, lambda e: e.weight_bearing),
        ({"condition": "tha"}, lambda e: "tha" in e.suits),
        (
            {"safe_for": "gluteal_tendinopathy"},
            lambda e: not e.avoid_early_for("gluteal_tendinopathy"),
        ),
    ],
)
def test_each_filter_keeps_only_matching_exercises(client_as_practitioner, query, check):
    response = client_as_practitioner.get(LIST, query)
    rows = [e for e, _ in response.context["rows"]]
    assert rows, query
    assert all(check(e) for e in rows), query
    everything = Exercise.objects.shipped()
    assert len(rows) == sum(1 for e in everything if check(e)), query


def test_filters_combine_and_say_how_many_were_found(client_as_practitioner):
    response = client_as_practitioner.get(
        LIST, {"muscle": "gluteus_medius", "weight_bearing": "no", "level": "2"}
    )
    rows = [e for e, _ in response.context["rows"]]
    assert {e.slug for e in rows} == {"clam", "banded-clam", "banded-bridge", "bridge-march"}
    assert "4 exercises found" in response.content.decode()
    response = client_as_practitioner.get(LIST, {"q": "nothing like this"})
    assert "No exercise matches" in response.content.decode()


# --- One exercise ------------------------------------------------------------------------


def test_the_exercise_page_shows_instructions_cues_cautions_and_the_chain(client_as_practitioner):
    side_lying = ex("side-lying-hip-abduction")
    page = client_as_practitioner.get(
        reverse("prescriptions:exercise-detail", args=[side_lying.code])
    ).content.decode()
    for step in side_lying.instructions:
        assert step.replace("'", "&#x27;") in page
    for cue in side_lying.cues:
        assert cue.replace("'", "&#x27;") in page
    assert "Early gluteal tendinopathy: avoid." in page
    assert "Abductor chain: step 7 of 9." in page  # after the band walks (CLINICAL.md §16.1)
    assert ex("lateral-band-walk").name in page and ex("side-plank").name in page
    assert "Shipped with Stance (read-only)" in page
    assert "Copy to make your own version" in page
    assert reverse("prescriptions:exercise-edit", args=[side_lying.code]) not in page


# --- A clinic's own exercises --------------------------------------------------------------


def test_a_clinician_adds_an_exercise_that_then_searches_like_a_shipped_one(
    client_as_practitioner, world
):
    response = client_as_practitioner.post(NEW, _form())
    exercise = Exercise.objects.get(clinic=world.clinic)
    assert response["Location"] == reverse("prescriptions:exercise-detail", args=[exercise.code])
    assert exercise.slug == "wall-sit" and exercise.instructions[1] == (
        "Slide down until your knees bend."
    )
    assert exercise.cautions == [
        {
            "condition": "gluteal_tendinopathy",
            "kind": "avoid_early",
            "text": "Not while the side of the hip is painful.",
        }
    ]
    assert exercise.avoid_early_for("gluteal_tendinopathy")
    response = client_as_practitioner.get(LIST, {"q": "wall sit", "weight_bearing": "yes"})
    found = [(e.slug, e.clinic_id) for e, _ in response.context["rows"]]
    assert found == [("wall-sit", None), ("wall-sit", world.clinic.pk)]  # shipped E41, own
    response = client_as_practitioner.get(LIST, {"safe_for": "gluteal_tendinopathy"})
    assert exercise.pk not in [e.pk for e, _ in response.context["rows"]]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the name of the exercise."),
        ({"instructions": ""}, "instructions", "Write at least one step of the instructions."),
        ({"primary_muscles": None}, "primary_muscles", "Choose at least one muscle."),
        ({"load_types": None}, "load_types", "Choose at least one way to load it."),
        ({"video_url": "http://example.org/v"}, "video_url", "starts with https://"),
        ({"dose_type": "distance_m"}, "distance_m", "Enter the usual distance in metres"),
        (
            {"caution_0_condition": "", "caution_0_kind": "avoid_early"},
            "caution_0_condition",
            "Choose the condition in whose early stage to avoid it.",
        ),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(
    client_as_practitioner, changes, field, message
):
    response = client_as_practitioner.post(NEW, _form(**changes, cues="Keep breathing"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'id="id_{field}_error"' in page and message in page
    assert "Keep breathing" in page  # the rest of the typing is kept
    assert not Exercise.objects.filter(clinic__isnull=False).exists()


def test_an_image_needs_alternative_text_and_is_served_only_to_the_clinic(
    client_as_practitioner, client_as_outsider, world
):
    image = SimpleUploadedFile("wall-sit.png", PNG, content_type="image/png")
    response = client_as_practitioner.post(NEW, _form(image=image, image_alt=""))
    assert "Describe the image for people who cannot see it" in response.content.decode()
    assert not Exercise.objects.filter(clinic__isnull=False).exists()

    not_an_image = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = client_as_practitioner.post(NEW, _form(image=not_an_image, image_alt="A wall sit"))
    assert "Choose a JPEG, PNG or WebP image." in response.content.decode()

    image = SimpleUploadedFile("wall-sit.png", PNG, content_type="image/png")
    client_as_practitioner.post(NEW, _form(image=image, image_alt="Person sitting against a wall"))
    exercise = Exercise.objects.get(clinic=world.clinic)
    assert exercise.image and exercise.image_alt == "Person sitting against a wall"
    detail = client_as_practitioner.get(
        reverse("prescriptions:exercise-detail", args=[exercise.code])
    )
    assert 'alt="Person sitting against a wall"' in detail.content.decode()
    image_url = reverse("prescriptions:exercise-image", args=[exercise.code])
    served = client_as_practitioner.get(image_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    assert client_as_outsider.get(image_url).status_code == 404


def test_shipped_exercises_are_read_only_but_can_be_copied(client_as_practitioner, world):
    clam = ex("clam")
    edit = reverse("prescriptions:exercise-edit", args=[clam.code])
    response = client_as_practitioner.get(edit)
    assert response.status_code == 302
    client_as_practitioner.post(edit, _form(name="Changed"))
    clam.refresh_from_db()
    assert clam.name != "Changed"

    response = client_as_practitioner.post(reverse("prescriptions:exercise-copy", args=[clam.code]))
    copy = Exercise.objects.get(clinic=world.clinic)
    assert response["Location"] == reverse("prescriptions:exercise-edit", args=[copy.code])
    assert (copy.name, copy.instructions, copy.cautions) == (
        clam.name,
        clam.instructions,
        clam.cautions,
    )
    # The copy keeps the clam's place in the chains (test_exercise_media.py has the rest).
    assert copy.chains == clam.chains
    assert (copy.progressions, copy.regressions) == (clam.progressions, clam.regressions)
    data = _form(name="Clamshell with a pause")
    response = client_as_practitioner.post(
        reverse("prescriptions:exercise-edit", args=[copy.code]), data
    )
    copy.refresh_from_db()
    assert copy.name == "Clamshell with a pause"
    assert ex("clam").name == clam.name  # the shipped row is untouched


def test_editing_keeps_every_caution_row(client_as_practitioner, world):
    mine = own_exercise(
        world.clinic,
        cautions=[
            {"condition": None, "kind": "precaution", "text": "Pad the bar."},
            {"condition": "tha", "kind": "precaution", "text": "Surgeon's precautions."},
        ],
    )
    edit = reverse("prescriptions:exercise-edit", args=[mine.code])
    form = client_as_practitioner.get(edit).context["form"]
    assert form.caution_count == 4
    assert form.initial["caution_1_text"] == "Surgeon's precautions."


def test_staff_see_a_shipped_exercises_evidence_not_pointers_into_clinical_md(
    client_as_practitioner,
):
    """Issue 12: staff see the source's name; CLINICAL.md is the maintainers' file."""
    page = client_as_practitioner.get(
        reverse("prescriptions:exercise-detail", args=[ex("clam").code])
    ).content.decode()
    assert "CLINICAL.md" not in page
    assert "§" not in page
    assert "Evidence" in page
