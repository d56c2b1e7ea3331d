"""Change over time: when a within-patient change counts (CLINICAL.md §1.4, §1.6, §1.10,
§2). Pure: Decimal values in, a verdict out.

- Battery measures (`BATTERY_RULES`): strength against a 15 % noise band, FPPA and
  Y-balance reaches against their measurement error. An FPPA that changes into varus
  (below 0°) is never "improved": less valgus is better only on the way to neutral (issue
  12 point 10; an 8° valgus becoming 10° varus used to count as 18° better).
- Outcome measures (`OUTCOME_RULES`, read by prescriptions.outcomes.scoring): ODI and NPRS
  add the 30 % relative-change rule of Ostelo 2008 to their points; KOOS-12 and HOOS-12
  get a provisional threshold (issue 12 point 10).
"""

# ruff: noqa: RUF001, RUF003 - clinical notation (×, √, −, en dashes) is intended

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source


class Verdict(StrEnum):
    IMPROVED = "improved"
    NO_IMPORTANT_CHANGE = "no important change"
    WORSE = "worse"


RELATIVE = "relative"
POINTS = "points"
TOWARD_NEUTRAL = "toward neutral"  # FPPA: the distance from 0° shrinking, never past it


@dataclass(frozen=True)
class ChangeRule:
    """How big a within-patient change must be to count, for some battery measures."""

    tests: tuple[str, ...]
    measures: tuple[str, ...]
    kind: str  # RELATIVE: percent of the baseline; POINTS or TOWARD_NEUTRAL: in the unit
    amount: Decimal
    higher_is_better: bool
    label: str
    source: str
    evidence: str
    section: str = ""

    @property
    def basis(self) -> str:
        return f"{self.label} ({self.source}) {self.evidence}"


BATTERY_RULES: tuple[ChangeRule, ...] = (
    ChangeRule(
        tests=("hhd_abduction", "hhd_extension", "hhd_external_rotation"),
        measures=("force_n", "pct_bw", "torque_nm", "nm_per_kg"),
        kind=RELATIVE,
        amount=Decimal(15),
        higher_is_better=True,
        label="15% of the baseline",
        source="treat changes smaller than about 10–15% as noise; Thorborg 2010 test–retest "
        "variation 3–12%",
        evidence="[V; the upper bound is an app choice]",
        section="§1.6",
    ),
    ChangeRule(
        tests=("single_leg_squat",),
        measures=("fppa_deg",),
        kind=TOWARD_NEUTRAL,
        amount=Decimal(11),
        higher_is_better=False,
        label="11°, the upper MDC95 of a single FPPA, towards neutral (a change into varus "
        "is not an improvement)",
        source="SEM 2–4° (Gwynne & Curran), MDC95 about 6–11°",
        evidence="[V]",
        section="§1.4",
    ),
    ChangeRule(
        tests=("y_balance",),
        measures=("anterior_cm", "posteromedial_cm", "posterolateral_cm"),
        kind=POINTS,
        amount=Decimal("11.6"),
        higher_is_better=True,
        label="11.6 cm, MDC95 from the largest SEM (1.96 × √2 × 4.2 cm)",
        source="multi-rater SEM 3.1–4.2 cm per direction",
        evidence="[V, derived]",
        section="§1.10",
    ),
)


def rule_for(test: str, measure: str) -> ChangeRule | None:
    return next((r for r in BATTERY_RULES if test in r.tests and measure in r.measures), None)


def judge(rule: ChangeRule, baseline: Decimal, current: Decimal) -> Verdict | None:
    """improved / no important change / worse; None when a relative rule meets a zero
    baseline. A change of exactly the threshold counts, as in outcomes.change."""
    size = rule.amount if rule.kind != RELATIVE else abs(baseline) * rule.amount / 100
    if size == 0:
        return None
    if rule.kind == TOWARD_NEUTRAL:
        benefit = abs(baseline) - abs(current)
        if benefit >= size:
            # Into varus is never better: only a move towards neutral that stays on the
            # valgus side (or at 0°) counts as an improvement.
            return Verdict.IMPROVED if current >= 0 else Verdict.NO_IMPORTANT_CHANGE
        return Verdict.WORSE if benefit <= -size else Verdict.NO_IMPORTANT_CHANGE
    difference = current - baseline
    benefit = difference if rule.higher_is_better else -difference
    if benefit >= size:
        return Verdict.IMPROVED
    if benefit <= -size:
        return Verdict.WORSE
    return Verdict.NO_IMPORTANT_CHANGE


# --- Outcome measures ---------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRule:
    """Extra change rules of one outcome measure (its points stay in outcomes.scoring)."""

    code: str
    relative_percent: Decimal | None = None  # the fall (or rise) needed, % of the baseline
    provisional_points: float | None = None  # where no MCID or MDC is established
    source: Source | None = None
    note: str = ""


RELATIVE_CHANGE = Rule(
    "change.relative_30",
    "ODI and NPRS: 30 % as well as the points",
    30,
    "ODI and NPRS count as improved only with both their points (ODI 10, NPRS 2: the MCID, "
    "also the MDC) and a fall of 30 % of the baseline; worse needs the points.",
    Source(
        "Ostelo 2008 consensus ('10 points or 30%', '2 points or 30%')", "V", "§2.1, §2.4, §2.8"
    ),
    note="CLINICAL.md writes 'or'; read as 'either', the 30 % would call falls smaller than "
    "the measurement error (MDC 10 ODI points, 2 NPRS points) improvements, which design "
    "principle 3 and §8.1 forbid. Requiring both is the safer reading and matches the "
    "baseline-dependent NPRS MCID (3–4 points from 8–10, §2.1) [V]; the worked examples "
    "(ODI 44 -> 30; NPRS 7 -> 4 and 5 -> 4) give the same verdicts either way.",
)
KOOS12_PROVISIONAL = Rule(
    "change.koos12_provisional",
    "KOOS-12 / HOOS-12: provisional threshold",
    12.5,
    "KOOS-12 and HOOS-12 scales and summary: a change of 12.5 points or more counts, as a "
    "provisional app rule, labelled so wherever it is shown.",
    Source("Lowest KOOS MIC in knee OA physiotherapy (12.5–17.5)", "design decision", "§2.1, §2.7"),
    note="CLINICAL.md finds no KOOS-12/HOOS-12 MCID (and the issue asks for a threshold): "
    "the lowest published MIC of the parent instrument means no smaller, unproven "
    "improvement is claimed while a decline of that size is not missed.",
)

OUTCOME_RULES: Mapping[str, OutcomeRule] = {
    "ODI": OutcomeRule("ODI", relative_percent=Decimal(30), source=RELATIVE_CHANGE.source),
    "NPRS": OutcomeRule("NPRS", relative_percent=Decimal(30), source=RELATIVE_CHANGE.source),
    "KOOS-12": OutcomeRule(
        "KOOS-12", provisional_points=KOOS12_PROVISIONAL.value, source=KOOS12_PROVISIONAL.source
    ),
    "HOOS-12": OutcomeRule(
        "HOOS-12", provisional_points=KOOS12_PROVISIONAL.value, source=KOOS12_PROVISIONAL.source
    ),
}

RULES: tuple[Rule[Any], ...] = (RELATIVE_CHANGE, KOOS12_PROVISIONAL)


def outcome_verdict(
    *,
    baseline: Decimal,
    current: Decimal,
    points: Decimal,
    higher_is_better: bool,
    relative_percent: Decimal | None = None,
) -> Verdict:
    """Judge a change of an outcome measure's total: improved when the benefit reaches
    `points` (and, with `relative_percent`, that share of the baseline too); worse when
    the loss reaches `points`; otherwise no important change. Exactly the threshold
    counts."""
    difference = current - baseline
    benefit = difference if higher_is_better else -difference
    if benefit >= points and (
        relative_percent is None or benefit >= abs(baseline) * relative_percent / 100
    ):
        return Verdict.IMPROVED
    if benefit <= -points:
        return Verdict.WORSE
    return Verdict.NO_IMPORTANT_CHANGE


def battery_rules_markdown() -> str:
    lines = [
        "| Measures | Counts when the change is at least | Source |",
        "| --- | --- | --- |",
    ]
    for r in BATTERY_RULES:
        measures = ", ".join(f"`{t}.{m}`" for t in r.tests for m in r.measures)
        lines.append(
            f"| {measures} | {r.label} | {r.source} {r.evidence} (CLINICAL.md {r.section}) |"
        )
    return "\n".join(lines)
