"""Exercise suggestions from assessment findings. Pure: findings in, suggestions out.

Findings are plain values (`Finding(code, value, side)` or a `{code: value}` mapping) so the
assessment models can feed them in later. Every suggestion carries the findings it comes
from (`because`) and says so in plain words (`reason`).

Rules (CLINICAL.md §1, §3, §4.4):
- Abductor deficit (positive Trendelenburg, abduction LSI < 90 %, abduction ≤ 35.4 %BW,
  contralateral pelvic drop) → the abductor chain, entered at a step that fits how marked
  the deficit is.
- Extensor deficit (extension LSI < 90 %, poor gluteal activation) → the extensor chain.
- Poor movement control (single-leg squat poor or fair, lateral step-down 2+, dynamic knee
  valgus) → the functional single-leg chain.
- Gluteal tendinopathy (the condition, or a positive 30-s single-leg stance test) → the
  early isometrics under the GT load-management goal, other chains kept to exercises that
  are not compressive, and a list of compressive exercises and positions to avoid.
- Hanging into one hip → load-management education on compressive positions.
"""

# Clinical text uses en dashes and other typographic signs on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from prescriptions.library.shipped import GLUTEAL_TENDINOPATHY, Library, default_library
from prescriptions.rules.dosing import Goal


class FindingCode(StrEnum):
    CONDITION = "condition"  # a condition code, e.g. "gluteal_tendinopathy"
    TRENDELENBURG = "trendelenburg"  # "negative", "positive", "positive_delayed", "zero_time"
    HIP_ABDUCTION_LSI = "hip_abduction_lsi"  # %, involved ÷ uninvolved × 100
    HIP_ABDUCTION_PCT_BW = "hip_abduction_pct_bw"  # % of body weight (HHD force)
    CONTRALATERAL_PELVIC_DROP = "contralateral_pelvic_drop"  # bool
    HIP_EXTENSION_LSI = "hip_extension_lsi"  # %
    GLUTEAL_ACTIVATION = "gluteal_activation"  # "good" or "poor"
    SINGLE_LEG_SQUAT = "single_leg_squat"  # "good", "fair", "poor"
    LATERAL_STEP_DOWN = "lateral_step_down"  # score 0–6 (Piva 2006)
    DYNAMIC_KNEE_VALGUS = "dynamic_knee_valgus"  # bool
    SINGLE_LEG_STANCE_PAIN = "single_leg_stance_pain"  # NPRS 0–10 within 30 s
    HANGS_INTO_HIP = "hangs_into_hip"  # bool (posture habit)


@dataclass(frozen=True)
class Finding:
    code: FindingCode | str
    value: Any = True
    side: str | None = None  # "left", "right" or None


class SuggestionKind(StrEnum):
    ADD_EXERCISES = "add_exercises"
    AVOID = "avoid"  # exercises and positions to keep out of the programme for now
    EDUCATION = "education"


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    reason: str  # plain words, naming the findings
    because: tuple[Finding, ...]
    exercises: tuple[str, ...] = ()  # slugs to add (ADD_EXERCISES) or avoid (AVOID)
    chain: str | None = None
    step: int | None = None
    goal: Goal | None = None
    positions: tuple[str, ...] = ()  # compressive positions and habits to avoid


# --- Rule data -----------------------------------------------------------------------------

LSI_TARGET = 90.0
"""LSI below 90 % is below the usual target [V] (CLINICAL.md §1.6; flag, don't fail)."""
LSI_MARKED_BELOW = 70.0
"""[derived] house cut-off for a marked deficit; not from a source."""
LSI_MODERATE_BELOW = 80.0
"""[derived] house cut-off for a moderate deficit; not from a source."""
ABDUCTION_PCT_BW_AT_RISK = 35.4
"""Abduction ≤35.4 %BW predicted non-contact ACL injury (Khayambashi 2016) [V]."""
SINGLE_LEG_STANCE_PAIN_POSITIVE = 2
"""30-s single-leg stance positive at ≥2/10 lateral hip pain (Grimaldi 2017) [V]."""
STEP_DOWN_POOR_MIN = 4
"""Lateral step-down 0–1 good, 2–3 moderate, ≥4 poor (Piva 2006) [V]."""
STEP_DOWN_MODERATE_MIN = 2

ENTRY_STEPS: Mapping[str, Mapping[str, int]] = {
    "abductor": {"marked": 1, "moderate": 3, "mild": 6},
    "extensor": {"marked": 1, "moderate": 2, "mild": 4},
    "functional-single-leg": {"marked": 1, "moderate": 3, "mild": 5},
}
"""Chain step to start at by severity. [derived] house rule (the chains are CLINICAL.md §3;
the entry points are not from a source): marked starts at the isometric or supported end,
mild at the weight-bearing middle. The practitioner moves it."""

GT_EARLY_ISOMETRICS = ("supine-isometric-hip-abduction", "standing-isometric-hip-abduction")
"""LEAP week-1 static abduction, supine and standing (CLINICAL.md §4.4) [V]."""

GT_COMPRESSIVE_POSITIONS = (
    "Standing 'hanging' into one hip: stand evenly on both legs",
    "Crossing the legs",
    "Low or soft, deep chairs",
    "Sleeping on the painful side, or on the other side without a pillow between the knees",
    "Stretches that pull the leg across the body (ITB stretches)",
    "Sudden increases in walking, stairs or hills, and long spells of standing",
)
"""Load-management education for gluteal tendinopathy (CLINICAL.md §4.4) [V]."""

_SEVERITY_ORDER = ("marked", "moderate", "mild")
_CHAIN_ORDER = ("abductor", "extensor", "functional-single-leg")


# --- Evaluation ----------------------------------------------------------------------------


def suggestions_from_findings(
    findings: Iterable[Finding] | Mapping[str, Any],
    *,
    library: Library | None = None,
) -> list[Suggestion]:
    """Suggestions for a programme from assessment findings, each naming its findings.

    1. Read each finding: which chain and how marked, or a GT or education trigger.
       Negative or normal findings trigger nothing; unknown codes or values raise ValueError.
    2. One ADD_EXERCISES suggestion per chain, starting at the step of its most marked
       finding (ENTRY_STEPS). With gluteal tendinopathy the abductor chain starts with the
       early isometrics, every chain skips compressive exercises and the goal is GT load
       management; otherwise a marked deficit suggests early-stage rehabilitation.
    3. With gluteal tendinopathy, one AVOID suggestion: compressive exercises and positions.
       Hanging into one hip without GT gives an EDUCATION suggestion on the positions.
    """
    lib = library or default_library()
    items = _as_findings(findings)
    by_chain: dict[str, list[tuple[str, Finding]]] = {}
    gt: list[Finding] = []
    habit: list[Finding] = []
    for f in items:
        code = FindingCode(f.code)
        if code == FindingCode.HANGS_INTO_HIP:
            if _truthy(f.value):
                habit.append(f)
            continue
        if _is_gt(code, f.value):
            gt.append(f)
            continue
        hit = _chain_hit(code, f.value)
        if hit is not None:
            by_chain.setdefault(hit[0], []).append((hit[1], f))
    if gt:
        by_chain.setdefault("abductor", [])
    out = [
        _chain_suggestion(chain, by_chain[chain], gt, lib)
        for chain in _CHAIN_ORDER
        if chain in by_chain
    ]
    if gt:
        avoid = tuple(e.slug for e in lib.avoid_early(GLUTEAL_TENDINOPATHY))
        because = tuple(gt + habit)
        out.append(
            Suggestion(
                kind=SuggestionKind.AVOID,
                reason="Compressive for the gluteal tendons, so keep them out for now; from "
                + _describe(because)
                + ".",
                because=because,
                exercises=avoid,
                positions=GT_COMPRESSIVE_POSITIONS,
            )
        )
    elif habit:
        out.append(
            Suggestion(
                kind=SuggestionKind.EDUCATION,
                reason="Explain compressive positions and how to avoid them; from "
                + _describe(habit)
                + ".",
                because=tuple(habit),
                positions=GT_COMPRESSIVE_POSITIONS,
            )
        )
    return out


def _chain_suggestion(
    chain: str, hits: list[tuple[str, Finding]], gt: list[Finding], lib: Library
) -> Suggestion:
    hits = sorted(hits, key=lambda h: _SEVERITY_ORDER.index(h[0]))
    findings = [f for _, f in hits]
    if gt and chain == "abductor":
        because = tuple(gt + findings)
        return Suggestion(
            kind=SuggestionKind.ADD_EXERCISES,
            reason="Early-stage isometric abductor work (LEAP), then along the abductor "
            f"chain; from {_describe(because)}.",
            because=because,
            exercises=GT_EARLY_ISOMETRICS,
            chain=chain,
            step=1,
            goal=Goal.GT_LOAD_MANAGEMENT,
        )
    severity = hits[0][0]
    step = ENTRY_STEPS[chain][severity]
    exercises = _exercises_at(lib, chain, step, avoid_gt=bool(gt))
    goal = Goal.GT_LOAD_MANAGEMENT if gt else (Goal.EARLY_REHAB if severity == "marked" else None)
    because = tuple(findings)
    name = lib.chains[chain].name
    return Suggestion(
        kind=SuggestionKind.ADD_EXERCISES,
        reason=f"{name}, from step {step} ({severity} deficit); from {_describe(because)}.",
        because=because,
        exercises=exercises,
        chain=chain,
        step=step,
        goal=goal,
    )


def _exercises_at(lib: Library, chain: str, step: int, *, avoid_gt: bool) -> tuple[str, ...]:
    """The chain's exercises at `step`, stepping back while all of them are to be avoided."""
    for s in range(step, 0, -1):
        found = tuple(
            e.slug
            for e in lib.chain_exercises(chain, s)
            if not (avoid_gt and e.avoid_early_for(GLUTEAL_TENDINOPATHY))
        )
        if found:
            return found
    return ()


def _as_findings(findings: Iterable[Finding] | Mapping[str, Any]) -> list[Finding]:
    if isinstance(findings, Mapping):
        return [Finding(code=k, value=v) for k, v in findings.items()]
    return list(findings)


def _is_gt(code: FindingCode, value: Any) -> bool:
    if code == FindingCode.CONDITION:
        return bool(value == GLUTEAL_TENDINOPATHY)
    if code == FindingCode.SINGLE_LEG_STANCE_PAIN:
        return _number(code, value) >= SINGLE_LEG_STANCE_PAIN_POSITIVE
    return False


def _chain_hit(code: FindingCode, value: Any) -> tuple[str, str] | None:
    """(chain, severity) for a finding that points at a chain; None when it is normal."""
    match code:
        case FindingCode.TRENDELENBURG:
            grade = _choice(
                code,
                "positive" if value is True else "negative" if value is False else value,
                {
                    "negative": None,
                    "positive_delayed": "mild",
                    "positive": "moderate",
                    "zero_time": "marked",
                },
            )
            return None if grade is None else ("abductor", grade)
        case FindingCode.HIP_ABDUCTION_LSI | FindingCode.HIP_EXTENSION_LSI:
            grade = _lsi_grade(_number(code, value))
            chain = "abductor" if code == FindingCode.HIP_ABDUCTION_LSI else "extensor"
            return None if grade is None else (chain, grade)
        case FindingCode.HIP_ABDUCTION_PCT_BW:
            at_risk = _number(code, value) <= ABDUCTION_PCT_BW_AT_RISK
            return ("abductor", "mild") if at_risk else None
        case FindingCode.CONTRALATERAL_PELVIC_DROP:
            return ("abductor", "mild") if _truthy(value) else None
        case FindingCode.GLUTEAL_ACTIVATION:
            grade = _choice(code, value, {"good": None, "poor": "marked"})
            return None if grade is None else ("extensor", grade)
        case FindingCode.SINGLE_LEG_SQUAT:
            grade = _choice(code, value, {"good": None, "fair": "mild", "poor": "moderate"})
            return None if grade is None else ("functional-single-leg", grade)
        case FindingCode.LATERAL_STEP_DOWN:
            score = _number(code, value)
            if not 0 <= score <= 6:
                raise ValueError("The lateral step-down score runs from 0 to 6.")
            if score >= STEP_DOWN_POOR_MIN:
                return ("functional-single-leg", "moderate")
            if score >= STEP_DOWN_MODERATE_MIN:
                return ("functional-single-leg", "mild")
            return None
        case FindingCode.DYNAMIC_KNEE_VALGUS:
            return ("functional-single-leg", "mild") if _truthy(value) else None
    return None


def _lsi_grade(lsi: float) -> str | None:
    if lsi < LSI_MARKED_BELOW:
        return "marked"
    if lsi < LSI_MODERATE_BELOW:
        return "moderate"
    if lsi < LSI_TARGET:
        return "mild"
    return None


def _choice(code: FindingCode, value: Any, grades: Mapping[str, str | None]) -> str | None:
    if value not in grades:
        raise ValueError(f"{code.value} must be one of {', '.join(grades)}.")
    return grades[value]


def _number(code: FindingCode, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{code.value} needs a number.")
    return float(value)


def _truthy(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Expected true or false.")
    return value


# --- Wording -------------------------------------------------------------------------------

_LABELS = {
    FindingCode.TRENDELENBURG: "Trendelenburg test {value}",
    FindingCode.HIP_ABDUCTION_LSI: "hip abduction LSI {value:g} % (target 90 % or more)",
    FindingCode.HIP_ABDUCTION_PCT_BW: "hip abduction {value:g} %BW (at or below 35.4 %BW)",
    FindingCode.CONTRALATERAL_PELVIC_DROP: "contralateral pelvic drop",
    FindingCode.HIP_EXTENSION_LSI: "hip extension LSI {value:g} % (target 90 % or more)",
    FindingCode.GLUTEAL_ACTIVATION: "{value} gluteal activation",
    FindingCode.SINGLE_LEG_SQUAT: "single-leg squat rated {value}",
    FindingCode.LATERAL_STEP_DOWN: "lateral step-down score {value}/6",
    FindingCode.DYNAMIC_KNEE_VALGUS: "dynamic knee valgus",
    FindingCode.SINGLE_LEG_STANCE_PAIN: "30-s single-leg stance test positive ({value}/10 pain)",
    FindingCode.HANGS_INTO_HIP: "hangs into one hip when standing",
}


def finding_label(f: Finding) -> str:
    """A finding in plain words, e.g. 'Trendelenburg test positive (left)'."""
    code = FindingCode(f.code)
    if code == FindingCode.CONDITION:
        text = "gluteal tendinopathy" if f.value == GLUTEAL_TENDINOPATHY else str(f.value)
    else:
        value = f.value.replace("_", " ") if isinstance(f.value, str) else f.value
        text = _LABELS[code].format(value=value)
    return f"{text} ({f.side})" if f.side else text


_PATIENT_LABELS = {
    FindingCode.TRENDELENBURG: "your pelvis dropped when you stood on one leg",
    FindingCode.HIP_ABDUCTION_LSI: "the muscles at the side of your hip were weaker on one "
    "side ({value:g} % of the other side)",
    FindingCode.HIP_ABDUCTION_PCT_BW: "the muscles at the side of your hip were weak for "
    "your body weight",
    FindingCode.CONTRALATERAL_PELVIC_DROP: "your pelvis dipped on the other side when you "
    "stood or stepped on one leg",
    FindingCode.HIP_EXTENSION_LSI: "your buttock muscles were weaker on one side "
    "({value:g} % of the other side)",
    FindingCode.GLUTEAL_ACTIVATION: "your buttock muscles were slow to switch on",
    FindingCode.SINGLE_LEG_SQUAT: "your control in a one-leg squat can improve",
    FindingCode.LATERAL_STEP_DOWN: "your hip and knee control stepping down from a step can "
    "improve",
    FindingCode.DYNAMIC_KNEE_VALGUS: "your knee moved inwards when you squatted or stepped",
    FindingCode.SINGLE_LEG_STANCE_PAIN: "standing on one leg brought on your hip pain",
    FindingCode.HANGS_INTO_HIP: "you tend to stand with your weight hanging into one hip",
}
"""What a finding means, said to the patient (no test names, abbreviations or units they
would not know); the clinician's words are `_LABELS`."""


def patient_finding_label(f: Finding) -> str:
    """A finding as the patient reads it in "why it is in your programme", e.g. "your pelvis
    dropped when you stood on one leg (left leg)"."""
    code = FindingCode(f.code)
    if code == FindingCode.CONDITION:
        if f.value == GLUTEAL_TENDINOPATHY:
            return "pain at the side of your hip from the tendons there (gluteal tendinopathy)"
        return str(f.value).replace("_", " ")
    try:
        value = float(f.value)
    except (TypeError, ValueError):
        value = 0.0  # only the LSI wordings show the value, and theirs is a number
    text = _PATIENT_LABELS[code].format(value=round(value, 1))
    return f"{text} ({f.side} side)" if f.side else text


def _describe(findings: Iterable[Finding]) -> str:
    return "; ".join(finding_label(f) for f in findings)
