"""Assessment services: create, update a draft, sign, amend; and the database's own rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

import pytest

from clinic.errors import DomainError
from prescriptions.assessments.services import (
    AssessmentLocked,
    StaleRevision,
    assessment_amend,
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from prescriptions.models import Assessment, Measurement
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 3)


@pytest.fixture
def draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=TODAY,
        conditions=["lateral_hip"],
        involved_side="right",
    )


def _abduction(left, right, lever=None):
    sides = {"left": {"force_n": Decimal(left)}, "right": {"force_n": Decimal(right)}}
    if lever:
        for side in sides.values():
            side["lever_arm_cm"] = Decimal(lever)
    return {"hhd_abduction": sides}


def _values(assessment, *, derived=None):
    qs = assessment.measurements.all()
    if derived is not None:
        qs = qs.filter(derived=derived)
    return {(m.test, m.side, m.measure): m.value for m in qs}


# --- Create --------------------------------------------------------------------------


def test_a_new_draft_gets_the_battery_of_its_conditions(draft, world):
    assert draft.status == Assessment.Status.DRAFT
    assert draft.version == 1
    assert draft.clinic == world.clinic
    assert draft.battery == [
        "trendelenburg",
        "sls_pain",
        "lateral_hip_provocation",
        "hhd_abduction",
        "hip_hang",
    ]


def test_a_reassessment_can_repeat_a_given_battery(world):
    assessment = assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=TODAY,
        conditions=["acl"],
        tests=["y_balance", "hhd_abduction", "y_balance"],
    )
    assert assessment.battery == ["hhd_abduction", "y_balance"]


def test_it_refuses_another_patients_appointment(world):
    appointment = f.make_appointment(
        patient=world.other_patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
        location=world.location,
    )
    with pytest.raises(DomainError) as exc:
        assessment_create(
            patient=world.patient,
            practitioner=world.ep,
            created_by=world.ep.user,
            assessed_on=TODAY,
            appointment=appointment,
        )
    assert exc.value.field == "appointment"
    assert not Assessment.objects.exists()


def test_it_refuses_a_practitioner_of_another_clinic(world):
    with pytest.raises(DomainError):
        assessment_create(
            patient=world.patient,
            practitioner=world.outsider,
            created_by=world.ep.user,
            assessed_on=TODAY,
        )


# --- Update ---------------------------------------------------------------------------


def test_saving_stores_raw_and_derived_values_and_flags(draft, world):
    assessment_update_draft(
        assessment=draft,
        by=world.ep.user,
        fields={"body_mass_kg": Decimal(70)},
        results=_abduction(250, 180, lever=40),
    )
    raw = _values(draft, derived=False)
    assert raw[("hhd_abduction", "left", "force_n")] == Decimal(250)
    made = _values(draft, derived=True)
    assert made[("hhd_abduction", "left", "pct_bw")] == Decimal("36.4")
    assert made[("hhd_abduction", "right", "pct_bw")] == Decimal("26.2")
    assert made[("hhd_abduction", "", "lsi")] == Decimal("72.0")
    row = Measurement.objects.get(assessment=draft, measure="nm_per_kg", side="left")
    assert (row.number, row.unit, row.derived) == (Decimal("1.43"), "N·m/kg", True)
    # Lateral hip pain: the ACL-injury-risk %BW cut-off does not apply (CLINICAL.md §13.3).
    assert [(fl["code"], fl["side"]) for fl in draft.flags] == [("hhd_abduction_lsi_below_90", "")]
    assert draft.revision == 1


def test_saving_again_replaces_the_values(draft, world):
    assessment_update_draft(assessment=draft, by=world.ep.user, results=_abduction(250, 180))
    assessment_update_draft(
        assessment=draft,
        by=world.ep.user,
        results={"hhd_abduction": {"left": {"force_n": Decimal(99)}}},
    )
    assert _values(draft, derived=False) == {("hhd_abduction", "left", "force_n"): Decimal(99)}
    assert draft.flags == []


def test_a_value_out_of_range_is_refused_with_a_message_and_nothing_changes(draft, world):
    with pytest.raises(DomainError) as exc:
        assessment_update_draft(
            assessment=draft,
            by=world.ep.user,
            fields={"history": "Changed"},
            results={"trendelenburg": {"left": {"time_held_s": Decimal(31)}}},
        )
    assert str(exc.value) == "Left time held must be between 0 and 30 seconds."
    assert exc.value.field == "trendelenburg__left__time_held_s"
    draft.refresh_from_db()
    assert draft.history == ""
    assert draft.revision == 0


@pytest.mark.parametrize(
    ("results", "message"),
    [
        ({"hhd_abduction": {"left": {"force_n": Decimal(1501)}}}, "between 0 and 1500 newtons"),
        ({"hhd_abduction": {"left": {"force_n": Decimal("12.34")}}}, "at most 1 decimal place"),
        ({"sls_pain": {"left": {"pain_nprs": Decimal("2.5")}}}, "as a whole number"),
        ({"sls_pain": {"left": {"pain_location": "knee"}}}, "from the list"),
        ({"hhd_abduction": {"": {"force_n": Decimal(10)}}}, "Unknown measurement"),
        ({"hhd_abduction": {"left": {"position": "supine"}}}, "Unknown measurement"),
    ],
)
def test_the_service_checks_every_value_against_the_registry(draft, world, results, message):
    with pytest.raises(DomainError, match=message):
        assessment_update_draft(assessment=draft, by=world.ep.user, results=results)


def test_adding_a_condition_adds_its_tests_but_removed_tests_stay_removed(draft, world):
    added = assessment_update_draft(
        assessment=draft,
        by=world.ep.user,
        fields={"conditions": ["lateral_hip", "low_back"]},
        tests=["trendelenburg", "sls_pain"],
    )
    assert added == ["side_bridge", "single_leg_bridge", "sij_provocation"]
    assert draft.battery == [
        "trendelenburg",
        "sls_pain",
        "side_bridge",
        "single_leg_bridge",
        "sij_provocation",
    ]
    assessment_update_draft(assessment=draft, by=world.ep.user, tests=["trendelenburg"])
    assert draft.battery == ["trendelenburg"]


def test_a_test_with_results_cannot_be_removed(draft, world):
    assessment_update_draft(assessment=draft, by=world.ep.user, results=_abduction(200, 210))
    with pytest.raises(DomainError, match="clear the recorded results") as exc:
        assessment_update_draft(assessment=draft, by=world.ep.user, tests=["trendelenburg"])
    assert exc.value.field == "battery"
    draft.refresh_from_db()
    assert "hhd_abduction" in draft.battery


def test_results_of_a_test_outside_the_battery_are_not_stored(draft, world):
    assessment_update_draft(
        assessment=draft,
        by=world.ep.user,
        tests=["trendelenburg"],
        results={"y_balance": {"left": {"anterior_cm": None}}},
    )
    assert _values(draft) == {}


def test_a_ticked_red_flag_needs_a_note(draft, world):
    with pytest.raises(DomainError) as exc:
        assessment_update_draft(
            assessment=draft, by=world.ep.user, fields={"red_flags": ["night_pain"]}
        )
    assert exc.value.field == "red_flags_note"
    assessment_update_draft(
        assessment=draft,
        by=world.ep.user,
        fields={"red_flags": ["night_pain"], "red_flags_note": "Referred to GP today."},
    )
    assert draft.red_flag_labels == ["Constant or unrelenting night pain"]


def test_a_pain_score_needs_its_context(draft, world):
    with pytest.raises(DomainError) as exc:
        assessment_update_draft(assessment=draft, by=world.ep.user, fields={"pain_nprs": 6})
    assert exc.value.field == "pain_context"


def test_a_stale_revision_is_refused(draft, world):
    assessment_update_draft(assessment=draft, by=world.ep.user, fields={"history": "First"})
    with pytest.raises(StaleRevision):
        assessment_update_draft(
            assessment=draft,
            by=world.physio.user,
            fields={"history": "Second"},
            expected_revision=0,
        )
    draft.refresh_from_db()
    assert draft.history == "First"


def test_findings_are_stored_per_side(draft, world):
    assessment_update_draft(
        assessment=draft,
        by=world.ep.user,
        findings={"dynamic_knee_valgus": ["right", "left"], "overpronation": []},
    )
    assert draft.findings == {"dynamic_knee_valgus": ["left", "right"]}
    with pytest.raises(DomainError):
        assessment_update_draft(assessment=draft, by=world.ep.user, findings={"limp": ["left"]})


# --- Sign -----------------------------------------------------------------------------


def test_signing_makes_the_assessment_read_only(draft, world):
    assessment_sign(assessment=draft, by=world.ep.user)
    assert draft.status == Assessment.Status.SIGNED
    assert draft.signed_by == world.ep.user
    assert draft.signed_at is not None
    with pytest.raises(AssessmentLocked):
        assessment_update_draft(assessment=draft, by=world.ep.user, fields={"history": "Later"})
    with pytest.raises(AssessmentLocked):
        assessment_sign(assessment=draft, by=world.ep.user)


def test_only_a_practitioner_of_the_clinic_can_sign(draft, world):
    for user in (world.admin, world.reception, world.outsider.user):
        with pytest.raises(DomainError, match="Only a practitioner"):
            assessment_sign(assessment=draft, by=user)
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT


def test_signing_needs_a_presenting_condition(world):
    bare = assessment_create(
        patient=world.patient, practitioner=world.ep, created_by=world.ep.user, assessed_on=TODAY
    )
    with pytest.raises(DomainError, match="presenting condition"):
        assessment_sign(assessment=bare, by=world.ep.user)


# --- Amend ----------------------------------------------------------------------------


@pytest.fixture
def signed(draft, world):
    assessment_update_draft(
        assessment=draft,
        by=world.ep.user,
        fields={"body_mass_kg": Decimal(70), "history": "Original"},
        results=_abduction(250, 180, lever=40),
        findings={"trunk_lean": ["left"]},
    )
    return assessment_sign(assessment=draft, by=world.ep.user)


def test_an_amendment_is_a_new_version_with_who_when_and_why(signed, world):
    amendment = assessment_amend(assessment=signed, by=world.physio.user, reason="Wrong side.")
    assert amendment.pk != signed.pk
    assert (amendment.chain, amendment.version, amendment.previous) == (signed.chain, 2, signed)
    assert amendment.amendment_reason == "Wrong side."
    assert amendment.created_by == world.physio.user
    assert amendment.status == Assessment.Status.DRAFT
    assert amendment.history == "Original"
    assert amendment.findings == {"trunk_lean": ["left"]}
    assert _values(amendment) == _values(signed)
    signed.refresh_from_db()
    assert signed.status == Assessment.Status.SIGNED  # until the amendment is signed


def test_signing_the_amendment_supersedes_the_previous_version(signed, world):
    amendment = assessment_amend(assessment=signed, by=world.ep.user, reason="Typo in force.")
    assessment_update_draft(
        assessment=amendment, by=world.ep.user, results=_abduction(260, 180, lever=40)
    )
    assessment_sign(assessment=amendment, by=world.ep.user)
    signed.refresh_from_db()
    assert signed.status == Assessment.Status.SUPERSEDED
    assert signed.superseded_at is not None
    assert _values(signed, derived=False)[("hhd_abduction", "left", "force_n")] == Decimal(250)
    assert list(Assessment.objects.filter(patient=world.patient).current()) == [amendment]
    with pytest.raises(AssessmentLocked):
        assessment_amend(assessment=signed, by=world.ep.user, reason="Again")


def test_an_amendment_needs_a_reason_and_only_one_at_a_time(signed, world):
    with pytest.raises(DomainError, match="why"):
        assessment_amend(assessment=signed, by=world.ep.user, reason="   ")
    assessment_amend(assessment=signed, by=world.ep.user, reason="First")
    with pytest.raises(DomainError, match="already in progress"):
        assessment_amend(assessment=signed, by=world.ep.user, reason="Second")
    assert Assessment.objects.filter(chain=signed.chain).count() == 2


def test_a_draft_is_edited_not_amended(draft, world):
    with pytest.raises(DomainError):
        assessment_amend(assessment=draft, by=world.ep.user, reason="No")


# --- The database's own rules --------------------------------------------------------


def _insert(**kw):
    with transaction.atomic():
        Measurement.objects.create(**kw)


@pytest.mark.parametrize(
    "row",
    [
        {"test": "trendelenburg", "side": "left", "measure": "time_held_s", "number": Decimal(31)},
        {"test": "trendelenburg", "side": "left", "measure": "time_held_s", "number": Decimal(-1)},
        {"test": "trendelenburg", "side": "", "measure": "time_held_s", "number": Decimal(10)},
        {"test": "trendelenburg", "side": "left", "measure": "support", "text": "crutch"},
        {"test": "trendelenburg", "side": "left", "measure": "nonsense", "number": Decimal(1)},
        {
            "test": "hhd_abduction",
            "side": "left",
            "measure": "force_n",
            "number": Decimal("1500.01"),
        },
        {"test": "hhd_abduction", "side": "left", "measure": "force_n", "text": "x"},
        {"test": "unknown", "side": "left", "measure": "force_n", "number": Decimal(1)},
        {"test": "hhd_abduction", "side": "up", "measure": "force_n", "number": Decimal(1)},
    ],
)
def test_the_database_refuses_a_recorded_value_outside_the_registry(draft, row):
    with pytest.raises(IntegrityError):
        _insert(assessment=draft, **row)


def test_the_database_accepts_a_value_inside_the_registry(draft):
    _insert(
        assessment=draft,
        test="trendelenburg",
        side="left",
        measure="time_held_s",
        number=Decimal(30),
    )
    _insert(assessment=draft, test="hhd_abduction", side="", measure="position", text="supine")
    assert draft.measurements.count() == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"pain_nprs": 11, "pain_context": "now"},
        {"pain_nprs": 3},
        {"body_mass_kg": Decimal("19.9")},
        {"body_mass_kg": Decimal("350.1")},
        {"red_flags": ["fracture"]},
        {"status": "signed"},
        {"resting_sbp": 301},
    ],
)
def test_the_database_refuses_an_impossible_assessment(draft, changes):
    for name, value in changes.items():
        setattr(draft, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


def test_the_database_allows_one_draft_per_chain(signed, world):
    assessment_amend(assessment=signed, by=world.ep.user, reason="One")
    signed.status, signed.signed_by, signed.signed_at = "draft", None, None
    with pytest.raises(IntegrityError), transaction.atomic():
        signed.save()
