"""Forms for the pre-exercise screening, the comparison picker and the patient's pre-visit
questionnaires. They check input and say what is wrong next to the field; services write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms

from bookings.forms.staff import StaffForm
from prescriptions import instruments, outcomes, screening
from prescriptions.forms import EARLIEST_DAY, PointsField, _ErrorSummaryMixin, allowed_words
from prescriptions.models import Assessment
from prescriptions.models.screening import ACTIVITY_FIELDS
from prescriptions.services.outcomes import (
    ACTIVITY_TEXT_MAX,
    PSFS_MAX_ACTIVITIES,
    ResponseInput,
    measure_field,
)

YES_NO = (("yes", "Yes"), ("no", "No"))


def _count_field(label: str, limit: int, what: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=limit,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "class": "form-control input-points",
            }
        ),
        error_messages={
            "invalid": f"Enter {what} as a whole number.",
            "min_value": f"Enter {what} from 0 to {limit}.",
            "max_value": f"Enter {what} from 0 to {limit}.",
        },
    )


class ScreeningForm(_ErrorSummaryMixin, StaffForm):
    """APSS stage 1: the 6 health questions (in the clinic's wording, or their themes) and
    the weekly activity question. Staff also give the date and, for a yes, a note."""

    def __init__(
        self,
        *args: Any,
        wording: instruments.Wording,
        today: date,
        staff: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today, self.staff, self.wording = today, staff, wording
        if staff:
            self.fields["screened_on"] = forms.DateField(
                label="Date the patient answered",
                help_text="Day/month/year, for example 3/3/2026.",
                input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                initial=today,
                widget=forms.DateInput(
                    attrs={"autocomplete": "off", "class": "form-control input-date"},
                    format="%d/%m/%Y",
                ),
                error_messages={
                    "required": "Enter the date the patient answered.",
                    "invalid": "Enter a real date as day/month/year, like 3/3/2026.",
                },
            )
        texts = {item.number: item.text for item in wording.items}
        for q in screening.QUESTIONS:
            self.fields[f"q{q.number}"] = forms.ChoiceField(
                label=f"{q.number}. {texts.get(q.number, q.theme)}",
                choices=YES_NO,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={"required": f"Answer yes or no to question {q.number}."},
            )
        for intensity, label in screening.INTENSITIES:
            self.fields[f"{intensity}_sessions"] = _count_field(
                f"{label}: sessions a week", screening.SESSIONS_MAX, "the sessions"
            )
            self.fields[f"{intensity}_minutes"] = _count_field(
                f"{label}: total minutes a week", screening.MINUTES_MAX, "the minutes"
            )
        if staff:
            self.fields["notes"] = forms.CharField(
                label="What was advised or done (required for a yes)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                help_text="For example: referred to the GP for clearance; letter on file.",
            )

    def clean_screened_on(self) -> date:
        value: date = self.cleaned_data["screened_on"]
        if value > self.today:
            raise forms.ValidationError("The date cannot be in the future.")
        if value < EARLIEST_DAY:
            raise forms.ValidationError(f"Enter a date from {EARLIEST_DAY:%Y} onwards.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        any_yes = any(data.get(f"q{q.number}") == "yes" for q in screening.QUESTIONS)
        if self.staff and any_yes and not (data.get("notes") or "").strip():
            self.add_error(
                "notes",
                "Say what was advised or done about the yes answer (for example: "
                "referred to the GP for clearance).",
            )
        return data

    def answers(self) -> list[bool]:
        return [self.cleaned_data[f"q{q.number}"] == "yes" for q in screening.QUESTIONS]

    def activity(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(name) for name in ACTIVITY_FIELDS}

    def questions(self) -> list[forms.BoundField]:
        return [self[f"q{q.number}"] for q in screening.QUESTIONS]

    def activity_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (label, self[f"{i}_sessions"], self[f"{i}_minutes"])
            for i, label in screening.INTENSITIES
        ]


class CompareForm(forms.Form):
    """Which two signed assessments to compare (GET)."""

    def __init__(self, *args: Any, assessments: Sequence[Assessment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                str(a.code),
                f"{a.assessed_on.day} {a.assessed_on:%B %Y} ({a.practitioner.display_name})",
            )
            for a in assessments
        ]
        for name, label in (("baseline", "Baseline"), ("current", "Compare with")):
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                widget=forms.Select(attrs={"class": "form-select"}),
                error_messages={"invalid_choice": "Choose one of the patient's assessments."},
            )


class PrevisitMeasureForm(_ErrorSummaryMixin, StaffForm):
    """One measure as the patient completes it online, in the wording the clinic loaded (or
    that ships): a radio group per item; for the PSFS, up to five activities of their own."""

    def __init__(
        self,
        *args: Any,
        wording: instruments.Wording,
        carried: Sequence[dict[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.wording = wording
        self.code = wording.code
        self.carried = list(carried)
        instrument = outcomes.INSTRUMENTS[self.code]
        if self.code == "PSFS":
            self._psfs(instrument)
            return
        texts = {item.number: item for item in wording.items}
        for item in instrument.items:
            text = texts.get(item.number)
            label = text.text if text else item.topic
            self.fields[measure_field(self.code, str(item.number))] = forms.ChoiceField(
                label=f"{item.number}. {label}",
                choices=_options(item, text),
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=False,
                error_messages={"invalid_choice": "Choose one of the answers."},
            )

    def _psfs(self, instrument: outcomes.Instrument) -> None:
        for n in range(1, PSFS_MAX_ACTIVITIES + 1):
            carried = self.carried[n - 1] if n <= len(self.carried) else None
            if carried is None:
                self.fields[measure_field("PSFS", f"text_{n}")] = forms.CharField(
                    label=f"Activity {n}",
                    required=False,
                    max_length=ACTIVITY_TEXT_MAX,
                    error_messages={
                        "max_length": "Keep it to %(limit_value)d characters or fewer."
                    },
                )
            self.fields[measure_field("PSFS", str(n))] = PointsField(
                instrument.items[n - 1],
                label=f"How well can you do it now? ({allowed_words(range(11))})"
                if carried is None
                else f"{carried['text']}: how well can you do it now? (0 to 10)",
                help_text="0 means unable to do it; 10 means as well as before the problem.",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.code == "PSFS":
            for n in range(1 + len(self.carried), PSFS_MAX_ACTIVITIES + 1):
                text = data.get(measure_field("PSFS", f"text_{n}"))
                if data.get(measure_field("PSFS", str(n))) is not None and not text:
                    self.add_error(
                        measure_field("PSFS", f"text_{n}"),
                        f"Name activity {n}, or clear its rating.",
                    )
        return data

    def response(self) -> ResponseInput:
        data = self.cleaned_data
        if self.code == "PSFS":
            slots = range(1, PSFS_MAX_ACTIVITIES + 1)
            activities = []
            for n in slots:
                if n <= len(self.carried):
                    activities.append((self.carried[n - 1]["id"], self.carried[n - 1]["text"]))
                else:
                    activities.append(("", data.get(measure_field("PSFS", f"text_{n}")) or ""))
            return ResponseInput(
                [data.get(measure_field("PSFS", str(n))) for n in slots], activities=activities
            )
        answers: list[int | None] = []
        branch = ""
        for item in outcomes.INSTRUMENTS[self.code].items:
            raw = data.get(measure_field(self.code, str(item.number))) or ""
            if ":" in raw:  # VISA-G item 8: "B:10"
                branch, raw = raw.split(":", 1)
            answers.append(int(raw) if raw else None)
        return ResponseInput(answers, branch=branch)

    def activity_rows(self) -> list[tuple[forms.BoundField | None, forms.BoundField, str]]:
        rows = []
        for n in range(1, PSFS_MAX_ACTIVITIES + 1):
            text = self.fields.get(measure_field("PSFS", f"text_{n}"))
            carried = self.carried[n - 1]["text"] if n <= len(self.carried) else ""
            rows.append(
                (
                    self[measure_field("PSFS", f"text_{n}")] if text else None,
                    self[measure_field("PSFS", str(n))],
                    carried,
                )
            )
        return rows


def _options(item: outcomes.Item, text: instruments.ItemText | None) -> list[tuple[str, str]]:
    """Radio choices of one item: the loaded option labels, else the allowed points. VISA-G
    item 8's values carry their branch ("B:10"), since points repeat across branches."""
    if item.branches:
        if text and text.options:
            return [(f"{o.branch}:{o.points}", f"{o.branch}. {o.label}") for o in text.options]
        return [(f"{b}:{p}", f"{b}: {p}") for b, points in item.branches.items() for p in points]
    if text and text.options:
        return [(str(o.points), o.label) for o in text.options]
    return [(str(p), str(p)) for p in item.allowed]
