"""Change over time, read from the database: a patient's signed assessments compared
(baseline and now) and the key measures as trend charts. The judging is pure
(prescriptions/assessments/change.py); the drawing is clinic/lib/charts.py.
"""

# ruff: noqa: RUF001 - an en dash stands for "no value"

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.safestring import SafeString

from clinic.lib import charts
from clinic.models import Patient
from prescriptions.assessments import battery, change
from prescriptions.models import Assessment, Measurement, OutcomeResponse
from prescriptions.outcomes import scoring as outcomes
from prescriptions.vocabulary import PainContext


def signed_assessments(*, patient: Patient) -> list[Assessment]:
    """The patient's signed, current assessments, oldest first, with their values and
    responses loaded (three queries)."""
    return list(
        Assessment.objects.filter(patient=patient, status=Assessment.Status.SIGNED)
        .select_related("practitioner")
        .prefetch_related(
            Prefetch("measurements", queryset=Measurement.objects.order_by("pk")),
            Prefetch("outcome_responses", queryset=OutcomeResponse.objects.all()),
        )
        .order_by("assessed_on", "created_at")
    )


def _values(a: Assessment) -> dict[tuple[str, str, str], Decimal | str]:
    return {(m.test, m.side, m.measure): m.value for m in a.measurements.all()}


def _results(a: Assessment) -> dict[str, change.MeasureResult]:
    results = {}
    for r in a.outcome_responses.all():
        results[r.instrument] = change.MeasureResult(
            code=r.instrument,
            total=None if r.total is None else float(r.total),
            subscales=dict(r.subscales),
            activities=[(act["id"], act["text"], rating) for act, rating in r.ratings()],
            note=r.note,
            prorated=r.prorated,
        )
    return results


def _pain(a: Assessment) -> change.Pain:
    label = PainContext(a.pain_context).label if a.pain_context in PainContext.values else ""
    return change.Pain(a.pain_nprs, a.pain_context, label, a.pain_task)


@dataclass(frozen=True)
class Comparison:
    baseline: Assessment
    current: Assessment
    general: tuple[change.ChangeRow, ...]
    measures: tuple[change.ChangeGroup, ...]
    tests: tuple[change.ChangeGroup, ...]

    @property
    def general_group(self) -> change.ChangeGroup:
        return change.ChangeGroup("Pain and body mass", self.general, key="general")

    @property
    def verdicts(self) -> dict[str, int]:
        """How many rows were judged improved, no important change ("unchanged") and worse."""
        rows = [*self.general, *(r for g in (*self.measures, *self.tests) for r in g.rows)]
        names = {
            outcomes.Verdict.IMPROVED: "improved",
            outcomes.Verdict.NO_IMPORTANT_CHANGE: "unchanged",
            outcomes.Verdict.WORSE: "worse",
        }
        counts = dict.fromkeys(names.values(), 0)
        for row in rows:
            if row.verdict is not None:
                counts[names[row.verdict]] += 1
        return counts


def _body_mass(baseline: Assessment, current: Assessment) -> change.ChangeRow | None:
    before, after = baseline.body_mass_kg, current.body_mass_kg
    if before is None and after is None:
        return None
    was, now = (f"{v}" if v is not None else "–" for v in (before, after))
    if before is None or after is None:
        return change.ChangeRow("Body mass (kg)", was, now, key="body_mass")
    return change.ChangeRow(
        "Body mass (kg)",
        was,
        now,
        change.signed(after - before, 1),
        None,
        change.NO_THRESHOLD,
        key="body_mass",
    )


def assessment_comparison(*, baseline: Assessment, current: Assessment) -> Comparison:
    """Every measure of two assessments side by side, with the change and its verdict."""
    general = [
        row
        for row in (
            change.pain_change(baseline=_pain(baseline), current=_pain(current)),
            _body_mass(baseline, current),
        )
        if row is not None
    ]
    tests = battery.ordered([*baseline.battery, *current.battery])
    return Comparison(
        baseline,
        current,
        tuple(general),
        tuple(change.measure_changes(baseline=_results(baseline), current=_results(current))),
        tuple(
            change.battery_changes(
                tests=tests, baseline=_values(baseline), current=_values(current)
            )
        ),
    )


# --- Trends -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    chart_id: str
    title: str
    unit: str
    svg: SafeString
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[str, ...]], ...]  # (name, shown value per label)

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The data table: one row per assessment, one column per series."""
        return [
            (label, [values[i] for _, values in self.series]) for i, label in enumerate(self.labels)
        ]


LSI_TESTS = ("hhd_abduction", "hhd_extension", "hhd_external_rotation", "single_leg_bridge")
STRENGTH_TESTS = ("hhd_abduction", "hhd_extension", "hhd_external_rotation")
LSI_TARGET = 90
"""The common return-to-sport LSI target, a flag and not a fail (CLINICAL.md §1.6)."""


def _day_labels(assessments: Sequence[Assessment]) -> list[str]:
    years = {a.assessed_on.year for a in assessments}
    return [
        f"{a.assessed_on.day} {a.assessed_on:%b}"
        + (f" {a.assessed_on:%y}" if len(years) > 1 else "")
        for a in assessments
    ]


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}{unit}" if unit in ("%", "/10") else f"{text} {unit}".strip()


def _trend(
    *,
    chart_id: str,
    title: str,
    unit: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    y_max: float | None = None,
    target: charts.Threshold | None = None,
    y_label: str = "",
) -> Trend | None:
    """A chart when at least two assessments have a value; None otherwise."""
    filled = [i for i in range(len(labels)) if any(v[i] is not None for _, v in series)]
    if len(filled) < 2:
        return None
    labels = [labels[i] for i in filled]
    series = [(name, [values[i] for i in filled]) for name, values in series]
    summary = "; ".join(
        f"{name}: "
        + ", ".join(f"{_shown(v, unit)} on {day}" for day, v in zip(labels, values, strict=True))
        for name, values in series
    )
    svg = charts.line_chart(
        chart_id=chart_id,
        title=title,
        x_labels=labels,
        series=[charts.Series(name, values) for name, values in series],
        y_max=y_max,
        y_label=y_label or unit,
        threshold=target,
        desc=summary,
    )
    return Trend(
        chart_id,
        title,
        unit,
        svg,
        tuple(labels),
        tuple((name, tuple(_shown(v, unit) for v in values)) for name, values in series),
    )


def _number(
    values: dict[tuple[str, str, str], Decimal | str], key: tuple[str, str, str]
) -> float | None:
    value = values.get(key)
    return float(value) if isinstance(value, Decimal) else None


def assessment_trends(*, assessments: Sequence[Assessment]) -> list[Trend]:
    """Key measures over the signed assessments (oldest first): limb symmetry, strength
    (%BW per side), outcome-measure totals and pain. Only measures with two or more values
    are drawn."""
    labels = _day_labels(assessments)
    values = [_values(a) for a in assessments]
    trends: list[Trend | None] = []
    for test in LSI_TESTS:
        name = battery.TESTS[test].name.split(" (")[0]
        lsi = [_number(v, (test, "", "lsi")) for v in values]
        lsi_top = max([100.0, *(v for v in lsi if v is not None)])
        trends.append(
            _trend(
                chart_id=f"trend-{test}-lsi",
                title=f"{name}: limb symmetry index",
                unit="%",
                labels=labels,
                series=[("LSI", lsi)],
                y_max=charts.axis_max([lsi_top]),
                target=charts.Threshold(LSI_TARGET, "Target 90%"),
                y_label="LSI (%)",
            )
        )
    for test in STRENGTH_TESTS:
        name = battery.TESTS[test].name.split(" (")[0]
        trends.append(
            _trend(
                chart_id=f"trend-{test}-strength",
                title=f"{name}: force as % body weight",
                unit="%BW",
                labels=labels,
                series=[
                    (side.capitalize(), [_number(v, (test, side, "pct_bw")) for v in values])
                    for side in ("left", "right")
                ],
            )
        )
    for code, instrument in outcomes.INSTRUMENTS.items():
        totals = []
        for a in assessments:
            r = next((r for r in a.outcome_responses.all() if r.instrument == code), None)
            totals.append(None if r is None or r.total is None else float(r.total))
        trends.append(
            _trend(
                chart_id=f"trend-{code.lower()}",
                title=f"{instrument.name} ({code})",
                unit="",
                labels=labels,
                series=[("Average" if code == "PSFS" else "Total", totals)],
                y_max=instrument.total_range[1],
                y_label=f"{code} ({instrument.direction.value})",
            )
        )
    trends.append(
        _trend(
            chart_id="trend-pain",
            title="Pain (NPRS)",
            unit="/10",
            labels=labels,
            series=[
                ("Pain", [None if a.pain_nprs is None else float(a.pain_nprs) for a in assessments])
            ],
            y_max=10,
            y_label="Pain (0 to 10)",
        )
    )
    return [t for t in trends if t is not None]
