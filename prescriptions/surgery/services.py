"""Recording a patient's surgeries and training status. Each write checks the record
(`full_clean`, the same rules the database holds) and keeps its history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.errors import DomainError
from clinic.models import Patient, User
from prescriptions.rules import postop
from prescriptions.surgery.models import SurgeryRecord, TrainingStatus

SURGERY_FIELDS = (
    "procedure",
    "procedure_other",
    "side",
    "performed_on",
    "approach",
    "graft",
    "precautions_cleared_on",
)
_DATES = ("performed_on", "precautions_cleared_on")


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """Drop what does not belong to the procedure and refuse dates out of order."""
    procedure = values.get("procedure")
    if procedure != postop.Procedure.TOTAL_HIP_ARTHROPLASTY:
        values["approach"] = ""
    if procedure != postop.Procedure.ACL_RECONSTRUCTION:
        values["graft"] = ""
    if procedure != postop.Procedure.OTHER:
        values["procedure_other"] = ""
    performed: date | None = values.get("performed_on")
    cleared: date | None = values.get("precautions_cleared_on")
    if performed and cleared and cleared < performed:
        raise DomainError(
            "The precautions cannot be cleared before the surgery.",
            field="precautions_cleared_on",
        )
    return values


def _save(record: SurgeryRecord) -> SurgeryRecord:
    try:
        record.full_clean(exclude=["clinic", "patient", "created_by", "updated_by"])
    except ValidationError as exc:
        name, errors = next(iter(exc.message_dict.items()))
        raise DomainError(errors[0], field=name) from None
    record.save()
    return record


@transaction.atomic
def surgery_record_add(*, patient: Patient, by: User, **values: Any) -> SurgeryRecord:
    """A new surgery on the patient's record."""
    data = _checked({k: values.get(k) for k in SURGERY_FIELDS})
    data = {k: ("" if v is None and k not in _DATES else v) for k, v in data.items()}
    record = SurgeryRecord(
        clinic=patient.clinic, patient=patient, created_by=by, updated_by=by, **data
    )
    return _save(record)


@transaction.atomic
def surgery_record_update(*, record: SurgeryRecord, by: User, **values: Any) -> SurgeryRecord:
    """Correct a surgery record, or enter the day the surgeon cleared the precautions."""
    data = _checked({k: values.get(k) for k in SURGERY_FIELDS})
    for name, value in data.items():
        setattr(record, name, "" if value is None and name not in _DATES else value)
    record.updated_by = by
    return _save(record)


@transaction.atomic
def training_status_set(*, patient: Patient, status: str, by: User) -> TrainingStatus | None:
    """Record the patient's training status; an empty status removes it (not recorded)."""
    if not status:
        TrainingStatus.objects.filter(patient=patient).delete()
        return None
    if status not in TrainingStatus.Status.values:
        raise DomainError("Choose novice, intermediate or advanced.", field="status")
    row, _ = TrainingStatus.objects.update_or_create(
        patient=patient, defaults={"status": status, "updated_by": by}
    )
    return row
