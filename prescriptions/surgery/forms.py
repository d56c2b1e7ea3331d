"""The surgery record and training status forms: they check input and say what is wrong
next to the field; services write."""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.forms import StaffForm, check_date_range, date_field
from prescriptions.rules import postop
from prescriptions.surgery.models import SurgeryRecord, TrainingStatus


def _choices(choices: list[tuple[str, str]], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *choices]


class SurgeryForm(StaffForm):
    procedure = forms.ChoiceField(
        label="Procedure",
        choices=_choices(SurgeryRecord.Procedure.choices, "Choose the procedure"),
        error_messages={"required": "Choose the procedure."},
    )
    procedure_other = forms.CharField(
        label="Which surgery",
        max_length=200,
        required=False,
        help_text="For other surgery: its name, as the surgeon wrote it.",
    )
    side = forms.ChoiceField(
        label="Side",
        choices=_choices(SurgeryRecord.Side.choices, "Not sided"),
        required=False,
    )
    performed_on = date_field("Date of surgery")
    approach = forms.ChoiceField(
        label="Surgical approach (hip replacement)",
        choices=_choices(SurgeryRecord.Approach.choices, "Not known"),
        required=False,
        help_text="Not known: the limits of every approach apply until you enter it.",
    )
    graft = forms.ChoiceField(
        label="Graft (ACL reconstruction)",
        choices=_choices(SurgeryRecord.Graft.choices, "Not known"),
        required=False,
        help_text="Not known: treated as a hamstring graft (no resisted knee flexion early).",
    )
    precautions_cleared_on = date_field(
        "Precautions cleared by the surgeon on",
        required=False,
        help_text="Leave empty until the surgeon clears them: they apply until then.",
    )

    def __init__(self, *args: Any, today: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_performed_on(self) -> Any:
        value = check_date_range(self.cleaned_data.get("performed_on"))
        if value is not None and value > self.today:
            raise forms.ValidationError("The date of surgery cannot be in the future.")
        return value

    def clean_precautions_cleared_on(self) -> Any:
        return check_date_range(self.cleaned_data.get("precautions_cleared_on"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        procedure = data.get("procedure")
        if data.get("approach") and procedure != postop.Procedure.TOTAL_HIP_ARTHROPLASTY:
            self.add_error("approach", "An approach is recorded for a hip replacement only.")
        if data.get("graft") and procedure != postop.Procedure.ACL_RECONSTRUCTION:
            self.add_error("graft", "A graft is recorded for an ACL reconstruction only.")
        if procedure == postop.Procedure.OTHER and not data.get("procedure_other"):
            self.add_error("procedure_other", "Enter which surgery it was.")
        if data.get("procedure_other") and procedure != postop.Procedure.OTHER:
            self.add_error("procedure_other", "Name the surgery only for other surgery.")
        performed, cleared = data.get("performed_on"), data.get("precautions_cleared_on")
        if performed and cleared and cleared < performed:
            self.add_error(
                "precautions_cleared_on", "The precautions cannot be cleared before the surgery."
            )
        return data

    @classmethod
    def initial_for(cls, record: SurgeryRecord) -> dict[str, Any]:
        return {
            "procedure": record.procedure,
            "procedure_other": record.procedure_other,
            "side": record.side,
            "performed_on": record.performed_on,
            "approach": record.approach,
            "graft": record.graft,
            "precautions_cleared_on": record.precautions_cleared_on,
        }


class TrainingStatusForm(StaffForm):
    status = forms.ChoiceField(
        label="Resistance-training status",
        choices=_choices(TrainingStatus.Status.choices, "Not recorded (dosed as a novice)"),
        required=False,
        help_text="From 65 the older-adult row of the dosing table applies, whatever this says.",
    )
