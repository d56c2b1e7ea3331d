"""Derived values and threshold flags against the worked examples of CLINICAL.md §1
(the thresholds are rules: prescriptions/rules/thresholds.py).

Pure functions: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from prescriptions.assessments import battery, derived
from prescriptions.assessments.derived import Inputs
from prescriptions.rules import thresholds
from prescriptions.rules.thresholds import evaluate


def _inputs(values, tests=None, **kw):
    tests = tests if tests is not None else sorted({k[0] for k in values})
    return Inputs(values=values, battery=battery.ordered(tests), **kw)


def _derived(result, test, side, name):
    return next((d.value for d in result if (d.test, d.side, d.field) == (test, side, name)), None)


def _flag_codes(flags, side=None):
    return [f.code for f in flags if side is None or f.side == side]


# --- Formulas: the worked examples -----------------------------------------------------


def test_percent_body_weight_of_the_worked_example_is_36_4():
    # 70 kg, abduction 250 N -> 250 / 686.7 x 100 = 36.4 %BW (§1.6)
    assert derived.round_to(derived.percent_body_weight(Decimal(250), Decimal(70)), 1) == Decimal(
        "36.4"
    )


def test_torque_per_kg_of_the_worked_example_is_1_43():
    # lever 0.40 m -> 100 N·m -> 1.43 N·m/kg (§1.6)
    assert derived.torque_nm(Decimal(250), Decimal("0.40")) == Decimal("100.00")
    assert derived.round_to(
        derived.torque_per_kg(Decimal(250), Decimal("0.40"), Decimal(70)), 2
    ) == Decimal("1.43")


def test_limb_symmetry_index_of_the_worked_example_is_81_8():
    assert derived.round_to(derived.limb_symmetry_index(Decimal(180), Decimal(220)), 1) == Decimal(
        "81.8"
    )


def test_limb_symmetry_index_is_none_when_the_other_side_is_zero():
    assert derived.limb_symmetry_index(Decimal(10), Decimal(0)) is None


def test_y_balance_composite_of_the_worked_example_is_96_3():
    composite = derived.y_balance_composite(Decimal(65), Decimal(100), Decimal(95), Decimal(90))
    assert derived.round_to(composite, 1) == Decimal("96.3")


def test_side_bridge_ratio_of_the_worked_example_is_0_80():
    assert derived.round_to(derived.ratio(Decimal(60), Decimal(75)), 2) == Decimal("0.80")


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "good"), (1, "good"), (2, "moderate"), (3, "moderate"), (4, "poor"), (6, "poor")],
)
def test_step_down_classes_follow_piva(score, expected):
    assert derived.step_down_class(score) == expected


def test_step_down_score_adds_two_for_a_knee_medial_to_the_foot():
    assert (
        derived.step_down_score(arm=True, trunk=False, pelvis=True, knee="foot", unsteady=False)
        == 4
    )
    assert (
        derived.step_down_score(arm=False, trunk=False, pelvis=False, knee="none", unsteady=False)
        == 0
    )


@pytest.mark.parametrize(
    ("time", "response", "expected"),
    [
        (Decimal(30), "elevates", "negative"),
        (Decimal("12.5"), "elevates", "positive_delayed"),
        (Decimal(30), "level", "positive"),
        (Decimal(30), "drops", "positive"),
        (Decimal(0), None, "zero_time"),
        (None, "elevates", None),
        (Decimal(20), None, None),
    ],
)
def test_trendelenburg_result_follows_hardcastle_and_nade(time, response, expected):
    assert derived.trendelenburg_result(time, response) == expected


@pytest.mark.parametrize(
    ("nprs", "location", "expected"),
    [
        (Decimal(2), "lateral_hip", "positive"),
        (Decimal(1), "lateral_hip", "negative"),
        (Decimal(6), "groin", "negative"),
        (Decimal(6), None, None),
        (None, "lateral_hip", None),
    ],
)
def test_thirty_second_stance_is_positive_with_lateral_hip_pain_of_two_or_more(
    nprs, location, expected
):
    assert derived.sls_pain_result(nprs, location) == expected


def test_sij_cluster_needs_three_of_five_or_two_of_four_without_gaenslen():
    five = dict.fromkeys(derived.SIJ_TESTS, "no_pain")
    assert derived.sij_cluster({**five, "distraction": "pain", "compression": "pain"}) == (
        2,
        "negative",
    )
    three = {**five, "distraction": "pain", "compression": "pain", "thigh_thrust": "pain"}
    assert derived.sij_cluster(three) == (3, "positive")
    four = {k: v for k, v in five.items() if k != "gaenslen"}
    assert derived.sij_cluster({**four, "distraction": "pain", "sacral_thrust": "pain"}) == (
        2,
        "positive",
    )
    assert derived.sij_cluster({"distraction": "pain"}) == (1, None)


@pytest.mark.parametrize(
    ("reps", "expected"), [(19, "poor"), (20, "average"), (30, "average"), (31, "good")]
)
def test_single_leg_bridge_classes_follow_freckleton(reps, expected):
    assert derived.bridge_class(reps) == expected


# --- Evaluating an assessment ----------------------------------------------------------


def test_hhd_values_are_derived_per_side_with_lsi_on_torque():
    values = {
        ("hhd_abduction", "left", "force_n"): Decimal(250),
        ("hhd_abduction", "left", "lever_arm_cm"): Decimal(40),
        ("hhd_abduction", "right", "force_n"): Decimal(180),
        ("hhd_abduction", "right", "lever_arm_cm"): Decimal(40),
    }
    result, _ = evaluate(_inputs(values, body_mass_kg=Decimal(70), involved_side="right"))
    assert _derived(result, "hhd_abduction", "left", "pct_bw") == Decimal("36.4")
    assert _derived(result, "hhd_abduction", "left", "torque_nm") == Decimal("100.0")
    assert _derived(result, "hhd_abduction", "left", "nm_per_kg") == Decimal("1.43")
    assert _derived(result, "hhd_abduction", "", "lsi") == Decimal("72.0")
    lsi = next(d for d in result if d.field == "lsi")
    assert lsi.note == "involved (right) ÷ uninvolved (left), on torque"
    assert lsi.unit == "%"


def test_lsi_is_weaker_over_stronger_on_force_without_an_affected_side_or_lever_arms():
    values = {
        ("hhd_extension", "left", "force_n"): Decimal(220),
        ("hhd_extension", "right", "force_n"): Decimal(180),
    }
    result, flags = evaluate(_inputs(values, involved_side="both"))
    assert _derived(result, "hhd_extension", "", "lsi") == Decimal("81.8")
    assert next(d for d in result if d.field == "lsi").note == "weaker ÷ stronger, on force"
    assert _derived(result, "hhd_extension", "left", "pct_bw") is None  # no body mass
    assert "hhd_extension_lsi_below_90" in _flag_codes(flags)


ACL_SCREENING = {
    "conditions": frozenset({"acl"}),
    "body_mass_kg": Decimal(70),
}


def test_abduction_at_35_4_percent_bw_is_flagged_and_just_above_is_not():
    # 35.4 %BW exactly at 70 kg: 243.1 N -> 35.40 %BW; 244 N -> 35.53 %BW. Khayambashi's
    # cut-off applies to ACL-injury-risk screening in the paper's side-lying position.
    side_lying = {("hhd_abduction", "", "position"): "side_lying"}
    at = {("hhd_abduction", "left", "force_n"): Decimal("243.1"), **side_lying}
    above = {("hhd_abduction", "left", "force_n"): Decimal("244"), **side_lying}
    _, flags_at = evaluate(_inputs(at, **ACL_SCREENING))
    _, flags_above = evaluate(_inputs(above, **ACL_SCREENING))
    flag = next(f for f in flags_at if f.code == "abduction_bw_acl_risk")
    assert flag.side == "left"
    assert flag.value == "35.4 %BW"
    assert "Khayambashi 2016" in flag.source
    assert "abduction_bw_acl_risk" not in _flag_codes(flags_above)


@pytest.mark.parametrize(
    ("conditions", "position", "surgery", "flagged"),
    [
        (frozenset({"acl"}), "side_lying", "", True),
        (frozenset({"acl"}), "supine", "", False),  # ~30% apart from side-lying (§1.6)
        (frozenset({"acl"}), None, "", False),  # position unknown: not the paper's protocol
        (frozenset({"lateral_hip"}), "side_lying", "", False),  # not an ACL context
        (frozenset(), "side_lying", "", False),
        (frozenset({"acl"}), "side_lying", "acl_reconstruction", False),  # post-ACLR: LSI
    ],
)
def test_khayambashi_applies_only_to_acl_injury_risk_screening_in_its_position(
    conditions, position, surgery, flagged
):
    # Issue 12 point 6 and CLINICAL.md §13.3 (correcting §1.6): 29.1 %BW at 70 kg.
    values = {("hhd_abduction", "left", "force_n"): Decimal(200)}
    if position:
        values[("hhd_abduction", "", "position")] = position
    _, flags = evaluate(
        _inputs(values, body_mass_kg=Decimal(70), conditions=conditions, surgery_procedure=surgery)
    )
    assert ("abduction_bw_acl_risk" in _flag_codes(flags)) is flagged


def test_the_post_aclr_abduction_flag_needs_the_acl_context():
    values = {("hhd_abduction", "left", "force_n"): Decimal(200)}  # 29.1 %BW at 70 kg
    _, without = evaluate(_inputs(values, body_mass_kg=Decimal(70)))
    _, with_acl = evaluate(_inputs(values, body_mass_kg=Decimal(70), conditions=frozenset({"acl"})))
    _, after_aclr = evaluate(
        _inputs(values, body_mass_kg=Decimal(70), surgery_procedure="acl_reconstruction")
    )
    _, after_tha = evaluate(
        _inputs(
            values,
            body_mass_kg=Decimal(70),
            conditions=frozenset({"acl"}),
            surgery_procedure="total_hip_arthroplasty",
        )
    )
    assert "abduction_bw_aclr" not in _flag_codes(without)
    assert "abduction_bw_aclr" in _flag_codes(with_acl)
    assert "abduction_bw_aclr" in _flag_codes(after_aclr)
    assert "abduction_bw_aclr" not in _flag_codes(after_tha)


def test_external_rotation_at_or_below_20_3_percent_bw_is_flagged_when_tested_prone():
    values = {
        ("hhd_external_rotation", "right", "force_n"): Decimal(139),  # 20.2 %BW at 70 kg
        ("hhd_external_rotation", "", "position"): "prone",
    }
    _, flags = evaluate(_inputs(values, **ACL_SCREENING))
    assert _flag_codes(flags, "right") == ["external_rotation_bw_acl_risk"]
    seated = {**values, ("hhd_external_rotation", "", "position"): "seated"}
    assert _flag_codes(evaluate(_inputs(seated, **ACL_SCREENING))[1], "right") == []


@pytest.mark.parametrize(
    ("conditions", "source"),
    [
        (frozenset({"acl"}), "ACL return-to-sport batteries"),
        (frozenset({"lateral_hip"}), "Side-to-side comparison"),
        (frozenset({"thr"}), "Side-to-side comparison"),
    ],
)
def test_the_acl_lsi_citation_shows_only_for_acl_patients(conditions, source):
    values = {
        ("hhd_abduction", "left", "force_n"): Decimal(250),
        ("hhd_abduction", "right", "force_n"): Decimal(180),
    }
    _, flags = evaluate(_inputs(values, conditions=conditions, involved_side="right"))
    lsi = [f for f in flags if f.code == "hhd_abduction_lsi_below_90"]
    assert len(lsi) == 1
    assert lsi[0].source.startswith(source)
    if "acl" not in conditions:
        assert "ACL" not in lsi[0].source and "ACL" not in lsi[0].meaning


@pytest.mark.parametrize(
    ("age", "time", "eyes", "flagged"),
    [
        (70, "4.9", None, True),
        (70, "5", None, False),
        (60, "4.9", "open", True),
        (59, "4.9", "open", False),  # Vellas followed people of 60 and older
        (70, "3", "closed", False),  # eyes closed: far shorter by nature
        (None, "3", None, False),
    ],
)
def test_single_leg_stance_under_5_s_is_a_falls_risk_from_60(age, time, eyes, flagged):
    values = {("unipedal_stance", "left", "time_s"): Decimal(time)}
    if eyes:
        values[("unipedal_stance", "", "eyes")] = eyes
    _, flags = evaluate(_inputs(values, age=age))
    assert ("unipedal_stance_falls_risk" in _flag_codes(flags)) is flagged


def test_lsi_below_90_is_flagged_and_90_is_not():
    def lsi_flags(left, right):
        values = {
            ("single_leg_bridge", "left", "reps"): Decimal(left),
            ("single_leg_bridge", "right", "reps"): Decimal(right),
        }
        return [c for c in _flag_codes(evaluate(_inputs(values))[1]) if "lsi" in c]

    assert lsi_flags(27, 30) == []  # 90.0%
    assert lsi_flags(26, 30) == ["single_leg_bridge_lsi_below_90"]  # 86.7%


def test_y_balance_worked_example_flags_the_5_cm_anterior_asymmetry_only():
    values = {}
    for side, anterior in (("right", 65), ("left", 70)):
        values |= {
            ("y_balance", side, "limb_length_cm"): Decimal(90),
            ("y_balance", side, "anterior_cm"): Decimal(anterior),
            ("y_balance", side, "posteromedial_cm"): Decimal(100),
            ("y_balance", side, "posterolateral_cm"): Decimal(95),
        }
    result, flags = evaluate(_inputs(values))
    assert _derived(result, "y_balance", "right", "composite") == Decimal("96.3")
    assert _derived(result, "y_balance", "", "anterior_diff") == Decimal("5.0")
    assert _flag_codes(flags) == ["y_balance_anterior_asymmetry"]


def test_y_balance_composite_below_94_is_flagged():
    values = {
        ("y_balance", "left", "limb_length_cm"): Decimal(90),
        ("y_balance", "left", "anterior_cm"): Decimal(60),
        ("y_balance", "left", "posteromedial_cm"): Decimal(95),
        ("y_balance", "left", "posterolateral_cm"): Decimal(90),
    }
    result, flags = evaluate(_inputs(values))
    assert _derived(result, "y_balance", "left", "composite") == Decimal("90.7")
    assert _flag_codes(flags) == ["y_balance_composite_low"]


def test_side_bridge_worked_example_flags_the_asymmetry():
    values = {
        ("side_bridge", "right", "side_bridge_s"): Decimal(60),
        ("side_bridge", "left", "side_bridge_s"): Decimal(75),
    }
    result, flags = evaluate(_inputs(values))
    assert _derived(result, "side_bridge", "", "ratio_r_l") == Decimal("0.80")
    assert _flag_codes(flags) == ["side_bridge_asymmetry"]
    assert flags[0].value == "0.80"


def test_side_bridge_extension_ratios_need_the_extensor_hold():
    values = {
        ("side_bridge", "right", "side_bridge_s"): Decimal(94),
        ("side_bridge", "left", "side_bridge_s"): Decimal(97),
        ("side_bridge", "", "extensor_s"): Decimal(146),
        ("side_bridge", "", "flexor_s"): Decimal(150),
    }
    result, flags = evaluate(_inputs(values))
    assert _derived(result, "side_bridge", "", "flexion_extension") == Decimal("1.03")
    assert _derived(result, "side_bridge", "left", "side_extension") == Decimal("0.66")
    assert _flag_codes(flags) == ["flexion_extension_high"]


def test_step_down_total_comes_from_the_items_or_the_entered_score():
    values = {
        ("lateral_step_down", "left", "arm"): "yes",
        ("lateral_step_down", "left", "trunk"): "no",
        ("lateral_step_down", "left", "pelvis"): "yes",
        ("lateral_step_down", "left", "knee"): "foot",
        ("lateral_step_down", "left", "unsteady"): "no",
        ("lateral_step_down", "right", "score"): Decimal(1),
    }
    result, flags = evaluate(_inputs(values))
    assert _derived(result, "lateral_step_down", "left", "total") == Decimal(4)
    assert _derived(result, "lateral_step_down", "left", "class") == "poor"
    assert _derived(result, "lateral_step_down", "right", "class") == "good"
    assert _flag_codes(flags) == ["lateral_step_down_poor"]
    assert flags[0].value == "4/6"


def test_fppa_is_flagged_against_the_chosen_reference_and_the_side_difference():
    values = {
        ("single_leg_squat", "left", "fppa_deg"): Decimal(14),
        ("single_leg_squat", "right", "fppa_deg"): Decimal("7.5"),
    }
    result, female = evaluate(_inputs(values, reference_sex="female"))
    _, male = evaluate(_inputs(values, reference_sex="male"))
    _, unknown = evaluate(_inputs(values))
    assert _derived(result, "single_leg_squat", "", "fppa_diff") == Decimal("6.5")
    assert _flag_codes(female) == ["fppa_above_female_reference", "fppa_side_difference"]
    assert _flag_codes(male) == ["fppa_above_male_reference", "fppa_side_difference"]
    assert _flag_codes(unknown) == ["fppa_side_difference"]
    assert female[0].value == "14.0°"
    assert "derived rule" in female[0].source


def test_fppa_13_5_degrees_is_not_above_the_female_reference():
    values = {("single_leg_squat", "left", "fppa_deg"): Decimal("13.5")}
    _, flags = evaluate(_inputs(values, reference_sex="female"))
    assert flags == []


def test_test_results_raise_flags_with_their_labels():
    values = {
        ("trendelenburg", "left", "time_held_s"): Decimal(12),
        ("trendelenburg", "left", "pelvic_response"): "elevates",
        ("trendelenburg", "right", "time_held_s"): Decimal(30),
        ("trendelenburg", "right", "pelvic_response"): "elevates",
        ("sls_pain", "right", "pain_nprs"): Decimal(4),
        ("sls_pain", "right", "pain_location"): "lateral_hip",
        ("lateral_hip_provocation", "right", "palpation"): "yes",
        ("hip_hang", "right", "hangs"): "yes",
    }
    result, flags = evaluate(_inputs(values))
    assert _derived(result, "trendelenburg", "right", "result") == "negative"
    assert [(f.code, f.side, f.value) for f in flags] == [
        ("trendelenburg_positive", "left", "Positive, delayed"),
        ("sls_pain_positive", "right", "Positive"),
        ("lateral_hip_cluster_met", "right", "Met"),
        ("hangs_into_hip", "right", "Yes"),
    ]


def test_a_flag_is_only_raised_for_tests_in_the_battery():
    values = {("hhd_abduction", "left", "force_n"): Decimal(100)}
    _, flags = evaluate(Inputs(values=values, battery=[], body_mass_kg=Decimal(70)))
    assert flags == []


def test_blood_pressure_flags_and_stops():
    def codes(sbp, dbp, hr=None):
        inputs = Inputs(
            values={},
            battery=[],
            assessment_values={"resting_sbp": sbp, "resting_dbp": dbp, "resting_hr": hr},
        )
        return [(f.code, f.severity) for f in evaluate(inputs)[1]]

    assert codes(Decimal(179), Decimal(99)) == []
    assert codes(Decimal(180), Decimal(90)) == [("resting_sbp_high", "flag")]
    assert codes(Decimal(150), Decimal(112), Decimal(101)) == [
        ("resting_dbp_stop", "stop"),
        ("resting_hr_high", "flag"),
    ]
    assert codes(Decimal(205), Decimal(100)) == [
        ("resting_dbp_high", "flag"),
        ("resting_sbp_stop", "stop"),
    ]


def test_flag_wording_is_never_a_diagnosis():
    for threshold in thresholds.THRESHOLDS:
        text = f"{threshold.label} {threshold.meaning}".lower()
        assert "diagnos" not in text or "not" in text, threshold.code
        assert threshold.source.cite and threshold.source.section.startswith("§")


# --- The registry ----------------------------------------------------------------------


def test_every_threshold_names_a_measure_its_test_has():
    for threshold in thresholds.THRESHOLDS:
        if threshold.test == derived.ASSESSMENT:
            assert threshold.measure in thresholds.ASSESSMENT_UNITS
            continue
        assert battery.TESTS[threshold.test].spec(threshold.measure) is not None, threshold.code


def test_every_test_with_derived_values_has_a_deriver_and_the_reverse():
    with_derived = {t.code for t in battery.TESTS_IN_ORDER if t.derived}
    assert with_derived == set(derived.DERIVERS)


def test_figures_marked_m_are_kept_as_unverified_references_only():
    m_refs = [r for r in battery.REFERENCES if r.source.evidence == "M"]
    assert {r.test for r in m_refs} >= {"unipedal_stance", "single_leg_squat", "side_bridge"}
    assert all(t.source.evidence != "M" for t in thresholds.THRESHOLDS)


def test_conditions_preselect_the_section_1_12_battery():
    assert battery.battery_for_conditions(["lateral_hip"]) == [
        "trendelenburg",
        "sls_pain",
        "lateral_hip_provocation",
        "hhd_abduction",
        "hip_hang",
    ]
    both = battery.battery_for_conditions(["acl", "patellofemoral"])
    assert both == [
        "single_leg_squat",
        "lateral_step_down",
        "hhd_abduction",
        "hhd_extension",
        "hhd_external_rotation",
        "y_balance",
    ]
    assert battery.battery_for_conditions([]) == []
