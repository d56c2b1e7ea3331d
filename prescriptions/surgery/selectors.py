"""Reading a patient's surgeries and training status for the rules and the pages."""

from __future__ import annotations

from datetime import date

from clinic.models import Patient
from prescriptions.rules import postop
from prescriptions.surgery.models import SurgeryRecord, TrainingStatus


def surgery_list_for_patient(*, patient: Patient) -> list[SurgeryRecord]:
    return list(SurgeryRecord.objects.filter(patient=patient).select_related("updated_by"))


def surgery_for_rules(*, patient: Patient, on_date: date) -> postop.Surgery | None:
    """The surgery the rules read on `on_date`: the latest one done by then (the rules core
    takes one surgery record; the most recent one is the one whose precautions and
    restrictions are live)."""
    record = (
        SurgeryRecord.objects.filter(patient=patient, performed_on__lte=on_date)
        .order_by("-performed_on", "-created_at")
        .first()
    )
    return record.as_rules() if record is not None else None


def training_status_of(*, patient: Patient) -> str | None:
    """The recorded training status code, or None when not recorded."""
    row = TrainingStatus.objects.filter(patient=patient).first()
    return row.status if row is not None else None
