"""Prescriber warnings: where a programme or one of its items conflicts with the
assessment's red flags or with an exercise's cautions for the patient's conditions.

Pure: plain codes and exercise-like objects in, `Conflict`s out (CLINICAL.md §3 library
notes, §4.4, §4.6). Warnings inform the practitioner; they never block a save or a
publish, because clearance (a GP's letter, a surgeon's precautions) lives outside Stance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY, Caution, CautionKind
from prescriptions.rules import dosing
from prescriptions.vocabulary import RED_FLAG_GROUPS, RedFlag


class Severity(StrEnum):
    STOP = "stop"  # do not exercise until cleared / refer
    WARNING = "warning"  # this item conflicts: change it or record why not
    CAUTION = "caution"  # check before prescribing, or do it the way the text says


@dataclass(frozen=True)
class Conflict:
    severity: Severity
    text: str  # plain words for the practitioner


class ExerciseLike(Protocol):
    slug: str
    weight_bearing: bool

    def cautions_for(self, conditions: Iterable[str]) -> tuple[Caution, ...]: ...

    def avoid_early_for(self, condition: str) -> bool: ...


IMPACT_EXERCISES = frozenset({"hop-and-stick", "lateral-bound"})
"""Shipped impact exercises (hops, bounds): none with a suspected bone stress injury or
fracture (CLINICAL.md §4.6, "no impact progression")."""
HEAVY_GOALS = frozenset({dosing.Goal.STRENGTH, dosing.Goal.POWER})
"""Goals with heavy or explosive efforts, to hold back on with raised resting BP or HR."""
PRESSOR_FLAGS = frozenset({RedFlag.HIGH_BP, RedFlag.RESTING_HR})
"""Relative contraindications that bear on heavy efforts (CLINICAL.md §4.6)."""

_GROUP_OF: Mapping[str, str] = {flag: key for key, _, flags in RED_FLAG_GROUPS for flag in flags}


def _labels(codes: Iterable[str]) -> str:
    return "; ".join(RedFlag(c).label for c in codes)


def programme_conflicts(
    *, red_flags: Sequence[str], stop_flags: Sequence[Mapping[str, Any]] = ()
) -> list[Conflict]:
    """Warnings for the whole programme, from the assessment's red flags and its
    do-not-exercise values (stored flags of severity "stop")."""
    known = [f for f in red_flags if f in _GROUP_OF]
    absolute = [f for f in known if _GROUP_OF[f] == "absolute"]
    refer = [f for f in known if _GROUP_OF[f] == "hip_back"]
    relative = [f for f in known if _GROUP_OF[f] == "relative"]
    out = []
    if absolute:
        out.append(Conflict(Severity.STOP, f"Do not exercise: refer. {_labels(absolute)}."))
    if refer:
        out.append(Conflict(Severity.STOP, f"Stop and refer before exercising: {_labels(refer)}."))
    for flag in stop_flags:
        out.append(
            Conflict(
                Severity.STOP,
                f"Do not exercise until cleared: {flag.get('label', '')} "
                f"({flag.get('value', '')}).",
            )
        )
    if relative:
        out.append(Conflict(Severity.WARNING, f"Precautions: {_labels(relative)}."))
    return out


def item_conflicts(
    exercise: ExerciseLike,
    *,
    goal: str,
    conditions: Iterable[str],
    red_flags: Iterable[str] = (),
    externally_loaded: bool = False,
) -> list[Conflict]:
    """Warnings for one item: its exercise against the patient's conditions (library
    codes), the assessment's red flags and the programme's goal.

    1. Cautions of the exercise for the conditions: "avoid early" is a warning (e.g.
       side-lying abduction and side planks in early gluteal tendinopathy); "modify" and
       "precaution" and general cautions are cautions.
    2. Red flags: unable to weight-bear and a standing exercise; a suspected fracture or
       bone stress injury and an impact exercise; raised resting BP or HR and a heavy goal
       or an external load.
    3. The goal: the GT load-management goal and an exercise to avoid early in GT (even
       when the condition was not recorded); a timed hold under the power goal.
    """
    wanted = set(conditions)
    flags = set(red_flags)
    out = []
    for caution in exercise.cautions_for(wanted):
        severity = (
            Severity.WARNING
            if caution.kind == CautionKind.AVOID_EARLY and caution.condition is not None
            else Severity.CAUTION
        )
        out.append(Conflict(severity, caution.text))
    if RedFlag.NO_WEIGHT_BEARING in flags and exercise.weight_bearing:
        out.append(
            Conflict(
                Severity.WARNING,
                "Red flag: unable to weight-bear, and this exercise is done standing.",
            )
        )
    if RedFlag.FRACTURE in flags and exercise.slug in IMPACT_EXERCISES:
        out.append(
            Conflict(
                Severity.WARNING,
                "Red flag: suspected fracture or bone stress injury; no impact work.",
            )
        )
    pressor = sorted(PRESSOR_FLAGS & flags)
    if pressor and (goal in HEAVY_GOALS or externally_loaded):
        out.append(
            Conflict(
                Severity.WARNING,
                f"Precaution: {_labels(pressor).lower()}; avoid heavy or straining efforts "
                "until cleared.",
            )
        )
    gt_covered = GLUTEAL_TENDINOPATHY in wanted
    if (
        goal == dosing.Goal.GT_LOAD_MANAGEMENT
        and not gt_covered
        and exercise.avoid_early_for(GLUTEAL_TENDINOPATHY)
    ):
        out.append(
            Conflict(
                Severity.WARNING,
                "Compressive for gluteal tendinopathy: avoid in the early stage (CLINICAL.md §3).",
            )
        )
    if goal == dosing.Goal.POWER and getattr(exercise, "dose_type", "") == "hold_seconds":
        out.append(
            Conflict(
                Severity.CAUTION,
                "A timed hold does not train power; pick a fast, dynamic exercise.",
            )
        )
    return out
