"""The flags of one case (CLINICAL.md §4.6, §10, §12, §13, §14.1, and the battery's
thresholds): stop signs and red flags, surgery precautions, an injection, the battery's
thresholds in their context, falls risk, the ACL return-to-sport battery, STarT Back. Pure:
the case carries its date. `engine.evaluate` adds the pain model's flag and decides.
"""

# ruff: noqa: RUF001 - clinical notation (en dashes, °) is intended

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from prescriptions.assessments.derived import Inputs
from prescriptions.rules import acl, conflicts, falls, lbp, postop, stages
from prescriptions.rules import thresholds as battery_thresholds
from prescriptions.rules.case import Case, battery_of, battery_values
from prescriptions.rules.flags import Flag, Severity
from prescriptions.rules.sources import Source
from prescriptions.vocabulary import RED_FLAG_GROUPS, RedFlag

Values = dict[tuple[str, str, str], Decimal | str]

_GROUP_OF = {flag.value: key for key, _, flags in RED_FLAG_GROUPS for flag in flags}
_RED_FLAGS = Source("ACSM/AHA contraindications; hip and back red flags", "V", "§4.6")
_ACL_SCREENING_CODES = {"abduction_bw_acl_risk", "external_rotation_bw_acl_risk"}
_ACL_POST_CODES = {"abduction_bw_aclr"}
_FOLDED_CODES = {"unipedal_stance_falls_risk"}  # raised as part of falls_risk


def _labels(codes: Iterable[str]) -> str:
    return "; ".join(RedFlag(c).label.lower() for c in codes)


def _sign_flags(case: Case) -> list[Flag]:
    signs = [postop.Sign(s) for s in case.signs]
    out = []
    emergency = [s for s in signs if s in postop.EMERGENCY_SIGNS]
    stop = [s for s in signs if s not in postop.EMERGENCY_SIGNS]
    if emergency:
        out.append(
            Flag(
                "emergency_signs",
                Severity.STOP,
                "Emergency, call 000 (possible pulmonary embolism): "
                + "; ".join(s.label for s in emergency)
                + ".",
                postop.EMERGENCY.source,
                "Call 000 now.",
            )
        )
    if stop:
        out.append(
            Flag(
                "post_op_stop_signs",
                Severity.STOP,
                "Stop signs: " + "; ".join(s.label for s in stop) + ". Stop exercise; the "
                "patient contacts the surgeon or GP the same day.",
                postop.STOP_SIGNS.source,
                "Please don't exercise today. Contact your surgeon or GP today about these "
                "symptoms.",
                tuple(s.value for s in stop),
            )
        )
    return out


def _red_flag_flags(case: Case) -> list[Flag]:
    groups: dict[str, list[str]] = {}
    for code in case.red_flags:
        groups.setdefault(_GROUP_OF.get(code, ""), []).append(code)
    out = []
    if groups.get("absolute"):
        out.append(
            Flag(
                "red_flags_absolute",
                Severity.STOP,
                f"Do not exercise: refer. {_labels(groups['absolute']).capitalize()}.",
                _RED_FLAGS,
                "Please don't exercise until a doctor has seen you.",
            )
        )
    if groups.get("hip_back"):
        out.append(
            Flag(
                "red_flags_refer",
                Severity.STOP,
                f"Stop and refer before exercising: {_labels(groups['hip_back'])}.",
                _RED_FLAGS,
                "Please don't exercise until a doctor has checked this.",
            )
        )
    if groups.get("relative"):
        out.append(
            Flag(
                "red_flags_relative",
                Severity.PRECAUTION,
                f"Precautions (relative contraindications): {_labels(groups['relative'])}; "
                "no heavy or straining efforts until cleared.",
                _RED_FLAGS,
            )
        )
    if groups.get("stop_sign_checklist"):
        until = postop.checklist_until(
            surgery=case.surgery, injection_on=case.injection.on if case.injection else None
        )
        when = f" until {until:%-d %B %Y}" if until else ""
        out.append(
            Flag(
                "stop_sign_checklist",
                Severity.PRECAUTION,
                "Recent joint injection or surgery: a precaution, not a stop. Ask about the "
                f"stop signs at each session{when} (fever or chills; a red, hot or "
                "discharging wound; calf or thigh pain or swelling; chest pain or "
                "breathlessness).",
                postop.RECENT_IS_PRECAUTION.source,
                "Tell us straight away if you have a fever, a red or leaking wound, or a "
                "painful or swollen calf.",
            )
        )
    return out


def _surgery_flags(case: Case) -> list[Flag]:
    surgery = case.surgery
    if surgery is None:
        return []
    out = []
    if postop.tha_precautions_active(surgery, case.on_date):
        left = postop.weeks_left(surgery, case.on_date)
        moves = "; ".join(postop.precaution_moves(surgery, for_patient=True))
        patient = f"Your hip precautions still apply: {moves}."
        if left:
            weeks = f"{left} more week{'s' if left != 1 else ''}"
            patient += f" About {weeks}, unless your surgeon says otherwise."
        out.append(
            Flag(
                "hip_precautions",
                Severity.PRECAUTION,
                conflicts.tha_precautions_text(surgery, case.on_date),
                postop.THA_PRECAUTIONS.source,
                patient,
            )
        )
    if surgery.procedure == postop.Procedure.ACL_RECONSTRUCTION:
        graft = surgery.graft.value.replace("_", " ") if surgery.graft else "not recorded"
        out.append(
            Flag(
                "acl_restrictions",
                Severity.PRECAUTION,
                f"ACL reconstruction (graft {graft}): open-chain knee extension by week "
                "(none before week 4, 90°–45° to week 12); resisted knee flexion after a "
                "hamstring or unrecorded graft from 8 weeks; landing and jumping by phase.",
                postop.OKC_KNEE_EXTENSION.source,
            )
        )
    if surgery.procedure in (postop.Procedure.TOTAL_KNEE_ARTHROPLASTY, postop.Procedure.OTHER):
        out.append(
            Flag(
                "surgeon_precautions",
                Severity.INFO,
                "Follow the surgeon's precautions: the app holds no default list for this "
                "procedure and invents none.",
                Source("Precautions are surgeon-specified data", "V", "§10.1, §10.2"),
            )
        )
    return out


def _injection_flags(case: Case) -> list[Flag]:
    inj = case.injection
    if inj is None or inj.on is None or inj.substance != "corticosteroid":
        return []
    days = (case.on_date - inj.on).days
    if not 0 <= days < postop.STEROID_NO_NEW_LOAD_DAYS.value:
        return []
    return [
        Flag(
            "steroid_injection",
            Severity.PRECAUTION,
            f"Corticosteroid injection {days} days ago: relative unloading for about 48 "
            "hours and no new high-load exercise for about 2 weeks.",
            postop.STEROID_NO_NEW_LOAD_DAYS.source,
        )
    ]


def _battery_inputs(case: Case) -> Inputs:
    mass = case.patient.body_mass_kg
    return Inputs(
        values=battery_values(case),
        battery=battery_of(case),
        body_mass_kg=None if mass is None else Decimal(str(mass)),
        involved_side=case.involved_side,
        reference_sex=case.patient.sex or "",
        conditions=frozenset(case.conditions),
        age=case.patient.age,
        surgery_procedure=case.surgery.procedure.value if case.surgery else "",
    )


_ACL_LABELS = {
    "abduction_bw_acl_risk": "hip abduction",
    "external_rotation_bw_acl_risk": "hip external rotation",
    "abduction_bw_aclr": "hip abduction",
}


def _threshold_flags(
    case: Case,
) -> tuple[list[Flag], list[str], dict[tuple[str, str, str], Decimal | str]]:
    """The battery's threshold flags (in their contexts), the codes raised, and the
    battery values with the derived ones (LSI, %BW, ratios) beside the recorded."""
    derived, raised = battery_thresholds.evaluate(_battery_inputs(case))
    values: dict[tuple[str, str, str], Decimal | str] = dict(battery_values(case))
    values.update({(d.test, d.side, d.field): d.value for d in derived})
    out: list[Flag] = []
    acl_found: list[str] = []
    for f in raised:
        if f.code in _FOLDED_CODES:
            continue
        if f.code in _ACL_SCREENING_CODES | _ACL_POST_CODES:
            acl_found.append(f"{f.side} {_ACL_LABELS[f.code]} {f.value}")
            continue
        severity = (
            Severity.STOP
            if f.severity == "stop"
            else Severity.PRECAUTION
            if f.test == "assessment"
            else Severity.INFO
        )
        side = f" ({f.side})" if f.side else ""
        out.append(
            Flag(
                f.code,
                severity,
                f"{f.label}{side}: {f.value}. {f.meaning}",
                Source(f.source, "V", _threshold_section(f.code)),
            )
        )
    if acl_found:
        screening = any(f.code in _ACL_SCREENING_CODES for f in raised)
        out.append(
            Flag(
                "acl_hip_strength",
                Severity.PRECAUTION,
                (
                    "Hip strength, ACL-injury-risk screening (these values predicted "
                    "non-contact ACL injury in uninjured athletes): "
                    if screening
                    else "Hip strength after ACL reconstruction (linked with worse function "
                    "and readiness at return to activity): "
                )
                + "; ".join(acl_found)
                + ". Strengthen the hip abductors and external rotators; train frontal-plane "
                "control.",
                (acl.KHAYAMBASHI_ABDUCTION if screening else acl.POST_ACLR_ABDUCTION).source,
                "Your hip muscles are weaker than we want for protecting your knee: we will "
                "strengthen them.",
                tuple(acl_found),
            )
        )
    return out, [f.code for f in raised], values


def _threshold_section(code: str) -> str:
    th = next(t for t in battery_thresholds.THRESHOLDS if t.code == code)
    return th.source.section


def _falls_patient(case: Case) -> falls.FallsPatient:
    p = case.patient
    return falls.FallsPatient(
        age=p.age,
        sex=p.sex,
        height_cm=p.height_cm,
        body_mass_kg=p.body_mass_kg,
        fell_in_last_year=p.falls_in_last_year,
    )


def _acl_flags(case: Case) -> list[Flag]:
    surgery = case.surgery
    if surgery is None or surgery.procedure != postop.Procedure.ACL_RECONSTRUCTION:
        return []
    values = case.values()
    rts_tests = {t for t, _, _ in acl.HOP_TESTS} | {"quadriceps_strength", "kos_adls"}
    tested = any(m.test in rts_tests for m in case.measurements)
    months_9 = surgery.on is not None and case.on_date >= stages.add_months(
        surgery.on, acl.RTS_MONTHS.value
    )
    out = []
    if tested or months_9:
        involved = case.involved_side if case.involved_side in ("left", "right") else surgery.side
        out.append(
            acl.rts_flag(
                values, involved=involved or None, surgery_on=surgery.on, on_date=case.on_date
            )
        )
    if (rsi := acl.acl_rsi_flag(values)) is not None:
        out.append(rsi)
    return out


def _start_back_flag(case: Case) -> list[Flag]:
    if case.start_back is None:
        return []
    total, subscale, risk = lbp.start_back(case.start_back)
    severity = Severity.PRECAUTION if risk == lbp.StartBackRisk.HIGH else Severity.INFO
    advice = {
        lbp.StartBackRisk.LOW: "advice, reassurance and self-management",
        lbp.StartBackRisk.MEDIUM: "physiotherapy and exercise",
        lbp.StartBackRisk.HIGH: "psychologically informed care: education and graded "
        "activity, and tell the GP before adding load",
    }[risk]
    return [
        Flag(
            "start_back",
            severity,
            f"STarT Back {risk.value} risk (total {total}/9, distress {subscale}/5): {advice}.",
            lbp.START_BACK.source,
        )
    ]


@dataclass(frozen=True)
class CaseFlags:
    flags: tuple[Flag, ...]
    raised: tuple[str, ...]  # the battery threshold codes crossed
    values: Values  # the battery values, recorded and derived


def case_flags(case: Case) -> CaseFlags:
    """Every flag of the case but the pain model's, in a fixed order."""
    flags: list[Flag] = [*_sign_flags(case), *_red_flag_flags(case), *_surgery_flags(case)]
    flags += _injection_flags(case)
    battery_flags, raised, values = _threshold_flags(case)
    falls_list = falls.falls_flags(case.values(), _falls_patient(case))
    flags += [*falls_list, *battery_flags, *_acl_flags(case), *_start_back_flag(case)]
    return CaseFlags(tuple(flags), tuple(raised), values)
