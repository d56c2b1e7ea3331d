"""Stage progression timing (CLINICAL.md §9): the LEAP schedule for gluteal tendinopathy,
the criterion-based phases after ACL reconstruction, and the early / mid / late phases
after a total hip arthroplasty. Pure: dates are passed in.

A stage is advanced only when (a) its minimum time has passed, (b) its exit criteria are
met, and (c) the last 3 sessions returned no REGRESS or SEE_CLINICIAN from the pain model
(§9, a design decision on Cavanaugh & Powers 2017: "time from surgery is a minimum, never
sufficient"). The pre-§9 app unlocked the next stage after any two logged sessions (issue
12 point 2). Unknown criteria count as not met: the app never advances on missing data.
"""

# ruff: noqa: RUF001 - clinical notation (en dashes) is intended

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from prescriptions.rules.pain import Decision
from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source


class Pathway(StrEnum):
    LEAP = "leap"  # gluteal tendinopathy
    ACL_RECONSTRUCTION = "acl_reconstruction"
    TOTAL_HIP_ARTHROPLASTY = "total_hip_arthroplasty"


@dataclass(frozen=True)
class Minimum:
    """A stage's minimum time: days in the stage, or time since surgery."""

    days_in_stage: int = 0
    weeks_after_surgery: int = 0
    months_after_surgery: int = 0

    def __str__(self) -> str:
        if self.days_in_stage:
            return f"{self.days_in_stage} days in the stage"
        if self.months_after_surgery:
            return f"{self.months_after_surgery} months after surgery"
        if self.weeks_after_surgery:
            return f"{self.weeks_after_surgery} weeks after surgery"
        return "none"


@dataclass(frozen=True)
class Stage:
    number: int
    name: str
    minimum: Minimum  # before this stage may start (surgery) or end (days in stage)
    exit_criteria: tuple[str, ...]
    content: tuple[str, ...]  # the library slugs CLINICAL.md lists for the stage
    source: Source
    note: str = ""


_LEAP = Source("LEAP protocol, Mellor 2016 Table 3", "V", "§9.1")
_DELAWARE = Source(
    "University of Delaware ACLR guideline (Brinlee 2021); Aspetar (Kotsifaki 2023)", "M", "§9.2"
)
_THA = Source("THA early / mid / late phases; Jacobs 2009 (WB abductor work ≥6 wk)", "M", "§9.3")

LEAP_STAGES: tuple[Stage, ...] = (
    Stage(
        1,
        "Week 1: familiarisation",
        Minimum(days_in_stage=7),
        ("7 days in the stage; the 24-hour response (next-morning pain) decides",),
        (
            "supine-isometric-hip-abduction",  # E01
            "standing-isometric-hip-abduction",  # E02
            "glute-bridge",  # E09
            "squat",  # E22
            "lateral-band-walk",  # E19, side-stepping without a band in weeks 1-2
        ),
        _LEAP,
    ),
    Stage(
        2,
        "Week 2: early loading",
        Minimum(days_in_stage=7),
        ("7 days in the stage; the 24-hour response decides",),
        (
            "supine-isometric-hip-abduction",
            "standing-isometric-hip-abduction",
            "glute-bridge",
            "offset-bridge",  # E11
            "squat",
            "offset-squat",  # E23
            "lateral-band-walk",
        ),
        _LEAP,
    ),
    Stage(
        3,
        "Weeks 3–8: graduated loading",
        Minimum(days_in_stage=42),
        (
            "the end of the 8-week programme; within the stage, 5 -> 10 reps and 1 -> 2 sets "
            "only when the pain model allows a progression",
        ),
        (
            "supine-isometric-hip-abduction",
            "standing-isometric-hip-abduction",
            "glute-bridge",
            "offset-bridge",  # E11 -> E12
            "single-leg-bridge",  # E12
            "squat",
            "offset-squat",  # E23 -> E24
            "split-squat",  # E24
            "lateral-band-walk",  # E19 band side-slides
            "leap-sliding-abduction",  # E62, supervised in clinic
            "wall-assisted-single-leg-stance",  # E63, functional retraining (§15.1 [M])
        ),
        _LEAP,
    ),
)
"""LEAP (CLINICAL.md §9.1): stage 1 -> 2 after 7 days, 2 -> 3 after 7 days [design
decision on the LEAP weekly schedule, V]."""

ACL_PHASES: tuple[Stage, ...] = (
    Stage(
        1,
        "Early: protect, activate",
        Minimum(),
        (
            "full passive extension (0°)",
            "flexion 90° or more",
            "straight-leg raise without a lag",
            "effusion 1+ or less",
            "pain controlled",
        ),
        (
            "quadriceps-set",  # E38
            "straight-leg-raise",  # E39
            "terminal-knee-extension",  # E40
            "stationary-cycling",  # E61, for range of motion
        ),
        _DELAWARE,
    ),
    Stage(
        2,
        "Strength I",
        Minimum(weeks_after_surgery=2),
        (
            "normal gait without aids",
            "flexion 120° or more",
            "effusion trace or less",
            "quadriceps index 60% or more",
        ),
        (
            "wall-sit",  # E41
            "sit-to-stand",  # E21
            "squat",  # E22
            "bridge-march",  # E46
            "tandem-stance",  # E58
            "single-leg-balance",  # E59
        ),
        _DELAWARE,
    ),
    Stage(
        3,
        "Strength II / neuromuscular",
        Minimum(weeks_after_surgery=6),
        ("quadriceps index 80% or more", "no effusion after loading"),
        (
            "split-squat",  # E24
            "forward-step-up",  # E26
            "lateral-step-down",  # E28
            "forward-step-down",  # E44
            "single-leg-squat",  # E29
            "single-leg-romanian-deadlift",  # E30
            "romanian-deadlift",  # E65
        ),
        _DELAWARE,
        note="CLINICAL.md gives QI 70–80% [M]; the app uses the safer 80%.",
    ),
    Stage(
        4,
        "Running",
        Minimum(weeks_after_surgery=12),
        (
            "full extension",
            "flexion 95% or more of the other side",
            "effusion zero or trace",
            "quadriceps index 80% or more",
            "pain-free repeated hopping in place",
        ),
        ("drop-landing",),  # E52, with the walk-run progression
        _DELAWARE,
    ),
    Stage(
        5,
        "Agility / plyometrics",
        Minimum(months_after_surgery=6),
        ("quadriceps index 90% or more", "hop LSI 90% or more"),
        ("jump-and-stick", "hop-and-stick", "lateral-bound"),  # E53, E34, E35
        _DELAWARE,
        note="CLINICAL.md gives ~4–6 months and QI/hop LSI 80–90% [M]; the app uses the "
        "safer ends: 6 months and 90%.",
    ),
    Stage(
        6,
        "Return to sport",
        Minimum(months_after_surgery=9),
        (
            "the return-to-sport battery: quadriceps LSI 90% or more, all 4 hop tests 90% or more, "
            "KOS-ADLS 90 or more, GRS 90 or more, full range, no effusion",
        ),
        (),
        Source("Grindem 2016, BJSM 50:804 (9 months); Delaware criteria", "V", "§9.2"),
    ),
)
"""ACL reconstruction phases (CLINICAL.md §9.2): the time is a minimum, the criteria decide."""

THA_PHASES: tuple[Stage, ...] = (
    Stage(
        1,
        "Early (0–6 weeks)",
        Minimum(),
        (
            "wound healed",
            "surgeon review (commonly at about 6 weeks)",
            "independent transfers within the precautions",
            "pain at rest 4/10 or less",
        ),
        (
            "gluteal-squeeze",  # E03
            "supine-isometric-hip-abduction",  # E01, not after a lateral approach
            "glute-bridge",  # E09
            "assisted-sit-to-stand",  # E43, from a raised seat
            "walking-programme",  # E60, with the walking aid
        ),
        _THA,
    ),
    Stage(
        2,
        "Mid (6–12 weeks)",
        Minimum(weeks_after_surgery=6),
        ("the surgeon has cleared the precautions (the 'precautions cleared' date entered)",),
        (
            "standing-hip-abduction",  # E18
            "lateral-band-walk",  # E19
            "sit-to-stand",  # E21
            "forward-step-up",  # E26, low step
            "lateral-step-up",  # E27, low step
            "tandem-stance",  # E58
            "single-leg-balance",  # E59
        ),
        Source("Jacobs 2009 (weight-bearing abductor work from ~6 weeks)", "V", "§9.3"),
    ),
    Stage(
        3,
        "Late (after 12 weeks)",
        Minimum(weeks_after_surgery=12),
        ("patient goals (PSFS); HOOS-12 or LEFS change",),
        ("split-squat", "lateral-step-up", "single-leg-squat"),  # E24, E27, E29
        _THA,
        note="The late phase also needs the precautions cleared: the app only unlocks "
        "restricted exercises when the clearance date is entered.",
    ),
)
"""Total hip arthroplasty phases (CLINICAL.md §9.3)."""

PATHWAYS: dict[Pathway, tuple[Stage, ...]] = {
    Pathway.LEAP: LEAP_STAGES,
    Pathway.ACL_RECONSTRUCTION: ACL_PHASES,
    Pathway.TOTAL_HIP_ARTHROPLASTY: THA_PHASES,
}

CLEAN_SESSIONS = Rule(
    "stages.clean_sessions",
    "No regress in the last sessions",
    3,
    "A stage advances only when the last 3 sessions returned no REGRESS or SEE_CLINICIAN "
    "from the pain-monitoring model, its minimum time has passed and its exit criteria are "
    "met; time alone is never enough.",
    Source("Cavanaugh & Powers 2017 (criteria, not the calendar)", "design decision", "§9"),
)
LEAP_STAGE_DAYS = Rule(
    "stages.leap_days",
    "LEAP stage minimum",
    7,
    "Gluteal tendinopathy (LEAP): stage 1 -> 2 after 7 days or more, 2 -> 3 after 7 days or "
    "more; a progression of an exercise in stages 1 and 2 waits for the stage's 7 days.",
    _LEAP,
)
ACL_RETURN_TO_SPORT_MONTHS = Rule(
    "stages.acl_rts_months",
    "ACL return to sport",
    9,
    "Return to sport after ACL reconstruction no earlier than 9 months (reinjury fell 51% "
    "for each month of delay up to 9 months).",
    Source("Grindem 2016, BJSM 50:804", "V", "§9.2"),
)
UNKNOWN_STAGE = Rule(
    "stages.unknown",
    "No stage recorded",
    1,
    "When no stage is recorded, the rules take stage 1, never the stage the calendar alone "
    "would allow.",
    Source(
        "Cavanaugh & Powers 2017 (time is a minimum, never sufficient)", "design decision", "§9"
    ),
    note="CLINICAL.md is silent on a missing stage; stage 1 is the safer default.",
)

RULES: tuple[Rule[Any], ...] = (
    CLEAN_SESSIONS,
    LEAP_STAGE_DAYS,
    ACL_RETURN_TO_SPORT_MONTHS,
    UNKNOWN_STAGE,
)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (the month's last day when shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_start(stage: Stage, surgery_date: date) -> date:
    m = stage.minimum
    if m.months_after_surgery:
        return add_months(surgery_date, m.months_after_surgery)
    return surgery_date + timedelta(weeks=m.weeks_after_surgery)


@dataclass(frozen=True)
class StageGate:
    pathway: Pathway
    stage: Stage
    next_stage: Stage | None
    may_advance: bool
    reasons: tuple[str, ...]  # what allows it, or each thing still in the way
    days_in_stage: int | None = None
    progress_time_met: bool = True  # may an exercise in this stage step up yet?
    progress_time_reason: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


def stage_of(pathway: Pathway, number: int | None) -> tuple[Stage, tuple[str, ...]]:
    """The stage numbered `number` of the pathway; stage 1 when unknown or out of range."""
    stages = PATHWAYS[pathway]
    if number is None:
        return stages[0], (UNKNOWN_STAGE.text,)
    if not 1 <= number <= len(stages):
        return stages[0], (f"Stage {number} is not a stage of this pathway: stage 1 is used.",)
    return stages[number - 1], ()


def stage_gate(
    pathway: Pathway,
    *,
    stage: int | None,
    on_date: date,
    stage_started_on: date | None = None,
    surgery_date: date | None = None,
    exit_criteria_met: bool | None = None,
    recent_decisions: Sequence[Decision] = (),
) -> StageGate:
    """Whether the patient may move from `stage` to the next one on `on_date`.

    1. Minimum time: LEAP counts days in the stage (from `stage_started_on`); ACL and THA
       phases count time since `surgery_date` to the next phase's earliest start.
    2. Exit criteria: `exit_criteria_met` must be True (None, unknown, counts as not met);
       LEAP stages have none beyond the pain model.
    3. The last 3 `recent_decisions` of the pain model hold no REGRESS or SEE_CLINICIAN.
    """
    current, notes = stage_of(pathway, stage)
    stages = PATHWAYS[pathway]
    nxt = stages[current.number] if current.number < len(stages) else None
    blockers: list[str] = []
    days = (on_date - stage_started_on).days if stage_started_on else None
    progress_ok, progress_reason = True, ""
    if pathway == Pathway.LEAP:
        need = current.minimum.days_in_stage
        if days is None or days < need:
            so_far = "an unknown number of" if days is None else str(days)
            blockers.append(f"{so_far} of the stage's {need} days so far.")
            if current.number < len(stages):
                progress_ok = False
                progress_reason = (
                    f"LEAP stage {current.number} lasts at least {need} days and {so_far} "
                    "have passed: hold the dose until then."
                )
    elif nxt is not None:
        if surgery_date is None:
            blockers.append("No surgery date: the time since surgery cannot be checked.")
        elif on_date < earliest_start(nxt, surgery_date):
            blockers.append(
                f"{nxt.name} starts no earlier than {nxt.minimum} "
                f"({earliest_start(nxt, surgery_date):%-d %B %Y})."
            )
    if pathway != Pathway.LEAP and current.exit_criteria and exit_criteria_met is not True:
        missing = "not recorded" if exit_criteria_met is None else "not met"
        blockers.append(f"Exit criteria {missing}: {'; '.join(current.exit_criteria)}.")
    last = list(recent_decisions)[-CLEAN_SESSIONS.value :]
    if any(d in (Decision.REGRESS, Decision.SEE_CLINICIAN) for d in last):
        blockers.append(
            f"One of the last {CLEAN_SESSIONS.value} sessions called for a regression or a review."
        )
    if nxt is None:
        return StageGate(
            pathway,
            current,
            None,
            False,
            ("The last stage of the pathway.",),
            days,
            progress_ok,
            progress_reason,
            notes,
        )
    reasons = tuple(blockers) or (
        f"Minimum time, exit criteria and the last {CLEAN_SESSIONS.value} sessions allow "
        f"{nxt.name}.",
    )
    return StageGate(
        pathway, current, nxt, not blockers, reasons, days, progress_ok, progress_reason, notes
    )


def stage_table_markdown() -> str:
    """The three pathways as tables, for docs/CLINICAL_RULES.md."""
    lines = []
    names = {
        Pathway.LEAP: "Gluteal tendinopathy (LEAP)",
        Pathway.ACL_RECONSTRUCTION: "ACL reconstruction",
        Pathway.TOTAL_HIP_ARTHROPLASTY: "Total hip arthroplasty",
    }
    for pathway, stages in PATHWAYS.items():
        lines += [
            f"#### {names[pathway]}",
            "",
            "| Stage | Minimum time | Exit criteria | Content (library slugs) | Source |",
            "| --- | --- | --- | --- | --- |",
        ]
        for s in stages:
            criteria = "; ".join(s.exit_criteria) or "—"
            content = ", ".join(f"`{c}`" for c in s.content) or "—"
            note = f" {s.note}" if s.note else ""
            lines.append(
                f"| {s.number}. {s.name} | {s.minimum} | {criteria} | {content} | "
                f"{s.source} ({s.source.reference}).{note} |"
            )
        lines.append("")
    return "\n".join(lines)
