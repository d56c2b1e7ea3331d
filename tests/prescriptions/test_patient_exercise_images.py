"""Exercise images on the patient's programme: shown to that patient (logged in, or with
the signed programme link) and to nobody else."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.library.services import exercise_create
from prescriptions.models import Exercise, Programme
from prescriptions.patient_programme.links import programme_link_path
from tests import factories as f

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
ALT = "A person sitting with their back against a wall"


@pytest.fixture(autouse=True)
def _media(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    f.load_exercise_library()


def _wall_sit(world, name="Wall sit"):
    return exercise_create(
        clinic=world.clinic,
        by=world.ep.user,
        image=SimpleUploadedFile("wall-sit.png", PNG, content_type="image/png"),
        image_alt=ALT,
        name=name,
        instructions=["Back against the wall.", "Slide down.", "Hold."],
        primary_muscles=["quadriceps"],
        level=2,
        load_types=["body_weight"],
        weight_bearing=True,
        dose_type="hold_seconds",
    )


def _programme_with(patient, practitioner, exercise):
    """A published programme whose version holds the clinic's own `exercise` (the factory
    takes shipped slugs, so it is added through the services after publishing one)."""
    from prescriptions.programmes.services import (
        programme_draft_get_or_create,
        programme_item_add,
        programme_publish,
    )

    programme = f.make_published_programme(patient, practitioner, exercises=[("clam", {})])
    draft = programme_draft_get_or_create(programme=programme, by=practitioner.user)
    programme_item_add(version=draft, exercise=exercise, by=practitioner.user)
    programme_publish(programme=programme, by=practitioner.user)
    return programme


def _mine(programme, exercise):
    return reverse(
        "prescriptions:my-programme-exercise-image", args=[programme.code, exercise.code]
    )


def _linked(programme, exercise):
    return f"{programme_link_path(programme)}exercises/{exercise.code}/image/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_patient_sees_the_image_on_their_programme_page_and_it_is_served(
    world, client_as_patient
):
    wall_sit = _wall_sit(world)
    programme = _programme_with(world.patient, world.ep, wall_sit)
    page = client_as_patient.get(reverse("prescriptions:my-programme", args=[programme.code]))
    assert f'src="{_mine(programme, wall_sit)}" alt="{ALT}"' in page.content.decode()
    handout = client_as_patient.get(
        reverse("prescriptions:my-programme-handout", args=[programme.code])
    )
    assert _mine(programme, wall_sit) in handout.content.decode()

    served = client_as_patient.get(_mine(programme, wall_sit))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "private" in served["Cache-Control"]
    assert _body(served) == PNG


def test_the_signed_link_shows_and_serves_the_image_without_a_login(world):
    wall_sit = _wall_sit(world)
    programme = _programme_with(world.patient, world.ep, wall_sit)
    link = programme_link_path(programme)  # a token signed now: the page's links reuse it
    page = Client().get(link)
    image = f"{link}exercises/{wall_sit.code}/image/"
    assert f'src="{image}"' in page.content.decode()
    served = Client().get(image)
    assert served.status_code == 200 and _body(served) == PNG


@pytest.mark.parametrize(
    "who", ["client_as_other_patient", "client_as_outsider", "client_as_practitioner"]
)
def test_nobody_else_gets_the_image_through_the_patients_pages(request, world, who):
    wall_sit = _wall_sit(world)
    programme = _programme_with(world.patient, world.ep, wall_sit)
    client = request.getfixturevalue(who)
    assert client.get(_mine(programme, wall_sit)).status_code == 404


def test_an_anonymous_visitor_is_asked_to_log_in(world):
    wall_sit = _wall_sit(world)
    programme = _programme_with(world.patient, world.ep, wall_sit)
    response = Client().get(_mine(programme, wall_sit))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_image_not_in_the_programme_is_404_even_to_its_patient(world, client_as_patient):
    wall_sit = _wall_sit(world)
    other = _wall_sit(world, name="Wall sit, deeper")
    programme = _programme_with(world.patient, world.ep, wall_sit)
    assert client_as_patient.get(_mine(programme, other)).status_code == 404
    assert Client().get(_linked(programme, other)).status_code == 404
    # A shipped exercise in the programme has no image: 404 too.
    clam = Exercise.objects.shipped().get(slug="clam")
    assert client_as_patient.get(_mine(programme, clam)).status_code == 404


def test_an_image_in_a_draft_only_is_not_served_yet(world, client_as_patient):
    from prescriptions.programmes.services import programme_draft_get_or_create, programme_item_add

    wall_sit = _wall_sit(world)
    programme = f.make_published_programme(world.patient, world.ep, exercises=[("clam", {})])
    draft = programme_draft_get_or_create(programme=programme, by=world.ep.user)
    programme_item_add(version=draft, exercise=wall_sit, by=world.ep.user)
    assert client_as_patient.get(_mine(programme, wall_sit)).status_code == 404


def test_another_programmes_link_does_not_open_this_image(world):
    wall_sit = _wall_sit(world)
    _programme_with(world.patient, world.ep, wall_sit)
    theirs = f.make_published_programme(world.other_patient, world.ep, exercises=[("clam", {})])
    wrong = f"{programme_link_path(theirs)}exercises/{wall_sit.code}/image/"
    assert Client().get(wrong).status_code == 404


def test_an_ended_programmes_link_no_longer_serves_the_image(world):
    wall_sit = _wall_sit(world)
    programme = _programme_with(world.patient, world.ep, wall_sit)
    url = _linked(programme, wall_sit)
    Programme.objects.filter(pk=programme.pk).update(status="ended", ended_at=timezone.now())
    assert Client().get(url).status_code == 410
