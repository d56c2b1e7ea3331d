"""Reads for outcome measures: the clinic's licensed wording and responses waiting to be
attached to an assessment."""

from __future__ import annotations

from datetime import date

from clinic.models import Clinic, Patient
from prescriptions.models import (
    Assessment,
    InstrumentText,
    OutcomeResponse,
)
from prescriptions.outcomes import instruments


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
