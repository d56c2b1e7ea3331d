"""Reading assessments: lists, versions, and the battery laid out for display."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from clinic.models import Patient
from prescriptions.assessments import battery
from prescriptions.assessments.derived import format_value
from prescriptions.models import (
    Assessment,
    Measurement,
)
from prescriptions.vocabulary import SIDES, Side


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


def assessment_records() -> QuerySet[Assessment]:
    """Assessments with what their pages show, for finding one by code (`clinic.access`)."""
    return Assessment.objects.select_related(
        "clinic", "patient", "practitioner", "appointment__service", "previous"
    )
