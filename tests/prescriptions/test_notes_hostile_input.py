"""Anything typed into the note, addendum, template and goal forms: never a 500, and
invalid input saves nothing. Bounded and repeatable (the suite's Hypothesis settings)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prescriptions.models import Goal
from prescriptions.notes.services import note_start
from tests import factories as f
from tests.security.test_hostile_input import FAST, nasty_text

FEW = settings(FAST, max_examples=8)
pytestmark = pytest.mark.django_db

plausible = st.sampled_from(
    [
        "",
        "0",
        "3",
        "10",
        "11",
        "-1",
        "2.5",
        "10:00",
        "25:00",
        "2027-01-01",
        "2026-02-30",
        "PSFS",
        "LEFS",
        "video",
        "sign",
        "refresh",
        "correction",
    ]
)
anything = st.one_of(plausible, nasty_text)


def fields(*names: str) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(names), anything, max_size=len(names))


class Rollback(Exception):
    pass


@pytest.fixture
def scene(world):
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=2),
        status="attended",
    )
    client = Client()
    client.force_login(world.ep.user)
    return world, note_start(appointment=visit, by=world.ep.user), client


@FEW
@given(
    data=fields("start_time", "end_time", "mode", "subjective", "plan", "revision", "action"),
    goal=fields(
        "activity",
        "why",
        "measure",
        "psfs_activity_id",
        "baseline",
        "target",
        "target_date",
        "status",
    ),
    addendum=fields("kind", "text"),
)
def test_note_and_goal_forms_never_fail(scene, data, goal, addendum):
    world, note, client = scene
    try:
        with transaction.atomic():
            r = client.post(note.get_absolute_url(), data)
            assert r.status_code in (302, 400), r.status_code
            r = client.post(reverse("prescriptions:note-addendum", args=[note.code]), addendum)
            assert r.status_code in (302, 400), r.status_code
            before = Goal.objects.count()
            r = client.post(reverse("prescriptions:goal-list", args=[world.patient.code]), goal)
            assert r.status_code in (302, 400), r.status_code
            if r.status_code == 400:
                assert Goal.objects.count() == before
            r = client.post(reverse("prescriptions:note-template-list"), data)
            assert r.status_code in (302, 400), r.status_code
            raise Rollback
    except Rollback:
        pass
