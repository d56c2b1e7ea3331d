"""Post-operative rules (CLINICAL.md §10): THA precautions by approach and weeks, the
conflict matrix, ACL reconstruction restrictions, the stop signs and the injection
precaution, in the rules and in the builder's warnings. Pure: no database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from prescriptions.library.shipped import default_library
from prescriptions.rules.conflicts import Severity, item_conflicts, programme_conflicts
from prescriptions.rules.postop import (
    CONFLICT_MATRIX,
    Approach,
    Graft,
    Procedure,
    Surgery,
    Verdict,
    checklist_until,
    restriction,
    tha_precautions_active,
    weeks_left,
)

DAY = date(2026, 12, 3)
LIB = default_library()


def tha(approach=Approach.POSTERIOR, weeks=3, **kw):
    return Surgery(
        Procedure.TOTAL_HIP_ARTHROPLASTY,
        on=DAY - timedelta(weeks=weeks),
        side="left",
        approach=approach,
        **kw,
    )


def aclr(graft=Graft.HAMSTRING, weeks=6):
    return Surgery(Procedure.ACL_RECONSTRUCTION, on=DAY - timedelta(weeks=weeks), graft=graft)


def verdict(slug, surgery, **kw):
    found = restriction(slug, surgery, DAY, **kw)
    return None if found is None else found.verdict


# --- THA ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "posterior", "anterior", "lateral"),
    [
        ("clam", Verdict.BLOCK, Verdict.MODIFY, Verdict.BLOCK),
        ("side-lying-hip-abduction", Verdict.MODIFY, Verdict.MODIFY, Verdict.BLOCK),
        ("side-plank", Verdict.BLOCK, Verdict.BLOCK, Verdict.BLOCK),
        ("prone-hip-extension", Verdict.OK, Verdict.BLOCK, Verdict.OK),
        ("glute-bridge", Verdict.OK, Verdict.MODIFY, Verdict.OK),
        ("sit-to-stand", Verdict.MODIFY, Verdict.OK, Verdict.MODIFY),
        ("lunge", Verdict.MODIFY, Verdict.BLOCK, Verdict.MODIFY),
        ("forward-step-up", Verdict.MODIFY, Verdict.OK, Verdict.MODIFY),
        ("hip-hitch", Verdict.BLOCK, Verdict.MODIFY, Verdict.BLOCK),
        ("kettlebell-swing", Verdict.BLOCK, Verdict.MODIFY, Verdict.BLOCK),
        ("supine-isometric-hip-abduction", Verdict.OK, Verdict.OK, Verdict.BLOCK),
    ],
)
def test_the_conflict_matrix_by_approach(slug, posterior, anterior, lateral):
    for approach, expected in (
        (Approach.POSTERIOR, posterior),
        (Approach.ANTERIOR, anterior),
        (Approach.LATERAL, lateral),
    ):
        assert verdict(slug, tha(approach)) == expected, (slug, approach)


def test_an_unknown_approach_takes_the_strictest_verdict():
    assert verdict("prone-hip-extension", tha(None)) == Verdict.BLOCK  # anterior's
    assert verdict("glute-bridge", tha(None)) == Verdict.MODIFY
    found = restriction("clam", tha(None), DAY)
    assert "unknown" in found.reason


@pytest.mark.parametrize(("days", "expected"), [(41, Verdict.BLOCK), (42, Verdict.OK)])
def test_band_abduction_starts_6_weeks_after_a_posterior_tha(days, expected):
    surgery = Surgery(
        Procedure.TOTAL_HIP_ARTHROPLASTY, on=DAY - timedelta(days=days), approach=Approach.POSTERIOR
    )
    assert verdict("lateral-band-walk", surgery) == expected
    assert (
        verdict("lateral-band-walk", Surgery(**{**surgery.__dict__, "approach": Approach.LATERAL}))
        == Verdict.BLOCK
    )


def test_precautions_last_until_cleared_and_count_down_12_weeks():
    assert tha_precautions_active(tha(weeks=3), DAY)
    assert weeks_left(tha(weeks=3), DAY) == 9
    assert weeks_left(tha(weeks=13), DAY) == 0
    assert tha_precautions_active(tha(weeks=13), DAY)  # never lifted by the calendar alone
    cleared = tha(weeks=8, precautions_cleared_on=DAY - timedelta(days=1))
    assert not tha_precautions_active(cleared, DAY)
    assert verdict("clam", cleared) is None
    tomorrow = tha(weeks=8, precautions_cleared_on=DAY + timedelta(days=1))
    assert tha_precautions_active(tomorrow, DAY)


def test_every_matrix_slug_is_a_library_slug_or_one_still_to_ship():
    shipped = {e.slug for e in LIB.exercises}
    coming = {
        "clam-in-hip-extension",
        "assisted-sit-to-stand",
        "lateral-lunge",
        "curtsy-lunge",
        "romanian-deadlift",
        "stationary-cycling",
        "copenhagen-plank-short-lever",
        "copenhagen-plank-long-lever",
    }
    for row in CONFLICT_MATRIX:
        for slug in row.slugs:
            assert slug in shipped or slug in coming, slug


# --- ACL reconstruction ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("graft", "weeks", "expected"),
    [
        (Graft.HAMSTRING, 7, Verdict.BLOCK),
        (Graft.HAMSTRING, 8, None),
        (None, 7, Verdict.BLOCK),  # graft not recorded: the hamstring rules, the safer default
        (Graft.PATELLAR_TENDON, 3, None),
    ],
)
def test_hamstring_graft_no_resisted_knee_flexion_before_8_weeks(graft, weeks, expected):
    assert verdict("single-leg-bridge-heel-on-box", aclr(graft, weeks)) == expected


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [(3, Verdict.BLOCK), (4, Verdict.MODIFY), (11, Verdict.MODIFY), (12, None)],
)
def test_open_chain_knee_extension_by_week(weeks, expected):
    assert verdict("knee-extension", aclr(Graft.PATELLAR_TENDON, weeks)) == expected


@pytest.mark.parametrize(
    ("slug", "phase", "expected"),
    [
        ("drop-landing", 3, Verdict.BLOCK),
        ("drop-landing", 4, None),
        ("hop-and-stick", 4, Verdict.BLOCK),
        ("hop-and-stick", 5, None),
        ("lateral-bound", None, Verdict.BLOCK),
    ],
)
def test_impact_work_waits_for_its_phase(slug, phase, expected):
    assert verdict(slug, aclr(Graft.PATELLAR_TENDON, 30), phase=phase) == expected


@pytest.mark.parametrize(("phase", "expected"), [(4, Verdict.BLOCK), (5, None)])
def test_after_a_hamstring_graft_the_nordic_waits_for_the_late_phase(phase, expected):
    assert verdict("nordic-hamstring", aclr(Graft.HAMSTRING, 30), phase=phase) == expected


# --- Stop signs and the injection precaution ---------------------------------------------


def test_recent_injection_or_surgery_is_a_precaution_not_a_stop():
    # Issue 12 point 4: it used to stop every post-operative patient.
    conflicts = programme_conflicts(red_flags=["recent_injection"])
    assert [c.severity for c in conflicts] == [Severity.WARNING]
    assert "Precaution, not a stop" in conflicts[0].text


@pytest.mark.parametrize("sign", ["fever", "wound_red_or_discharging", "calf_swelling"])
def test_a_stop_sign_stops(sign):
    conflicts = programme_conflicts(red_flags=["recent_injection"], signs=[sign])
    assert conflicts[0].severity == Severity.STOP
    assert conflicts[0].text.startswith("Stop signs:")


def test_chest_pain_or_breathlessness_means_call_000():
    conflicts = programme_conflicts(red_flags=[], signs=["breathlessness"])
    assert conflicts[0].severity == Severity.STOP and "call 000" in conflicts[0].text


def test_the_checklist_runs_6_weeks_after_surgery_and_2_after_an_injection():
    surgery = tha(weeks=0)
    assert checklist_until(surgery=surgery, injection_on=None) == DAY + timedelta(weeks=6)
    assert checklist_until(surgery=None, injection_on=DAY) == DAY + timedelta(weeks=2)
    assert checklist_until(surgery=None, injection_on=None) is None


# --- The builder's warnings ---------------------------------------------------------------


def test_the_builder_warns_with_the_reason_when_an_exercise_breaks_a_precaution():
    clam = item_conflicts(
        LIB.exercise("clam"), goal="strength", conditions=["tha"], surgery=tha(), on_date=DAY
    )
    warning = [c for c in clam if c.severity == Severity.WARNING]
    assert len(warning) == 1
    assert "posterior approach" in warning[0].text and "adduction" in warning[0].text
    squat = item_conflicts(
        LIB.exercise("sit-to-stand"), goal="strength", conditions=[], surgery=tha(), on_date=DAY
    )
    assert [c.severity for c in squat] == [Severity.CAUTION]
    assert "90°" in squat[0].text


def test_the_programme_warning_names_the_approach_and_the_weeks_left():
    conflicts = programme_conflicts(red_flags=[], surgery=tha(), on_date=DAY)
    assert conflicts[0].severity == Severity.WARNING
    text = conflicts[0].text
    assert "posterior approach" in text and "9 weeks left" in text
    assert "no hip flexion past 90°" in text
    assert "CLINICAL" not in text and "§" not in text
