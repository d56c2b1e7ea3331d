"""A clinic's own picture and video for a shipped exercise (ExerciseMedia), the
`exercise_media` selector, and copies of shipped exercises keeping their place in the
chains without showing up in other clinics' libraries or progressions."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest

from clinic.errors import DomainError
from prescriptions.library.selectors import exercise_links, exercise_media
from prescriptions.library.services import (
    ExerciseReadOnly,
    exercise_copy,
    exercise_media_set,
)
from prescriptions.models import Exercise, ExerciseMedia
from tests import factories as f

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _library(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    f.load_exercise_library()


def ex(slug):
    return Exercise.objects.shipped().get(slug=slug)


def png(name="clam.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def media_url(exercise):
    return reverse("prescriptions:exercise-media", args=[exercise.code])


# --- The service and the selector ------------------------------------------------------------


def test_a_clinic_adds_its_own_picture_to_a_shipped_exercise_only_it_sees(world):
    clam = ex("clam")
    assert exercise_media(clam, world.clinic) is None
    exercise_media_set(
        exercise=clam,
        clinic=world.clinic,
        by=world.ep.user,
        image=png(),
        image_alt="Lying on the side, top knee lifted",
        video_url="https://videos.example.org/clam",
    )
    mine = exercise_media(clam, world.clinic)
    assert mine is not None and not mine.on_exercise
    assert mine.image and mine.image_alt == "Lying on the side, top knee lifted"
    assert mine.video_url == "https://videos.example.org/clam"
    assert exercise_media(clam, world.outsider_clinic) is None
    clam.refresh_from_db()
    assert not clam.image and not clam.video_url  # the shared row is untouched


def test_the_selector_reads_a_clinic_exercises_own_fields(world):
    copy = exercise_copy(exercise=ex("glute-bridge"), clinic=world.clinic, by=world.ep.user)
    assert exercise_media(copy, world.clinic) is None
    copy.video_url = "https://videos.example.org/bridge"
    copy.save()
    mine = exercise_media(copy, world.clinic)
    assert mine is not None and mine.on_exercise and mine.image is None
    assert mine.video_url == "https://videos.example.org/bridge"
    assert exercise_media(copy, world.outsider_clinic) is None


def test_emptying_the_picture_and_video_deletes_the_row_and_the_file(
    world, django_capture_on_commit_callbacks
):
    clam = ex("clam")
    with django_capture_on_commit_callbacks(execute=True):
        media = exercise_media_set(
            exercise=clam, clinic=world.clinic, by=world.ep.user, image=png(), image_alt="Clam"
        )
    stored = media.image.name
    assert media.image.storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        left = exercise_media_set(
            exercise=clam, clinic=world.clinic, by=world.ep.user, remove_image=True
        )
    assert left is None and not ExerciseMedia.objects.exists()
    assert not media.image.storage.exists(stored)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"image_alt": ""}, "image_alt"),
        ({"image_alt": "Clam", "video_url": "http://videos.example.org/clam"}, "video_url"),
    ],
)
def test_the_service_refuses_media_without_alt_text_or_https(world, changes, field):
    with pytest.raises(DomainError) as exc:
        exercise_media_set(
            exercise=ex("clam"), clinic=world.clinic, by=world.ep.user, image=png(), **changes
        )
    assert exc.value.field == field
    assert not ExerciseMedia.objects.exists()


def test_only_the_clinics_clinicians_set_media_and_only_on_shipped_rows(world):
    with pytest.raises(ExerciseReadOnly):
        exercise_media_set(
            exercise=ex("clam"),
            clinic=world.clinic,
            by=world.outsider.user,
            video_url="https://videos.example.org/clam",
        )
    copy = exercise_copy(exercise=ex("clam"), clinic=world.clinic, by=world.ep.user)
    with pytest.raises(ExerciseReadOnly):
        exercise_media_set(
            exercise=copy,
            clinic=world.clinic,
            by=world.ep.user,
            video_url="https://videos.example.org/clam",
        )


# --- The pages ------------------------------------------------------------------------------


def test_the_exercise_page_shows_the_clinics_media_first(client_as_practitioner, world):
    clam = ex("clam")
    detail = reverse("prescriptions:exercise-detail", args=[clam.code])
    page = client_as_practitioner.get(detail).content.decode()
    assert "Add your clinic's picture or video" in page
    exercise_media_set(
        exercise=clam, clinic=world.clinic, by=world.ep.user, image=png(), image_alt="Side clam"
    )
    page = client_as_practitioner.get(detail).content.decode()
    image_url = reverse("prescriptions:exercise-media-image", args=[clam.code])
    assert f'src="{image_url}" alt="Side clam"' in page
    assert page.index(image_url) < page.index('id="instructions-heading"')
    assert "Change your clinic's picture or video" in page


def test_a_clinician_uploads_a_picture_which_only_their_clinic_is_served(
    client_as_practitioner, client_as_outsider, world
):
    clam = ex("clam")
    response = client_as_practitioner.post(
        media_url(clam), {"image": png(), "image_alt": "Side clam", "video_url": ""}
    )
    assert response["Location"] == reverse("prescriptions:exercise-detail", args=[clam.code])
    image_url = reverse("prescriptions:exercise-media-image", args=[clam.code])
    served = client_as_practitioner.get(image_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    assert client_as_outsider.get(image_url).status_code == 404
    page = client_as_outsider.get(
        reverse("prescriptions:exercise-detail", args=[clam.code])
    ).content.decode()
    assert image_url not in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"image": "not-an-image", "image_alt": "Clam"},
            "image",
            "Choose a JPEG, PNG or WebP image.",
        ),
        ({"image": "png", "image_alt": ""}, "image_alt", "Describe the image for people"),
        ({"video_url": "http://videos.example.org/clam"}, "video_url", "starts with https://"),
        ({"video_url": "javascript:alert(1)"}, "video_url", "starts with https://"),
    ],
)
def test_bad_uploads_get_a_message_next_to_the_field(client_as_practitioner, data, field, message):
    uploads = {
        "png": png(),
        "not-an-image": SimpleUploadedFile(
            "x.png", b"<svg onload=alert(1)>", content_type="image/png"
        ),
    }
    if "image" in data:
        data = data | {"image": uploads[data["image"]]}
    response = client_as_practitioner.post(media_url(ex("clam")), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'id="id_{field}_error"' in page and message in page
    assert not ExerciseMedia.objects.exists()


def test_an_oversized_image_is_refused_next_to_the_field(
    client_as_practitioner, settings, monkeypatch
):
    from prescriptions.library import forms

    monkeypatch.setattr(forms, "IMAGE_MAX_BYTES", 10)
    response = client_as_practitioner.post(
        media_url(ex("clam")), {"image": png(), "image_alt": "Clam"}
    )
    page = response.content.decode()
    assert 'id="id_image_error"' in page and "5 MB or less" in page
    assert not ExerciseMedia.objects.exists()


def test_the_media_page_of_a_clinics_own_exercise_goes_to_its_edit_page(
    client_as_practitioner, world
):
    copy = exercise_copy(exercise=ex("clam"), clinic=world.clinic, by=world.ep.user)
    response = client_as_practitioner.get(media_url(copy))
    assert response["Location"] == reverse("prescriptions:exercise-edit", args=[copy.code])


def test_reception_and_patients_do_not_get_the_media_page(client_as_reception, client_as_patient):
    url = media_url(ex("clam"))
    assert client_as_reception.get(url).status_code == 404
    assert client_as_patient.get(url).status_code == 404


# --- Copies keep their place in the chains ----------------------------------------------------


def test_a_copy_keeps_the_chains_and_links_of_the_shipped_exercise(world):
    clam = ex("clam")
    copy = exercise_copy(exercise=clam, clinic=world.clinic, by=world.ep.user)
    assert copy.chains == clam.chains == [{"chain": "abductor", "step": 4}]
    assert copy.progressions == clam.progressions == ("banded-clam",)
    assert copy.regressions == clam.regressions == ("standing-hip-abduction",)
    # The clinic sees its copy beside the shipped clam in the chain's neighbours...
    links = exercise_links(exercise=ex("banded-clam"), clinic_id=world.clinic.pk)
    assert copy in links.regressions and clam in links.regressions
    # ...another clinic never does, nor do the shipped rows' own link lists.
    theirs = exercise_links(exercise=ex("banded-clam"), clinic_id=world.outsider_clinic.pk)
    assert copy not in theirs.regressions
    assert ex("banded-clam").regressions == ("clam",)
    assert ex("standing-hip-abduction").progressions[0] == "clam"
    assert ex("standing-hip-abduction").progressions.count("clam") == 1


def test_reloading_the_library_keeps_the_copys_links(world):
    copy = exercise_copy(exercise=ex("clam"), clinic=world.clinic, by=world.ep.user)
    f.load_exercise_library()
    copy.refresh_from_db()
    assert copy.progressions == ("banded-clam",)
    assert copy.regressions == ("standing-hip-abduction",)


def test_the_patient_sees_the_clinics_own_picture_first_on_every_copy_of_the_programme(
    world, client_as_patient, monkeypatch
):
    """Issue 13: the clinician's own picture, where there is one, shows before the drawn
    figure: on the programme page, the handout, the player, and in the PDF."""
    from prescriptions.patient_programme import handout

    programme = f.make_published_programme(
        world.patient, world.ep, exercises=[("clam", {}), ("glute-bridge", {})]
    )
    exercise_media_set(
        exercise=ex("clam"),
        clinic=world.clinic,
        by=world.ep.user,
        image=png(),
        image_alt="Our physio doing a clam",
    )
    base = reverse("prescriptions:my-programme", args=[programme.code])
    src = f"{base}exercises/{ex('clam').code}/image/"
    for name in ("my-programme", "my-programme-handout"):
        page = client_as_patient.get(reverse(f"prescriptions:{name}", args=[programme.code]))
        html = page.content.decode()
        assert f'src="{src}" alt="Our physio doing a clam"' in html, name
        assert "Drawing of Glute bridge" in html or "fig-anim" in html, name  # no picture: drawn
    image = client_as_patient.get(src)
    assert image.status_code == 200 and b"".join(image.streaming_content) == PNG
    # Another clinic's picture of the same exercise is not theirs to see.
    ExerciseMedia.objects.all().delete()
    assert client_as_patient.get(src).status_code == 404

    exercise_media_set(
        exercise=ex("clam"), clinic=world.clinic, by=world.ep.user, image=png(), image_alt="x"
    )
    pictures, drawn = [], []
    monkeypatch.setattr(handout, "_picture", lambda pdf, image: pictures.append(image.name))
    real_still = handout.figure_still
    monkeypatch.setattr(
        handout,
        "figure_still",
        lambda slug, *a, **k: drawn.append(slug) or real_still(slug, *a, **k),
    )
    pdf = client_as_patient.get(reverse("prescriptions:my-programme-pdf", args=[programme.code]))
    assert pdf.status_code == 200
    assert len(pictures) == 1 and drawn == ["glute-bridge"]
