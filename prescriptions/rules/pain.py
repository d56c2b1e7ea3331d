"""The pain-monitoring model (CLINICAL.md §8): progress, hold, regress or see the clinician.

Pure: sessions (dates, NPRS 0-10 scores) in, a decision with its reasons in plain words
out. `pain_decision` evaluates the §8.3 decision table top to bottom, first match wins:

1. a stop sign or red flag -> SEE_CLINICIAN (pause the programme);
2. pain during an exercise, or after the session, of 6 or more -> REGRESS that exercise;
   in two sessions running -> SEE_CLINICIAN;
3. next-morning pain 2 or more above the baseline morning (it did not settle) -> REGRESS,
   and no progression for 7 days;
4. the week's mean morning pain (or stiffness) 2 or more above the week before -> REGRESS
   and a review flag; two weeks running -> SEE_CLINICIAN;
   (knee rules, §8.4, where the session records them: effusion and soreness)
5. next-morning pain missing for the last session -> HOLD (never progress on missing data);
6. pain during 3-5 (acceptable) -> HOLD (repeat the load);
7. pain during 0-2, morning within 1 of the baseline, trend at most +1, the performance
   target met in 2 sessions running and the stage's minimum time met -> PROGRESS one step;
8. otherwise HOLD.

A change of 0 or 1 point is inside the NPRS measurement error (MDC 2, Childs 2005) and
never moves the decision on its own: the pre-§8 rule flagged any morning worse than the
one before (2 -> 3) and let pain 5 during and 6 next morning "carry on" (issue 12 point 1).
The model is not used in the first 2 weeks after surgery, when wound pain follows the
surgeon's plan (§8, §10).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from prescriptions.rules.records import Rule
from prescriptions.rules.sources import Source


class Decision(StrEnum):
    PROGRESS = "progress"
    HOLD = "hold"
    REGRESS = "regress"
    SEE_CLINICIAN = "see_clinician"


class PainZone(StrEnum):
    SAFE = "safe"
    ACCEPTABLE = "acceptable"
    HIGH_RISK = "high_risk"


_MODEL = "Silbernagel 2007 pain-monitoring model"
_TABLE = "Stance pain-monitoring decision table, on the Silbernagel bands"

SAFE_BAND = Rule(
    "pain.safe_band",
    "Pain during exercise: safe",
    2,
    "Pain during exercise of 0 to 2 out of 10 is safe.",
    Source(f"{_MODEL} (bim.physio; AHP Suffolk; La Trobe 'My Knee Cap')", "M", "§8.1"),
    note="Summaries disagree on where 'safe' ends (2 or 3); CLINICAL.md's safer default is 2.",
)
ACCEPTABLE_BAND = Rule(
    "pain.acceptable_band",
    "Pain during exercise: acceptable",
    5,
    "Pain during exercise of 3 to 5 out of 10 is acceptable: repeat the load (hold).",
    Source(_MODEL, "V", "§8.1"),
)
HIGH_RISK = Rule(
    "pain.high_risk",
    "Pain during or after exercise: too much",
    6,
    "Pain of 6 or more out of 10 during an exercise, or after the session, is too much: "
    "regress that exercise one step; in two sessions running, see the clinician too.",
    Source(f"{_MODEL}; {_TABLE}, row 2", "design decision", "§8.3"),
)
REPEAT_HIGH_SESSIONS = Rule(
    "pain.high_risk_repeated",
    "Too much pain twice running",
    2,
    "Pain of 6 or more in 2 sessions running: regress and see the clinician.",
    Source(f"{_TABLE}, row 2", "design decision", "§8.3"),
)
MDC = Rule(
    "pain.mdc",
    "NPRS measurement noise",
    2,
    "A change of 0 or 1 point is measurement noise and never triggers a regression or a "
    "progression on its own; 2 points or more counts.",
    Source("Childs 2005 (NPRS MDC 2)", "V", "§8.1"),
)
MORNING_RISE = Rule(
    "pain.morning_rise",
    "Next-morning pain did not settle",
    2,
    "Next-morning pain 2 or more above the baseline morning means the pain did not settle: "
    "regress next session, and no progression for 7 days.",
    Source(f"{_MODEL}; {_TABLE}, row 3", "design decision", "§8.3"),
)
NO_PROGRESS_DAYS = Rule(
    "pain.no_progress_days",
    "No progression after a morning flare",
    7,
    "After a next-morning rise of 2 or more, no progression for 7 days.",
    Source(f"{_TABLE}, row 3", "design decision", "§8.3"),
)
BASELINE_MORNINGS = Rule(
    "pain.baseline_mornings",
    "Baseline morning pain",
    7,
    "The baseline morning is the median of the 7 morning scores before the current stage began.",
    Source("Stance pain-monitoring records", "design decision", "§8.2"),
    note="CLINICAL.md is silent on a first stage, with no scores before it: the app then "
    "takes the median of the stage's own first 7 mornings before the session judged; with "
    "none at all there is no baseline, so the session cannot count towards a progression.",
)
TREND_RISE = Rule(
    "pain.trend_rise",
    "Morning pain or stiffness worse week to week",
    2,
    "The mean morning pain (or stiffness) of the last 7 days 2 or more above the 7 days "
    "before: regress and flag for review; two weeks running, see the clinician.",
    Source(f"{_MODEL} (morning pain must not rise week to week); {_TABLE}, row 4", "M", "§8.3"),
)
WEEK_MIN_MORNINGS = Rule(
    "pain.week_min_mornings",
    "Enough mornings for a week's mean",
    3,
    "A week's mean morning score needs at least 3 entries; with fewer the trend is "
    "'insufficient' and is not judged.",
    Source("Stance pain-monitoring records", "design decision", "§8.2"),
)
TARGET_SESSIONS = Rule(
    "pain.target_sessions",
    "Performance target met twice",
    2,
    "A progression needs the performance target met in 2 sessions running, with pain "
    "during 0 to 2, the morning within 1 of the baseline and the trend at most +1.",
    Source(f"{_TABLE}, row 7; NSCA 2-for-2", "design decision", "§8.3"),
)
POST_OP_DAYS = Rule(
    "pain.post_op_days",
    "Not in the first 2 weeks after surgery",
    14,
    "The pain-monitoring model does not apply in the first 14 days after surgery: wound and "
    "post-operative pain follow the surgeon's plan and the stop signs.",
    Source("Stance pain-monitoring scope", "design decision", "§8"),
)
EFFUSION_HOLD = Rule(
    "pain.knee_effusion_hold",
    "Knee effusion 1+",
    "1+",
    "Knee effusion (stroke test) zero or trace may progress; 1+ holds.",
    Source("University of Delaware ACLR guideline (stroke test)", "design decision", "§8.4"),
)
EFFUSION_REGRESS = Rule(
    "pain.knee_effusion_regress",
    "Knee effusion 2+ or rising",
    "2+",
    "Knee effusion of 2+ or more, or up 1 grade or more since the last session: regress "
    "and review.",
    Source("University of Delaware ACLR guideline (stroke test)", "design decision", "§8.4"),
)
SORENESS_RULES = Rule(
    "pain.knee_soreness",
    "Knee soreness rules",
    "Fees 1998",
    "Soreness in the warm-up that continues, or that goes away and returns in the session: "
    "2 days off and drop one level (regress). Soreness in the warm-up that goes away: stay "
    "at the level (hold). Soreness the day after (not muscle soreness): 1 day off, do not "
    "progress (hold). No soreness: may progress.",
    Source("Fees et al. 1998, Am J Sports Med (soreness rules)", "M", "§8.4"),
    note="Marked [M] (not retrieved): used only where a session records soreness, and never "
    "to progress on its own: every other rule still has to allow it.",
)

RULES: tuple[Rule[Any], ...] = (
    SAFE_BAND,
    ACCEPTABLE_BAND,
    HIGH_RISK,
    REPEAT_HIGH_SESSIONS,
    MDC,
    MORNING_RISE,
    NO_PROGRESS_DAYS,
    BASELINE_MORNINGS,
    TREND_RISE,
    WEEK_MIN_MORNINGS,
    TARGET_SESSIONS,
    POST_OP_DAYS,
    EFFUSION_HOLD,
    EFFUSION_REGRESS,
    SORENESS_RULES,
)

PAIN_SAFE_MAX = SAFE_BAND.value
PAIN_DURING_MAX = ACCEPTABLE_BAND.value
PAIN_HIGH_MIN = HIGH_RISK.value

EFFUSION_GRADES = ("zero", "trace", "1+", "2+", "3+")
"""Stroke-test grades, lowest first (§8.4)."""


class Soreness(StrEnum):
    """Fees 1998 soreness rules (§8.4) [M], as recorded for a knee session."""

    NONE = "none"
    WARMUP_GOES_AWAY = "warmup_goes_away"
    WARMUP_CONTINUES = "warmup_continues"
    RETURNS_DURING_SESSION = "returns_during_session"
    NEXT_DAY = "next_day"


# --- What the patient and the clinician read ------------------------------------------

PATIENT_MESSAGES = {
    Decision.PROGRESS: "Your pain has stayed within the limits and you have met your "
    "targets: your practitioner can move you on a step.",
    Decision.HOLD: "Keep to the same exercises and the same load for now.",
    Decision.REGRESS: "Ease the load next time: fewer repetitions, less weight or the easier "
    "version. Pain should settle by the next morning.",
    Decision.SEE_CLINICIAN: "Stop these exercises for now and contact your practitioner.",
}
"""What each decision means for the patient: plain words, no scores' sources."""


def check_score(score: object) -> int:
    """A pain score: a whole number from 0 to 10; anything else raises ValueError."""
    if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score <= 10:
        raise ValueError("Pain scores are whole numbers from 0 to 10.")
    return score


def pain_zone(score: int) -> PainZone:
    """The §8.1 band of a pain-during score."""
    check_score(score)
    if score <= PAIN_SAFE_MAX:
        return PainZone.SAFE
    return PainZone.ACCEPTABLE if score <= PAIN_DURING_MAX else PainZone.HIGH_RISK


@dataclass(frozen=True)
class PainSession:
    """One session's pain record (NPRS 0-10), §8.2. `during` is the highest pain during
    the session's exercises, or one exercise's (`exercise` then names it)."""

    on: date | None = None
    during: int | None = None
    after: int | None = None
    next_morning: int | None = None
    stiffness_next_morning: int | None = None
    target_met: bool | None = None
    exercise: str = ""
    effusion: str | None = None  # EFFUSION_GRADES
    soreness: str | None = None  # Soreness

    def __post_init__(self) -> None:
        for name in ("during", "after", "next_morning", "stiffness_next_morning"):
            value = getattr(self, name)
            if value is not None:
                check_score(value)
        if self.effusion is not None and self.effusion not in EFFUSION_GRADES:
            raise ValueError(f"Effusion is one of {', '.join(EFFUSION_GRADES)}.")
        if self.soreness is not None:
            Soreness(self.soreness)


@dataclass(frozen=True)
class PainDecision:
    decision: Decision
    rule: str  # which row decided, e.g. "§8.3 row 2"
    reasons: tuple[str, ...]  # for staff, plain words
    patient_message: str
    review: bool = False  # flag for the clinician to look at
    exercise: str = ""  # row 2: the exercise to regress
    no_progress_until: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


def _decision(
    decision: Decision,
    rule: str,
    reasons: Iterable[str],
    *,
    review: bool = False,
    exercise: str = "",
    until: date | None = None,
    notes: Iterable[str] = (),
) -> PainDecision:
    return PainDecision(
        decision,
        rule,
        tuple(reasons),
        PATIENT_MESSAGES[decision],
        review,
        exercise,
        until,
        tuple(notes),
    )


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def baseline_morning(
    mornings: Iterable[tuple[date | None, int]],
    *,
    stage_started_on: date | None,
    before: date | None = None,
) -> float | None:
    """The baseline morning pain (§8.2): the median of the last 7 morning scores dated
    before the stage began; for a stage with none before it, the median of the stage's own
    first 7 mornings dated before `before` (the session judged); None when there are none.
    `mornings` are (session day, next-morning score), oldest first; an undated score counts
    as the stage's own."""
    ordered = list(mornings)
    n = BASELINE_MORNINGS.value
    if stage_started_on is not None:
        prior = [m for d, m in ordered if d is not None and d < stage_started_on][-n:]
        if prior:
            return median(prior)
    in_stage = [
        m
        for d, m in ordered
        if d is None
        or ((stage_started_on is None or d >= stage_started_on) and (before is None or d < before))
    ][:n]
    return median(in_stage) if in_stage else None


def week_trend(
    mornings: Iterable[tuple[date, int]], *, on_date: date, weeks_back: int = 0
) -> float | None:
    """Mean morning score of the 7 days ending `weeks_back` weeks before `on_date`, minus
    that of the 7 days before them; None when either week has fewer than 3 entries."""
    end = on_date - timedelta(days=7 * weeks_back)
    this = [m for d, m in mornings if end - timedelta(days=6) <= d <= end]
    last = [m for d, m in mornings if end - timedelta(days=13) <= d <= end - timedelta(days=7)]
    if min(len(this), len(last)) < WEEK_MIN_MORNINGS.value:
        return None
    return round(statistics.fmean(this) - statistics.fmean(last), 2)


def _high(session: PainSession) -> bool:
    return any(
        score is not None and score >= PAIN_HIGH_MIN for score in (session.during, session.after)
    )


def _mornings(sessions: Sequence[PainSession], name: str) -> list[tuple[date, int]]:
    out = []
    for s in sessions:
        value = getattr(s, name)
        if s.on is not None and value is not None:
            out.append((s.on, value))
    return out


def _baseline(
    done: Sequence[PainSession], index: int, stage_started_on: date | None
) -> float | None:
    """The baseline for session `index` of `done`, from the mornings logged before it."""
    earlier = [(s.on, s.next_morning) for s in done[:index] if s.next_morning is not None]
    return baseline_morning(
        [(d, m) for d, m in earlier if m is not None], stage_started_on=stage_started_on
    )


EFFUSION_LEVELS = {"zero": 0, "trace": 0, "1+": 1, "2+": 2, "3+": 3}
"""For the rise rule, zero and trace are one level: both 'may progress' (§8.4), so a
change between them is not a rise [design decision]."""


def _effusion_rise(latest: PainSession, earlier: Sequence[PainSession]) -> bool:
    if latest.effusion is None:
        return False
    before = next((s.effusion for s in reversed(earlier) if s.effusion is not None), None)
    if before is None:
        return False
    return EFFUSION_LEVELS[latest.effusion] - EFFUSION_LEVELS[before] >= 1


def pain_decision(
    sessions: Sequence[PainSession],
    *,
    on_date: date | None = None,
    baseline: float | None = None,
    stage_started_on: date | None = None,
    stop: Sequence[str] = (),
    days_since_surgery: int | None = None,
    targets_met: bool | None = None,
    stage_time_met: bool = True,
    stage_time_reason: str = "",
) -> PainDecision:
    """The §8.3 decision for the next session, from the sessions logged so far (any order;
    those after `on_date` are ignored). See the module docstring for the table.

    `stop` names the stop signs or red flags present (row 1). `baseline` is the baseline
    morning when known; otherwise it is worked out from the sessions (`baseline_morning`).
    `targets_met` says whether the performance target was met in 2 sessions running; when
    None it is read from the sessions' `target_met`. `stage_time_met` is False while the
    stage's minimum time (§9) has not passed; `stage_time_reason` says so in words.
    """
    given_baseline = baseline
    if stop:
        return _decision(
            Decision.SEE_CLINICIAN,
            "§8.3 row 1",
            [
                f"{'; '.join(stop)}: pause the programme and see the patient (stop sign or red "
                "flag)."
            ],
            review=True,
        )
    if days_since_surgery is not None and 0 <= days_since_surgery < POST_OP_DAYS.value:
        return _decision(
            Decision.HOLD,
            "§8 scope",
            [
                f"Day {days_since_surgery} after surgery: the pain-monitoring model starts at "
                f"{POST_OP_DAYS.value} days; follow the surgeon's plan and the stop signs."
            ],
        )
    done = sorted(
        (s for s in sessions if on_date is None or s.on is None or s.on <= on_date),
        key=lambda s: s.on or date.min,
    )
    if not done:
        return _decision(
            Decision.HOLD, "§8.3 row 5", ["Nothing logged yet: never progress without data."]
        )
    latest, earlier = done[-1], done[:-1]
    today = on_date or latest.on
    name = f" on {latest.exercise}" if latest.exercise else ""

    # Row 2: too much pain during or after.
    if _high(latest):
        scores = [
            f"{label} {score}/10"
            for label, score in (("during", latest.during), ("after", latest.after))
            if score is not None and score >= PAIN_HIGH_MIN
        ]
        reason = (
            f"Pain {' and '.join(scores)}{name}: {PAIN_HIGH_MIN} or more is too much. Regress "
            "one step (the previous exercise in the chain, or one load or volume step down)."
        )
        if earlier and _high(earlier[-1]):
            return _decision(
                Decision.SEE_CLINICIAN,
                "§8.3 row 2",
                [reason, "The second session running with pain this high: see the clinician."],
                review=True,
                exercise=latest.exercise,
            )
        return _decision(
            Decision.REGRESS, "§8.3 row 2", [reason], review=True, exercise=latest.exercise
        )

    # Row 3: the morning did not settle.
    if baseline is None:
        baseline = _baseline(done, len(done) - 1, stage_started_on)
    if latest.next_morning is not None and baseline is not None:
        rise = latest.next_morning - baseline
        if rise >= MORNING_RISE.value:
            until = latest.on + timedelta(days=NO_PROGRESS_DAYS.value) if latest.on else None
            return _decision(
                Decision.REGRESS,
                "§8.3 row 3",
                [
                    f"Next-morning pain {latest.next_morning}/10 is {rise:g} above the baseline "
                    f"morning ({baseline:g}/10): it did not settle. Regress next session; no "
                    f"progression for {NO_PROGRESS_DAYS.value} days."
                ],
                review=True,
                until=until,
            )

    # Row 4: worse week to week (pain, then stiffness).
    notes: list[str] = []
    if today is not None:
        for label, attr in (("pain", "next_morning"), ("stiffness", "stiffness_next_morning")):
            mornings = _mornings(done, attr)
            trend = week_trend(mornings, on_date=today)
            if trend is not None and trend >= TREND_RISE.value:
                before = week_trend(mornings, on_date=today, weeks_back=1)
                reason = (
                    f"Mean morning {label} is up {trend:g} on the week before: worse week to "
                    "week beyond the measurement error. Regress and review."
                )
                if before is not None and before >= TREND_RISE.value:
                    return _decision(
                        Decision.SEE_CLINICIAN,
                        "§8.3 row 4",
                        [reason, "Two weeks running: see the clinician."],
                        review=True,
                    )
                return _decision(Decision.REGRESS, "§8.3 row 4", [reason], review=True)
        if week_trend(_mornings(done, "next_morning"), on_date=today) is None:
            notes.append(
                "Week-to-week trend not judged: fewer than 3 morning scores in one of the "
                "last two weeks."
            )

    # Knee rules (§8.4), where the session records them.
    hold: list[str] = []
    if latest.effusion is not None:
        grade = EFFUSION_GRADES.index(latest.effusion)
        if grade >= EFFUSION_GRADES.index(EFFUSION_REGRESS.value) or _effusion_rise(
            latest, earlier
        ):
            return _decision(
                Decision.REGRESS,
                "§8.4 effusion",
                [f"Knee effusion {latest.effusion}, 2+ or more or up a grade: regress and review."],
                review=True,
            )
        if grade >= EFFUSION_GRADES.index(EFFUSION_HOLD.value):
            hold.append(f"Knee effusion {latest.effusion}: hold until it is trace or zero.")
    if latest.soreness is not None:
        soreness = Soreness(latest.soreness)
        if soreness in (Soreness.WARMUP_CONTINUES, Soreness.RETURNS_DURING_SESSION):
            return _decision(
                Decision.REGRESS,
                "§8.4 soreness",
                [
                    "Knee soreness that continued or came back in the session: 2 days off, then "
                    "drop one level."
                ],
                review=True,
            )
        if soreness == Soreness.WARMUP_GOES_AWAY:
            hold.append("Knee soreness in the warm-up that went away: stay at this level.")
        elif soreness == Soreness.NEXT_DAY:
            hold.append("Knee soreness the day after: 1 day off, do not progress.")

    # Row 5: never progress on missing data.
    if latest.next_morning is None:
        return _decision(
            Decision.HOLD,
            "§8.3 row 5",
            [
                "The next-morning pain of the last session is not recorded: hold, never "
                "progress on missing data.",
                *hold,
            ],
            notes=notes,
        )
    # Row 6: acceptable pain, repeat the load.
    if latest.during is not None and latest.during > PAIN_SAFE_MAX:
        return _decision(
            Decision.HOLD,
            "§8.3 row 6",
            [
                f"Pain during {latest.during}/10{name} is acceptable (3 to 5): repeat the load.",
                *hold,
            ],
            notes=notes,
        )
    # Row 7: everything must allow a progression.
    blockers = list(hold)
    if latest.during is None:
        blockers.append("Pain during exercise was not recorded.")
    if baseline is None:
        blockers.append(
            "No baseline morning score yet, so whether the pain settled cannot be judged."
        )
    if today is not None:
        for index, s in enumerate(earlier):
            if s.on is None or s.next_morning is None or s.on < today - timedelta(days=7):
                continue
            base = given_baseline
            if base is None:
                base = _baseline(done, index, stage_started_on)
            if base is not None and s.next_morning - base >= MORNING_RISE.value:
                blockers.append(
                    f"A morning flare after {s.on:%-d %b}: no progression for "
                    f"{NO_PROGRESS_DAYS.value} days."
                )
                break
    met = targets_met
    if met is None:
        last = done[-TARGET_SESSIONS.value :]
        met = len(last) == TARGET_SESSIONS.value and all(s.target_met for s in last)
    if not met:
        blockers.append(
            f"The performance target has not been met in {TARGET_SESSIONS.value} sessions running."
        )
    if not stage_time_met:
        blockers.append(stage_time_reason or "The stage's minimum time has not passed.")
    if blockers:
        return _decision(Decision.HOLD, "§8.3 row 8", blockers, notes=notes)
    return _decision(
        Decision.PROGRESS,
        "§8.3 row 7",
        [
            f"Pain during {latest.during}/10, next morning within 1 of the baseline, no "
            "worsening week to week, target met twice running: progress one step (the next "
            "exercise in the chain or one load increment, never both)."
        ],
        notes=notes,
    )
