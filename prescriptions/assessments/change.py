"""Change between two assessments: each measure at baseline and now, the difference and a
verdict. Pure: no ORM, no clock.

Outcome measures are judged by `prescriptions.outcomes.change` (MCID/MDC of CLINICAL.md
§2, with the change rules of `prescriptions.rules.change`). For the battery, CLINICAL.md
gives a measurement-error figure for only a few measures; those rules are
`prescriptions.rules.change.BATTERY_RULES` with their source, and every other measure shows
its change without a verdict ("no established threshold"), never against "any increase"
(design principle 3).
"""

# ruff: noqa: RUF001, RUF002, RUF003 - clinical notation (×, √, −, en dashes) is intended

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from prescriptions.assessments import battery
from prescriptions.assessments.derived import round_to, with_unit
from prescriptions.outcomes import scoring as outcomes
from prescriptions.rules.change import POINTS, ChangeRule, Verdict, judge, rule_for
from prescriptions.vocabulary import SIDES, Side

Values = Mapping[tuple[str, str, str], Decimal | str]
"""An assessment's recorded and derived values by (test, side, measure)."""

PSFS_ACTIVITY_MDC = Decimal(3)
"""A single PSFS activity: MDC90 3 points (Stratford 1995) [V, CLINICAL.md §2.10]."""
PSFS_ACTIVITY_SOURCE = "MDC90 3 points for a single activity (Stratford 1995) [V]"

NO_THRESHOLD = "No established threshold: the change is shown without a verdict."


@dataclass(frozen=True)
class ChangeRow:
    label: str
    baseline: str
    current: str
    difference: str = ""
    verdict: Verdict | None = None
    basis: str = ""  # what the verdict was judged against, or why there is none
    derived: bool = False
    key: str = ""  # a stable id (test.side.measure, or measure code and scale)
    numeric: bool = True  # numbers keep their unit on one line; choices may wrap

    @property
    def verdict_label(self) -> str:
        return self.verdict.value.capitalize() if self.verdict else "No verdict"


@dataclass(frozen=True)
class ChangeGroup:
    title: str
    rows: tuple[ChangeRow, ...]
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    key: str = ""  # a test or measure code, for ids

    @property
    def bases(self) -> list[str]:
        """What the group's verdicts were judged against, each once."""
        return list(dict.fromkeys(r.basis for r in self.rows if r.basis))


def signed(value: Decimal, places: int, unit: str = "") -> str:
    """ "+12.0 N", "−3 s", "0" with the shown precision."""
    rounded = round_to(value, places)
    sign = "+" if rounded > 0 else ("−" if rounded < 0 else "")
    text = f"{sign}{abs(rounded)}"
    return text if unit.startswith("/") else with_unit(text, unit)


def unit_label(unit: str) -> str:
    """A unit as written after a row's label: "N", "%BW", or "0 to 10" for a /10 score.
    The table's cells are then bare numbers, so four columns fit a 375 px phone."""
    return f"0 to {unit[1:]}" if unit.startswith("/") else unit


def _side_label(side: str) -> str:
    return Side(side).label if side else ""


def _number_row(
    spec: battery.FieldSpec | battery.DerivedSpec,
    test: str,
    side: str,
    before: Decimal | None,
    after: Decimal | None,
    *,
    derived: bool,
) -> ChangeRow:
    label = f"{spec.label}, {_side_label(side).lower()}" if side else spec.label
    label += f" ({unit_label(spec.unit)})" if spec.unit else ""
    key = f"{test}.{side or 'test'}.{spec.name}"
    places = spec.places
    shown_before = str(round_to(before, places)) if before is not None else "–"
    shown_after = str(round_to(after, places)) if after is not None else "–"
    if before is None or after is None:
        return ChangeRow(label, shown_before, shown_after, derived=derived, key=key)
    difference = signed(after - before, places)
    rule = rule_for(test, spec.name)
    if rule is None:
        return ChangeRow(
            label, shown_before, shown_after, difference, None, NO_THRESHOLD, derived, key
        )
    return ChangeRow(
        label,
        shown_before,
        shown_after,
        difference,
        judge(rule, before, after),
        rule.basis,
        derived,
        key,
    )


def _choice_row(
    spec: battery.FieldSpec | battery.DerivedSpec,
    test: str,
    side: str,
    before: str | None,
    after: str | None,
    *,
    derived: bool,
) -> ChangeRow:
    label = f"{spec.label}, {_side_label(side).lower()}" if side else spec.label
    return ChangeRow(
        label,
        spec.choice_label(before) if before else "–",
        spec.choice_label(after) if after else "–",
        derived=derived,
        key=f"{test}.{side or 'test'}.{spec.name}",
        numeric=False,
    )


def battery_changes(
    *, tests: Sequence[str], baseline: Values, current: Values
) -> list[ChangeGroup]:
    """One group per test of either battery (registry order), with a row for every value
    recorded or derived in either assessment: numbers with their difference and verdict,
    choices side by side."""
    groups = []
    for code in battery.ordered(tests):
        test = battery.TESTS[code]
        rows = []
        specs = [(s, False) for s in test.fields] + [(s, True) for s in test.derived]
        for spec, derived in specs:
            for side in SIDES if spec.sided else ("",):
                key = (code, str(side), spec.name)
                before, after = baseline.get(key), current.get(key)
                if before is None and after is None:
                    continue
                if spec.kind == battery.CHOICE:
                    rows.append(
                        _choice_row(spec, code, side, before, after, derived=derived)  # type: ignore[arg-type]
                    )
                else:
                    rows.append(
                        _number_row(spec, code, side, before, after, derived=derived)  # type: ignore[arg-type]
                    )
        if rows:
            groups.append(ChangeGroup(test.name, tuple(rows), str(test.source), key=code))
    return groups


# --- Outcome measures and pain ----------------------------------------------------------


@dataclass(frozen=True)
class MeasureResult:
    """What the comparison needs of one stored response."""

    code: str
    total: float | None
    subscales: Mapping[str, float | None] = field(default_factory=dict)
    activities: Sequence[tuple[str, str, int | None]] = ()  # PSFS: (id, text, rating)
    note: str = ""
    prorated: bool = False


SCALE_LABELS = {"pain": "Pain", "function": "Function", "qol": "Quality of life"}


def _threshold_basis(instrument: outcomes.Instrument) -> str:
    t = instrument.threshold
    if t is None:
        return instrument.threshold_note
    relative = (
        f" and {_num(t.relative_percent)}% of the baseline to improve"
        if t.relative_percent is not None
        else ""
    )
    return f"{t.kind} {_num(t.points)} points{relative} ({t.source}) {t.evidence}"


def _num(value: float | Decimal) -> str:
    text = f"{float(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _total_text(value: float | None, note: str = "") -> str:
    if value is None:
        return "Not scorable"
    return _num(value) + (" (prorated)" if note.startswith("Prorated") else "")


def _score_row(
    code: str,
    label: str,
    before: float | None,
    after: float | None,
    key: str,
    *,
    before_note: str = "",
    after_note: str = "",
    comparable: str = "",
) -> ChangeRow:
    instrument = outcomes.INSTRUMENTS[code]
    shown = (_total_text(before, before_note), _total_text(after, after_note))
    if before is None or after is None:
        return ChangeRow(
            label, *shown, basis="Not scorable at both assessments.", key=key, numeric=False
        )
    result = outcomes.change(code, before, after)
    difference = signed(Decimal(str(result.difference)), 1)
    if comparable:
        return ChangeRow(label, *shown, difference, None, comparable, key=key)
    return ChangeRow(
        label, *shown, difference, result.verdict, _threshold_basis(instrument), key=key
    )


def _psfs_rows(before: MeasureResult, after: MeasureResult) -> tuple[list[ChangeRow], str]:
    ids_before = [a[0] for a in before.activities]
    ids_after = [a[0] for a in after.activities]
    comparable = (
        ""
        if ids_before == ids_after
        else (
            "Different activities were rated: the averages are not comparable (CLINICAL.md §2.10)."
        )
    )
    rows = []
    after_by_id = {a[0]: a for a in after.activities}
    for activity_id, text, rating in before.activities:
        later = after_by_id.get(activity_id)
        now = later[2] if later else None
        label = f"Activity: {text}"
        shown_before = "–" if rating is None else str(rating)
        shown_after = "Not rated" if later is None else ("–" if now is None else str(now))
        if rating is None or now is None:
            rows.append(ChangeRow(label, shown_before, shown_after, key=f"PSFS.{activity_id}"))
            continue
        rule = ChangeRule(("PSFS",), (activity_id,), POINTS, PSFS_ACTIVITY_MDC, True, "", "", "")
        rows.append(
            ChangeRow(
                label,
                shown_before,
                shown_after,
                signed(Decimal(now - rating), 0),
                judge(rule, Decimal(rating), Decimal(now)),
                PSFS_ACTIVITY_SOURCE,
                key=f"PSFS.{activity_id}",
            )
        )
    for activity_id, text, rating in after.activities:
        if activity_id not in set(ids_before):
            rows.append(
                ChangeRow(
                    f"Activity: {text} (new)",
                    "Not rated",
                    "–" if rating is None else str(rating),
                    key=f"PSFS.{activity_id}",
                )
            )
    return rows, comparable


def measure_changes(
    *, baseline: Mapping[str, MeasureResult], current: Mapping[str, MeasureResult]
) -> list[ChangeGroup]:
    """One group per outcome measure recorded at either assessment: the total (and, for
    KOOS-12/HOOS-12, each scale; for the PSFS, each activity) with outcomes.change's
    verdict."""
    groups = []
    for code in outcomes.INSTRUMENTS:
        before, after = baseline.get(code), current.get(code)
        if before is None and after is None:
            continue
        instrument = outcomes.INSTRUMENTS[code]
        empty = MeasureResult(code, None)
        b, a = before or empty, after or empty
        rows: list[ChangeRow] = []
        comparable = ""
        if code == "PSFS":
            rows, comparable = _psfs_rows(b, a)
        total = _score_row(
            code,
            "Average score" if code == "PSFS" else ("Summary" if instrument.scales else "Total"),
            b.total,
            a.total,
            f"{code}.total",
            before_note=b.note,
            after_note=a.note,
            comparable=comparable,
        )
        rows.insert(0, total)
        for scale in instrument.scales:
            rows.append(
                _score_row(
                    code,
                    SCALE_LABELS.get(scale, scale),
                    b.subscales.get(scale),
                    a.subscales.get(scale),
                    f"{code}.{scale}",
                )
            )
        notes = tuple(n for n in (comparable,) if n)
        direction = instrument.direction.value.capitalize()
        groups.append(
            ChangeGroup(
                f"{instrument.name} ({code})",
                tuple(rows),
                f"{direction}; range {_num(instrument.total_range[0])} to "
                f"{_num(instrument.total_range[1])}. {instrument.source}",
                notes,
                key=code.lower(),
            )
        )
    return groups


@dataclass(frozen=True)
class Pain:
    score: int | None
    context: str = ""
    context_label: str = ""
    task: str = ""


def pain_change(*, baseline: Pain, current: Pain) -> ChangeRow | None:
    """The assessment's own pain score (NPRS) with its context; judged with the NPRS
    threshold only when both scores apply to the same context (CLINICAL.md §2.8)."""
    if baseline.score is None and current.score is None:
        return None

    def context(p: Pain) -> str:
        return p.context_label.lower() + (f" ({p.task})" if p.task else "")

    same = (baseline.context, baseline.task.lower()) == (current.context, current.task.lower())
    label = "Pain (NPRS, 0 to 10)" + (f", {context(baseline)}" if same and baseline.context else "")

    def shown(p: Pain) -> str:
        if p.score is None:
            return "–"
        return str(p.score) if same else f"{p.score} ({context(p)})"

    if baseline.score is None or current.score is None:
        return ChangeRow(label, shown(baseline), shown(current), key="pain")
    result = outcomes.change("NPRS", baseline.score, current.score)
    difference = signed(Decimal(current.score - baseline.score), 0)
    if not same:
        return ChangeRow(
            label,
            shown(baseline),
            shown(current),
            difference,
            None,
            "Scored in different contexts: not comparable.",
            key="pain",
            numeric=False,
        )
    return ChangeRow(
        label,
        shown(baseline),
        shown(current),
        difference,
        result.verdict,
        _threshold_basis(outcomes.INSTRUMENTS["NPRS"]),
        key="pain",
    )
