"""The demo's treatment notes and goals: a few signed notes (one with a correction), one
draft to sign, the demo patient's goals and a template; a second run adds nothing."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

import pytest

from prescriptions.demo.notes import demo_notes_seed
from prescriptions.models import Goal, NoteAddendum, NoteTemplate, TreatmentNote
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_demo_signs_a_few_notes_leaves_one_to_sign_and_runs_twice_safely(world):
    demo = f.make_patient(world.clinic, email="demo-patient@example.org")
    for days in range(2, 8):
        f.make_appointment(
            patient=demo if days % 2 else world.patient,
            practitioner=world.ep,
            service=world.service,
            start=timezone.now() - timedelta(days=days),
            status="completed",
        )
    now = timezone.now()

    demo_notes_seed(clinic=world.clinic, now=now)
    demo_notes_seed(clinic=world.clinic, now=now)

    notes = TreatmentNote.objects.filter(clinic=world.clinic)
    assert notes.filter(status="signed").count() == 3
    assert notes.filter(status="draft").count() == 1
    assert NoteAddendum.objects.count() == 1
    assert Goal.objects.filter(patient=demo).count() == 2
    assert NoteTemplate.objects.filter(clinic=world.clinic).count() == 1
    # The demo patient's visits come first.
    assert notes.filter(status="signed", patient=demo).count() == 3
