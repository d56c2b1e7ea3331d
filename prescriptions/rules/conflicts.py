"""Prescriber warnings: where a programme or one of its items conflicts with the
assessment's red flags, the stop signs, a surgery's current restrictions, or an
exercise's cautions for the patient's conditions.

Pure: plain codes and exercise-like objects in, `Conflict`s out (CLINICAL.md §3 library
notes, §4.4, §4.6, §10). Warnings inform the practitioner; they never block a save or a
publish, because clearance (a GP's letter, a surgeon's precautions) lives outside Stance.
The texts are for staff and name no internal reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY, Caution, CautionKind
from prescriptions.rules import dosing, postop
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


IMPACT_EXERCISES = frozenset({"drop-landing", "jump-and-stick", "hop-and-stick", "lateral-bound"})
"""Shipped impact exercises (E52 landings, E53 jumps, E34 hops, E35 bounds): none with a
suspected bone stress injury or fracture (CLINICAL.md §4.6, "no impact progression")."""
HEAVY_GOALS = frozenset({dosing.Goal.STRENGTH, dosing.Goal.POWER})
"""Goals with heavy or explosive efforts, to hold back on with raised resting BP or HR."""
PRESSOR_FLAGS = frozenset({RedFlag.HIGH_BP, RedFlag.RESTING_HR})
"""Relative contraindications that bear on heavy efforts (CLINICAL.md §4.6)."""

_SIGN_CODES = frozenset(s.value for s in postop.Sign)
_GROUP_OF: Mapping[str, str] = {flag: key for key, _, flags in RED_FLAG_GROUPS for flag in flags}


def _labels(codes: Iterable[str]) -> str:
    return "; ".join(RedFlag(c).label for c in codes)


def programme_conflicts(
    *,
    red_flags: Sequence[str],
    stop_flags: Sequence[Mapping[str, Any]] = (),
    signs: Sequence[str] = (),
    surgery: postop.Surgery | None = None,
    on_date: date | None = None,
) -> list[Conflict]:
    """Warnings for the whole programme: the assessment's red flags and do-not-exercise
    values (stored flags of severity "stop"), the stop signs reported (§10.5), and a
    surgery's precautions in force on `on_date`."""
    known = [f for f in red_flags if f in _GROUP_OF]
    absolute = [f for f in known if _GROUP_OF[f] == "absolute"]
    refer = [f for f in known if _GROUP_OF[f] == "hip_back"]
    relative = [f for f in known if _GROUP_OF[f] == "relative"]
    checklist = [f for f in known if _GROUP_OF[f] == "stop_sign_checklist"]
    out = []
    reported = [postop.Sign(s) for s in signs if s in _SIGN_CODES]
    emergency = [s for s in reported if s in postop.EMERGENCY_SIGNS]
    stop = [s for s in reported if s not in postop.EMERGENCY_SIGNS]
    if emergency:
        out.append(
            Conflict(
                Severity.STOP,
                "Emergency: call 000 (possible pulmonary embolism): "
                + "; ".join(s.label for s in emergency)
                + ".",
            )
        )
    if stop:
        out.append(
            Conflict(
                Severity.STOP,
                "Stop signs: " + "; ".join(s.label for s in stop) + ". Stop exercise; the "
                "patient contacts the surgeon or GP the same day.",
            )
        )
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
    if checklist:
        out.append(
            Conflict(
                Severity.WARNING,
                f"Precaution, not a stop: {_labels(checklist).lower()}. Ask about the stop "
                "signs at each session (fever or chills; a red, hot or discharging wound; calf "
                "or thigh pain or swelling; chest pain or breathlessness): any one stops "
                "exercise.",
            )
        )
    if (
        surgery is not None
        and on_date is not None
        and postop.tha_precautions_active(surgery, on_date)
    ):
        out.append(Conflict(Severity.WARNING, tha_precautions_text(surgery, on_date)))
    return out


def tha_precautions_text(surgery: postop.Surgery, on_date: date) -> str:
    """The THA precautions in force, with the approach and the weeks left (staff words)."""
    approach = surgery.approach.value if surgery.approach else "unknown"
    days = surgery.days_since(on_date)
    left = postop.weeks_left(surgery, on_date)
    if days is None or left is None:
        when = "surgery date not recorded"
    else:
        when = f"week {days // 7 + 1} after surgery"
    if left is None:
        until = "until the surgeon clears them"
    elif left > 0:
        until = (
            f"until the surgeon clears them; {left} week{'s' if left != 1 else ''} left of "
            f"the default {postop.THA_PRECAUTION_WEEKS.value}"
        )
    else:
        until = (
            f"the default {postop.THA_PRECAUTION_WEEKS.value} weeks are over: they still "
            "apply until the clearance date is entered"
        )
    side = f"{surgery.side} " if surgery.side else ""
    moves = "; ".join(postop.precaution_moves(surgery))
    until = until[0].upper() + until[1:]
    return f"Hip precautions ({approach} approach, {side}THA, {when}): {moves}. {until}."


def item_conflicts(
    exercise: ExerciseLike,
    *,
    goal: str,
    conditions: Iterable[str],
    red_flags: Iterable[str] = (),
    externally_loaded: bool = False,
    surgery: postop.Surgery | None = None,
    on_date: date | None = None,
    phase: int | None = None,
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
    4. A surgery's restrictions on `on_date` (rules/postop.py): an exercise the THA
       precautions or the ACLR rules block is a warning with the reason; one to modify, or
       one the THA matrix does not list while precautions apply, is a caution.
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
                "Compressive for gluteal tendinopathy: avoid in the early stage.",
            )
        )
    if surgery is not None and on_date is not None:
        out += _surgery_conflicts(exercise.slug, surgery, on_date, phase)
    if goal == dosing.Goal.POWER and getattr(exercise, "dose_type", "") == "hold_seconds":
        out.append(
            Conflict(
                Severity.CAUTION,
                "A timed hold does not train power; pick a fast, dynamic exercise.",
            )
        )
    return out


def _surgery_conflicts(
    slug: str, surgery: postop.Surgery, on_date: date, phase: int | None
) -> list[Conflict]:
    found = postop.restriction(slug, surgery, on_date, phase=phase)
    if found is not None and found.verdict == postop.Verdict.BLOCK:
        return [Conflict(Severity.WARNING, found.reason)]
    if found is not None and found.verdict == postop.Verdict.MODIFY:
        return [Conflict(Severity.CAUTION, found.reason)]
    if found is None and postop.tha_precautions_active(surgery, on_date):
        return [
            Conflict(
                Severity.CAUTION,
                "Not in the THA precaution matrix: check it against the surgeon's precautions.",
            )
        ]
    return []
