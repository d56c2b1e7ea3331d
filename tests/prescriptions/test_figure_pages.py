"""The drawn figures on the pages: the staff library's exercise page, the patient's
programme (each item for the programme's side), the printable handout and the PDF; the
clinic's own picture or video comes first."""

from __future__ import annotations

from django.template import Context, Template
from django.urls import reverse

import pytest

from prescriptions.models import Exercise
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


def _exercise_page(client, slug, query=""):
    exercise = Exercise.objects.shipped().get(slug=slug)
    url = reverse("prescriptions:exercise-detail", args=[exercise.code])
    return client.get(url + query).content.decode()


def test_the_library_page_draws_the_exercise_and_mirrors_it_for_the_left(client_as_practitioner):
    page = _exercise_page(client_as_practitioner, "clam")
    assert 'class="fig-anim"' in page and 'class="fig-still"' in page
    assert 'aria-label="Drawing of Clamshell, right side: lying on the side' in page
    assert '<a href="?side=left">Show the left side</a>' in page
    left = _exercise_page(client_as_practitioner, "clam", "?side=left")
    assert "Drawing of Clamshell, left side" in left
    assert '<a href="?side=right">Show the right side</a>' in left
    # Anything else in ?side= draws the right side; a bilateral exercise has no side link.
    assert "Clamshell, right side" in _exercise_page(client_as_practitioner, "clam", "?side=<x>")
    squat = _exercise_page(client_as_practitioner, "squat", "?side=left")
    assert "Drawing of Squat (body weight or goblet): standing tall" in squat
    assert "Show the right side" not in squat


def test_the_clinics_own_picture_comes_before_the_figure(client_as_practitioner):
    Exercise.objects.filter(slug="clam", clinic=None).update(
        image="exercises/clam.png", image_alt="Our physio doing a clam"
    )
    page = _exercise_page(client_as_practitioner, "clam")
    assert 'alt="Our physio doing a clam"' in page
    assert "fig-anim" not in page and "Show the left side" not in page


def _render(**context):
    template = Template(
        '{% include "prescriptions/includes/exercise_media.html" with exercise=exercise '
        "side=side media=media %}"
    )
    return template.render(Context(context))


def test_the_include_shows_given_media_first_else_the_figure():
    clam = Exercise.objects.shipped().get(slug="clam")
    photo = {"image_url": "/media/clam.jpg", "alt": "A clam <photo>", "video_url": ""}
    html = _render(exercise=clam, side="left", media=photo)
    assert (
        '<img class="exercise-media-image" src="/media/clam.jpg" alt="A clam &lt;photo&gt;"' in html
    )
    assert "fig-anim" not in html
    video = {"video_url": "https://videos.example/clam.mp4"}
    html = _render(exercise=clam, side="left", media=video)
    assert '<video class="exercise-media-video" controls preload="none"' in html
    assert "fig-anim" not in html
    # A link to a video on another site is the page's to give: the figure shows.
    html = _render(exercise=clam, side="left", media={"video_url": "https://example.org/v"})
    assert "Drawing of Clamshell, left side" in html and "<video" not in html
    html = _render(exercise=clam, side="left", media=None)
    assert "Drawing of Clamshell, left side" in html


def test_a_clinics_own_exercise_has_no_drawn_figure(world):
    from prescriptions.library.services import exercise_copy

    copy = exercise_copy(
        exercise=Exercise.objects.shipped().get(slug="clam"), clinic=world.clinic, by=world.ep.user
    )
    assert (
        _render(exercise=copy, side="", media=None)
        .strip()
        .endswith('<div class="exercise-media">\n\n</div>')
    )


@pytest.fixture
def left_programme(world):
    assessment = f.make_signed_assessment(world.patient, world.ep, involved_side="left")
    return f.make_published_programme(
        world.patient,
        world.ep,
        assessment=assessment,
        exercises=[("clam", {}), ("hip-thrust", {"load_kind": "external", "load_kg": 40})],
    )


def test_the_programme_and_handout_draw_each_exercise_for_the_affected_side(
    client_as_patient, left_programme
):
    for name in ("my-programme", "my-programme-handout"):
        url = reverse(f"prescriptions:{name}", args=[left_programme.code])
        page = client_as_patient.get(url).content.decode()
        assert "Drawing of Clamshell, left side" in page, name
        # A bilateral exercise is drawn as it is, with no side.
        assert "Drawing of Hip thrust: sitting on the floor" in page, name
        assert page.count('class="fig-still"') == 2, name


def test_the_pdf_draws_the_still_figures(client_as_patient, left_programme, monkeypatch):
    from prescriptions.patient_programme import handout

    drawn = []

    def still(slug, name, side="", **kwargs):
        drawn.append((slug, side))
        return handout_still(slug, name, side, **kwargs)

    handout_still = handout.figure_still
    monkeypatch.setattr(handout, "figure_still", still)
    response = client_as_patient.get(
        reverse("prescriptions:my-programme-pdf", args=[left_programme.code])
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert drawn == [("clam", "left"), ("hip-thrust", "left")]


def test_the_exercises_own_per_side_flag_mirrors_its_figure():
    Exercise.objects.filter(slug="squat", clinic=None).update(per_side=True)
    squat = Exercise.objects.shipped().get(slug="squat")
    assert "Drawing of Squat (body weight or goblet), left side" in _render(
        exercise=squat, side="left", media=None
    )
