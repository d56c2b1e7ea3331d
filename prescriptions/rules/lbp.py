"""Low back pain: the Keele STarT Back classification and the trunk findings that suggest
exercises, each with its starting dose (CLINICAL.md §14). Pure.

The pre-§14 suggestions gave poor side-bridge endurance, a flexor:extensor ratio out of
range or a weak single-leg bridge no exercise at all (issue 12 point 8).
"""

# ruff: noqa: RUF001 - clinical notation (en dashes, ≥) is intended

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source

_TRUNK = Source("Clinical reasoning on McGill 1999 ratios and Freckleton 2014", "M", "§14.2")


@dataclass(frozen=True)
class TrunkRow:
    """One row of the §14.2 table: the finding, the exercises (library slugs, the first
    available first) and the starting dose."""

    key: str
    finding: str
    exercises: tuple[str, ...]
    dose: str
    sets: tuple[int, int]
    reps: tuple[int, int]
    hold_seconds: int | None = None
    hold_slugs: tuple[str, ...] = ()  # dosed as 10-s holds in the pyramid; others by reps
    other_reps: tuple[int, int] | None = None  # reps of the row's other exercises


TRUNK_ROWS: tuple[TrunkRow, ...] = (
    TrunkRow(
        "lateral",
        "Side-bridge right:left outside 0.95–1.05, or side bridge:extension above 0.75",
        ("side-plank", "suitcase-carry", "pallof-press"),  # E16, E37, E57
        "10-s holds in a reverse pyramid (6, 4, 2 per side); carry 2–4 × 20 m at 15–20 % of "
        "body weight",
        (3, 3),
        (2, 6),
        hold_seconds=10,
        hold_slugs=("side-plank",),
        other_reps=(8, 12),
    ),
    TrunkRow(
        "extensor",
        "Flexion:extension above 1.0 (weak extensors)",
        # E56 bird dog (the library's E08 is its hip-extension variant), E09 -> E12, E65
        ("bird-dog", "quadruped-hip-extension", "glute-bridge", "romanian-deadlift"),
        "bird dog 10-s holds, 6-4-2 per side; bridges 2–3 × 10",
        (2, 3),
        (2, 6),
        hold_seconds=10,
        hold_slugs=("bird-dog", "quadruped-hip-extension"),
        other_reps=(10, 10),
    ),
    TrunkRow(
        "flexor",
        "Low flexor endurance (the clinician's judgement: the §1.7 norms are unverified)",
        ("mcgill-curl-up", "dead-bug"),  # E55 -> E54
        "curl-up 10-s holds, 6-4-2; dead bug 2–3 × 6–10 slow reps a side",
        (2, 3),
        (2, 6),
        hold_seconds=10,
        hold_slugs=("mcgill-curl-up",),
        other_reps=(6, 10),
    ),
    TrunkRow(
        "single_leg_bridge",
        "Single-leg (hamstring) bridge under 20 reps",
        ("single-leg-bridge", "single-leg-bridge-heel-on-box", "nordic-hamstring"),  # E12, E13, E51
        "2–3 × 8–12, reps up to more than 25",
        (2, 3),
        (8, 12),
    ),
    TrunkRow(
        "rotation",
        "Poor trunk control under rotation",
        ("pallof-press",),  # E57, half-kneeling -> standing -> split stance
        "2–3 × 8–12 a side, or 10-s holds",
        (2, 3),
        (8, 12),
    ),
)

TRUNK = Rule(
    "lbp.trunk_rows",
    "Trunk findings to exercises",
    "5 rows",
    "Side-bridge asymmetry or side:extension above 0.75 -> side bridge, suitcase carry, "
    "Pallof press; flexion:extension above 1.0 -> bird dog, bridge, hip hinge; low flexor "
    "endurance -> curl-up then dead bug; single-leg bridge under 20 -> single-leg bridge "
    "then heel-on-box, the Nordic later; poor rotation control -> Pallof press. McGill's "
    "'big 3' are short (about 10 s) holds in a descending pyramid, for endurance.",
    _TRUNK,
)
LOW_FLEXOR = Rule(
    "lbp.low_flexor",
    "Low flexor endurance",
    "clinician's finding",
    "The flexor hold alone raises no finding: the §1.7 cohort norms are unverified [M]; the "
    "clinician records 'low flexor endurance' when the hold is well below them.",
    Source("McGill 1999 norms (unverified); trunk-exercise rules", "design decision", "§14.2"),
    note="CLINICAL.md gives no figure for 'well below'; no flag is raised from [M] norms.",
)


START_BACK_ITEMS = 9


class StartBackRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


START_BACK = Rule(
    "lbp.start_back",
    "STarT Back classification",
    (4, 3),
    "Nine items (1–8 agree = 1; item 9 = 1 only for 'very much' or 'extremely'); total = "
    "items 1–9, distress subscale = items 5–9. Subscale 4 or more: high risk; else total 3 "
    "or less: low; else medium.",
    Source("Keele STarT Back Screening Tool (Hill 2008)", "V", "§14.1"),
)
START_BACK_HIGH = Rule(
    "lbp.start_back_high",
    "STarT Back high risk",
    "high",
    "High risk: education and graded activity, psychologically informed care, and tell the "
    "GP before adding load.",
    Source("STarT Back trial matched care (Hill 2011)", "M", "§14.2"),
)

RULES: tuple[Rule[Any], ...] = (TRUNK, LOW_FLEXOR, START_BACK, START_BACK_HIGH)


def start_back(items: Sequence[bool]) -> tuple[int, int, StartBackRisk]:
    """(total, distress subscale, risk) from the 9 items scored 0/1 (item 9 already turned
    into 1 for 'very much' or 'extremely')."""
    if len(items) != START_BACK_ITEMS:
        raise ValueError("STarT Back has 9 items.")
    scores = [int(bool(i)) for i in items]
    total, subscale = sum(scores), sum(scores[4:])
    high, low_max = START_BACK.value
    if subscale >= high:
        return total, subscale, StartBackRisk.HIGH
    return total, subscale, StartBackRisk.LOW if total <= low_max else StartBackRisk.MEDIUM
