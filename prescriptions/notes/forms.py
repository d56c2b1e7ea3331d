"""Forms of treatment notes, addenda, note templates and settings, and goals: they check
input and say what is wrong next to the field; services write."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms

from bookings.forms.settings import time_field
from clinic.forms import StaffForm, check_date_range, date_field
from prescriptions.notes.models import Goal, NoteAddendum, NoteTemplate, TreatmentNote
from prescriptions.notes.services import ADDENDUM_MAX, TEXT_MAX
from prescriptions.outcomes import scoring


def _text(label: str, help_text: str = "", *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class NoteStartForm(StaffForm):
    template = forms.ChoiceField(
        label="Start from",
        required=False,
        help_text="The previous note copies its four parts; a template gives the clinic's "
        "starting text. Figures from the record are pulled in either way.",
    )

    def __init__(
        self, *args: Any, templates: list[NoteTemplate], has_previous: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        first = "The patient's previous note" if has_previous else "An empty note"
        field = cast(forms.ChoiceField, self.fields["template"])
        field.choices = [("", first), *[(str(t.code), t.name) for t in templates]]


class NoteForm(StaffForm):
    start_time = time_field("Started at", help_text="The visit's own local time.")
    end_time = time_field("Finished at", help_text="Medicare needs at least 20 minutes.")
    mode = forms.ChoiceField(label="Mode", choices=TreatmentNote.Mode.choices)
    subjective = _text(
        "Subjective",
        "The patient's report: pain with its context, pain during, after and the next "
        "morning, adherence, PSFS re-rating, new symptoms, medication and health changes.",
    )
    objective = _text(
        "Objective",
        "Tests performed with side, values and units; vitals when indicated; exercises "
        "delivered with sets, reps, load and pain during.",
    )
    assessment = _text(
        "Assessment",
        "Interpretation against the baseline and the measures' MCID or MDC, the pain "
        "model's decision with its reason, goal progress.",
    )
    plan = _text(
        "Plan",
        "Next session, home-programme changes, reports or letters due, follow-up date.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, note: TreatmentNote, tz: ZoneInfo, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "start_time": note.started_at.astimezone(tz).time(),
                "end_time": note.ended_at.astimezone(tz).time(),
                "mode": note.mode,
                "subjective": note.subjective,
                "objective": note.objective,
                "assessment": note.assessment,
                "plan": note.plan,
                "revision": note.revision,
            },
        )
        super().__init__(*args, **kwargs)
        self.day = note.started_at.astimezone(tz).date()
        self.tz = tz

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_time"), data.get("end_time")
        if start is not None and end is not None:
            if end <= start:
                self.add_error("end_time", "The visit must finish after it starts.")
            else:
                data["started_at"] = datetime.combine(self.day, start, tzinfo=self.tz)
                data["ended_at"] = datetime.combine(self.day, end, tzinfo=self.tz)
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "started_at": data["started_at"],
            "ended_at": data["ended_at"],
            "mode": data["mode"],
            **{name: data[name] for name in ("subjective", "objective", "assessment", "plan")},
        }


class AddendumForm(StaffForm):
    kind = forms.ChoiceField(
        label="Kind",
        choices=NoteAddendum.Kind.choices,
        widget=forms.RadioSelect,
        initial=NoteAddendum.Kind.ADDENDUM,
        help_text="A correction says which statement of the note it corrects and how.",
    )
    text = forms.CharField(
        label="Text",
        max_length=ADDENDUM_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the addendum."},
    )


class NoteTemplateForm(StaffForm):
    name = forms.CharField(
        label="Name", max_length=120, error_messages={"required": "Enter the template's name."}
    )
    subjective = _text("Subjective")
    objective = _text("Objective")
    assessment = _text("Assessment")
    plan = _text("Plan")

    @classmethod
    def initial_for(cls, template: NoteTemplate) -> dict[str, Any]:
        return {
            name: getattr(template, name)
            for name in ("name", "subjective", "objective", "assessment", "plan")
        }


class NoteSettingsForm(StaffForm):
    notes_visible_to_patient = forms.BooleanField(
        label="Show signed treatment notes to patients on their own pages", required=False
    )
    goals_visible_to_patient = forms.BooleanField(
        label="Show goals to patients on their own pages", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-check-input"


def _measure_choices() -> list[tuple[str, str]]:
    return [("", "None"), *[(code, f"{code}: {i.name}") for code, i in scoring.INSTRUMENTS.items()]]


class GoalForm(StaffForm):
    activity = forms.CharField(
        label="Specific activity",
        max_length=300,
        help_text="In the patient's own words, for example: walk to the shops and back.",
        error_messages={"required": "Enter the activity, in the patient's words."},
    )
    why = forms.CharField(
        label="Why it matters",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why it matters to the patient.",
        error_messages={"required": "Say why it matters to the patient."},
    )
    measure = forms.ChoiceField(
        label="Measured on",
        required=False,
        help_text="The outcome measure the baseline and target are on, if any.",
    )
    psfs_activity_id = forms.ChoiceField(
        label="PSFS activity",
        required=False,
        help_text="For a goal on one activity of the patient's PSFS (the same activity is "
        "re-rated at each visit). Leave empty for the PSFS average.",
    )
    baseline = forms.DecimalField(
        label="Baseline",
        required=False,
        max_digits=7,
        decimal_places=2,
        help_text="Where the patient is now, on the measure (0 to 10 on the PSFS).",
    )
    target = forms.DecimalField(
        label="Target",
        required=False,
        max_digits=7,
        decimal_places=2,
        help_text="Where they aim to be by the target date.",
    )
    target_date = date_field("Target date")

    def __init__(
        self, *args: Any, psfs_activities: list[tuple[str, str]], today: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        measure = cast(forms.ChoiceField, self.fields["measure"])
        measure.choices = _measure_choices()
        activity = cast(forms.ChoiceField, self.fields["psfs_activity_id"])
        activity.choices = [("", "The PSFS average (or no PSFS)"), *psfs_activities]
        if not psfs_activities:
            activity.help_text = "The patient has no PSFS recorded yet."

    def clean_target_date(self) -> Any:
        return check_date_range(self.cleaned_data.get("target_date"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        baseline: Decimal | None = data.get("baseline")
        target: Decimal | None = data.get("target")
        if (
            (baseline is None) != (target is None)
            and not self.has_error("baseline")
            and not (self.has_error("target"))
        ):
            self.add_error(
                "target" if target is None else "baseline",
                "Enter both the baseline and the target, or neither.",
            )
        if data.get("psfs_activity_id") and data.get("measure") != "PSFS":
            self.add_error("psfs_activity_id", "A PSFS activity goes with the PSFS.")
        if data.get("measure") == "PSFS":
            for name in ("baseline", "target"):
                value = data.get(name)
                if value is not None and not Decimal(0) <= value <= Decimal(10):
                    self.add_error(name, "PSFS ratings go from 0 to 10.")
        return data


class GoalEditForm(GoalForm):
    status = forms.ChoiceField(
        label="Status",
        choices=Goal.Status.choices,
        help_text="A change of status is dated today.",
    )

    @classmethod
    def initial_for(cls, goal: Goal) -> dict[str, Any]:
        return {
            "activity": goal.activity,
            "why": goal.why,
            "measure": goal.measure,
            "psfs_activity_id": goal.psfs_activity_id,
            "baseline": goal.baseline,
            "target": goal.target,
            "target_date": goal.target_date,
            "status": goal.status,
        }
