"""Gluteal tendinopathy: the LEAP programme's content and doses by stage, the exercises
to keep out in weeks 1-8 and the load-management education (CLINICAL.md §9.1, §15). Pure
data and lookups.

The pre-§15 suggestions gave a gluteal tendinopathy patient the two isometrics only
(issue 12 point 9); LEAP's first week also has the double-leg bridge, the double-leg squat
and side-stepping, with education on compressive positions.
"""

# ruff: noqa: RUF001, RUF002 - clinical notation (en dashes) is intended

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source

_LEAP = Source("LEAP protocol, Mellor 2016 Table 3; Mellor 2018 BMJ", "V", "§9.1, §15.1")


@dataclass(frozen=True)
class LeapDose:
    """One LEAP exercise's dose in a stage (§9.1): reps (or steps each way, or holds) ×
    sets, per day, at an effort mapped to Borg CR10 (light 2–3, somewhat hard 4, hard
    5–6 [M])."""

    slug: str
    reps: tuple[int, int]
    sets: tuple[int, int]
    per_day: int
    effort: str
    rpe: tuple[int, int]
    hold_seconds: tuple[int, int] | None = None
    cue: str = ""


LIGHT = ("light", (2, 3))
LIGHT_SWH = ("light to somewhat hard", (2, 4))
SWH = ("somewhat hard", (4, 4))
SWH_HARD = ("somewhat hard to hard", (4, 6))

_SUPINE = LeapDose(
    "supine-isometric-hip-abduction", (10, 10), (1, 2), 2, *LIGHT, hold_seconds=(5, 10),
    cue="belt or band just above the knees, push the knees out gently, slow build-up",
)  # fmt: skip
_STANDING = LeapDose(
    "standing-isometric-hip-abduction", (3, 5), (1, 1), 2, *LIGHT, hold_seconds=(5, 15),
    cue="side-on to a wall, press the outer knee or foot into the wall, pelvis level",
)  # fmt: skip

LEAP_DOSES: Mapping[int, tuple[LeapDose, ...]] = {
    1: (
        _SUPINE,
        _STANDING,
        LeapDose("glute-bridge", (10, 10), (1, 1), 1, *LIGHT,
                 cue="feet hip-width, lift the hips to neutral, no arching, lower slowly"),
        LeapDose("squat", (10, 10), (1, 1), 1, *LIGHT_SWH,
                 cue="knees over the toes, sit back to a comfortable depth"),
        LeapDose("lateral-band-walk", (10, 10), (1, 1), 1, *LIGHT,
                 cue="side-stepping without a band: short steps, pelvis level, toes forward"),
    ),
    2: (
        _SUPINE,
        _STANDING,
        LeapDose("glute-bridge", (10, 10), (1, 1), 1, *LIGHT),
        LeapDose("offset-bridge", (5, 5), (1, 1), 1, *SWH,
                 cue="one foot forward of the other, most weight through the back foot"),
        LeapDose("squat", (10, 10), (1, 1), 1, *LIGHT),
        LeapDose("offset-squat", (5, 5), (1, 1), 1, *SWH,
                 cue="one foot half a step ahead, most weight on the rear leg"),
        LeapDose("lateral-band-walk", (15, 15), (1, 1), 1, *LIGHT,
                 cue="side-stepping without a band, 15 each way"),
    ),
    3: (
        _SUPINE,
        _STANDING,
        LeapDose("glute-bridge", (5, 5), (1, 1), 1, *LIGHT),
        LeapDose("offset-bridge", (5, 10), (2, 2), 1, *SWH_HARD,
                 cue="single-leg-biased, then the single-leg bridge as tolerated"),
        LeapDose("squat", (5, 5), (1, 1), 1, *LIGHT),
        LeapDose("offset-squat", (5, 10), (2, 2), 1, *SWH_HARD,
                 cue="single-leg-biased, then the split squat as tolerated"),
        LeapDose("lateral-band-walk", (5, 10), (1, 2), 1, *SWH_HARD,
                 cue="band side-slides; band at the ankles once tolerated"),
    ),
}  # fmt: skip
"""LEAP doses by stage (§9.1) [V table; M for which static-abduction row carries
'10 reps, 1–2 sets' and for the CR10 mapping]. Weeks 3–8 go from 5 to 10 reps and from 1
to 2 sets only through the pain model's row 7."""

AVOID_WEEKS_1_TO_8 = (
    "clam",  # E04
    "banded-clam",  # E05
    "clam-in-hip-extension",  # E45
    "side-lying-hip-abduction",  # E06
    "side-plank",  # E16
    "side-plank-hip-abduction",  # E17
    "hip-hitch",  # E32
    "curtsy-lunge",  # E48
    "lateral-lunge",  # E47, to depth
)
"""§15.2: exercises flagged "avoid in GT weeks 1–8" (compression and adduction). The
shipped library marks each of them "avoid early" for gluteal tendinopathy (a library test
checks the two agree)."""

LEAP_WITHOUT_HOME_DOSE: Mapping[int, tuple[str, ...]] = {
    3: (
        "leap-sliding-abduction",  # E62: §9.1 weeks 3-8, supervised in clinic only [V]
        "wall-assisted-single-leg-stance",  # E63: §15.1 functional retraining [M]
    ),
}
"""LEAP exercises a stage adds that have no home dose in §9.1 (the practitioner sets it)."""

POSITIONS = (
    "Stretching into adduction or across the midline (ITB stretches, figure-4 across the body)",
    "Sitting cross-legged or with the knees crossed or pressed together; low, soft chairs",
    "Lying on the painful side; on the other side, a pillow between the knees so the top "
    "knee does not drop below the hip (or lie on the back)",
    "Standing 'hanging' on one hip: stand evenly on both legs",
    "Sudden increases in walking, hills or stairs; very long walks while symptoms are high",
    "Long spells of standing: break them up",
)
"""§15.2 and §4.4 load-management education [V]."""

AVOID = Rule(
    "gt.avoid",
    "Gluteal tendinopathy: avoid in weeks 1–8",
    ", ".join(AVOID_WEEKS_1_TO_8),
    "Clams (including in hip extension), side-lying abduction, side planks, the hip hitch, "
    "curtsy and lateral lunges to depth and deep loaded squats are kept out in weeks 1–8 "
    "(compression and adduction under load); later only with pain in §8 rows 6–7.",
    Source(
        "Compression principle; completesportscare, Dublin Physiotherapy",
        "design decision",
        "§15.2",
    ),
    note="The library's early-stage cautions for gluteal tendinopathy list the same "
    "exercises (clams, side-lying abduction, side planks, hip hitch, lateral and curtsy lunges).",
)
CONTENT = Rule(
    "gt.leap_content",
    "LEAP programme content",
    "week 1: isometrics, bridge, squat, side-stepping",
    "Gluteal tendinopathy follows LEAP: static abduction (supine and standing), the "
    "double-leg bridge, the double-leg squat and side-stepping from week 1, offset bridge and "
    "squat from week 2, single-leg-biased work and band side-slides in weeks 3–8, with "
    "load-management education throughout; in weeks 3–8 also sliding abduction (supervised in "
    "clinic) and wall-assisted single-leg stance.",
    _LEAP,
)

RULES: tuple[Rule[Any], ...] = (CONTENT, AVOID)


def leap_doses(stage: int) -> tuple[LeapDose, ...]:
    """The LEAP doses of a stage (1-3; anything else is stage 1)."""
    return LEAP_DOSES.get(stage, LEAP_DOSES[1])


def leap_exercises(stage: int) -> tuple[str, ...]:
    """Every LEAP exercise of a stage: the dosed ones, then those without a home dose."""
    shown = stage if stage in LEAP_DOSES else 1
    return (
        *(d.slug for d in leap_doses(shown)),
        *LEAP_WITHOUT_HOME_DOSE.get(shown, ()),
    )
