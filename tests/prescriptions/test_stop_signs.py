"""Stop signs and the recent-surgery precaution in the screens (issue 12 point 4): a recent
joint injection or surgery is a precaution that opens the stop-sign checklist; a ticked
stop sign stops exercise and says to refer; no stop sign blocks nothing."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.assessments.services import assessment_create, assessment_sign
from prescriptions.programmes.selectors import (
    prescribing_context,
    programme_warnings,
    suggestion_views,
)
from prescriptions.programmes.services import programme_create
from prescriptions.surgery.services import surgery_record_add
from tests import factories as f
from tests.prescriptions.test_assessment_views import _post_edit

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date(),
        conditions=["thr"],
        involved_side="left",
    )


def _edit(client, draft):
    return client.get(reverse("prescriptions:assessment-edit", args=[draft.code])).content.decode()


def test_the_checklist_opens_for_a_recent_injection_or_surgery(
    world, client_as_practitioner, draft
):
    page = _edit(client_as_practitioner, draft)
    assert "Stop-sign checklist" in page
    assert '<details class="stop-sign-checklist mb-3">' in page  # closed: nothing recent
    for label in ("Temperature over 38 °C or chills", "Pain, swelling, heat or tenderness in"):
        assert label in page
    r = _post_edit(
        client_as_practitioner,
        draft,
        red_flags=["recent_injection"],
        red_flags_note="Cortisone injection last week.",
    )
    assert r.status_code == 302
    assert '<details class="stop-sign-checklist mb-3" open>' in _edit(client_as_practitioner, draft)


def test_a_surgery_in_the_last_six_weeks_opens_it_too(world, client_as_practitioner, draft):
    surgery_record_add(
        patient=world.patient,
        by=world.ep.user,
        procedure="total_hip_arthroplasty",
        side="left",
        performed_on=draft.assessed_on - timedelta(weeks=3),
        approach="posterior",
    )
    assert '<details class="stop-sign-checklist mb-3" open>' in _edit(client_as_practitioner, draft)


def test_a_stop_sign_needs_a_note(client_as_practitioner, draft):
    r = _post_edit(client_as_practitioner, draft, stop_signs=["fever"])
    assert r.status_code == 200
    assert "Describe the red flags" in r.content.decode()


def test_a_ticked_stop_sign_stops_and_refers_no_stop_sign_blocks_nothing(
    world, client_as_practitioner, draft
):
    f.load_exercise_library()
    surgery_record_add(
        patient=world.patient,
        by=world.ep.user,
        procedure="total_hip_arthroplasty",
        side="left",
        performed_on=draft.assessed_on - timedelta(weeks=3),
        approach="posterior",
    )
    r = _post_edit(
        client_as_practitioner,
        draft,
        red_flags=["recent_injection"],
        red_flags_note="Asked about the stop signs: none.",
    )
    assert r.status_code == 302
    detail = reverse("prescriptions:assessment-detail", args=[draft.code])
    page = client_as_practitioner.get(detail).content.decode()
    assert "Stop: no exercise today" not in page
    assert "Hip precautions (posterior approach" in page  # the rules' flag, with its source
    signed = assessment_sign(assessment=draft, by=world.ep.user)
    programme = programme_create(
        patient=world.patient,
        practitioner=world.ep,
        goal="muscular_endurance",
        by=world.ep.user,
        assessment=signed,
    )
    warnings = programme_warnings(prescribing_context(programme))
    assert all(w.severity != "stop" for w in warnings)
    assert any("Precaution, not a stop" in w.text for w in warnings)
    assert any(v.is_add and v.exercises for v in suggestion_views(programme=programme))


def test_a_stop_sign_shows_the_stop_flag_and_suggests_no_exercise(
    world, client_as_practitioner, draft
):
    f.load_exercise_library()
    r = _post_edit(
        client_as_practitioner,
        draft,
        red_flags=["recent_injection"],
        stop_signs=["fever", "calf_swelling"],
        red_flags_note="Fever and a swollen calf: sent to the GP today.",
    )
    assert r.status_code == 302
    page = client_as_practitioner.get(
        reverse("prescriptions:assessment-detail", args=[draft.code])
    ).content.decode()
    assert "Stop: no exercise today, refer" in page
    assert "Temperature over 38 °C or chills" in page
    assert "the patient contacts the surgeon or GP the same day" in page
    assert "CLINICAL.md" not in page
    signed = assessment_sign(assessment=draft, by=world.ep.user)
    programme = programme_create(
        patient=world.patient,
        practitioner=world.ep,
        goal="muscular_endurance",
        by=world.ep.user,
        assessment=signed,
    )
    warnings = programme_warnings(prescribing_context(programme))
    assert any(w.severity == "stop" and "Stop signs" in w.text for w in warnings)
    views = suggestion_views(programme=programme)
    assert not [v for v in views if v.is_add]
    assert any("No exercise is suggested" in v.suggestion.reason for v in views)
    builder = client_as_practitioner.get(
        reverse("prescriptions:programme-builder", args=[programme.code])
    )
    assert "Stop signs" in builder.content.decode()
