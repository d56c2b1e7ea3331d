"""Versioned history of clinical records (django-simple-history): every change to a model
that changes in place is kept, with who made it (HistoryRequestMiddleware for pages; the
services name the user for bulk writes)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from simple_history.models import registered_models

from clinic.models import Patient, User
from prescriptions.assessments.services import assessment_create, assessment_update_draft
from prescriptions.models import (
    Assessment,
    Exercise,
    Measurement,
    ProgrammeItem,
    SessionLog,
    SessionLogEntry,
)
from prescriptions.patient_programme.links import programme_token_for
from prescriptions.programmes.services import programme_draft_get_or_create, programme_item_add
from tests import factories as f

pytestmark = pytest.mark.django_db

TRACKED = {
    "clinic.outsideservices",
    "clinic.referral",
    "clinic.referrer",
    "prescriptions.assessment",
    "prescriptions.measurement",
    "prescriptions.outcomeresponse",
    "prescriptions.programme",
    "prescriptions.programmeversion",
    "prescriptions.phase",
    "prescriptions.programmeitem",
    "prescriptions.sessionlog",
    "prescriptions.painflag",
    "prescriptions.sessionlogentry",
    "prescriptions.surgeryrecord",
    "prescriptions.trainingstatus",
    "prescriptions.treatmentnote",
    "prescriptions.noteaddendum",
    "prescriptions.notetemplate",
    "prescriptions.notesettings",
    "prescriptions.goal",
}
"""Clinical records that change in place. Not tracked, by design: screenings (each is a
new row, read-only in the admin), the append-only access log, deletion requests (written
once), and patients and users (contact details must really go when an account is deleted:
clinic.deletion)."""


def history(model):
    return getattr(model, model._meta.simple_history_manager_attribute)


def test_the_clinical_models_that_change_in_place_are_tracked():
    labels = {m._meta.label_lower for m in registered_models.values()}
    assert labels == TRACKED
    for model in (Patient, User):
        assert not hasattr(model._meta, "simple_history_manager_attribute"), model


def _draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date() - timedelta(days=1),
        conditions=["lateral_hip"],
        involved_side="left",
    )


def test_each_saved_draft_is_kept_with_who_saved_it(world):
    draft = _draft(world)
    results = {"hhd_abduction": {"left": {"force_n": Decimal(180)}, "right": {"force_n": 250}}}
    assessment_update_draft(
        assessment=draft, by=world.ep.user, fields={"history": "Pain on stairs"}, results=results
    )
    assessment_update_draft(
        assessment=draft, by=world.physio.user, fields={"history": "Pain on stairs and hills"}
    )
    rows = history(Assessment).filter(code=draft.code).order_by("history_date", "history_id")
    texts = [r.history for r in rows if r.history]
    assert texts[0] == "Pain on stairs" and texts[-1] == "Pain on stairs and hills"
    assert rows.first().history_type == "+"
    # Measurements are re-written on each save: the first ones are kept, as deleted.
    measured = history(Measurement).filter(assessment_id=draft.pk, measure="force_n")
    kinds = sorted(measured.values_list("history_type", flat=True))
    assert kinds.count("+") >= 4 and "-" in kinds  # two sides, written twice; then removed
    assert set(measured.filter(history_type="+").values_list("history_user", flat=True)) == {
        world.ep.user.pk,
        world.physio.user.pk,
    }
    assert Measurement.objects.filter(assessment=draft, measure="force_n").count() == 2


def test_a_page_that_changes_a_record_names_the_user(world, client_as_practitioner):
    draft = _draft(world)
    client_as_practitioner.post(reverse("prescriptions:assessment-sign", args=[draft.code]))
    latest = history(Assessment).filter(code=draft.code).latest("history_date")
    assert latest.status == Assessment.Status.SIGNED
    assert latest.history_user == world.ep.user
    assert latest.history_type == "~"


@pytest.fixture
def programme(world):
    f.load_exercise_library()
    return f.make_published_programme(
        world.patient,
        world.ep,
        exercises=[("clam", {}), ("glute-bridge", {}), ("squat", {})],
        published_at=timezone.now() - timedelta(days=2),
    )


def test_builder_changes_are_kept_item_by_item(world, programme, client_as_practitioner):
    draft = programme_draft_get_or_create(programme=programme, by=world.ep.user)
    items = list(draft.items.order_by("order"))
    copies = history(ProgrammeItem).filter(version_id=draft.pk, history_type="+")
    assert copies.count() == 3  # the copy into the new version is in the history too
    assert {r.history_user_id for r in copies} == {world.ep.user.pk}
    url = reverse(
        "prescriptions:programme-items-reorder", args=[programme.code]
    )  # drag and drop: queryset updates, recorded by the service
    client_as_practitioner.post(url, {"item": [str(i.code) for i in reversed(items)]})
    last = {
        r.code: r.order
        for r in history(ProgrammeItem).filter(version_id=draft.pk).order_by("history_date")
    }
    assert [last[i.code] for i in items] == [3, 2, 1]
    moved = history(ProgrammeItem).filter(version_id=draft.pk, history_type="~")
    assert {r.history_user_id for r in moved} == {world.ep.user.pk}
    # Removing a phase frees its items: that change is kept too.
    phase = draft.phases.create(name="Weeks 1 to 2", starts_on=_today(world))
    ProgrammeItem.objects.filter(pk=items[0].pk).update(phase=phase)
    client_as_practitioner.post(
        reverse("prescriptions:programme-phase-remove", args=[programme.code, phase.code])
    )
    freed = history(ProgrammeItem).filter(code=items[0].code).latest("history_date")
    assert freed.phase_id is None and freed.history_user == world.ep.user


def test_added_items_and_published_versions_are_kept(world, programme):
    draft = programme_draft_get_or_create(programme=programme, by=world.ep.user)
    item = programme_item_add(
        version=draft,
        exercise=Exercise.objects.shipped().get(slug="hip-thrust"),
        by=world.ep.user,
        load_kind="external",
        load_kg=40,
    )
    assert history(ProgrammeItem).filter(code=item.code, history_type="+").exists()
    published = history(type(draft)).filter(code=programme.current_version.code)
    assert [r.published_at is not None for r in published.order_by("history_date")] == [
        False,
        True,
    ]


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


def _log(client, url, programme, day):
    version = programme.current_version
    data = {"version": version.number, "day": day.isoformat(), "comment": "ok"}
    for item in version.items.order_by("order"):
        p = f"item{item.order}_"
        data.update({f"{p}done": "on", f"{p}achieved": "10", f"{p}pain": "2", f"{p}rpe": "6"})
    assert client.post(url, data).status_code == 302


def test_sessions_are_kept_with_the_patient_or_nobody_with_a_link(
    world, programme, client_as_patient
):
    log = reverse("prescriptions:my-programme-log", args=[programme.code])
    _log(client_as_patient, log, programme, _today(world) - timedelta(days=1))
    session = SessionLog.objects.get()
    rows = history(SessionLog).filter(code=session.code)
    assert [r.history_user for r in rows] == [world.patient.user]
    entries = history(SessionLogEntry).filter(session_id=session.pk)
    assert entries.count() == 3 and {e.history_user_id for e in entries} == {world.patient.user.pk}

    link = reverse(
        "prescriptions:programme-link-morning", args=[programme_token_for(programme), session.code]
    )
    assert Client().post(link, {"morning_pain": "3"}).status_code == 302
    latest = history(SessionLog).filter(code=session.code).latest("history_date")
    assert latest.morning_pain == 3 and latest.history_user is None


def test_the_admin_shows_an_assessments_history_and_never_reverts_it(world, client_as_practitioner):
    draft = _draft(world)
    assessment_update_draft(assessment=draft, by=world.ep.user, fields={"history": "Stairs"})
    client_as_practitioner.post(reverse("prescriptions:assessment-sign", args=[draft.code]))
    operator = User.objects.create_superuser(email="operator@example.org", password=f.PASSWORD)
    client = Client()
    client.force_login(operator)
    page = client.get(reverse("admin:prescriptions_assessment_history", args=[draft.pk]))
    assert page.status_code == 200
    assert world.ep.user.email in page.content.decode()  # who changed it
    entry = history(Assessment).filter(code=draft.code).latest("history_date")
    revert = reverse(
        "admin:prescriptions_assessment_simple_history", args=[draft.pk, entry.history_id]
    )
    assert client.get(revert).status_code == 200  # to read
    assert client.post(revert, {}).status_code == 403  # never to revert
    draft.refresh_from_db()
    assert draft.history == "Stairs" and draft.status == Assessment.Status.SIGNED
