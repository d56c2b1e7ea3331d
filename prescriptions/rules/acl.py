"""ACL return-to-sport battery (CLINICAL.md §13) and the ACL hip-strength cut-offs in
their own context (§13.3). Pure: plain values in, flags out.

Test and measure codes (documented in docs/suggest_programme.schema.json), per side:
`single_hop`/`distance_cm`, `triple_hop`/`distance_cm`, `crossover_hop`/`distance_cm`,
`timed_hop_6m`/`time_s`, `quadriceps_strength`/`torque_nm` (or `force_n`); for the test
as a whole: `kos_adls`/`percent`, `global_rating`/`score`, `acl_rsi`/`score` (0-100),
`knee_effusion`/`grade` (zero, trace, 1+, 2+, 3+) and `knee_range`/`full` (yes, no).
"""

# ruff: noqa: RUF001, RUF003 - clinical notation (÷, ×, ≥) is intended

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from prescriptions.rules.flags import Flag, Severity
from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source
from prescriptions.rules.stages import add_months

Values = Mapping[tuple[str, str, str], float | str]

HOP_TESTS = (
    ("single_hop", "distance_cm", "single hop for distance"),
    ("triple_hop", "distance_cm", "triple hop for distance"),
    ("crossover_hop", "distance_cm", "crossover hop for distance"),
    ("timed_hop_6m", "time_s", "6-m timed hop"),
)

_BATTERY = Source("Grindem 2016, BJSM 50:804; Delaware-Oslo criteria", "V", "§13.1")

RTS_MONTHS = Rule(
    "acl.rts_months",
    "Time since surgery",
    9,
    "Return to sport no earlier than 9 months after the reconstruction.",
    _BATTERY,
)
LSI_PASS = Rule(
    "acl.lsi_pass",
    "Limb symmetry",
    90.0,
    "Quadriceps strength and each of the 4 hop tests need a limb symmetry index of 90% or "
    "more: involved ÷ uninvolved × 100 (for the timed hop, uninvolved time ÷ involved time "
    "× 100, so higher is better). Without one involved side: weaker ÷ stronger.",
    _BATTERY,
    note="The timed-hop formula is [M]; the pass mark is [V].",
)
SCORE_PASS = Rule(
    "acl.score_pass",
    "KOS-ADLS and global rating",
    90.0,
    "KOS-ADLS 90% or more and the Global Rating Scale of function 90 or more.",
    _BATTERY,
)
CLINICAL_PASS = Rule(
    "acl.clinical_pass",
    "Knee range and effusion",
    "full, none",
    "Full range of motion and no effusion.",
    _BATTERY,
)
ALL_ROWS = Rule(
    "acl.all_rows",
    "Return-to-sport criteria",
    "every row",
    "'Return-to-sport criteria met' only when every row passes; otherwise each failing or "
    "missing row is listed. Few uninjured athletes pass every test (Markström 2022): decision "
    "support, not a verdict.",
    Source("Grindem 2016; Markström 2022", "V", "§13.1"),
)
TRIPLE_HOP_MDC = Rule(
    "acl.triple_hop_mdc",
    "Triple-hop LSI measurement error",
    10.0,
    "A change of the triple-hop LSI under about 10 points is within its measurement error.",
    Source("Hop-test reliability (MDC of the triple-hop LSI)", "V", "§13.1"),
)
ACL_RSI = Rule(
    "acl.rsi",
    "ACL-RSI",
    "record",
    "ACL-RSI (0–100, the mean of its items; higher = more ready) is recorded; it has no "
    "validated pass mark.",
    Source("Webster, Feller & Lambros 2008", "M", "§13.2"),
)
KHAYAMBASHI_ABDUCTION = Rule(
    "acl.khayambashi_abduction",
    "Hip abduction for ACL-injury-risk screening",
    35.4,
    "Pre-season screening of uninjured athletes only, abduction tested side-lying: 35.4 %BW "
    "or less predicted non-contact ACL injury. Never applied after an ACL reconstruction or "
    "to supine-tested values.",
    Source("Khayambashi 2016 (501 athletes)", "V", "§13.3"),
)
KHAYAMBASHI_ER = Rule(
    "acl.khayambashi_er",
    "Hip external rotation for ACL-injury-risk screening",
    20.3,
    "Pre-season screening of uninjured athletes only, external rotation tested prone: "
    "20.3 %BW or less predicted non-contact ACL injury.",
    Source("Khayambashi 2016 (501 athletes)", "V", "§13.3"),
)
POST_ACLR_ABDUCTION = Rule(
    "acl.post_aclr_abduction",
    "Hip abduction after ACLR",
    33.0,
    "After an ACL reconstruction, abduction under 33 %BW went with worse IKDC and ACL-RSI at "
    "return to activity; after a reconstruction use the LSI (90% or more), not the "
    "screening cut-offs.",
    Source("Post-ACLR cohort (PMC8486405)", "V", "§1.6, §13.3"),
)

RULES: tuple[Rule[Any], ...] = (
    RTS_MONTHS,
    LSI_PASS,
    SCORE_PASS,
    CLINICAL_PASS,
    ALL_ROWS,
    TRIPLE_HOP_MDC,
    ACL_RSI,
    KHAYAMBASHI_ABDUCTION,
    KHAYAMBASHI_ER,
    POST_ACLR_ABDUCTION,
)


@dataclass(frozen=True)
class Row:
    name: str
    value: str  # as shown, "" when not tested
    passed: bool | None  # None: not tested


def _number(values: Values, test: str, side: str, measure: str) -> float | None:
    value = values.get((test, side, measure))
    return float(value) if isinstance(value, int | float) else None


def limb_symmetry(
    values: Values, test: str, measure: str, involved: str | None, *, lower_is_better: bool
) -> float | None:
    """The LSI of a two-sided test, rounded to 0.1; None unless both sides are recorded."""
    left, right = _number(values, test, "left", measure), _number(values, test, "right", measure)
    if left is None or right is None or min(left, right) <= 0:
        return None
    if involved in ("left", "right"):
        inv, uninv = (left, right) if involved == "left" else (right, left)
    else:  # weaker ÷ stronger
        inv, uninv = (
            (max(left, right), min(left, right))
            if lower_is_better
            else (min(left, right), max(left, right))
        )
    ratio = uninv / inv if lower_is_better else inv / uninv
    return round(ratio * 100, 1)


def rts_rows(
    values: Values, *, involved: str | None, surgery_on: date | None, on_date: date
) -> list[Row]:
    """Each row of the §13.1 battery with its value and whether it passed."""
    rows: list[Row] = []
    if surgery_on is None:
        rows.append(Row("time since surgery", "", None))
    else:
        ready = add_months(surgery_on, RTS_MONTHS.value)
        months = (on_date.year - surgery_on.year) * 12 + on_date.month - surgery_on.month
        months -= on_date.day < surgery_on.day
        rows.append(Row("time since surgery", f"{months} months", on_date >= ready))
    quad = None
    for measure in ("torque_nm", "force_n"):
        quad = quad or limb_symmetry(
            values, "quadriceps_strength", measure, involved, lower_is_better=False
        )
    rows.append(_lsi_row("quadriceps strength LSI", quad))
    for test, measure, name in HOP_TESTS:
        lsi = limb_symmetry(values, test, measure, involved, lower_is_better=test == "timed_hop_6m")
        rows.append(_lsi_row(f"{name} LSI", lsi))
    for test, measure, name in (
        ("kos_adls", "percent", "KOS-ADLS"),
        ("global_rating", "score", "Global Rating Scale"),
    ):
        score = _number(values, test, "", measure)
        rows.append(
            Row(
                name,
                "" if score is None else f"{score:g}",
                None if score is None else score >= SCORE_PASS.value,
            )
        )
    effusion = values.get(("knee_effusion", "", "grade"))
    rows.append(
        Row("effusion", str(effusion or ""), None if effusion is None else effusion == "zero")
    )
    full = values.get(("knee_range", "", "full"))
    rows.append(
        Row("full range of motion", str(full or ""), None if full is None else full == "yes")
    )
    return rows


def _lsi_row(name: str, lsi: float | None) -> Row:
    if lsi is None:
        return Row(name, "", None)
    return Row(name, f"{lsi:g}%", lsi >= LSI_PASS.value)


def rts_flag(
    values: Values, *, involved: str | None, surgery_on: date | None, on_date: date
) -> Flag:
    """Return-to-sport criteria met, or the failing and missing rows (§13.1)."""
    rows = rts_rows(values, involved=involved, surgery_on=surgery_on, on_date=on_date)
    failing = [f"{r.name} {r.value}" for r in rows if r.passed is False]
    missing = [r.name for r in rows if r.passed is None]
    if not failing and not missing:
        return Flag(
            "acl_rts_criteria",
            Severity.INFO,
            "Return-to-sport criteria met on every row (9 months or more, LSI 90% or more on "
            "quadriceps and 4 hop tests, KOS-ADLS and GRS 90 or more, full range, no "
            "effusion). Decision support: few athletes pass every test.",
            ALL_ROWS.source,
        )
    parts = []
    if failing:
        parts.append("not met: " + "; ".join(failing))
    if missing:
        parts.append("not tested: " + ", ".join(missing))
    return Flag(
        "acl_rts_criteria",
        Severity.PRECAUTION,
        "Return-to-sport criteria " + ". ".join(parts) + ". No return to sport until every row "
        "passes.",
        ALL_ROWS.source,
        "You are not ready to go back to your sport yet; we will keep working on the tests "
        "that are not there yet.",
        tuple(failing + missing),
    )


def acl_rsi_flag(values: Values) -> Flag | None:
    score = _number(values, "acl_rsi", "", "score")
    if score is None:
        return None
    return Flag(
        "acl_rsi",
        Severity.INFO,
        f"ACL-RSI {score:g}/100 recorded (higher = more psychologically ready; no validated "
        "pass mark).",
        ACL_RSI.source,
    )


def hip_strength_flag(
    pct_bw: Mapping[tuple[str, str], float],
    *,
    positions: Mapping[str, str],
    post_aclr: bool,
    screening: bool,
) -> Flag | None:
    """The `acl_hip_strength` flag, only in the ACL context it belongs to (§13.3):
    screening of an ACL patient not operated on, in Khayambashi's positions; after a
    reconstruction, abduction under 33 %BW. `pct_bw` is (test, side) -> %BW."""
    found: list[str] = []
    source = KHAYAMBASHI_ABDUCTION.source
    if screening:
        checks = (
            ("hhd_abduction", "side_lying", KHAYAMBASHI_ABDUCTION.value, "abduction"),
            ("hhd_external_rotation", "prone", KHAYAMBASHI_ER.value, "external rotation"),
        )
        for test, position, cutoff, name in checks:
            if positions.get(test) != position:
                continue
            for side in ("left", "right"):
                value = pct_bw.get((test, side))
                if value is not None and value <= cutoff:
                    found.append(f"{side} hip {name} {value:g} %BW (at or below {cutoff:g})")
    elif post_aclr:
        source = POST_ACLR_ABDUCTION.source
        for side in ("left", "right"):
            value = pct_bw.get(("hhd_abduction", side))
            if value is not None and value < POST_ACLR_ABDUCTION.value:
                found.append(f"{side} hip abduction {value:g} %BW (under 33)")
    if not found:
        return None
    context = (
        "ACL-injury-risk screening: these values predicted non-contact ACL injury in "
        "uninjured athletes"
        if screening
        else "after ACL reconstruction: linked with worse function and readiness at return "
        "to activity"
    )
    return Flag(
        "acl_hip_strength",
        Severity.PRECAUTION,
        f"Hip strength ({context}): " + "; ".join(found) + ". Strengthen the hip abductors "
        "and external rotators; train frontal-plane control.",
        source,
        "Your hip muscles are weaker than we want for protecting your knee: we will "
        "strengthen them.",
        tuple(found),
    )
