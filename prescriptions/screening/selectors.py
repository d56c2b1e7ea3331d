"""Reads for pre-exercise screening: whether a patient's screening is due or flagged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery

from clinic.models import Patient
from prescriptions.models import (
    Assessment,
    PreExerciseScreening,
)
from prescriptions.screening import apss as screening
from prescriptions.vocabulary import Condition


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
