"""Reading assessments: lists, versions, and the battery laid out for display."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery

from clinic.models import Clinic, Patient
from prescriptions import battery, instruments, screening
from prescriptions.derived import format_value
from prescriptions.models import (
    Assessment,
    InstrumentText,
    Measurement,
    OutcomeResponse,
    PreExerciseScreening,
)
from prescriptions.vocabulary import SIDES, Condition, Side


def assessment_list_for_patient(*, patient: Patient) -> list[Assessment]:
    """The patient's current assessments (drafts and signed, not superseded), newest first."""
    return list(
        Assessment.objects.filter(patient=patient)
        .current()
        .select_related("practitioner", "signed_by")
        .prefetch_related("outcome_responses")
        .order_by("-assessed_on", "-created_at")
    )


def assessment_versions(*, assessment: Assessment) -> list[Assessment]:
    """Every version of this assessment, oldest first, with who started and signed each."""
    return list(
        Assessment.objects.filter(chain=assessment.chain)
        .select_related("created_by", "signed_by")
        .order_by("version")
    )


def assessment_values(*, assessment: Assessment) -> dict[tuple[str, str, str], Decimal | str]:
    """Recorded and derived values by (test, side, measure)."""
    return {(m.test, m.side, m.measure): m.value for m in assessment.measurements.all()}


@dataclass
class ResultRow:
    """One line of a test's results: a value per side, or one for the test."""

    label: str
    unit: str
    hint: str = ""
    sided: bool = True
    derived: bool = False
    left: str = ""
    right: str = ""
    value: str = ""
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.left or self.right or self.value)


@dataclass
class TestSection:
    test: battery.TestDefinition
    rows: list[ResultRow]
    flags: list[dict[str, Any]] = field(default_factory=list)
    references: list[battery.Reference] = field(default_factory=list)

    __test__ = False  # not a pytest class

    @property
    def has_results(self) -> bool:
        return any(not r.is_empty for r in self.rows)


def _row(
    spec: battery.FieldSpec | battery.DerivedSpec,
    by_key: dict[tuple[str, str, str], Measurement],
    test: str,
    *,
    derived: bool,
) -> ResultRow:
    row = ResultRow(spec.label, spec.unit, spec.hint, spec.sided, derived)
    keys = (
        [(s, (test, s, spec.name)) for s in SIDES] if spec.sided else [("", (test, "", spec.name))]
    )
    for side, key in keys:
        m = by_key.get(key)
        if m is None:
            continue
        shown = format_value(spec, m.value, m.unit)
        if side == Side.LEFT:
            row.left = shown
        elif side == Side.RIGHT:
            row.right = shown
        else:
            row.value = shown
        row.note = row.note or m.note
    return row


def battery_sections(
    *, assessment: Assessment, measurements: list[Measurement] | None = None
) -> list[TestSection]:
    """The assessment's tests in order, each with its recorded rows, then its derived rows
    (empty derived rows left out), its flags and its reference figures."""
    if measurements is None:
        measurements = list(assessment.measurements.all())
    by_key = {(m.test, m.side, m.measure): m for m in measurements}
    sections = []
    for code in assessment.battery:
        test = battery.TESTS.get(code)
        if test is None:
            continue
        rows = [_row(spec, by_key, code, derived=False) for spec in test.fields]
        derived_rows = [_row(spec, by_key, code, derived=True) for spec in test.derived]
        rows += [r for r in derived_rows if not r.is_empty]
        sections.append(
            TestSection(test, rows, assessment.flags_for(code), battery.references_for(code))
        )
    return sections


# --- Outcome measures and screening ---------------------------------------------------


def instrument_wording(*, clinic: Clinic, code: str, on: date) -> instruments.Wording | None:
    """The wording patients see for `code`: the clinic's loaded text while its licence
    runs, else the wording that ships (NPRS, PSFS, APSS themes), else None (entered by item
    number only)."""
    row = InstrumentText.objects.usable(on).filter(clinic=clinic, code=code).first()
    if row is not None:
        return row.wording()
    return instruments.SHIPPED.get(code)


def loaded_text(*, clinic: Clinic, code: str, on: date) -> InstrumentText | None:
    return InstrumentText.objects.usable(on).filter(clinic=clinic, code=code).first()


def responses_waiting(*, patient: Patient) -> list[OutcomeResponse]:
    """Measures the patient completed online that no assessment holds yet, newest first."""
    return list(
        OutcomeResponse.objects.filter(
            patient=patient, assessment__isnull=True, source=OutcomeResponse.Source.ONLINE
        ).order_by("-completed_on", "-created_at")
    )


def responses_by_measure(*, assessment: Assessment) -> dict[str, OutcomeResponse]:
    return {r.instrument: r for r in assessment.outcome_responses.all()}


@dataclass
class ScreeningStatus:
    """The patient's latest APSS screening, whether it flags them and why to re-screen."""

    latest: PreExerciseScreening | None
    reasons: list[str]
    due_on: date | None

    @property
    def flagged(self) -> bool:
        return bool(self.latest and self.latest.any_yes)

    @property
    def rescreen(self) -> bool:
        return bool(self.reasons)


def _conditions_since(patient: Patient, screened_on: date) -> list[str]:
    """Conditions recorded after the screening that no assessment up to it recorded."""
    before: set[str] = set()
    after: list[str] = []
    for a in Assessment.objects.filter(patient=patient).current().order_by("assessed_on"):
        codes = [*a.conditions, *([f"other: {a.condition_other}"] if a.condition_other else [])]
        if a.assessed_on <= screened_on:
            before.update(codes)
        else:
            after += [c for c in codes if c not in after]
    labels = dict(Condition.choices)
    return [labels.get(c, c) for c in after if c not in before]


def screening_status(*, patient: Patient, today: date) -> ScreeningStatus:
    latest = patient.screenings.order_by("-screened_on", "-created_at").first()
    if latest is None:
        return ScreeningStatus(
            None, screening.rescreen_reasons(screened_on=None, today=today), None
        )
    reasons = screening.rescreen_reasons(
        screened_on=latest.screened_on,
        today=today,
        new_conditions=_conditions_since(patient, latest.screened_on),
    )
    return ScreeningStatus(latest, reasons, screening.rescreen_due_on(latest.screened_on))


def screening_flagged_patient_ids(*, patient_ids: Iterable[int]) -> set[int]:
    """Which of these patients' latest screening has a yes (one query, for the schedule)."""
    ids = list(set(patient_ids))
    if not ids:
        return set()
    latest = PreExerciseScreening.objects.filter(patient=OuterRef("pk")).order_by(
        "-screened_on", "-created_at"
    )
    return set(
        Patient.objects.filter(pk__in=ids)
        .annotate(latest_yes=Subquery(latest.values("any_yes")[:1]))
        .filter(latest_yes=True)
        .values_list("pk", flat=True)
    )
