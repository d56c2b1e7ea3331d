"""The ACL return-to-sport battery (CLINICAL.md §13) and the hip-strength cut-offs in
their context (§13.3). Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest

from prescriptions.rules.acl import hip_strength_flag, limb_symmetry, rts_flag, rts_rows

SURGERY = date(2025, 1, 10)


def sides(test, measure, involved, uninvolved):
    return {(test, "left", measure): involved, (test, "right", measure): uninvolved}


def battery(quad=92, hops=(95, 91, 89, 93), kos=94, grs=92):
    values = {}
    values.update(sides("quadriceps_strength", "torque_nm", quad, 100))
    for (test, measure), lsi in zip(
        [
            ("single_hop", "distance_cm"),
            ("triple_hop", "distance_cm"),
            ("crossover_hop", "distance_cm"),
        ],
        hops[:3],
        strict=True,
    ):
        values.update(sides(test, measure, lsi, 100))
    # timed hop: uninvolved ÷ involved time, higher is better
    values.update(sides("timed_hop_6m", "time_s", round(100 / hops[3] * 2.0, 4), 2.0))
    values.update(
        {
            ("kos_adls", "", "percent"): kos,
            ("global_rating", "", "score"): grs,
            ("knee_effusion", "", "grade"): "zero",
            ("knee_range", "", "full"): "yes",
        }
    )
    return values


def test_worked_case_10_months_with_crossover_89_is_not_met():
    flag = rts_flag(battery(), involved="left", surgery_on=SURGERY, on_date=date(2025, 11, 12))
    assert flag.severity == "precaution"
    assert flag.findings == ("crossover hop for distance LSI 89%",)


def test_every_row_passing_meets_the_criteria():
    flag = rts_flag(
        battery(hops=(95, 91, 90, 93)),
        involved="left",
        surgery_on=SURGERY,
        on_date=date(2025, 11, 12),
    )
    assert flag.severity == "info" and "met on every row" in flag.message


@pytest.mark.parametrize(("on", "passed"), [(date(2025, 10, 9), False), (date(2025, 10, 10), True)])
def test_nine_months_to_the_day(on, passed):
    rows = rts_rows(battery(), involved="left", surgery_on=SURGERY, on_date=on)
    assert rows[0].passed is passed


@pytest.mark.parametrize(("score", "passed"), [(89.9, False), (90, True)])
def test_kos_adls_and_grs_pass_at_90(score, passed):
    rows = rts_rows(
        battery(kos=score, grs=score), involved="left", surgery_on=SURGERY, on_date=date(2026, 1, 1)
    )
    assert {r.name: r.passed for r in rows}["KOS-ADLS"] is passed
    assert {r.name: r.passed for r in rows}["Global Rating Scale"] is passed


def test_missing_rows_are_listed_and_never_count_as_passed():
    flag = rts_flag({}, involved="left", surgery_on=None, on_date=date(2026, 1, 1))
    assert flag.severity == "precaution"
    assert "time since surgery" in flag.message and "not tested" in flag.message


def test_timed_hop_lsi_is_uninvolved_over_involved_time():
    values = sides("timed_hop_6m", "time_s", 2.5, 2.0)  # involved slower
    assert limb_symmetry(values, "timed_hop_6m", "time_s", "left", lower_is_better=True) == 80.0
    assert limb_symmetry(values, "timed_hop_6m", "time_s", None, lower_is_better=True) == 80.0


@pytest.mark.parametrize(
    ("pct", "position", "screening", "post_aclr", "flagged"),
    [
        (35.4, "side_lying", True, False, True),
        (35.5, "side_lying", True, False, False),
        (30, "supine", True, False, False),  # not the paper's position
        (32.9, "supine", False, True, True),  # after ACLR: under 33 %BW
        (33, "supine", False, True, False),
        (20, "side_lying", False, False, False),  # not an ACL context at all
    ],
)
def test_acl_hip_strength_only_in_its_context(pct, position, screening, post_aclr, flagged):
    flag = hip_strength_flag(
        {("hhd_abduction", "left"): pct},
        positions={"hhd_abduction": position},
        screening=screening,
        post_aclr=post_aclr,
    )
    assert (flag is not None) is flagged
