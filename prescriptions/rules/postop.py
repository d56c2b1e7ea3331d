"""Post-operative and post-injection rules (CLINICAL.md §10): the surgery record's codes,
THA precautions by approach and the weeks they last, the conflict matrix of library
exercises against them, ACL reconstruction restrictions by graft and time, and the stop
signs that end a session. Pure: dates are passed in.

Precautions are the surgeon's: the defaults here only stand in until the clinician enters
the surgeon's own list or the date they were cleared (§10.1, §10.2: "the app must not
invent precautions, but must enforce those entered"). "Recent joint injection or surgery"
is a precaution that switches on the stop-sign checklist, not a reason to stop (§10.5,
correcting §4.6 and issue 12 point 4): only a stop sign stops.
"""

# ruff: noqa: RUF001 - clinical notation (°, en dashes, ≥) is intended

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source


class Procedure(StrEnum):
    TOTAL_HIP_ARTHROPLASTY = "total_hip_arthroplasty"
    TOTAL_KNEE_ARTHROPLASTY = "total_knee_arthroplasty"
    ACL_RECONSTRUCTION = "acl_reconstruction"
    OTHER = "other"


class Approach(StrEnum):
    """THA surgical approach (§10.1); none recorded means unknown."""

    POSTERIOR = "posterior"
    ANTERIOR = "anterior"
    LATERAL = "lateral"  # lateral / anterolateral


class Graft(StrEnum):
    HAMSTRING = "hamstring"
    PATELLAR_TENDON = "patellar_tendon"
    QUADRICEPS = "quadriceps"


class Sign(StrEnum):
    """Stop signs of §10.5 (and the §4.6 emergency): any one stops exercise."""

    FEVER = "fever"
    SYSTEMICALLY_UNWELL = "systemically_unwell"
    WOUND_RED_OR_DISCHARGING = "wound_red_or_discharging"
    SUDDEN_PAIN_AT_WOUND_OR_JOINT = "sudden_pain_at_wound_or_joint"
    HOT_SWOLLEN_JOINT = "hot_swollen_joint"
    CALF_SWELLING = "calf_swelling"
    LEG_PALE_OR_COOL = "leg_pale_or_cool"
    SUDDEN_TROUBLE_WALKING = "sudden_trouble_walking"
    CHEST_PAIN = "chest_pain"
    BREATHLESSNESS = "breathlessness"
    COUGHING_BLOOD = "coughing_blood"

    @property
    def label(self) -> str:
        return SIGN_LABELS[self]


SIGN_LABELS: Mapping[Sign, str] = {
    Sign.FEVER: "temperature over 38 °C or chills",
    Sign.SYSTEMICALLY_UNWELL: "systemically unwell",
    Sign.WOUND_RED_OR_DISCHARGING: "wound with spreading redness, more or changed drainage, or pus",
    Sign.SUDDEN_PAIN_AT_WOUND_OR_JOINT: "sudden increase in pain at the incision or the joint",
    Sign.HOT_SWOLLEN_JOINT: "hot, swollen joint",
    Sign.CALF_SWELLING: "pain, swelling, heat or tenderness in the calf or thigh of either leg",
    Sign.LEG_PALE_OR_COOL: "leg pale, bluish or cool",
    Sign.SUDDEN_TROUBLE_WALKING: "sudden trouble walking",
    Sign.CHEST_PAIN: "sudden chest pain",
    Sign.BREATHLESSNESS: "breathlessness or rapid breathing",
    Sign.COUGHING_BLOOD: "coughing blood",
}
EMERGENCY_SIGNS = frozenset({Sign.CHEST_PAIN, Sign.BREATHLESSNESS, Sign.COUGHING_BLOOD})
"""Possible pulmonary embolism: call 000 (§10.5)."""

_STOP = Source("Arthritis Society Canada; Weiss Hospital; Regina Qu'Appelle Health", "V", "§10.5")
STOP_SIGNS = Rule(
    "postop.stop_signs",
    "Stop signs",
    tuple(s.value for s in Sign if s not in EMERGENCY_SIGNS),
    "Any stop sign stops exercise and sends the patient to the surgeon or GP the same day: "
    "fever over 38 °C or chills, systemically unwell; a wound with spreading redness, "
    "changed drainage or pus, sudden pain at the incision or joint, a hot swollen joint; "
    "pain, swelling, heat or tenderness in the calf or thigh of either leg, a pale, bluish "
    "or cool leg, sudden trouble walking (possible DVT).",
    _STOP,
)
EMERGENCY = Rule(
    "postop.emergency",
    "Emergency signs",
    tuple(sorted(s.value for s in EMERGENCY_SIGNS)),
    "Sudden chest pain, breathlessness or rapid breathing, or coughing blood: possible "
    "pulmonary embolism, call 000.",
    _STOP,
)
RECENT_IS_PRECAUTION = Rule(
    "postop.recent_injection_is_precaution",
    "Recent joint injection or surgery",
    "precaution",
    "A recent joint injection or surgery is a precaution that switches on the stop-sign "
    "checklist; exercise continues unless a stop sign is present.",
    Source(
        "Post-operative stop-sign guidance (Arthritis Society Canada; Weiss Hospital)", "V", "§10.5"
    ),
)
CHECKLIST_WEEKS_AFTER_SURGERY = Rule(
    "postop.checklist_surgery_weeks",
    "Stop-sign checklist after surgery",
    6,
    "Ask about the stop signs at each session for 6 weeks after surgery (DVT risk stays "
    "raised for at least 2 months after a hip or knee replacement).",
    Source(
        "Stance stop-sign checklist (DVT risk after joint replacement)", "design decision", "§10.5"
    ),
)
CHECKLIST_WEEKS_AFTER_INJECTION = Rule(
    "postop.checklist_injection_weeks",
    "Stop-sign checklist after an injection",
    2,
    "Ask about the stop signs at each session for 2 weeks after a joint or tendon injection.",
    Source(
        "Stance stop-sign checklist (DVT risk after joint replacement)", "design decision", "§10.5"
    ),
)
STEROID_NO_NEW_LOAD_DAYS = Rule(
    "postop.steroid_unloading",
    "After a corticosteroid injection near a tendon",
    14,
    "Relative unloading for about 48 hours and no new high-load exercise for about 2 weeks "
    "after a corticosteroid injection near a tendon.",
    Source("Common practice", "M", "§10.5"),
    note="Marked [M]: shown as a precaution only, never used to stop or block.",
)

# --- THA precautions (§10.2) -----------------------------------------------------------

PRECAUTION_MOVES: Mapping[Approach, tuple[str, ...]] = {
    Approach.POSTERIOR: (
        "no hip flexion past 90°",
        "no adduction past the midline (no crossing the legs)",
        "no internal rotation",
    ),
    Approach.ANTERIOR: (
        "no extension combined with external rotation (no lunging or kneeling with the "
        "operated leg behind and the foot turned out)",
        "no extreme range",
    ),
    Approach.LATERAL: (
        "no hip flexion past 90°",
        "no adduction past the midline (no crossing the legs)",
        "no internal rotation",
        "no active or resisted abduction (abductor repair)",
    ),
}
"""Default restricted movements by approach (§10.2). A lateral/anterolateral approach
takes the posterior limits plus no active abduction: the guides disagree and this is the
stricter reading [V secondary, sources disagree]."""

PATIENT_MOVES: Mapping[Approach, tuple[str, ...]] = {
    Approach.POSTERIOR: (
        "don't bend your hip past a right angle",
        "don't cross your legs",
        "don't turn your knee inwards",
    ),
    Approach.ANTERIOR: (
        "don't step or kneel with your operated leg behind you and your foot turned out",
        "avoid extreme positions",
    ),
    Approach.LATERAL: (
        "don't bend your hip past a right angle",
        "don't cross your legs",
        "don't turn your knee inwards",
        "don't lift your leg out to the side against resistance",
    ),
}

THA_PRECAUTIONS = Rule(
    "postop.tha_precautions",
    "THA precautions",
    "posterior / anterior / lateral",
    "Posterior approach: no hip flexion past 90°, no adduction past the midline, no internal "
    "rotation. Anterior: no extension with external rotation, no extreme range. "
    "Lateral/anterolateral: the posterior limits plus no active or resisted abduction. An "
    "unknown approach takes every approach's limits until the surgeon's list is entered.",
    Source("Eannucci 2019, HSS J (posterior); patient and clinic guides", "V", "§10.2"),
    note="Lateral: the guides disagree; the stricter reading is used. Unknown: §10.2 blocks "
    "every restricted movement.",
)
THA_PRECAUTION_WEEKS = Rule(
    "postop.tha_precaution_weeks",
    "How long THA precautions last",
    12,
    "Precautions last until the surgeon clears them (the 'precautions cleared' date); "
    "without that date they apply for the default 12 weeks, and after that they still apply "
    "until the clearance is entered, with a note to confirm it.",
    Source("Eannucci 2019, HSS J: 6 to 12 weeks, sometimes for life", "V", "§10.2"),
    note="The surgeon-dependent range is 6–12 weeks; 12 is the safer default, and the app "
    "never lifts precautions on its own (§9.3: restricted exercises unlock only with the "
    "clearance date).",
)
WB_ABDUCTION_WEEKS = Rule(
    "postop.tha_wb_abduction_weeks",
    "Band abduction after THA",
    6,
    "Standing band abduction and band walks (E18, E19, E20) from 6 weeks after a posterior "
    "or anterior THA; never with a lateral approach before clearance (abductor repair).",
    Source("Jacobs 2009, J Arthroplasty (WB abductor work ≥6 weeks)", "V", "§10.3"),
    note="The matrix gives '✓ (≥6 wk)' for posterior only; the same 6 weeks is applied after "
    "an anterior approach too, the safer reading.",
)


class Verdict(StrEnum):
    BLOCK = "block"  # ✗: not until the precautions are cleared
    MODIFY = "modify"  # ⚠: allowed with the stated modification
    OK = "ok"  # ✓


@dataclass(frozen=True)
class MatrixRow:
    refs: str  # CLINICAL.md library ids, e.g. "E04/E05/E45"
    slugs: tuple[str, ...]
    label: str
    posterior: Verdict
    anterior: Verdict
    lateral: Verdict
    reason: str  # why, and the modification for ⚠
    from_weeks: int = 0  # a ✓ that starts only this many weeks after surgery
    derived: bool = False  # a row the app adds where the matrix is silent

    def verdict(self, approach: Approach) -> Verdict:
        return {
            Approach.POSTERIOR: self.posterior,
            Approach.ANTERIOR: self.anterior,
            Approach.LATERAL: self.lateral,
        }[approach]


B, M, K = Verdict.BLOCK, Verdict.MODIFY, Verdict.OK

CONFLICT_MATRIX: tuple[MatrixRow, ...] = (
    MatrixRow(
        "E04/E05/E45",
        ("clam", "banded-clam", "clam-in-hip-extension"),
        "clam (side-lying, hip flexed)",
        B,
        M,
        B,
        "the top hip falls into adduction and internal rotation; after a lateral approach it "
        "is resisted abduction; anterior: a pillow between the knees",
    ),
    MatrixRow(
        "E06",
        ("side-lying-hip-abduction",),
        "side-lying hip abduction",
        M,
        M,
        B,
        "posterior and anterior: a pillow, never below the midline; lateral: active abduction "
        "against gravity",
    ),
    MatrixRow(
        "E16/E17",
        ("side-plank", "side-plank-hip-abduction"),
        "side plank (with abduction)",
        B,
        B,
        B,
        "loaded abduction or adduction at end range: late stage only",
    ),
    MatrixRow(
        "E18/E19/E20",
        ("standing-hip-abduction", "lateral-band-walk", "monster-walk"),
        "band abduction and band walks",
        K,
        K,
        B,
        "resisted abduction after an abductor repair (lateral approach)",
        from_weeks=6,
    ),
    MatrixRow(
        "E07",
        ("prone-hip-extension",),
        "prone hip extension",
        K,
        B,
        K,
        "anterior: extension beyond neutral",
    ),
    MatrixRow(
        "E09–E12, E14",
        (
            "glute-bridge",
            "banded-bridge",
            "offset-bridge",
            "single-leg-bridge",
            "hip-thrust",
            "single-leg-hip-thrust",  # the library's E38, a hip-thrust variant
        ),
        "bridges and hip thrust",
        K,
        M,
        K,
        "anterior: stop at neutral, no hyperextension",
    ),
    MatrixRow(
        "E46",
        ("bridge-march",),
        "bridge with march",
        K,
        M,
        K,
        "a bridge (CLINICAL.md §16 places it between E10 and E11): anterior, stop at neutral, "
        "no hyperextension",
        derived=True,
    ),
    MatrixRow(
        "E21/E43, E22",
        ("sit-to-stand", "assisted-sit-to-stand", "squat"),
        "sit-to-stand and squat",
        M,
        K,
        M,
        "keep hip flexion at 90° or less: a raised seat or box, a limited depth",
    ),
    MatrixRow(
        "E23/E24, E25, E33",
        ("offset-squat", "split-squat", "lunge", "rear-foot-elevated-split-squat"),
        "split squats and lunges",
        M,
        B,
        M,
        "front-hip flexion past 90° at depth; anterior: the rear leg in extension and external "
        "rotation",
    ),
    MatrixRow(
        "E47, E48",
        ("lateral-lunge", "curtsy-lunge"),
        "lateral and curtsy lunge",
        B,
        B,
        B,
        "deep flexion with abduction or adduction; the curtsy lunge is loaded adduction past "
        "the midline",
    ),
    MatrixRow(
        "E26/E27",
        ("forward-step-up", "lateral-step-up"),
        "step-ups",
        M,
        K,
        M,
        "a step of about 20 cm or less, so hip flexion stays at 90° or less; a lateral "
        "step-up is weight-bearing abduction (acceptable from 6 weeks, Jacobs 2009)",
    ),
    MatrixRow(
        "E32",
        ("hip-hitch",),
        "hip hitch / pelvic drop",
        B,
        M,
        B,
        "the stance hip moves into adduction under load",
    ),
    MatrixRow(
        "E30, E36, E65",
        ("single-leg-romanian-deadlift", "kettlebell-swing", "romanian-deadlift"),
        "hip hinges",
        B,
        M,
        B,
        "hip flexion past 90° at the bottom",
    ),
    MatrixRow(
        "E61",
        ("stationary-cycling",),
        "cycling",
        M,
        K,
        M,
        "raise the seat so hip flexion stays under 90°",
    ),
    MatrixRow(
        "E49/E50",
        ("copenhagen-plank-short-lever", "copenhagen-plank-long-lever"),
        "Copenhagen plank",
        B,
        B,
        B,
        "heavy adductor and abductor load: not a post-THA exercise",
    ),
    MatrixRow(
        "E01/E02",
        ("supine-isometric-hip-abduction", "standing-isometric-hip-abduction"),
        "isometric hip abduction",
        K,
        K,
        B,
        "resisted abduction after an abductor repair (§9.3: E01 not after a lateral or "
        "anterolateral approach; E02 by the same reasoning)",
        derived=True,
    ),
)
"""CLINICAL.md §10.3 [M — clinical reasoning; confirm locally]. Rows marked `derived` are
the app's where the matrix is silent (the safer reading)."""

_BY_SLUG: Mapping[str, MatrixRow] = {slug: row for row in CONFLICT_MATRIX for slug in row.slugs}

UNLISTED = Rule(
    "postop.unlisted",
    "Exercises the matrix does not list",
    "not suggested",
    "While THA precautions apply, only exercises the current phase lists (§9.3) are "
    "suggested, and never one the matrix blocks; an exercise the matrix does not list is "
    "not suggested and the builder asks to check it against the surgeon's precautions.",
    Source("THA precaution matrix and phases (clinical reasoning)", "design decision", "§10.3"),
    note="The matrix is [M] and partial; not suggesting what it leaves out is the safer default.",
)

# --- ACL reconstruction (§10.4) -------------------------------------------------------

OKC_KNEE_EXTENSION = Rule(
    "postop.acl_okc",
    "Open-chain knee extension after ACLR",
    (4, 12),
    "Dynamic open-chain knee extension (leg-extension machine, ankle weight) is blocked in "
    "weeks 0–3; weeks 4–11 only from 90° to 45°; full range (90° to 0°) from week 12, for "
    "every graft unless the clinician overrides. Quadriceps sets, straight-leg raises and "
    "terminal isometrics are not restricted by this rule.",
    Source("Fukuda 2013, AJSM 41:788 (hamstring autograft RCT)", "V", "§10.4"),
    note="The RCT was of hamstring grafts; applying it to every graft is CLINICAL.md's "
    "safer default (some guidelines allow earlier open-chain work after BPTB [M]).",
)
OKC_SLUGS = ("knee-extension",)
"""Library exercises that are dynamic open-chain knee extension (none ship yet)."""
HAMSTRING_GRAFT_WEEKS = Rule(
    "postop.acl_hamstring_graft",
    "Hamstring graft: resisted knee flexion",
    8,
    "After a hamstring graft (or an unknown graft) no resisted knee flexion (hamstring curl, "
    "the heel-on-box hamstring bridge, the Nordic) before about 8 weeks; the Nordic only in "
    "the late phase.",
    Source("ACLR rehabilitation practice", "M", "§10.4"),
    note="An unknown graft takes the hamstring-graft restrictions, the safer default (§10.4 "
    "requires the graft).",
)
KNEE_FLEXION_SLUGS = ("single-leg-bridge-heel-on-box", "hamstring-curl", "nordic-hamstring")
NORDIC_SLUG = "nordic-hamstring"
DONOR_SITE = Rule(
    "postop.acl_donor_site",
    "BPTB or quadriceps graft: donor site",
    "caution",
    "After a patellar-tendon or quadriceps-tendon graft, kneeling and deep loaded flexion "
    "can hurt the donor site: monitor with the pain model on the Spanish squat and wall sit.",
    Source("ACLR rehabilitation practice", "M", "§10.4"),
)
DONOR_SITE_SLUGS = ("spanish-squat", "wall-sit")
IMPACT_PHASE = Rule(
    "postop.acl_impact",
    "Running and jumping after ACLR",
    (4, 5),
    "Landing drills only from the running phase (4); hops, bounds and jumps from the "
    "agility phase (5); return to sport from 9 months with the §13 battery.",
    Source("University of Delaware ACLR guideline; Grindem 2016", "V", "§10.4"),
)
LANDING_SLUGS = ("drop-landing",)
JUMP_SLUGS = ("jump-and-stick", "hop-and-stick", "lateral-bound")

RULES: tuple[Rule[Any], ...] = (
    STOP_SIGNS,
    EMERGENCY,
    RECENT_IS_PRECAUTION,
    CHECKLIST_WEEKS_AFTER_SURGERY,
    CHECKLIST_WEEKS_AFTER_INJECTION,
    STEROID_NO_NEW_LOAD_DAYS,
    THA_PRECAUTIONS,
    THA_PRECAUTION_WEEKS,
    WB_ABDUCTION_WEEKS,
    UNLISTED,
    OKC_KNEE_EXTENSION,
    HAMSTRING_GRAFT_WEEKS,
    DONOR_SITE,
    IMPACT_PHASE,
)


@dataclass(frozen=True)
class Surgery:
    """The surgery record of the case format (§10.1). `approach` None = unknown."""

    procedure: Procedure
    on: date | None = None
    side: str = ""
    approach: Approach | None = None
    graft: Graft | None = None
    precautions_cleared_on: date | None = None

    def days_since(self, day: date) -> int | None:
        return None if self.on is None else (day - self.on).days


@dataclass(frozen=True)
class Restriction:
    """One library exercise against the patient's current restrictions."""

    slug: str
    verdict: Verdict
    reason: str  # for staff: the restriction, the weeks, and why
    rule: str  # the Rule code or matrix row behind it


def tha_precautions_active(surgery: Surgery, on_date: date) -> bool:
    """THA precautions apply from the surgery until the clearance date; with no surgery
    date they apply (unknown counts as recent)."""
    if surgery.procedure != Procedure.TOTAL_HIP_ARTHROPLASTY:
        return False
    if surgery.precautions_cleared_on is not None and surgery.precautions_cleared_on <= on_date:
        return False
    days = surgery.days_since(on_date)
    return days is None or days >= 0


def approaches(surgery: Surgery) -> tuple[Approach, ...]:
    """The approaches whose limits apply: every one when the approach is unknown."""
    return (surgery.approach,) if surgery.approach is not None else tuple(Approach)


def precaution_moves(surgery: Surgery, *, for_patient: bool = False) -> tuple[str, ...]:
    table = PATIENT_MOVES if for_patient else PRECAUTION_MOVES
    moves: list[str] = []
    for approach in approaches(surgery):
        moves += [m for m in table[approach] if m not in moves]
    return tuple(moves)


def weeks_left(surgery: Surgery, on_date: date) -> int | None:
    """Whole weeks until the default 12 weeks end (0 once passed); None without a date."""
    days = surgery.days_since(on_date)
    if days is None:
        return None
    return max(0, math.ceil((THA_PRECAUTION_WEEKS.value * 7 - days) / 7))


def _worst(verdicts: Iterable[Verdict]) -> Verdict:
    found = set(verdicts)
    return B if B in found else (M if M in found else K)


def tha_restriction(slug: str, surgery: Surgery, on_date: date) -> Restriction | None:
    """The matrix verdict for one exercise while THA precautions apply (None when they do
    not, or the matrix does not list it)."""
    row = _BY_SLUG.get(slug)
    if row is None or not tha_precautions_active(surgery, on_date):
        return None
    which = approaches(surgery)
    verdict = _worst(row.verdict(a) for a in which)
    named = surgery.approach.value if surgery.approach else "unknown (every approach's limits)"
    if verdict == K and row.from_weeks:
        days = surgery.days_since(on_date)
        if days is None or days < row.from_weeks * 7:
            return Restriction(
                slug,
                B,
                f"THA, {named} approach: {row.label} not before {row.from_weeks} weeks after "
                "surgery (weight-bearing abductor work from about 6 weeks, Jacobs 2009).",
                WB_ABDUCTION_WEEKS.code,
            )
    if verdict == K:
        return Restriction(slug, K, "", f"matrix {row.refs}")
    action = "not until the surgeon clears the precautions" if verdict == B else "modify"
    return Restriction(
        slug,
        verdict,
        f"THA precautions, {named} approach: {row.label}, {action}: {row.reason}.",
        f"matrix {row.refs}",
    )


def acl_restriction(
    slug: str, surgery: Surgery, on_date: date, *, phase: int | None
) -> Restriction | None:
    """ACL reconstruction restrictions (§10.4) on one exercise, or None."""
    if surgery.procedure != Procedure.ACL_RECONSTRUCTION:
        return None
    days = surgery.days_since(on_date)
    weeks = None if days is None else days // 7
    if slug in OKC_SLUGS:
        start, full = OKC_KNEE_EXTENSION.value
        if weeks is None or weeks < start:
            return Restriction(
                slug,
                B,
                f"ACLR: no dynamic open-chain knee extension before week {start}.",
                OKC_KNEE_EXTENSION.code,
            )
        if weeks < full:
            return Restriction(
                slug,
                M,
                f"ACLR: open-chain knee extension from 90° to 45° only until week {full}.",
                OKC_KNEE_EXTENSION.code,
            )
    hamstring = surgery.graft in (None, Graft.HAMSTRING)
    if hamstring and slug in KNEE_FLEXION_SLUGS:
        late = phase is not None and phase >= IMPACT_PHASE.value[1]
        if slug == NORDIC_SLUG and not late:
            return Restriction(
                slug,
                B,
                "ACLR, hamstring graft: the Nordic only in the late phase.",
                HAMSTRING_GRAFT_WEEKS.code,
            )
        if weeks is None or weeks < HAMSTRING_GRAFT_WEEKS.value:
            graft = "hamstring graft" if surgery.graft else "graft not recorded"
            return Restriction(
                slug,
                B,
                f"ACLR ({graft}): no resisted knee flexion before "
                f"{HAMSTRING_GRAFT_WEEKS.value} weeks.",
                HAMSTRING_GRAFT_WEEKS.code,
            )
    if surgery.graft in (Graft.PATELLAR_TENDON, Graft.QUADRICEPS) and slug in DONOR_SITE_SLUGS:
        return Restriction(
            slug,
            M,
            "ACLR donor site: watch anterior knee pain with the pain-monitoring rules.",
            DONOR_SITE.code,
        )
    landing, jumping = IMPACT_PHASE.value
    if slug in LANDING_SLUGS and (phase is None or phase < landing):
        return Restriction(
            slug, B, "ACLR: landing drills only from the running phase.", IMPACT_PHASE.code
        )
    if slug in JUMP_SLUGS and (phase is None or phase < jumping):
        return Restriction(
            slug, B, "ACLR: hops, bounds and jumps only from the agility phase.", IMPACT_PHASE.code
        )
    return None


def restriction(
    slug: str, surgery: Surgery | None, on_date: date, *, phase: int | None = None
) -> Restriction | None:
    """The restriction the surgery puts on one exercise today (THA matrix or ACLR rules)."""
    if surgery is None:
        return None
    return tha_restriction(slug, surgery, on_date) or acl_restriction(
        slug, surgery, on_date, phase=phase
    )


def checklist_until(*, surgery: Surgery | None, injection_on: date | None) -> date | None:
    """The last day of the stop-sign checklist: 6 weeks after surgery, 2 after an
    injection, whichever ends later (§10.5)."""
    ends = []
    if surgery is not None and surgery.on is not None:
        ends.append(surgery.on + timedelta(weeks=CHECKLIST_WEEKS_AFTER_SURGERY.value))
    if injection_on is not None:
        ends.append(injection_on + timedelta(weeks=CHECKLIST_WEEKS_AFTER_INJECTION.value))
    return max(ends) if ends else None


def matrix_markdown() -> str:
    """The §10.3 matrix as a table, for docs/CLINICAL_RULES.md."""
    mark = {B: "✗ block", M: "⚠ modify", K: "✓"}
    lines = [
        "| Exercise (CLINICAL.md id; library slugs) | Posterior | Anterior | "
        "Lateral/anterolateral | Reason or modification |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in CONFLICT_MATRIX:
        slugs = ", ".join(f"`{s}`" for s in row.slugs)
        weeks = f" (from {row.from_weeks} wk)" if row.from_weeks else ""
        derived = " *(app row where the matrix is silent)*" if row.derived else ""
        lines.append(
            f"| {row.label} ({row.refs}; {slugs}){derived} | {mark[row.posterior]}{weeks} | "
            f"{mark[row.anterior]}{weeks if row.anterior == K else ''} | "
            f"{mark[row.lateral]} | {row.reason} |"
        )
    return "\n".join(lines)
