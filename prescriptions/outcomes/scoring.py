"""Outcome measures (PROMs): instrument definitions, scoring, and change verdicts.

Pure functions and data: no ORM, no Django, no clock. Every figure CLINICAL.md §2 gives for
an instrument (allowed answers, total range, direction, MCID/MDC, missing-answer limits)
lives in the `INSTRUMENTS` table below with its source and evidence tag, not in the code.

Contract (other code and external checks rely on it):

    score(code, answers) -> Score      Score.total: float (1 decimal) or None; Score.subscales

`answers` is a list in item order, None for an unanswered item. AKPS answers are the points
of the chosen option; VISA-G has eight values, item 8 being the points of the answered
branch; KOOS-12 and HOOS-12 are pain 1-4, function 1-4, quality of life 1-4. An answer that
is not one of the item's allowed values (booleans, strings and floats included), a wrong
number of answers, or an unknown code raise ValueError. Error messages never echo answers.

Rounding: CLINICAL.md §2.4 fixes one rule for the whole app, round half up to one decimal
(16/45 = 35.555... shows as 35.6, where the ODI scoring sheet truncates to 35.5). Scores are
computed exactly with `Fraction` and rounded once, at the end, with `Decimal` ROUND_HALF_UP,
never with Python's `round()` (which rounds half to even: round(62.25, 1) == 62.2).
KOOS-12/HOOS-12 summary scores are the mean of the unrounded scale scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from prescriptions.rules import change as change_rules
from prescriptions.rules.change import Verdict as Verdict  # re-exported: outcomes.change gives it


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher is better"
    LOWER_IS_BETTER = "lower is better"


class Method(StrEnum):
    """How a total is made from the item answers."""

    SUM = "sum"  # sum of items; prorated when up to `max_missing` items are unanswered
    PERCENT = "percent of answered"  # ODI: sum / (item maximum x answered) x 100
    SCALES = "0-100 scales"  # KOOS-12/HOOS-12: scales 100 - mean/4 x 100; summary = mean
    MEAN = "mean"  # PSFS: mean of activity ratings


@dataclass(frozen=True)
class Item:
    """One item: its number, a short topic (never the licensed wording) and allowed answers."""

    number: int
    topic: str
    allowed: tuple[int, ...]
    ref: str = ""  # item code in the full KOOS/HOOS, for deriving KOOS-12/HOOS-12
    # VISA-G item 8: the patient answers one branch; `allowed` is the union of all branches.
    branches: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Threshold:
    """The change that counts as clinically important, in points of the total."""

    points: float
    kind: str  # "MCID", "MDC", "provisional MCID", "app rule", "provisional app rule"
    source: str
    evidence: str  # CLINICAL.md tag: [V] seen in a source, [M] to check, [design decision]
    relative_percent: float | None = None  # also needed to improve: % of the baseline


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    version: str
    items: tuple[Item, ...]
    direction: Direction
    total_range: tuple[float, float]
    method: Method
    threshold: Threshold | None
    threshold_note: str
    missing_rule: str
    source: str
    licence: str
    free_text_ships: bool = False  # only free instruments ship item text (CLINICAL.md §2.9)
    max_missing: int = 0  # SUM, PERCENT: most unanswered items that still give a score
    min_items: int | None = None  # PSFS: fewer activities allowed than `items` holds
    scales: Mapping[str, tuple[int, ...]] = field(default_factory=dict)  # name -> indexes
    min_answered_per_scale: int = 0

    @property
    def item_count(self) -> int:
        return len(self.items)

    @property
    def answer_counts(self) -> range:
        """How many answers `score` accepts."""
        return range(self.min_items or self.item_count, self.item_count + 1)


@dataclass(frozen=True)
class Score:
    code: str
    total: float | None  # rounded half up to one decimal; None when not scorable
    subscales: dict[str, float | None] = field(default_factory=dict)
    answered: int = 0
    prorated: bool = False  # LEFS: total estimated from fewer than 20 items
    note: str = ""  # why a total is prorated or missing, safe to show


@dataclass(frozen=True)
class Change:
    code: str
    baseline: float
    current: float
    difference: float  # current - baseline, in points (negative = a fall)
    percent: float | None  # difference as % of baseline; None when the baseline is 0
    threshold: Threshold | None
    verdict: Verdict | None  # None when no threshold is established (KOOS-12, HOOS-12)


def _items(
    topics: Sequence[str], allowed: Sequence[int], refs: Sequence[str] = ()
) -> tuple[Item, ...]:
    refs = tuple(refs) or ("",) * len(topics)
    return tuple(
        Item(n, topic, tuple(sorted(allowed)), ref)
        for n, (topic, ref) in enumerate(zip(topics, refs, strict=True), start=1)
    )


_0_TO_4 = range(5)
_0_TO_10 = range(11)
_VISA_G_5 = (0, 2, 5, 7, 10)
_VISA_G_8 = {"A": (0, 2, 5, 7, 10), "B": (0, 5, 10, 15, 20), "C": (6, 12, 18, 24, 30)}
_KOOS12_SCALES = {"pain": (0, 1, 2, 3), "function": (4, 5, 6, 7), "qol": (8, 9, 10, 11)}
_QOL = ("Quality of life Q1", "Quality of life Q2", "Quality of life Q3", "Quality of life Q4")
_KOOS_HOOS_LICENCE = "koos.nu / Gandek 2019; confirm terms [M]"
_KOOS12_NO_MCID = (
    "No MCID or MDC is established for KOOS-12/HOOS-12 (CLINICAL.md §2.1): the verdict uses "
    "a provisional app rule of 12.5 points (the lowest KOOS MIC reported in knee OA "
    "physiotherapy), labelled provisional; full-KOOS scores are never compared with it."
)
_KOOS12_THRESHOLD = Threshold(
    change_rules.KOOS12_PROVISIONAL.value,
    "provisional app rule",
    "the lowest KOOS MIC in knee OA physiotherapy (12.5-17.5); no KOOS-12/HOOS-12 MCID established",
    "[design decision]",
)
_KOOS12_MISSING = (
    "Each scale needs at least 2 of its 4 items; a missing item is imputed with the mean of "
    "the patient's answered items in that scale (koos.nu). The summary needs all 3 scales."
)

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        # CLINICAL.md §2.1, §2.2.
        "LEFS": Instrument(
            code="LEFS",
            name="Lower Extremity Functional Scale",
            version="Binkley 1999",
            items=_items([f"Activity {n}" for n in range(1, 21)], _0_TO_4),
            direction=Direction.HIGHER_IS_BETTER,
            total_range=(0, 80),
            method=Method.SUM,
            max_missing=2,
            threshold=Threshold(
                9, "MCID", "Binkley 1999, Phys Ther 79:371 (MCID = MDC 9; SEM 5.3)", "[V]"
            ),
            threshold_note="MID 9 (small) to 16 (large): Abbott & Schmitt 2014 [V].",
            missing_rule=(
                "No published rule. App rule [design decision]: with up to 2 items unanswered "
                "the total is prorated (sum / answered x 20) and labelled prorated; with more, "
                "not scored."
            ),
            source="Binkley 1999, Phys Ther 79:371; CLINICAL.md §2.2",
            licence="Free for clinical use; permission needed for commercial software [V/M]",
        ),
        # CLINICAL.md §2.1, §2.3. Item point values are [M]: secondary source (awell-score),
        # to be confirmed against the official VISA-G form (Fearon 2015 appendix).
        "VISA-G": Instrument(
            code="VISA-G",
            name="Victorian Institute of Sport Assessment - Gluteal",
            version="Fearon 2015",
            items=(
                Item(1, "Hip pain", tuple(_0_TO_10)),
                Item(2, "Lying on the affected side", _VISA_G_5),
                Item(3, "Stairs", _VISA_G_5),
                Item(4, "Ramps or slopes", _VISA_G_5),
                Item(5, "Rising and walking after 30 min sitting", _VISA_G_5),
                Item(6, "Home or garden activities", _VISA_G_5),
                Item(7, "Sport or physical activity", (0, 4, 7, 10)),
                Item(
                    8,
                    "Load-bearing activity duration (one branch)",
                    tuple(sorted(set().union(*_VISA_G_8.values()))),
                    branches=MappingProxyType(_VISA_G_8),
                ),
            ),
            direction=Direction.HIGHER_IS_BETTER,
            total_range=(0, 100),
            method=Method.SUM,
            threshold=Threshold(
                10,
                "provisional MCID",
                "No anchor-based MCID published (COSMIN review, Nasser 2022, BJSM 56:877 [V]); "
                "provisional 10 points",
                "[M]",
            ),
            threshold_note="Item point values are from a secondary source [M] (§2.3).",
            missing_rule="No published rule. App rule [design decision]: all 8 items needed.",
            source="Fearon 2015, Man Ther 20:805; CLINICAL.md §2.3",
            licence="No licensing body found; obtain author/publisher permission [M]",
        ),
        # CLINICAL.md §2.1, §2.4.
        "ODI": Instrument(
            code="ODI",
            name="Oswestry Disability Index",
            version="2.1a",
            items=_items(
                [
                    "Pain intensity",
                    "Personal care",
                    "Lifting",
                    "Walking",
                    "Sitting",
                    "Standing",
                    "Sleeping",
                    "Sex life (if applicable)",
                    "Social life",
                    "Travelling",
                ],
                range(6),
            ),
            direction=Direction.LOWER_IS_BETTER,
            total_range=(0, 100),
            method=Method.PERCENT,
            max_missing=2,
            threshold=Threshold(
                10,
                "MCID",
                "Ostelo 2008 consensus (10 points or 30%); MDC90 10 points (scoring sheet)",
                "[V]",
                relative_percent=float(change_rules.RELATIVE_CHANGE.value),
            ),
            threshold_note=(
                "Improved needs both the 10 points (also the MDC: smaller changes are within "
                "measurement error) and a 30% fall from the baseline (Ostelo 2008); worse "
                "needs the 10 points. MID 12 (Abbott & Schmitt 2014) [V]; 12.8 (Copay) [V]."
            ),
            missing_rule=(
                "Each unanswered section lowers the denominator by 5 [V]. App rule [design "
                "decision]: not scored when more than 2 sections are unanswered."
            ),
            source="Fairbank & Pynsent 2000, Spine 25:2940; CLINICAL.md §2.4",
            licence="Licence via Mapi Research Trust (ePROVIDE) for commercial/IT use [V]",
        ),
        # CLINICAL.md §2.1, §2.5 (weights re-checked against PMC10362729 [V]).
        "AKPS": Instrument(
            code="AKPS",
            name="Anterior Knee Pain Scale (Kujala)",
            version="Kujala 1993, 13 items",
            items=(
                Item(1, "Limp", (0, 3, 5)),
                Item(2, "Support", (0, 3, 5)),
                Item(3, "Walking", (0, 2, 3, 5)),
                Item(4, "Stairs", (0, 5, 8, 10)),
                Item(5, "Squatting", (0, 2, 3, 4, 5)),
                Item(6, "Running", (0, 3, 6, 8, 10)),
                Item(7, "Jumping", (0, 2, 7, 10)),
                Item(8, "Prolonged sitting with knees flexed", (0, 4, 6, 8, 10)),
                Item(9, "Pain", (0, 3, 6, 8, 10)),
                Item(10, "Swelling", (0, 4, 6, 8, 10)),
                Item(11, "Abnormal painful patellar movements", (0, 2, 4, 6, 10)),
                Item(12, "Thigh atrophy", (0, 3, 5)),
                Item(13, "Flexion deficiency", (0, 3, 5)),
            ),
            direction=Direction.HIGHER_IS_BETTER,
            total_range=(0, 100),
            method=Method.SUM,
            threshold=Threshold(
                10, "MCID", "Crossley 2004, Arch Phys Med Rehabil 85:815 (abstract)", "[V]"
            ),
            threshold_note="A range of 8-10 is often quoted from the full text [V].",
            missing_rule="No published rule. App rule [design decision]: all 13 items needed.",
            source="Kujala 1993, Arthroscopy; J Orthop 2023 reproduction; CLINICAL.md §2.5",
            licence="No licensing body found; verify [M]",
        ),
        # CLINICAL.md §2.1, §2.7.
        "KOOS-12": Instrument(
            code="KOOS-12",
            name="Knee injury and Osteoarthritis Outcome Score, 12-item short form",
            version="Gandek 2019",
            items=_items(
                [
                    "Pain frequency",
                    "Pain walking on a flat surface",
                    "Pain going up or down stairs",
                    "Pain sitting or lying",
                    "Rising from sitting",
                    "Standing",
                    "Getting in or out of a car",
                    "Twisting or pivoting on the injured knee",
                    *_QOL,
                ],
                _0_TO_4,
                ["P1", "P5", "P6", "P8", "A3", "A4", "A7", "SP4", "Q1", "Q2", "Q3", "Q4"],
            ),
            direction=Direction.HIGHER_IS_BETTER,
            total_range=(0, 100),
            method=Method.SCALES,
            scales=MappingProxyType(_KOOS12_SCALES),
            min_answered_per_scale=2,
            threshold=_KOOS12_THRESHOLD,
            threshold_note=_KOOS12_NO_MCID,
            missing_rule=_KOOS12_MISSING,
            source="Gandek 2019; koos.nu KOOS-12 user guide; CLINICAL.md §2.7",
            licence=_KOOS_HOOS_LICENCE,
        ),
        "HOOS-12": Instrument(
            code="HOOS-12",
            name="Hip disability and Osteoarthritis Outcome Score, 12-item short form",
            version="Gandek 2019",
            items=_items(
                [
                    "Pain frequency",
                    "Pain walking on a flat surface",
                    "Pain going up or down stairs",
                    "Pain sitting or lying",
                    "Rising from sitting",
                    "Standing",
                    "Getting in or out of a car",
                    "Walking on an uneven surface",
                    *_QOL,
                ],
                _0_TO_4,
                ["P1", "P4", "P5", "P7", "A3", "A4", "A7", "SP4", "Q1", "Q2", "Q3", "Q4"],
            ),
            direction=Direction.HIGHER_IS_BETTER,
            total_range=(0, 100),
            method=Method.SCALES,
            scales=MappingProxyType(_KOOS12_SCALES),
            min_answered_per_scale=2,
            threshold=_KOOS12_THRESHOLD,
            threshold_note=_KOOS12_NO_MCID,
            missing_rule=_KOOS12_MISSING,
            source="Gandek 2019; koos.nu HOOS-12 user guide; CLINICAL.md §2.7",
            licence=_KOOS_HOOS_LICENCE,
        ),
        # CLINICAL.md §2.1, §2.8.
        "NPRS": Instrument(
            code="NPRS",
            name="Numeric Pain Rating Scale",
            version="0-10",
            items=_items(["Pain intensity"], _0_TO_10),
            direction=Direction.LOWER_IS_BETTER,
            total_range=(0, 10),
            method=Method.SUM,
            threshold=Threshold(
                2,
                "MCID",
                "Farrar 2001; Childs 2005 (MDC 2); Ostelo 2008 consensus (2 points or 30%)",
                "[V]",
                relative_percent=float(change_rules.RELATIVE_CHANGE.value),
            ),
            threshold_note=(
                "Improved needs both 2 points (the MDC) and a 30% fall from the baseline "
                "(Ostelo 2008), in line with the baseline-dependent MCID in specific back "
                "pain: 1 (baseline 1-4), 2 (5-7), 3-4 (8-10) [V]; PFP 1.16 [V]."
            ),
            missing_rule="One item: unanswered means not scored.",
            source="CLINICAL.md §2.8",
            licence="Public domain",
            free_text_ships=True,
        ),
        # CLINICAL.md §2.1, §2.10.
        "PSFS": Instrument(
            code="PSFS",
            name="Patient-Specific Functional Scale",
            version="Stratford 1995",
            items=_items([f"Activity {n}" for n in range(1, 6)], _0_TO_10),
            min_items=1,  # the published form asks for up to 3; clinics use up to 5 (§2.10)
            direction=Direction.HIGHER_IS_BETTER,
            total_range=(0, 10),
            method=Method.MEAN,
            threshold=Threshold(
                2,
                "app rule",
                "MDC90 2 points on the average score (Stratford 1995, Physiother Can 47:258 "
                "[V]); flag at >= 2.0",
                "[design decision]",
            ),
            threshold_note=(
                "MDC90 for a single activity is 3 points [V]; MID 1.3 / 2.3 / 2.7 for small / "
                "medium / large change (Abbott & Schmitt 2014) [V]. Re-rate the same "
                "activities at every visit."
            ),
            missing_rule=(
                "1 to 5 activities, each rated. App rule [design decision]: an unrated "
                "activity means not scored, since the mean of a different set of activities "
                "is not comparable."
            ),
            source="Stratford 1995, Physiother Can 47:258; CLINICAL.md §2.10",
            licence="Free; credit Stratford et al. 1995 [V]",
            free_text_ships=True,
        ),
    }
)


def score(code: str, answers: Sequence[int | None]) -> Score:
    """Score one completed measure. See the module docstring for the contract."""
    instrument = _instrument(code)
    values = _validated(instrument, answers)
    match instrument.method:
        case Method.SUM:
            return _score_sum(instrument, values)
        case Method.PERCENT:
            return _score_percent(instrument, values)
        case Method.SCALES:
            return _score_scales(instrument, values)
        case Method.MEAN:
            return _score_mean(instrument, values)


def change(code: str, baseline_total: float, current_total: float) -> Change:
    """Judge the change between two totals of one measure against its threshold.

    1. difference = current - baseline, computed on the decimal values (no float error at
       the boundary: 35.6 -> 25.6 is exactly 10).
    2. Turn it into benefit: the difference itself when higher is better, its negative when
       lower is better (ODI, NPRS).
    3. benefit >= threshold (and, for ODI and NPRS, >= 30% of the baseline) -> improved;
       benefit <= -threshold -> worse; otherwise no important change. A change of exactly
       the threshold counts (CLINICAL.md: "+12 >= 9"). The rules are
       `prescriptions.rules.change`; KOOS-12 and HOOS-12 use its provisional threshold.
    4. No threshold -> verdict None.
    """
    instrument = _instrument(code)
    baseline = _total(instrument, baseline_total, "baseline")
    current = _total(instrument, current_total, "current")
    difference = current - baseline
    percent = None if baseline == 0 else _round1(difference / baseline * 100)
    verdict = None
    t = instrument.threshold
    if t is not None:
        verdict = change_rules.outcome_verdict(
            baseline=baseline,
            current=current,
            points=Decimal(str(t.points)),
            higher_is_better=instrument.direction is Direction.HIGHER_IS_BETTER,
            relative_percent=None
            if t.relative_percent is None
            else Decimal(str(t.relative_percent)),
        )
    return Change(
        code=instrument.code,
        baseline=float(baseline),
        current=float(current),
        difference=float(difference),
        percent=percent,
        threshold=instrument.threshold,
        verdict=verdict,
    )


def _instrument(code: str) -> Instrument:
    if not isinstance(code, str) or code not in INSTRUMENTS:
        raise ValueError(f"Unknown outcome measure; expected one of {', '.join(INSTRUMENTS)}.")
    return INSTRUMENTS[code]


def _validated(instrument: Instrument, answers: Sequence[int | None]) -> list[int | None]:
    if not isinstance(answers, list | tuple):
        raise ValueError(f"{instrument.code} answers must be a list.")
    counts = instrument.answer_counts
    if len(answers) not in counts:
        expected = f"{counts.start} to {counts.stop - 1}" if len(counts) > 1 else counts.start
        raise ValueError(f"{instrument.code} needs {expected} answers, got {len(answers)}.")
    for item, value in zip(instrument.items, answers, strict=False):
        if value is None:
            continue
        # bool is an int subclass: True would otherwise score as 1.
        if type(value) is not int or value not in item.allowed:
            allowed = ", ".join(map(str, item.allowed))
            raise ValueError(
                f"{instrument.code} item {item.number} must be one of {allowed}, or None."
            )
    return list(answers)


def _total(instrument: Instrument, value: float, name: str) -> Decimal:
    low, high = instrument.total_range
    if type(value) not in (int, float) or not math.isfinite(value) or not low <= value <= high:
        raise ValueError(
            f"The {name} {instrument.code} total must be a number from {low} to {high}."
        )
    return Decimal(str(value))


def _round1(value: Fraction | Decimal) -> float:
    """Round half up (away from zero on a tie) to one decimal."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _answered(values: Sequence[int | None]) -> list[int]:
    return [v for v in values if v is not None]


def _unanswered(instrument: Instrument, missing: int) -> str:
    unit = "section" if instrument.code == "ODI" else "item"
    return (
        f"Not scored: {missing} {unit}{'s' if missing != 1 else ''} unanswered "
        f"(at most {instrument.max_missing} allowed)."
    )


def _score_sum(instrument: Instrument, values: list[int | None]) -> Score:
    answered = _answered(values)
    missing = len(values) - len(answered)
    if missing > instrument.max_missing:
        return Score(
            instrument.code, None, answered=len(answered), note=_unanswered(instrument, missing)
        )
    if missing == 0:
        return Score(instrument.code, float(sum(answered)), answered=len(answered))
    total = Fraction(sum(answered), len(answered)) * len(values)
    return Score(
        instrument.code,
        _round1(total),
        answered=len(answered),
        prorated=True,
        note=f"Prorated from {len(answered)} of {len(values)} items.",
    )


def _score_percent(instrument: Instrument, values: list[int | None]) -> Score:
    answered = _answered(values)
    missing = len(values) - len(answered)
    if missing > instrument.max_missing:
        return Score(
            instrument.code, None, answered=len(answered), note=_unanswered(instrument, missing)
        )
    # Each unanswered section lowers the denominator by that section's maximum (5).
    possible = sum(
        max(item.allowed)
        for item, value in zip(instrument.items, values, strict=True)
        if value is not None
    )
    return Score(
        instrument.code,
        _round1(Fraction(sum(answered), possible) * 100),
        answered=len(answered),
    )


def _score_scales(instrument: Instrument, values: list[int | None]) -> Score:
    exact: dict[str, Fraction | None] = {}
    for name, indexes in instrument.scales.items():
        answered = _answered([values[i] for i in indexes])
        if len(answered) < instrument.min_answered_per_scale:
            exact[name] = None
            continue
        # A missing item is imputed with the mean of the answered ones, so the scale is
        # 100 - (mean / item maximum) x 100, i.e. 100 - sum/16 x 100 when all 4 are answered.
        item_max = max(instrument.items[indexes[0]].allowed)
        exact[name] = 100 - Fraction(sum(answered), len(answered)) / item_max * 100
    scored = [s for s in exact.values() if s is not None]
    total = _round1(sum(scored, Fraction(0)) / len(scored)) if len(scored) == len(exact) else None
    note = ""
    if total is None:
        missing = ", ".join(name for name, s in exact.items() if s is None)
        note = (
            f"Summary not scored: fewer than {instrument.min_answered_per_scale} items "
            f"answered in {missing}."
        )
    return Score(
        instrument.code,
        total,
        subscales={name: None if s is None else _round1(s) for name, s in exact.items()},
        answered=len(_answered(values)),
        note=note,
    )


def _score_mean(instrument: Instrument, values: list[int | None]) -> Score:
    answered = _answered(values)
    if len(answered) < len(values):
        return Score(
            instrument.code,
            None,
            answered=len(answered),
            note="Not scored: every activity needs a rating.",
        )
    return Score(
        instrument.code, _round1(Fraction(sum(answered), len(answered))), answered=len(answered)
    )
