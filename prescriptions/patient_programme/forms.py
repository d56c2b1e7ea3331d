"""The patient's forms: log a session, record next-morning pain.

Every problem is reported next to its field and in the error summary, naming the
exercise; nothing is saved until the whole form is right. Numbers are typed into text
boxes with a numeric keypad (GOV.UK advice), and parsed here so the messages are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from clinic.forms import ErrorSummaryMixin, form_helper
from prescriptions.models import LOAD_KG_RANGE, Exercise, ProgrammeItem
from prescriptions.patient_programme.selectors import achieved_label, dose_words, load_words
from prescriptions.patient_programme.services import EntryInput

COMMENT_MAX = 1000
ACHIEVED_RANGES = {
    Exercise.DoseType.REPS: (1, 100, "repetitions"),
    Exercise.DoseType.STEPS: (1, 100, "steps"),
    Exercise.DoseType.HOLD_SECONDS: (1, 3600, "seconds"),
    Exercise.DoseType.DISTANCE_M: (1, 10000, "metres"),
}
"""What a patient can log for each dose type (SessionLogEntry's database checks)."""


def _number_input(width: str = "input-width-4") -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "class": f"form-control {width}"}
    )


@dataclass(frozen=True)
class ItemFields:
    """The bound fields of one exercise, for the template."""

    item: ProgrammeItem
    done: forms.BoundField
    achieved: forms.BoundField
    pain: forms.BoundField
    rpe: forms.BoundField
    load: forms.BoundField | None
    dose: str
    load_words: str

    @property
    def errors(self) -> list[str]:
        fields = [self.done, self.achieved, self.pain, self.rpe, self.load]
        return [str(e) for f in fields if f is not None for e in f.errors]


class SessionLogForm(ErrorSummaryMixin, forms.Form):
    """One session: per exercise done or not, what was achieved, pain and difficulty."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Anything to tell your practitioner? (optional)",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="For example what felt hard, or why you skipped an exercise. Up to "
        f"{COMMENT_MAX} characters.",
        error_messages={"max_length": f"Your comment must be {COMMENT_MAX} characters or fewer."},
    )

    def __init__(
        self, *args: Any, items: list[ProgrammeItem], days: list[tuple[date, str]], **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["day"] = forms.ChoiceField(
            label="When did you do it?",
            choices=[(d.isoformat(), label) for d, label in days],
            initial=days[0][0].isoformat() if days else None,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            error_messages={
                "required": "Choose the day you did the session.",
                "invalid_choice": "Choose the day you did the session.",
            },
        )
        self.order_fields(["day"])
        for item in items:
            p = self.prefix_for(item)
            self.fields[f"{p}done"] = forms.BooleanField(
                label="I did this exercise",
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"{p}achieved"] = forms.CharField(
                label=achieved_label(item), required=False, widget=_number_input()
            )
            if item.load_kind == ProgrammeItem.LoadKind.EXTERNAL:
                self.fields[f"{p}load"] = forms.CharField(
                    label="Weight you used in kg (optional)",
                    required=False,
                    widget=_number_input(),
                    help_text=f"Leave it empty if you used the {load_words(item)} in your "
                    "programme.",
                )
            self.fields[f"{p}pain"] = forms.CharField(
                label="Pain during it, 0 to 10",
                help_text="0 is no pain, 10 the worst pain you can imagine.",
                required=False,
                widget=_number_input("input-width-2"),
            )
            self.fields[f"{p}rpe"] = forms.CharField(
                label="How hard it felt, 0 to 10",
                help_text="0 is resting, 10 the hardest you could possibly do.",
                required=False,
                widget=_number_input("input-width-2"),
            )
        for name in ("comment",):
            self.fields[name] = self.fields.pop(name)

    @staticmethod
    def prefix_for(item: ProgrammeItem) -> str:
        return f"item{item.order}_"

    def item_fields(self) -> list[ItemFields]:
        rows = []
        for item in self.items:
            p = self.prefix_for(item)
            rows.append(
                ItemFields(
                    item=item,
                    done=self[f"{p}done"],
                    achieved=self[f"{p}achieved"],
                    pain=self[f"{p}pain"],
                    rpe=self[f"{p}rpe"],
                    load=self[f"{p}load"] if f"{p}load" in self.fields else None,
                    dose=dose_words(item),
                    load_words=load_words(item),
                )
            )
        return rows

    # --- Checking ---------------------------------------------------------------

    def _whole(self, name: str, low: int, high: int, message: str) -> int | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            self.add_error(name, message)
            return None
        return value

    def _load(self, name: str, exercise: str) -> Decimal | None:
        raw = (self.cleaned_data.get(name) or "").strip().removesuffix("kg").strip()
        if not raw:
            return None
        low, high = LOAD_KG_RANGE
        message = f"{exercise}: enter the weight in kg as a number from {low} to {high}, like 62.5."
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            self.add_error(name, message)
            return None
        exponent = value.as_tuple().exponent  # a letter ("n", "N", "F") when not finite
        if not value.is_finite() or not low <= value <= high or int(exponent) < -2:
            self.add_error(name, message)
            return None
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        entries = []
        for item in self.items:
            entry = self._clean_item(item)
            if entry is not None:
                entries.append(entry)
        if len(entries) == len(self.items) and not any(e.done for e in entries) and self.items:
            first = f"{self.prefix_for(self.items[0])}done"
            self.add_error(first, "Tick each exercise you did: you have not ticked any.")
        data["entries"] = entries
        return data

    def _clean_item(self, item: ProgrammeItem) -> EntryInput | None:
        p = self.prefix_for(item)
        name = item.exercise.name
        done = bool(self.cleaned_data.get(f"{p}done"))
        errors_before = len(self.errors)
        low, high, unit = ACHIEVED_RANGES[Exercise.DoseType(item.dose_type)]
        achieved = self._whole(
            f"{p}achieved",
            low,
            high,
            f"{name}: enter the {unit} as a whole number from {low} to {high}.",
        )
        pain = self._whole(
            f"{p}pain", 0, 10, f"{name}: enter the pain as a whole number from 0 to 10."
        )
        rpe = self._whole(
            f"{p}rpe", 0, 10, f"{name}: enter how hard it felt as a whole number from 0 to 10."
        )
        load = self._load(f"{p}load", name) if f"{p}load" in self.fields else None
        typed = any(
            (self.cleaned_data.get(f"{p}{f}") or "").strip()
            for f in ("achieved", "pain", "rpe", "load")
            if f"{p}{f}" in self.fields
        )
        if not done and typed:
            self.add_error(
                f"{p}done",
                f"You typed numbers for {name} but did not tick it: tick it if you did it, "
                "or clear its numbers.",
            )
        if done:
            what = {
                "repetitions": "how many repetitions you did in your last set",
                "steps": "how many steps each way you did in your last set",
                "seconds": "how many seconds you held it",
                "metres": "how many metres you covered",
            }[unit]
            if achieved is None and f"{p}achieved" not in self.errors:
                self.add_error(f"{p}achieved", f"{name}: enter {what}.")
            if pain is None and f"{p}pain" not in self.errors:
                self.add_error(f"{p}pain", f"{name}: enter your pain during it, from 0 to 10.")
            if rpe is None and f"{p}rpe" not in self.errors:
                self.add_error(f"{p}rpe", f"{name}: enter how hard it felt, from 0 to 10.")
        if len(self.errors) != errors_before:
            return None
        dose = item.dose_type
        return EntryInput(
            item=item,
            done=done,
            reps=achieved if done and dose in ("reps", "steps") else None,
            hold_seconds=achieved if done and dose == "hold_seconds" else None,
            distance_m=achieved if done and dose == "distance_m" else None,
            load_kg=load if done else None,
            pain_during=pain if done else None,
            rpe=rpe if done else None,
        )


def day_choices(today: date, start: date | None) -> list[tuple[date, str]]:
    """Today and yesterday (not before the programme started)."""
    days = [(today, f"Today, {today:%A} {today.day} {today:%B}")]
    yesterday = today - timedelta(days=1)
    if start is None or yesterday >= start:
        days.append((yesterday, f"Yesterday, {yesterday:%A} {yesterday.day} {yesterday:%B}"))
    return days


class MorningPainForm(ErrorSummaryMixin, forms.Form):
    morning_pain = forms.CharField(
        label="Your pain this morning, 0 to 10",
        help_text="0 is no pain, 10 the worst pain you can imagine. Score it when you get up.",
        widget=_number_input("input-width-2"),
        error_messages={"required": "Enter your pain this morning, from 0 to 10."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.helper = form_helper()

    def clean_morning_pain(self) -> int:
        raw = self.cleaned_data["morning_pain"].strip()
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if not 0 <= value <= 10:
            raise forms.ValidationError(
                "Enter your pain this morning as a whole number from 0 to 10."
            )
        return value
