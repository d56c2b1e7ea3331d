"""Prescribing forms: start a programme, an item's dose, a phase, publish, and the
library search. They check input and say what is wrong next to the field, with the same
words as the services (prescriptions/programmes/services.py), which check again and write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from crispy_forms.layout import HTML, Div

from clinic.forms import HintedRadioSelect, StaffForm, Unit, form_helper
from clinic.models import Practitioner
from prescriptions.library import shipped as library
from prescriptions.models import (
    ITEM_RANGES,
    LOAD_KG_RANGE,
    Assessment,
    Exercise,
    Phase,
    Programme,
    ProgrammeItem,
)
from prescriptions.programmes.selectors import goal_summary
from prescriptions.programmes.services import (
    CHANGE_NOTE_MAX,
    END_REASON_MAX,
    NOTES_MAX,
    PHASE_NAME_MAX,
    REASON_MAX,
    TEMPO_MAX,
    TITLE_MAX,
)

RANGE_WORDS = {
    "sets": "the number of sets",
    "reps": "the repetitions",
    "hold_seconds": "the hold in seconds",
    "distance_m": "the distance in metres",
    "rest_seconds": "the rest in seconds",
    "days_per_week": "the days per week",
    "sessions_per_day": "the sessions per day",
}
REPS_LABELS = {
    Exercise.DoseType.REPS: ("Repetitions per set", "the repetitions"),
    Exercise.DoseType.HOLD_SECONDS: ("Holds per set", "the number of holds"),
    Exercise.DoseType.STEPS: ("Steps each way, per set", "the steps each way"),
}


def _number_input(**attrs: str) -> forms.TextInput:
    # GOV.UK: a text input with inputmode, not type=number (no spinner, no scroll-wheel).
    return forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false", **attrs}
    )


def whole_field(name: str, label: str, *, words: str | None = None, **kw: Any) -> forms.Field:
    low, high = ITEM_RANGES[name]
    message = f"Enter {words or RANGE_WORDS[name]}, from {low} to {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        widget=_number_input(**{"class": "input-measure"}),
        error_messages={
            "required": message,
            "invalid": f"Enter {words or RANGE_WORDS[name]} as a whole number.",
            "min_value": message,
            "max_value": message,
        },
        **kw,
    )


def _text(label: str, limit: int, words: str, *, textarea: bool = False, **kw: Any) -> forms.Field:
    widget = forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput()
    return forms.CharField(
        label=label,
        max_length=limit,
        required=False,
        widget=widget,
        error_messages={"max_length": f"Keep {words} to {limit} characters or fewer."},
        **kw,
    )


def day_field(label: str, **kw: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "input-date"},
            format="%d/%m/%Y",
        ),
        error_messages={
            "required": "Enter the day the phase starts.",
            "invalid": "Enter a real date as day/month/year, like 3/3/2026.",
        },
        **kw,
    )


# --- Starting a programme ----------------------------------------------------------------


class ProgrammeStartForm(StaffForm):
    goal = forms.ChoiceField(
        label="Goal of the programme",
        widget=forms.RadioSelect,
        help_text="The goal sets each exercise's starting dose; you can change any of them.",
        error_messages={
            "required": "Choose the goal of the programme.",
            "invalid_choice": "Choose the goal of the programme.",
        },
    )
    title = _text(
        "Title (optional)",
        TITLE_MAX,
        "the title",
        help_text="Shown to the patient, for example 'Hip strength for running'. "
        "Without one, the goal is shown.",
    )
    practitioner = forms.ChoiceField(
        label="Prescribing practitioner",
        error_messages={
            "required": "Choose the prescribing practitioner.",
            "invalid_choice": "Choose a practitioner from the list.",
        },
    )
    assessment = forms.ChoiceField(
        label="From the assessment",
        required=False,
        help_text="Its findings suggest exercises, and its red flags and the patient's "
        "conditions raise warnings.",
        error_messages={"invalid_choice": "Choose one of this patient's signed assessments."},
    )

    def __init__(
        self,
        *args: Any,
        practitioners: Sequence[Practitioner],
        assessments: Sequence[tuple[Assessment, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goal_hints = {g: goal_summary(g) for g in Programme.Goal.values}
        self.fields["goal"].widget = HintedRadioSelect(option_hints=self.goal_hints)
        cast(forms.ChoiceField, self.fields["goal"]).choices = Programme.Goal.choices
        self.practitioners = {str(p.code): p for p in practitioners}
        cast(forms.ChoiceField, self.fields["practitioner"]).choices = [
            (str(p.code), p.display_name) for p in practitioners
        ]
        self.assessments = {str(a.code): a for a, _ in assessments}
        cast(forms.ChoiceField, self.fields["assessment"]).choices = [
            ("", "Not from an assessment")
        ] + [(str(a.code), label) for a, label in assessments]

    def clean_practitioner(self) -> Practitioner:
        return self.practitioners[self.cleaned_data["practitioner"]]

    def clean_assessment(self) -> Assessment | None:
        code = self.cleaned_data.get("assessment")
        return self.assessments.get(code) if code else None


# --- One item -----------------------------------------------------------------------------


class ProgrammeItemForm(StaffForm):
    """An item's exercise and dose. Only the dose fields of its dose type are shown."""

    exercise = forms.ChoiceField(
        label="Exercise",
        error_messages={"invalid_choice": "Choose an exercise from the list."},
    )
    phase = forms.ChoiceField(
        label="Phase",
        required=False,
        error_messages={"invalid_choice": "Choose a phase of this version."},
    )
    sets = whole_field("sets", "Sets")
    per_side = forms.BooleanField(label="Each side (the dose is for each side)", required=False)
    load_kind = forms.ChoiceField(
        label="Load",
        widget=forms.RadioSelect,
        choices=ProgrammeItem.LoadKind.choices,
        error_messages={
            "required": "Choose the load from the list.",
            "invalid_choice": "Choose the load from the list.",
        },
    )
    band_colour = forms.ChoiceField(
        label="Band colour",
        required=False,
        choices=[("", "Choose a colour"), *ProgrammeItem.BandColour.choices],
        help_text="For a band.",
        error_messages={"invalid_choice": "Choose the band colour."},
    )
    load_kg = forms.DecimalField(
        label="Weight",
        required=False,
        min_value=LOAD_KG_RANGE[0],
        max_value=LOAD_KG_RANGE[1],
        decimal_places=2,
        max_digits=5,
        help_text="In kg, for a weight.",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "class": "input-measure"}
        ),
        error_messages={
            "invalid": "Enter the weight in kg, from 0.5 to 500.",
            "min_value": "Enter the weight in kg, from 0.5 to 500.",
            "max_value": "Enter the weight in kg, from 0.5 to 500.",
            "max_decimal_places": "Enter the weight with at most 2 decimal places.",
            "max_digits": "Enter the weight in kg, from 0.5 to 500.",
            "max_whole_digits": "Enter the weight in kg, from 0.5 to 500.",
        },
    )
    tempo = _text("Tempo (optional)", TEMPO_MAX, "the tempo", help_text="E.g. 3 seconds down.")
    rest_seconds = whole_field("rest_seconds", "Rest between sets", help_text="Seconds.")
    days_per_week = whole_field("days_per_week", "Days per week")
    sessions_per_day = whole_field("sessions_per_day", "Times a day")
    notes = _text(
        "Notes for the patient (optional)",
        NOTES_MAX,
        "the notes",
        textarea=True,
        help_text="How it should feel, what to watch for.",
    )
    reason = _text(
        "Why it is in the programme",
        REASON_MAX,
        "the reason",
        textarea=True,
        help_text="Shown to the patient, in plain words: the goal and the finding.",
    )

    def __init__(
        self,
        *args: Any,
        dose_type: str,
        exercises: Sequence[Exercise],
        phases: Sequence[Phase],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.dose_type = dose_type
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
        self.exercises = {str(e.code): e for e in exercises}
        cast(forms.ChoiceField, self.fields["exercise"]).choices = [
            (str(e.code), e.name + ("" if e.is_shipped else " (your clinic)")) for e in exercises
        ]
        self.phases = {str(p.code): p for p in phases}
        cast(forms.ChoiceField, self.fields["phase"]).choices = [("", "No phase")] + [
            (str(p.code), f"{p.name} (from {p.starts_on:%-d/%-m/%Y})") for p in phases
        ]
        if dose_type == Exercise.DoseType.DISTANCE_M:
            self.fields["distance_m"] = whole_field("distance_m", "Distance per set")
            self.fields["distance_m"].help_text = "Metres."
        else:
            label, words = REPS_LABELS[Exercise.DoseType(dose_type)]
            self.fields["reps"] = whole_field("reps", label, words=words)
        if dose_type == Exercise.DoseType.HOLD_SECONDS:
            self.fields["hold_seconds"] = whole_field("hold_seconds", "Hold", help_text="Seconds.")
        order = ["exercise", "phase", "sets", "reps", "hold_seconds", "distance_m"]
        self.order_fields([n for n in order if n in self.fields])
        for name in ("reps", "hold_seconds", "distance_m"):
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} form-control".strip()
        self.helper = form_helper(
            "exercise",
            HTML(
                '<p class="hint">Choosing an exercise dosed another way (a hold instead of '
                "repetitions, say) gives it the goal's default dose for that.</p>"
            ),
            "sets",
            *(name for name in ("reps",) if name in self.fields),
            *(Unit(name, "s") for name in ("hold_seconds",) if name in self.fields),
            *(Unit(name, "m") for name in ("distance_m",) if name in self.fields),
            "per_side",
            "load_kind",
            "band_colour",
            Unit("load_kg", "kg"),
            "tempo",
            Unit("rest_seconds", "s"),
            "days_per_week",
            "sessions_per_day",
            *(["phase"] if len(phases) > 0 else []),
            "notes",
            "reason",
        )

    def clean_exercise(self) -> Exercise:
        return self.exercises[self.cleaned_data["exercise"]]

    def clean_phase(self) -> Phase | None:
        code = self.cleaned_data.get("phase")
        return self.phases.get(code) if code else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("load_kind")
        external = kind == ProgrammeItem.LoadKind.EXTERNAL
        if external and data.get("load_kg") is None and "load_kg" not in self.errors:
            self.add_error("load_kg", "Enter the weight in kg.")
        if kind == ProgrammeItem.LoadKind.BAND and not data.get("band_colour"):
            self.add_error("band_colour", "Choose the band colour.")
        return data

    def item_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {name: data[name] for name in self.fields if name in data}


def item_initial(item: ProgrammeItem) -> dict[str, Any]:
    return {
        "exercise": str(item.exercise.code),
        "phase": str(item.phase.code) if item.phase is not None else "",
        "sets": item.sets,
        "reps": item.reps,
        "hold_seconds": item.hold_seconds,
        "distance_m": item.distance_m,
        "per_side": item.per_side,
        "load_kind": item.load_kind,
        "band_colour": item.band_colour,
        "load_kg": item.load_kg.normalize() if item.load_kg is not None else None,
        "tempo": item.tempo,
        "rest_seconds": item.rest_seconds,
        "days_per_week": item.days_per_week,
        "sessions_per_day": item.sessions_per_day,
        "notes": item.notes,
        "reason": item.reason,
    }


# --- Phases, publishing, adding ------------------------------------------------------------


class PhaseForm(StaffForm):
    name = forms.CharField(
        label="Name of the phase",
        max_length=PHASE_NAME_MAX,
        help_text="For example 'Weeks 1 to 2: settle the pain'.",
        error_messages={
            "required": "Name the phase, for example 'Weeks 1 to 2'.",
            "max_length": f"Keep the name of the phase to {PHASE_NAME_MAX} characters or fewer.",
        },
    )
    starts_on = day_field("Starts on", help_text="Day/month/year, for example 3/3/2026.")


class PublishForm(StaffForm):
    change_note = _text(
        "What changed (optional)",
        CHANGE_NOTE_MAX,
        "the change note",
        textarea=True,
        help_text="A line for the version history, for example 'More sets of the bridge; "
        "squats added'.",
    )


class EndForm(StaffForm):
    reason = _text(
        "Why it is ending (optional)",
        END_REASON_MAX,
        "the reason",
        textarea=True,
        help_text="For the clinic's records, for example 'Goals met; discharged'. The "
        "patient does not see it.",
    )


class AddItemForm(forms.Form):
    """The "Add" buttons of suggestions and search results: which exercise, and a weight
    for one that can only be loaded externally."""

    exercise = forms.UUIDField()
    load_kg = forms.DecimalField(
        required=False,
        min_value=LOAD_KG_RANGE[0],
        max_value=LOAD_KG_RANGE[1],
        decimal_places=2,
        max_digits=5,
        error_messages={
            "invalid": "Enter the weight in kg, from 0.5 to 500.",
            "min_value": "Enter the weight in kg, from 0.5 to 500.",
            "max_value": "Enter the weight in kg, from 0.5 to 500.",
            "max_decimal_places": "Enter the weight with at most 2 decimal places.",
        },
    )


# --- Library search --------------------------------------------------------------------------

WEIGHT_BEARING_CHOICES = [
    ("", "Either"),
    ("yes", "Standing (weight-bearing)"),
    ("no", "Not standing"),
]


class ExerciseSearchForm(forms.Form):
    """Search and filters of the library (GET). Every filter is optional."""

    q = forms.CharField(label="Name", required=False, max_length=100)
    muscle = forms.ChoiceField(label="Muscle", required=False)
    level = forms.ChoiceField(label="Level", required=False)
    equipment = forms.ChoiceField(label="Equipment", required=False)
    weight_bearing = forms.ChoiceField(
        label="Weight-bearing", required=False, choices=WEIGHT_BEARING_CHOICES
    )
    condition = forms.ChoiceField(label="Suits the condition", required=False)
    safe_for = forms.ChoiceField(
        label="Leave out exercises to avoid early in",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        lib = library.default_library()
        cast(forms.ChoiceField, self.fields["muscle"]).choices = [
            ("", "Any muscle"),
            *lib.muscles.items(),
        ]
        cast(forms.ChoiceField, self.fields["level"]).choices = [("", "Any level")] + [
            (str(k), v) for k, v in lib.levels.items()
        ]
        equipment = {**lib.equipment, **lib.load_types}
        cast(forms.ChoiceField, self.fields["equipment"]).choices = [
            ("", "Any equipment"),
            *equipment.items(),
        ]
        conditions = list(lib.conditions.items())
        cast(forms.ChoiceField, self.fields["condition"]).choices = [
            ("", "Any condition"),
            *conditions,
        ]
        cast(forms.ChoiceField, self.fields["safe_for"]).choices = [("", "Show all"), *conditions]
        self.fields["q"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        filters = [name for name in self.fields if name != "q"]
        self.helper = form_helper("q", Div(*filters, css_class="filter-grid"))

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for library_selectors.exercise_search_for_clinic."""
        if not self.is_valid():
            return {}
        d = self.cleaned_data
        return {
            "text": d.get("q") or "",
            "muscle": d.get("muscle") or None,
            "level": int(d["level"]) if d.get("level") else None,
            "equipment": d.get("equipment") or None,
            "weight_bearing": {"yes": True, "no": False}.get(d.get("weight_bearing") or ""),
            "condition": d.get("condition") or None,
            "safe_for": [d["safe_for"]] if d.get("safe_for") else [],
        }

    @property
    def is_filtered(self) -> bool:
        return any(v not in (None, "", []) for v in self.filters().values())
