"""The test and measure codes the rules core reads beyond the assessment battery: the falls
and function tests (CLINICAL.md §12) and the ACL return-to-sport battery (§13). Pure data.

The battery's own tests and fields (`prescriptions.assessments.battery`) are valid too;
the audit command's JSON Schema lists both (docs/suggest_programme.schema.json). The
assessment screens do not record these tests yet: a later UI slice adds them to the
battery with these codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    unit: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # a choice measure's allowed values
    integer: bool = False


@dataclass(frozen=True)
class TestCodes:
    name: str
    sided: bool
    measures: Mapping[str, Measure]
    section: str

    __test__ = False  # not a pytest test class


TESTS: Mapping[str, TestCodes] = {
    "chair_stand": TestCodes(
        "30-second chair stand (STEADI): full stands, arms used = 0",
        False,
        {"reps": Measure("stands", 0, 60, integer=True)},
        "§12.1",
    ),
    "timed_up_and_go": TestCodes(
        "Timed Up and Go, usual aid, to 0.1 s",
        False,
        {"time_s": Measure("s", 0, 300)},
        "§12.2",
    ),
    "four_stage_balance": TestCodes(
        "4-stage balance test: best stage completed (1 feet together, 2 semi-tandem, "
        "3 tandem, 4 single leg) and seconds held at the failed stage",
        False,
        {
            "stage": Measure("stage", 0, 4, integer=True),
            "failed_stage_s": Measure("s", 0, 10),
        },
        "§12.3",
    ),
    "gait_speed": TestCodes(
        "Usual gait speed over 4 m (or 10 m), mean of 2 trials",
        False,
        {"m_per_s": Measure("m/s", 0, 3)},
        "§12.5",
    ),
    "six_minute_walk": TestCodes(
        "6-minute walk distance",
        False,
        {"distance_m": Measure("m", 0, 1200)},
        "§12.6",
    ),
    "single_hop": TestCodes(
        "Single hop for distance, per leg", True, {"distance_cm": Measure("cm", 0, 400)}, "§13.1"
    ),
    "triple_hop": TestCodes(
        "Triple hop for distance, per leg", True, {"distance_cm": Measure("cm", 0, 1200)}, "§13.1"
    ),
    "crossover_hop": TestCodes(
        "Crossover hop for distance, per leg",
        True,
        {"distance_cm": Measure("cm", 0, 1200)},
        "§13.1",
    ),
    "timed_hop_6m": TestCodes(
        "6-m timed hop, per leg", True, {"time_s": Measure("s", 0, 30)}, "§13.1"
    ),
    "quadriceps_strength": TestCodes(
        "Quadriceps strength, isometric or isokinetic, per leg (record the device and angle)",
        True,
        {"torque_nm": Measure("N·m", 0, 1000), "force_n": Measure("N", 0, 3000)},
        "§13.1",
    ),
    "kos_adls": TestCodes(
        "KOS-ADLS questionnaire", False, {"percent": Measure("%", 0, 100)}, "§13.1"
    ),
    "global_rating": TestCodes(
        "Global Rating Scale of function", False, {"score": Measure("/100", 0, 100)}, "§13.1"
    ),
    "acl_rsi": TestCodes(
        "ACL-RSI (mean of the items, 0-100)", False, {"score": Measure("/100", 0, 100)}, "§13.2"
    ),
    "knee_effusion": TestCodes(
        "Knee effusion, stroke test",
        False,
        {"grade": Measure("grade", choices=("zero", "trace", "1+", "2+", "3+"))},
        "§8.4, §13.1",
    ),
    "knee_range": TestCodes(
        "Full knee range of motion", False, {"full": Measure("", choices=("yes", "no"))}, "§13.1"
    ),
}
"""Test codes -> their measures, beyond the assessment battery."""

EXTRA_FINDINGS = ("low_flexor_endurance", "poor_trunk_rotation_control")
"""Clinician's findings of §14.2 the case format accepts beside vocabulary.Finding."""
