"""One case in, one decision out: flags, exercises with their dose, what to avoid, and the
progression decision. The audit command prints `result_json(evaluate(case))`. Pure: the
case carries its date, the library is the shipped one unless given.

1. Flags (rules/case_flags.py): stop signs and red flags (§4.6, §10.5), surgery
   precautions (§10), the battery's thresholds in their context (§1, §13.3), falls risk
   (§12), the ACL return-to-sport battery (§13), STarT Back (§14.1); and a pain flare (§8).
2. Any `stop` flag: no exercise is suggested.
3. Otherwise the candidates, in order: the pathway stage's content (LEAP §9.1/§15, ACLR
   §9.2, THA §9.3), then the suggestions from the findings (§3, §12.7, §14.2), each dosed
   (LEAP's own doses, §14.2's starting doses, else the goal and training profile of §11).
4. What breaks a current restriction (THA precautions, ACLR rules, the GT avoid list) is
   left out and listed in `avoid` with its reason; while THA precautions apply only what
   the phase lists is suggested, a "modify" exercise with its modification.
5. Progression: the pain-monitoring model (§8) with the stage gate (§9).
"""

# ruff: noqa: RUF001 - clinical notation (en dashes, °) is intended

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY, Exercise, Library, default_library
from prescriptions.rules import dosing, gt, lbp, pain, postop, stages
from prescriptions.rules.case import Case
from prescriptions.rules.case_flags import case_flags
from prescriptions.rules.findings import findings_from_values
from prescriptions.rules.flags import Flag, Severity
from prescriptions.rules.goals import proposed_goal
from prescriptions.rules.sources import Source
from prescriptions.rules.suggestions import (
    Finding,
    FindingCode,
    Suggestion,
    SuggestionKind,
    patient_finding_label,
    suggestions_from_findings,
)
from prescriptions.rules.training import profile_for
from prescriptions.vocabulary import Condition

_STRENGTH_GOALS = {dosing.Goal.STRENGTH, dosing.Goal.HYPERTROPHY, dosing.Goal.MUSCULAR_ENDURANCE}


@dataclass(frozen=True)
class Prescribed:
    slug: str
    name: str
    sets: int
    reps: int | tuple[int, int] | None
    hold_seconds: int | tuple[int, int] | None
    intensity: dict[str, tuple[int, int]]
    rest_seconds: int
    per_week: int
    why: str
    why_for_patient: str = ""
    per_day: int = 1
    per_side: bool = False
    distance_m: int | None = None
    modification: str = ""


@dataclass(frozen=True)
class Avoid:
    slug: str
    reason: str


@dataclass(frozen=True)
class Progression:
    decision: pain.Decision
    reason: str
    reason_for_patient: str
    rule: str
    exercise: str = ""
    stage: dict[str, Any] | None = None


@dataclass(frozen=True)
class Result:
    on_date: str
    goal: str | None
    flags: tuple[Flag, ...]
    exercises: tuple[Prescribed, ...]
    avoid: tuple[Avoid, ...]
    progression: Progression
    notes: tuple[str, ...] = field(default_factory=tuple)


# --- Pathway and stage --------------------------------------------------------------------


def _pathway(case: Case) -> stages.Pathway | None:
    if case.surgery is not None:
        if case.surgery.procedure == postop.Procedure.TOTAL_HIP_ARTHROPLASTY:
            return stages.Pathway.TOTAL_HIP_ARTHROPLASTY
        if case.surgery.procedure == postop.Procedure.ACL_RECONSTRUCTION:
            return stages.Pathway.ACL_RECONSTRUCTION
    if Condition.LATERAL_HIP in case.conditions:
        return stages.Pathway.LEAP
    return None


def _stage_gate(case: Case, pathway: stages.Pathway | None) -> stages.StageGate | None:
    if pathway is None:
        return None
    decisions = [
        pain.pain_decision(
            case.pain_log[: i + 1], baseline=case.programme.baseline_morning
        ).decision
        for i in range(len(case.pain_log))
    ]
    return stages.stage_gate(
        pathway,
        stage=case.programme.stage,
        on_date=case.on_date,
        stage_started_on=case.programme.stage_started_on,
        surgery_date=case.surgery.on if case.surgery else None,
        exit_criteria_met=case.programme.exit_criteria_met,
        recent_decisions=decisions,
    )


# --- Exercises ----------------------------------------------------------------------------


def _findings(
    case: Case,
    values: dict[tuple[str, str, str], Decimal | str],
    raised: Sequence[str],
    falls_flagged: bool,
) -> list[Finding]:
    observed: dict[str, list[str]] = {}
    extra: list[Finding] = []
    for code, side in case.findings:
        if code == "low_flexor_endurance":
            extra.append(Finding(FindingCode.LOW_FLEXOR_ENDURANCE, True, side or None))
        elif code == "poor_trunk_rotation_control":
            extra.append(Finding(FindingCode.TRUNK_ROTATION_CONTROL, "poor", side or None))
        else:
            observed.setdefault(code, []).append(side)
    found = findings_from_values(
        conditions=case.conditions, values=values, observed=observed, flags=raised
    )
    if falls_flagged and not any(f.code == FindingCode.FALLS_RISK for f in found):
        found.append(Finding(FindingCode.FALLS_RISK, True))
    return found + extra


def _dose_from_goal(
    exercise: Exercise, goal: dosing.Goal, case: Case
) -> tuple[
    int,
    int | tuple[int, int] | None,
    int | tuple[int, int] | None,
    dict[str, tuple[int, int]],
    int,
    int,
    int | None,
]:
    dose = dosing.goal_defaults(
        goal,
        exercise,
        profile_for(age=case.patient.age, training_status=case.patient.training_status),
    )
    intensity: dict[str, tuple[int, int]] = {}
    if dose.percent_1rm is not None:
        intensity["percent_1rm"] = (dose.percent_1rm.low, dose.percent_1rm.high)
    if dose.rpe is not None:
        intensity["rpe"] = (dose.rpe.low, dose.rpe.high)
    if dose.rir is not None:
        intensity["rir"] = (dose.rir.low, dose.rir.high)
    reps: int | tuple[int, int] | None = None
    if dose.reps_range is not None:
        low, high = dose.reps_range.low, dose.reps_range.high
        reps = low if low == high else (low, high)
    hold: int | tuple[int, int] | None = None
    if dose.hold_seconds_range is not None:
        hold = (dose.hold_seconds_range.low, dose.hold_seconds_range.high)
    return dose.sets, reps, hold, intensity, dose.rest_seconds, dose.days_per_week, dose.distance_m


def _prescribe(
    exercise: Exercise,
    *,
    goal: dosing.Goal,
    case: Case,
    why: str,
    why_for_patient: str,
    leap: gt.LeapDose | None = None,
    trunk: lbp.TrunkRow | None = None,
    modification: str = "",
) -> Prescribed:
    if leap is not None:
        return Prescribed(
            exercise.slug,
            exercise.name,
            leap.sets[1],
            leap.reps if leap.reps[0] != leap.reps[1] else leap.reps[0],
            leap.hold_seconds,
            {"rpe": leap.rpe},
            30,
            7,
            why + (f" Cue: {leap.cue}." if leap.cue else ""),
            why_for_patient,
            per_day=leap.per_day,
            per_side=exercise.per_side,
            modification=modification,
        )
    if trunk is not None and exercise.slug in trunk.exercises:
        return _trunk_prescription(exercise, trunk, why, why_for_patient, modification)
    if exercise.step_in("power") is not None and goal in _STRENGTH_GOALS:
        goal = dosing.Goal.POWER  # jumps and hops: fast, few reps (§11.1 power row)
    sets, reps, hold, intensity, rest, per_week, distance = _dose_from_goal(exercise, goal, case)
    return Prescribed(
        exercise.slug,
        exercise.name,
        sets,
        None if hold is not None else reps,
        hold,
        intensity,
        rest,
        per_week,
        why,
        why_for_patient,
        per_side=exercise.per_side,
        distance_m=distance,
        modification=modification,
    )


def _trunk_prescription(
    exercise: Exercise, row: lbp.TrunkRow, why: str, why_for_patient: str, modification: str
) -> Prescribed:
    """A §14.2 starting dose: 10-s holds in a 6-4-2 pyramid for the hold exercises, the
    row's reps for the others, 2-4 x the usual distance for a carry."""
    hold = row.hold_seconds if exercise.slug in row.hold_slugs else None
    reps: int | tuple[int, int] | None = row.reps if hold else (row.other_reps or row.reps)
    sets = row.sets[1]
    distance = None
    if exercise.dose_type == "distance_m":
        reps, hold, sets, distance = None, None, 4, exercise.distance_m
    if isinstance(reps, tuple) and reps[0] == reps[1]:
        reps = reps[0]
    return Prescribed(
        exercise.slug,
        exercise.name,
        sets,
        reps,
        hold,
        {"rir": (2, 4), "rpe": (6, 8)} if distance is None else {},
        60,
        3,
        f"{why} Starting dose: {row.dose}.",
        why_for_patient,
        per_side=exercise.per_side,
        distance_m=distance,
        modification=modification,
    )


@dataclass
class _Candidates:
    lib: Library
    order: list[str] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)
    why_patient: dict[str, str] = field(default_factory=dict)
    leap: dict[str, gt.LeapDose] = field(default_factory=dict)
    trunk: dict[str, lbp.TrunkRow] = field(default_factory=dict)

    def add(self, slug: str, why: str, why_patient: str) -> bool:
        if slug not in self.lib:
            return False
        if slug in self.why:
            if why not in self.why[slug]:
                self.why[slug] += f" Also: {why}"
            return True
        self.order.append(slug)
        self.why[slug] = why
        self.why_patient[slug] = why_patient
        return True


def _why_patient(s: Suggestion) -> str:
    labels = [patient_finding_label(f) for f in s.because]
    return ("Your assessment found that " + "; and ".join(labels) + ".") if labels else ""


def _avoid(case: Case, lib: Library, phase: int | None, gt_case: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in lib.exercises:
        found = postop.restriction(e.slug, case.surgery, case.on_date, phase=phase)
        if found is not None and found.verdict == postop.Verdict.BLOCK:
            out[e.slug] = found.reason
    if gt_case:
        for e in lib.exercises:
            if e.slug in out:
                continue
            if e.slug in gt.AVOID_WEEKS_1_TO_8 or e.avoid_early_for(GLUTEAL_TENDINOPATHY):
                out[e.slug] = (
                    "Gluteal tendinopathy, weeks 1–8: compressive (hip adduction under load)."
                )
    return out


def evaluate(case: Case, library: Library | None = None) -> Result:
    """The decisions for one case; see the module docstring."""
    lib = library or default_library()
    notes: list[str] = []
    found_flags = case_flags(case)
    flags = list(found_flags.flags)
    raised, values = found_flags.raised, found_flags.values
    pathway = _pathway(case)
    gate = _stage_gate(case, pathway)
    if gate is not None and gate.notes:
        notes += gate.notes
    stage_number = gate.stage.number if gate is not None else None

    # Progression (§8 with §9).
    stop_codes = [f.code for f in flags if f.severity == Severity.STOP]
    stop_words = [
        f.message.split(". ")[0].rstrip(".") for f in flags if f.severity == Severity.STOP
    ]
    days_since = case.surgery.days_since(case.on_date) if case.surgery else None
    decision = pain.pain_decision(
        case.pain_log,
        on_date=case.on_date,
        baseline=case.programme.baseline_morning,
        stage_started_on=case.programme.stage_started_on,
        stop=stop_words,
        days_since_surgery=days_since,
        stage_time_met=gate.progress_time_met if gate else True,
        stage_time_reason=gate.progress_time_reason if gate else "",
    )
    notes += decision.notes
    if decision.review and decision.decision != pain.Decision.SEE_CLINICIAN:
        flags.append(
            Flag(
                "pain_flare",
                Severity.PRECAUTION,
                "Pain-monitoring flag for review: " + decision.reason,
                Source("Pain-monitoring model (Silbernagel 2007)", "design decision", "§8.3"),
                decision.patient_message,
            )
        )

    gt_case = pathway == stages.Pathway.LEAP
    avoid = _avoid(
        case, lib, stage_number if pathway == stages.Pathway.ACL_RECONSTRUCTION else None, gt_case
    )
    falls_flagged = any(f.code == "falls_risk" for f in flags)
    found = _findings(case, values, raised, falls_flagged)
    suggestions = suggestions_from_findings(found, library=lib, gt_stage=stage_number or 1)
    goal_code = case.programme.goal
    if goal_code is None:
        early = days_since is not None and 0 <= days_since < 6 * 7
        chosen = proposed_goal(
            assessment_goals=case.goals,
            finding_goals=[s.goal for s in suggestions],
            early_after_surgery=early,
        )
        goal_code = chosen.value if chosen else None
    goal = dosing.Goal(goal_code) if goal_code else dosing.Goal.MUSCULAR_ENDURANCE

    exercises: list[Prescribed] = []
    if not stop_codes:
        exercises = _exercises(case, lib, gate, pathway, suggestions, avoid, goal, notes)
    progression = Progression(
        decision.decision,
        decision.reason,
        decision.patient_message,
        decision.rule,
        decision.exercise,
        _stage_json(gate),
    )
    for s in suggestions:
        if s.kind == SuggestionKind.NO_EXERCISE:
            notes.append(s.reason)
    return Result(
        case.on_date.isoformat(),
        goal_code,
        tuple(flags),
        tuple(exercises),
        tuple(Avoid(slug, reason) for slug, reason in avoid.items()),
        progression,
        tuple(dict.fromkeys(notes)),
    )


def _exercises(
    case: Case,
    lib: Library,
    gate: stages.StageGate | None,
    pathway: stages.Pathway | None,
    suggestions: Sequence[Suggestion],
    avoid: dict[str, str],
    goal: dosing.Goal,
    notes: list[str],
) -> list[Prescribed]:
    cands = _Candidates(lib)
    missing: list[str] = []
    tha_active = case.surgery is not None and postop.tha_precautions_active(
        case.surgery, case.on_date
    )
    if gate is not None:
        stage = gate.stage
        why = f"{stage.name} ({gate.pathway.value.replace('_', ' ')}, stage {stage.number})."
        if pathway == stages.Pathway.LEAP:
            for d in gt.leap_doses(stage.number):
                if cands.add(d.slug, f"LEAP {why}", "Part of your tendon-loading programme."):
                    cands.leap[d.slug] = d
                else:
                    missing.append(d.slug)
        else:
            for slug in stage.content:
                if not cands.add(slug, why, "Part of this stage of your recovery."):
                    missing.append(slug)
    for s in suggestions:
        if s.kind != SuggestionKind.ADD_EXERCISES:
            continue
        row = next((r for r in lbp.TRUNK_ROWS if s.dose and r.dose == s.dose), None)
        for slug in s.exercises:
            if cands.add(slug, s.reason, _why_patient(s)) and row is not None:
                cands.trunk.setdefault(slug, row)
        if not s.exercises:
            missing.append(f"{s.title or 'suggestion'}: none of its exercises is in the library")
    out = []
    for slug in cands.order:
        if slug in avoid:
            continue
        exercise = lib.exercise(slug)
        modification = ""
        if case.surgery is not None:
            found = postop.restriction(
                slug,
                case.surgery,
                case.on_date,
                phase=gate.stage.number
                if gate and pathway == stages.Pathway.ACL_RECONSTRUCTION
                else None,
            )
            if found is not None and found.verdict == postop.Verdict.MODIFY:
                modification = found.reason
            listed = gate is not None and slug in gate.stage.content
            if tha_active and found is None and not listed:
                continue  # not in the matrix and not the phase's own: not suggested
            if tha_active and not listed:
                continue  # while precautions apply, only the phase's content (§9.3)
        out.append(
            _prescribe(
                exercise,
                goal=goal,
                case=case,
                why=cands.why[slug],
                why_for_patient=cands.why_patient[slug],
                leap=cands.leap.get(slug),
                trunk=cands.trunk.get(slug),
                modification=modification,
            )
        )
    if missing:
        notes.append(
            "Named by the rules but not in the shipped library yet: "
            + ", ".join(dict.fromkeys(missing))
            + "."
        )
    return out


def _stage_json(gate: stages.StageGate | None) -> dict[str, Any] | None:
    if gate is None:
        return None
    return {
        "pathway": gate.pathway.value,
        "current": gate.stage.number,
        "name": gate.stage.name,
        "next": gate.next_stage.number if gate.next_stage else None,
        "may_advance": gate.may_advance,
        "reasons": list(gate.reasons),
        "days_in_stage": gate.days_in_stage,
    }


# --- Output -------------------------------------------------------------------------------


def _span_or_number(value: int | tuple[int, int] | None) -> int | list[int] | None:
    if isinstance(value, tuple):
        return list(value)
    return value


def result_json(result: Result) -> dict[str, Any]:
    """The audit command's JSON object (docs/suggest_programme.schema.json, $defs/output)."""
    return {
        "on_date": result.on_date,
        "goal": result.goal,
        "flags": [f.as_json() for f in result.flags],
        "exercises": [
            {
                "slug": e.slug,
                "name": e.name,
                "sets": e.sets,
                "reps": _span_or_number(e.reps),
                "hold_seconds": _span_or_number(e.hold_seconds),
                "distance_m": e.distance_m,
                "per_side": e.per_side,
                "intensity": {k: list(v) for k, v in e.intensity.items()},
                "rest_seconds": e.rest_seconds,
                "per_week": e.per_week,
                "per_day": e.per_day,
                "why": e.why,
                "why_for_patient": e.why_for_patient,
                "modification": e.modification,
            }
            for e in result.exercises
        ],
        "avoid": [{"slug": a.slug, "reason": a.reason} for a in result.avoid],
        "progression": {
            "decision": result.progression.decision.value,
            "reason": result.progression.reason,
            "reason_for_patient": result.progression.reason_for_patient,
            "rule": result.progression.rule,
            "exercise": result.progression.exercise,
            "stage": result.progression.stage,
        },
        "notes": list(result.notes),
    }


def check_no_stop_with_exercises(result: Result) -> None:
    """The contract: a stop flag means no exercise (raises AssertionError otherwise)."""
    if any(f.severity == Severity.STOP for f in result.flags) and result.exercises:
        raise AssertionError("a stop flag must leave no exercise")
