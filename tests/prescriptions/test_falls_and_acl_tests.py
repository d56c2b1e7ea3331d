"""Falls and function tests and the ACL return-to-sport battery in the assessment
(issue 12 point 7): recorded in the battery with the rules core's codes, they raise the
rules' flags on the assessment page and lead to suggestions in the builder."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.assessments import battery
from prescriptions.assessments.cases import assessment_decision
from prescriptions.programmes.selectors import suggestion_views
from prescriptions.programmes.services import programme_create
from prescriptions.rules import measures
from prescriptions.surgery.services import surgery_record_add
from tests import factories as f
from tests.prescriptions.test_assessment_views import _post_edit

pytestmark = pytest.mark.django_db

FALLS = {
    "unipedal_stance": {"left": {"time_s": Decimal(3)}},
    "chair_stand": {"": {"reps": Decimal(7)}},
    "timed_up_and_go": {"": {"time_s": Decimal("14.5")}},
    "gait_speed": {"": {"m_per_s": Decimal("0.7")}},
}


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


def test_every_rules_test_code_is_in_the_battery_with_its_measures():
    for code, codes in measures.TESTS.items():
        test = battery.TESTS[code]
        assert {f.name for f in test.fields} == set(codes.measures)
        assert all(f.sided == codes.sided for f in test.fields)


def test_falls_tests_raise_falls_risk_and_suggest_balance_and_strength(
    world, client_as_practitioner
):
    f.load_exercise_library()
    patient = f.make_patient(world.clinic, date_of_birth=date(_today(world).year - 70, 1, 2))
    assessment = f.make_signed_assessment(
        patient, world.ep, conditions=["hip_oa"], results=FALLS, involved_side="left"
    )
    decision = assessment_decision(assessment)
    assert "falls_risk" in {fl.code for fl in decision.flags}
    page = client_as_practitioner.get(
        reverse("prescriptions:assessment-detail", args=[assessment.code])
    ).content.decode()
    assert "Falls risk:" in page
    assert "CDC STEADI" in page  # the source's name for staff
    assert "CLINICAL.md" not in page
    programme = programme_create(
        patient=patient,
        practitioner=world.ep,
        goal="muscular_endurance",
        by=world.ep.user,
        assessment=assessment,
    )
    views = suggestion_views(programme=programme)
    falls = [v for v in views if v.is_add and "falls" in v.suggestion.reason.lower()]
    assert falls and falls[0].exercises


def test_the_form_records_the_new_tests_and_names_bad_values(client_as_practitioner, world):
    from prescriptions.assessments.services import assessment_create

    draft = assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world),
        conditions=["acl"],
        involved_side="left",
    )
    r = _post_edit(
        client_as_practitioner,
        draft,
        battery=[*draft.battery, "single_hop", "acl_rsi", "chair_stand"],
        **{
            "single_hop__left__distance_cm": "152",
            "single_hop__right__distance_cm": "160",
            "acl_rsi__test__score": "58",
            "chair_stand__test__reps": "7.5",
        },
    )
    assert r.status_code == 200
    assert "whole number" in r.content.decode()
    r = _post_edit(
        client_as_practitioner,
        draft,
        battery=[*draft.battery, "single_hop", "acl_rsi"],
        **{
            "single_hop__left__distance_cm": "152",
            "single_hop__right__distance_cm": "160",
            "acl_rsi__test__score": "58",
        },
    )
    assert r.status_code == 302
    values = {(m.test, m.side, m.measure): m.value for m in draft.measurements.all()}
    assert values[("single_hop", "left", "distance_cm")] == Decimal(152)
    assert values[("acl_rsi", "", "score")] == Decimal(58)


def test_the_acl_battery_gives_the_return_to_sport_flags_after_a_reconstruction(world):
    surgery_record_add(
        patient=world.patient,
        by=world.ep.user,
        procedure="acl_reconstruction",
        side="left",
        performed_on=_today(world) - timedelta(days=300),
        graft="hamstring",
    )
    assessment = f.make_signed_assessment(
        world.patient,
        world.ep,
        conditions=["acl"],
        involved_side="left",
        results={
            "single_hop": {"left": {"distance_cm": Decimal(152)}, "right": {"distance_cm": 160}},
            "quadriceps_strength": {
                "left": {"torque_nm": Decimal(184)},
                "right": {"torque_nm": Decimal(200)},
            },
            "acl_rsi": {"": {"score": Decimal(58)}},
        },
    )
    codes = {fl.code for fl in assessment_decision(assessment).flags}
    assert "acl_restrictions" in codes
    assert {"acl_rts_criteria", "acl_rsi"} <= codes
