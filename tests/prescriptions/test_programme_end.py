"""Ending a programme: the service, the staff page, and what the patient sees after."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.errors import DomainError
from prescriptions.models import Programme, ProgrammeVersion, SessionLog
from prescriptions.patient_programme.links import programme_link_path
from prescriptions.programmes.services import (
    ProgrammeEnded,
    ProgrammeNotAllowed,
    programme_create,
    programme_draft_get_or_create,
    programme_end,
    programme_item_add,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library(db):
    f.load_exercise_library()


@pytest.fixture
def programme(world):
    return f.make_published_programme(
        world.patient,
        world.ep,
        exercises=[("clam", {})],
        published_at=timezone.now() - timedelta(days=3),
    )


def _end_url(programme):
    return reverse("prescriptions:programme-end", args=[programme.code])


# --- The service ------------------------------------------------------------------------


def test_ending_records_when_who_and_why_and_keeps_the_versions(world, programme):
    ended = programme_end(programme=programme, by=world.ep.user, reason="Goals met.")
    assert ended.status == Programme.Status.ENDED
    assert ended.ended_by == world.ep.user and ended.end_reason == "Goals met."
    assert timezone.now() - ended.ended_at < timedelta(minutes=1)
    assert programme.status == Programme.Status.ENDED  # the caller's object is refreshed
    assert programme.current_version is not None and programme.current_version.number == 1


def test_an_open_draft_is_discarded_and_nothing_can_change_after(world, programme):
    from prescriptions.models import Exercise

    draft = programme_draft_get_or_create(programme=programme, by=world.ep.user)
    programme_end(programme=programme, by=world.ep.user)
    assert not ProgrammeVersion.objects.filter(pk=draft.pk).exists()
    with pytest.raises(ProgrammeEnded):
        programme_draft_get_or_create(programme=programme, by=world.ep.user)
    with pytest.raises(ProgrammeEnded):
        programme_end(programme=programme, by=world.ep.user)
    published = programme.current_version
    with pytest.raises(DomainError):
        programme_item_add(
            version=published, exercise=Exercise.objects.shipped().first(), by=world.ep.user
        )


def test_only_the_clinics_clinicians_may_end_it(world, programme):
    for user in (world.reception, world.outsider.user, world.patient.user):
        with pytest.raises(ProgrammeNotAllowed):
            programme_end(programme=programme, by=user)
    programme.refresh_from_db()
    assert programme.status == Programme.Status.ACTIVE
    programme_end(programme=programme, by=world.admin)  # a clinic admin may
    assert programme.status == Programme.Status.ENDED


def test_a_programme_never_published_cannot_be_ended(world):
    draft_only = programme_create(
        patient=world.patient, practitioner=world.ep, goal="strength", by=world.ep.user
    )
    with pytest.raises(DomainError, match="never published"):
        programme_end(programme=draft_only, by=world.ep.user)
    draft_only.refresh_from_db()
    assert draft_only.status == Programme.Status.DRAFT


def test_a_reason_that_is_too_long_is_refused_and_nothing_changes(world, programme):
    with pytest.raises(DomainError, match="300 characters"):
        programme_end(programme=programme, by=world.ep.user, reason="x" * 301)
    programme.refresh_from_db()
    assert programme.status == Programme.Status.ACTIVE


# --- The staff page -----------------------------------------------------------------------


def test_the_practitioner_ends_it_from_the_programme_page(client_as_practitioner, programme):
    detail = reverse("prescriptions:programme-detail", args=[programme.code])
    assert f'href="{_end_url(programme)}"' in client_as_practitioner.get(detail).content.decode()
    page = client_as_practitioner.get(_end_url(programme)).content.decode()
    assert "<h1>End this programme</h1>" in page and "past programmes" in page

    response = client_as_practitioner.post(_end_url(programme), {"reason": "Discharged."})
    assert response.status_code == 302 and response["Location"] == detail
    programme.refresh_from_db()
    assert programme.status == Programme.Status.ENDED and programme.end_reason == "Discharged."
    after = client_as_practitioner.get(detail).content.decode()
    assert "Discharged." in after and "Make changes" not in after
    assert f'href="{_end_url(programme)}"' not in after
    # Once ended, the end page goes back to the programme.
    assert client_as_practitioner.get(_end_url(programme)).status_code == 302


def test_a_too_long_reason_is_reported_next_to_the_field_and_kept(
    client_as_practitioner, programme
):
    response = client_as_practitioner.post(_end_url(programme), {"reason": "y" * 301})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Keep the reason to 300 characters or fewer." in page
    assert 'id="id_reason_error"' in page and "y" * 301 in page
    programme.refresh_from_db()
    assert programme.status == Programme.Status.ACTIVE


@pytest.mark.parametrize(
    "who",
    ["client_as_reception", "client_as_outsider", "client_as_patient", "client_as_other_patient"],
)
def test_nobody_else_can_end_it(request, who, programme):
    client = request.getfixturevalue(who)
    assert client.get(_end_url(programme)).status_code == 404
    assert client.post(_end_url(programme), {"reason": "No."}).status_code == 404
    programme.refresh_from_db()
    assert programme.status == Programme.Status.ACTIVE


def test_the_builder_of_an_ended_programme_says_it_has_ended(
    world, client_as_practitioner, programme
):
    programme_end(programme=programme, by=world.ep.user)
    builder = reverse("prescriptions:programme-builder", args=[programme.code])
    response = client_as_practitioner.get(builder, follow=True)
    assert "This programme has ended and can no longer change." in response.content.decode()
    apply = reverse("prescriptions:programme-progress-apply", args=[programme.code])
    assert client_as_practitioner.post(apply, {"item": "1"}).status_code < 500


# --- The patient --------------------------------------------------------------------------


def test_it_leaves_the_patients_current_programmes_and_the_link_stops(
    world, client_as_patient, programme
):
    link = programme_link_path(programme)
    assert Client().get(link).status_code == 200
    me = reverse("bookings:my-appointments")
    assert programme.display_title in client_as_patient.get(me).content.decode()

    programme_end(programme=programme, by=world.ep.user)

    account = client_as_patient.get(me).content.decode()
    assert programme.display_title not in account
    assert "You have no current exercise programme." in account
    assert reverse("prescriptions:my-programmes") in account
    listing = client_as_patient.get(reverse("prescriptions:my-programmes")).content.decode()
    current, _, past = listing.partition('id="past-heading"')
    assert programme.display_title not in current and programme.display_title in past
    # Still readable in the account (with the notice), but not to log; the link is gone.
    page = client_as_patient.get(reverse("prescriptions:my-programme", args=[programme.code]))
    assert "This programme has ended." in page.content.decode()
    log = reverse("prescriptions:my-programme-log", args=[programme.code])
    client_as_patient.post(log, {"version": "1", "day": "today", "item1_done": "on"})
    assert not SessionLog.objects.exists()
    assert Client().get(link).status_code == 410
