"""Assessment forms: they check input and say what is wrong next to the field; the
services write. Measurement fields are built from the battery registry, one per
(test, side, measure), named `test__side__measure` (services.field_key)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.http import QueryDict

from crispy_forms.layout import Div

from bookings.models import Appointment
from clinic.forms import InlineRadioSelect, StaffForm, form_helper
from clinic.models import Practitioner
from prescriptions.assessments import battery
from prescriptions.assessments.derived import STEP_DOWN_ITEMS, STEP_DOWN_KNEE_POINTS, round_to
from prescriptions.assessments.selectors import TestSection
from prescriptions.assessments.services import (
    AMENDMENT_REASON_MAX,
    EDITABLE_FIELDS,
    check_value,
    field_key,
)
from prescriptions.models import BODY_MASS_RANGE, DBP_RANGE, HR_RANGE, SBP_RANGE, Assessment
from prescriptions.outcomes import instruments
from prescriptions.outcomes import scoring as outcomes
from prescriptions.outcomes.forms import PointsField, allowed_words
from prescriptions.outcomes.services import (
    ACTIVITY_TEXT_MAX,
    PSFS_MAX_ACTIVITIES,
    ResponseInput,
    latest_activities,
)
from prescriptions.outcomes.services import measure_field as measure_key
from prescriptions.rules import postop
from prescriptions.vocabulary import (
    RED_FLAG_GROUPS,
    SIDES,
    Condition,
    Finding,
    Goal,
    InvolvedSide,
    PainContext,
    RedFlag,
    ReferenceSex,
    Side,
)

EARLIEST_DAY = date(2000, 1, 1)

BODY_MASS = battery.FieldSpec(
    "body_mass_kg",
    "Body mass",
    unit="kg",
    min=BODY_MASS_RANGE[0],
    max=BODY_MASS_RANGE[1],
    places=1,
    hint="Needed for %BW and N·m/kg.",
    sided=False,
)
PAIN = battery.FieldSpec(
    "pain_nprs",
    "Pain score",
    unit="/10",
    min=Decimal(0),
    max=Decimal(10),
    hint="Numeric pain rating: 0 = no pain, 10 = worst imaginable.",
    sided=False,
)
SBP = battery.FieldSpec(
    "resting_sbp", "Systolic", unit="mmHg", min=Decimal(SBP_RANGE[0]), max=Decimal(SBP_RANGE[1])
)
DBP = battery.FieldSpec(
    "resting_dbp", "Diastolic", unit="mmHg", min=Decimal(DBP_RANGE[0]), max=Decimal(DBP_RANGE[1])
)
HR = battery.FieldSpec(
    "resting_hr",
    "Resting heart rate",
    unit="bpm",
    min=Decimal(HR_RANGE[0]),
    max=Decimal(HR_RANGE[1]),
)


class MeasureField(forms.Field):
    """A number typed as text (GOV.UK: inputmode, not type=number), checked against its
    registry entry with the same messages the service uses."""

    def __init__(self, spec: battery.FieldSpec, *, side: str = "", **kwargs: Any) -> None:
        self.spec, self.side = spec, side
        negative = spec.min is not None and spec.min < 0
        attrs = {
            "inputmode": "text" if negative else ("numeric" if spec.places == 0 else "decimal"),
            "autocomplete": "off",
            "spellcheck": "false",
            "class": "input-measure",
        }
        kwargs.setdefault("label", Side(side).label if side else spec.label)
        kwargs.setdefault("help_text", "" if side else spec.hint)
        kwargs.setdefault("required", False)
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    @property
    def unit(self) -> str:
        """Shown after the input and in the label (templates/bootstrap5/field.html); a score
        out of 10 has none: its label and hint say so."""
        return "" if self.spec.unit.startswith("/") else self.spec.unit_label

    def to_python(self, value: Any) -> str | None:
        value = (value or "").strip()
        return value or None

    def clean(self, value: Any) -> Decimal | None:
        text = self.to_python(value)
        if text is None:
            return None
        try:
            result = check_value(self.spec, text, side=self.side)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return Decimal(result)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{round_to(value, self.spec.places)}"
        return value


VISA_G_BRANCHES = (
    ("A", "A: hip pain stops load-bearing activity"),
    ("B", "B: hip pain, but it does not stop the activity"),
    ("C", "C: no hip pain during the activity"),
)
"""VISA-G item 8's three branches, described in our words (CLINICAL.md §2.3)."""


def _choice_field(spec: battery.FieldSpec, side: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=Side(side).label if side else spec.label,
        choices=[("", "Not recorded"), *spec.choices],
        required=False,
        help_text="" if side else spec.hint,
        error_messages={"invalid_choice": f"Choose {spec.label.lower()} from the list."},
    )


def measure_field(spec: battery.FieldSpec, side: str) -> forms.Field:
    return (
        MeasureField(spec, side=side) if spec.kind == battery.NUMBER else _choice_field(spec, side)
    )


def _date_field() -> forms.DateField:
    # A text input, not type=date: Chromium's date widget has a tab stop that shows no
    # focus, and the day/month/year order of its parts follows the browser's locale.
    return forms.DateField(
        label="Date of the assessment",
        help_text="Day/month/year, for example 3/3/2026.",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "input-date"},
            format="%d/%m/%Y",
        ),
        error_messages={
            "required": "Enter the date of the assessment.",
            "invalid": "Enter a real date as day/month/year, like 3/3/2026.",
        },
    )


def _check_day(value: date, today: date) -> date:
    if value > today:
        raise forms.ValidationError("The date of the assessment cannot be in the future.")
    if value < EARLIEST_DAY:
        raise forms.ValidationError(f"Enter a date from {EARLIEST_DAY:%Y} onwards.")
    return value


def _checkboxes(label: str, choices: Iterable[tuple[str, str]], help_text: str = "") -> forms.Field:
    return forms.MultipleChoiceField(
        label=label,
        choices=list(choices),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={"invalid_choice": "Choose from the list."},
    )


def _radios(
    label: str, choices: Iterable[tuple[str, str]], help_text: str = "", *, inline: bool = False
) -> forms.Field:
    return forms.ChoiceField(
        label=label,
        choices=list(choices),
        required=False,
        widget=InlineRadioSelect if inline else forms.RadioSelect,
        help_text=help_text,
        error_messages={"invalid_choice": "Choose from the list."},
    )


def _practitioner_field(practitioners: Sequence[Practitioner]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Assessing practitioner",
        choices=[(str(p.code), p.display_name) for p in practitioners],
        error_messages={
            "required": "Choose the assessing practitioner.",
            "invalid_choice": "Choose a practitioner from the list.",
        },
    )


class _PractitionerMixin:
    practitioners: dict[str, Practitioner]
    cleaned_data: dict[str, Any]

    def clean_practitioner(self) -> Practitioner:
        return self.practitioners[self.cleaned_data["practitioner"]]


class AssessmentStartForm(_PractitionerMixin, StaffForm):
    """Start an assessment: who, when, for which visit and conditions (they pick the tests)."""

    practitioner = forms.ChoiceField()
    assessed_on = _date_field()
    appointment = forms.ChoiceField(
        label="Appointment",
        required=False,
        error_messages={"invalid_choice": "Choose one of this patient's appointments."},
    )
    conditions = _checkboxes(
        "Presenting conditions",
        Condition.choices,
        "Choose all that apply. Each one adds its suggested tests; you can change them later.",
    )
    condition_other = forms.CharField(
        label="Other condition (optional)",
        max_length=200,
        required=False,
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )
    involved_side = _radios("Affected side", InvolvedSide.choices, inline=True)

    def __init__(
        self,
        *args: Any,
        practitioners: Sequence[Practitioner],
        appointments: Sequence[tuple[Appointment, str]],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.practitioners = {str(p.code): p for p in practitioners}
        self.fields["practitioner"] = _practitioner_field(practitioners)
        self.appointments = {str(a.code): a for a, _ in appointments}
        cast(forms.ChoiceField, self.fields["appointment"]).choices = [
            ("", "Not linked to an appointment")
        ] + [(str(a.code), label) for a, label in appointments]
        self.fields["practitioner"].widget.attrs["class"] = "form-select"
        self.fields["appointment"].widget.attrs["class"] = "form-select"

    def clean_assessed_on(self) -> date:
        return _check_day(self.cleaned_data["assessed_on"], self.today)

    def clean_appointment(self) -> Appointment | None:
        code = self.cleaned_data.get("appointment")
        return self.appointments.get(code) if code else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("conditions") and not data.get("condition_other"):
            self.add_error(
                "conditions", "Choose at least one condition, or describe it under other."
            )
        return data


@dataclass
class MeasureRow:
    """One measure of a test in the form: a left and a right field, or one for the test."""

    spec: battery.FieldSpec
    left: forms.BoundField | None = None
    right: forms.BoundField | None = None
    single: forms.BoundField | None = None

    @property
    def fields(self) -> list[forms.BoundField]:
        return [f for f in (self.left, self.right, self.single) if f is not None]

    @property
    def errors(self) -> list[str]:
        return [str(e) for f in self.fields for e in f.errors]

    @property
    def dom_id(self) -> str:
        return f"measure-{self.fields[0].name}"


@dataclass
class TestForm:
    test: battery.TestDefinition
    settings: list[MeasureRow]
    rows: list[MeasureRow]
    references: list[battery.Reference]
    saved: TestSection | None = None
    """The derived values and flags as last saved, shown under the inputs."""

    __test__ = False  # not a pytest class


@dataclass
class MeasureForm:
    """One outcome measure in the form: its item fields (or, for the PSFS, activity slots
    of words and rating), the score as last saved and the wording the clinic has loaded."""

    instrument: outcomes.Instrument
    items: list[forms.BoundField]
    branch: forms.BoundField | None = None
    activities: list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]] | None = None
    saved: Any = None
    carried: bool = False  # PSFS activities carried from an earlier assessment

    @property
    def code(self) -> str:
        return self.instrument.code

    @property
    def dom_id(self) -> str:
        return f"measure-{self.instrument.code}"


class AssessmentForm(_PractitionerMixin, StaffForm):
    """The whole draft on one page, in page order (the error summary follows it). The
    template places the fields one by one (sections, tables of left and right values)."""

    def summary_message(self, bound: forms.BoundField, message: str) -> str:
        """A measurement's message names its test or measure: two tests have a pain score."""
        parts = bound.name.split("__")
        if len(parts) == 3 and parts[0] in battery.TESTS:
            return f"{battery.TESTS[parts[0]].name}: {message}"
        if len(parts) == 3 and parts[0] == "measure":
            return f"{parts[1]}: {message}"
        return str(message)

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    assessed_on = _date_field()
    practitioner = forms.ChoiceField()
    conditions = _checkboxes("Presenting conditions", Condition.choices, "Choose all that apply.")
    condition_other = forms.CharField(
        label="Other condition (optional)",
        max_length=200,
        required=False,
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )
    involved_side = _radios(
        "Affected side",
        InvolvedSide.choices,
        "Limb symmetry is involved ÷ uninvolved; with both or neither, weaker ÷ stronger.",
        inline=True,
    )
    history = forms.CharField(
        label="History",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Onset, course, aggravating and easing factors, treatment so far, "
        "relevant medical history and medicines.",
        max_length=10000,
    )
    goals = _checkboxes("What the patient wants to achieve", Goal.choices, "Choose all that apply.")
    goals_note = forms.CharField(
        label="Goals in the patient's words (optional)",
        required=False,
        max_length=300,
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )
    red_flags = _checkboxes("Red flags", RedFlag.choices)
    stop_signs = _checkboxes(
        "Stop signs",
        [(sign.value, sign.label[0].upper() + sign.label[1:]) for sign in postop.Sign],
        "Ask at each session after a recent joint injection or surgery. Any one stops "
        "exercise: the patient sees the surgeon or GP the same day (chest pain, "
        "breathlessness or coughing blood: call 000).",
    )
    red_flags_note = forms.CharField(
        label="Red flag notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when any red flag is ticked: what you found and what you did "
        "(for example referred to the GP).",
        max_length=5000,
    )
    pain_nprs = MeasureField(PAIN)
    pain_context = _radios("When does the score apply?", PainContext.choices)
    pain_task = forms.CharField(
        label="Which task (optional unless 'During a specific task')",
        required=False,
        max_length=120,
        help_text="For example single-leg stance or stairs.",
        error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
    )
    body_mass_kg = MeasureField(BODY_MASS)
    resting_sbp = MeasureField(SBP)
    resting_dbp = MeasureField(DBP)
    resting_hr = MeasureField(HR)
    reference_sex = _radios(
        "Sex for reference values (optional)",
        ReferenceSex.choices,
        "Only used to compare the knee angle (FPPA) with published control values.",
    )
    battery = _checkboxes(
        "Tests in this assessment",
        battery.TEST_CHOICES,
        "Tick or untick tests, then save: the form shows the tests ticked here.",
    )
    measures = _checkboxes(
        "Outcome measures in this assessment",
        [(code, f"{i.name} ({code})") for code, i in outcomes.INSTRUMENTS.items()],
        "Tick or untick measures, then save: the form shows the measures ticked here.",
    )

    def __init__(
        self,
        *args: Any,
        assessment: Assessment,
        practitioners: Sequence[Practitioner],
        today: date,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", _initial(assessment))
        super().__init__(*args, **kwargs)
        self._carried = bool(self.initial.get("_psfs_carried"))
        self.assessment = assessment
        self.today = today
        self.practitioners = {str(p.code): p for p in practitioners}
        self.fields["practitioner"] = _practitioner_field(practitioners)
        self.fields["practitioner"].widget.attrs["class"] = "form-select"
        for test in battery.TESTS_IN_ORDER:
            for spec in test.fields:
                for side in SIDES if spec.sided else ("",):
                    self.fields[field_key(test.code, side, spec.name)] = measure_field(spec, side)
        for code in Finding.values:
            for side in SIDES:
                self.fields[f"finding__{code}__{side}"] = forms.BooleanField(
                    label=f"{Side(side).label}", required=False
                )
        self._add_measure_fields()
        self.fields["findings_note"] = forms.CharField(
            label="Other findings and notes",
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=5000,
        )
        for name, field in self.fields.items():
            if name in self.base_fields:
                continue  # StaffForm has styled the declared fields
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    # --- Cleaning ---

    def clean_assessed_on(self) -> date:
        return _check_day(self.cleaned_data["assessed_on"], self.today)

    def clean_pain_nprs(self) -> int | None:
        value = self.cleaned_data.get("pain_nprs")
        return None if value is None else int(value)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (data.get("red_flags") or data.get("stop_signs")) and not data.get("red_flags_note"):
            self.add_error(
                "red_flags_note",
                "Describe the red flags: what you found and what you did about it.",
            )
        if data.get("pain_nprs") is not None and not data.get("pain_context"):
            self.add_error("pain_context", "Choose when the pain score applies.")
        if data.get("pain_context") and data.get("pain_nprs") is None and "pain_nprs" in data:
            self.add_error("pain_nprs", "Enter the pain score, or clear when it applies.")
        if data.get("pain_context") == PainContext.TASK and not data.get("pain_task"):
            self.add_error("pain_task", "Name the task the pain score applies to.")
        self._check_step_down(data)
        self._check_removed_tests(data)
        self._check_measures(data)
        return data

    def _add_measure_fields(self) -> None:
        for code, instrument in outcomes.INSTRUMENTS.items():
            if code == "PSFS":
                self._add_psfs_fields(instrument)
                continue
            for item in instrument.items:
                self.fields[measure_key(code, str(item.number))] = PointsField(item)
            if code == "VISA-G":
                self.fields[measure_key(code, "branch")] = forms.ChoiceField(
                    label="Item 8: which part did the patient answer?",
                    choices=[("", "Not answered"), *VISA_G_BRANCHES],
                    required=False,
                    help_text="Part A scores 0, 2, 5, 7 or 10; B 0, 5, 10, 15 or 20; C 6, 12, "
                    "18, 24 or 30.",
                    error_messages={"invalid_choice": "Choose part A, B or C."},
                )

    def _add_psfs_fields(self, instrument: outcomes.Instrument) -> None:
        for item in instrument.items[:PSFS_MAX_ACTIVITIES]:
            n = item.number
            self.fields[measure_key("PSFS", f"text_{n}")] = forms.CharField(
                label=f"Activity {n}",
                required=False,
                max_length=ACTIVITY_TEXT_MAX,
                error_messages={"max_length": "Keep it to %(limit_value)d characters or fewer."},
            )
            self.fields[measure_key("PSFS", f"id_{n}")] = forms.CharField(
                required=False, widget=forms.HiddenInput
            )
            self.fields[measure_key("PSFS", str(n))] = PointsField(
                item, label=f"Activity {n} rating", help_text="0 (unable) to 10 (as before)."
            )

    def _check_measures(self, data: dict[str, Any]) -> None:
        item_8 = outcomes.INSTRUMENTS["VISA-G"].items[7]
        points = data.get(measure_key("VISA-G", "8"))
        branch = data.get(measure_key("VISA-G", "branch"))
        if points is not None and not branch:
            self.add_error(
                measure_key("VISA-G", "branch"), "Choose which part of item 8 was answered."
            )
        elif points is not None and points not in item_8.branches[str(branch)]:
            self.add_error(
                measure_key("VISA-G", "8"),
                f"Item 8 part {branch} scores {allowed_words(item_8.branches[str(branch)])}.",
            )
        for n in range(1, PSFS_MAX_ACTIVITIES + 1):
            text = data.get(measure_key("PSFS", f"text_{n}"))
            if data.get(measure_key("PSFS", str(n))) is not None and not text:
                self.add_error(
                    measure_key("PSFS", f"text_{n}"), f"Name activity {n}, or clear its rating."
                )
        if "measures" not in data:
            return
        removed = [m for m in self.assessment.measures if m not in data["measures"]]
        answered = [m for m in removed if not self._response(m).is_empty]
        if answered:
            self.add_error(
                "measures",
                f"{', '.join(answered)}: clear the answers before removing the measure.",
            )

    def _response(self, code: str) -> ResponseInput:
        data = self.cleaned_data
        if code == "PSFS":
            slots = range(1, PSFS_MAX_ACTIVITIES + 1)
            return ResponseInput(
                [data.get(measure_key(code, str(n))) for n in slots],
                activities=[
                    (
                        data.get(measure_key(code, f"id_{n}")) or "",
                        data.get(measure_key(code, f"text_{n}")) or "",
                    )
                    for n in slots
                ],
            )
        items = outcomes.INSTRUMENTS[code].items
        return ResponseInput(
            [data.get(measure_key(code, str(i.number))) for i in items],
            branch=data.get(measure_key(code, "branch")) or "" if code == "VISA-G" else "",
        )

    def _check_step_down(self, data: dict[str, Any]) -> None:
        for side in SIDES:
            items = {n: data.get(field_key("lateral_step_down", side, n)) for n in STEP_DOWN_ITEMS}
            score = data.get(field_key("lateral_step_down", side, "score"))
            if score is None or any(not v for v in items.values()):
                continue
            total = sum(items[n] == "yes" for n in ("arm", "trunk", "pelvis", "unsteady"))
            total += STEP_DOWN_KNEE_POINTS[str(items["knee"])]
            if total != score:
                self.add_error(
                    field_key("lateral_step_down", side, "score"),
                    f"The five items add up to {total}: correct the items or the total.",
                )

    def _check_removed_tests(self, data: dict[str, Any]) -> None:
        if "battery" not in data:
            return
        removed = [t for t in self.assessment.battery if t not in data["battery"]]
        with_values = [t for t in removed if any(v not in (None, "") for v in self._values(t))]
        if with_values:
            names = ", ".join(battery.TESTS[t].name for t in with_values)
            self.add_error(
                "battery", f"{names}: clear the recorded results before removing the test."
            )

    def _values(self, test: str) -> list[Any]:
        spec_keys = [
            field_key(test, side, spec.name)
            for spec in battery.TESTS[test].fields
            for side in (SIDES if spec.sided else ("",))
        ]
        return [self.cleaned_data.get(k) for k in spec_keys]

    # --- For the service ---

    def draft_changes(self) -> dict[str, Any]:
        """The keyword arguments of `assessment_update_draft` this form's data makes."""
        return {
            "fields": self.plain_fields(),
            "tests": self.tests(),
            "results": self.results(),
            "findings": self.findings(),
            "expected_revision": self.cleaned_data.get("revision"),
            "measures": self.chosen_measures(),
            "responses": self.responses(),
        }

    def plain_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in EDITABLE_FIELDS}
        fields["stop_signs"] = list(fields["stop_signs"] or [])
        for name in ("resting_sbp", "resting_dbp", "resting_hr"):
            value = fields[name]
            fields[name] = None if value is None else int(value)
        for name in ("condition_other", "involved_side", "reference_sex", "history", "goals_note"):
            fields[name] = fields[name] or ""
        for name in ("red_flags_note", "pain_context", "pain_task", "findings_note"):
            fields[name] = fields[name] or ""
        return fields

    def tests(self) -> list[str]:
        return list(self.cleaned_data.get("battery") or [])

    def chosen_measures(self) -> list[str]:
        return list(self.cleaned_data.get("measures") or [])

    def responses(self) -> dict[str, ResponseInput]:
        return {code: self._response(code) for code in outcomes.INSTRUMENTS}

    def results(self) -> dict[str, dict[str, dict[str, Any]]]:
        data = self.cleaned_data
        results: dict[str, dict[str, dict[str, Any]]] = {}
        for test in battery.TESTS_IN_ORDER:
            for spec in test.fields:
                for side in SIDES if spec.sided else ("",):
                    value = data.get(field_key(test.code, side, spec.name))
                    if value not in (None, ""):
                        results.setdefault(test.code, {}).setdefault(side, {})[spec.name] = value
        return results

    def findings(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for code in Finding.values:
            sides = [s for s in SIDES if self.cleaned_data.get(f"finding__{code}__{s}")]
            if sides:
                found[code] = [str(s) for s in sides]
        return found

    # --- For the template ---

    def _posted_list(self, name: str) -> list[str]:
        """Every value posted under `name` (a bound form's data is the request's QueryDict)."""
        return cast(QueryDict, self.data).getlist(name)

    def shown_tests(self) -> list[str]:
        """The tests whose fields are on the page: the saved battery, plus any ticked in
        this submission (so nothing typed is lost when the page comes back with errors)."""
        codes = list(self.assessment.battery)
        if self.is_bound:
            codes += [c for c in self._posted_list("battery") if c in battery.TESTS]
        return battery.ordered(codes)

    def test_forms(self) -> list[TestForm]:
        sections = []
        for code in self.shown_tests():
            test = battery.TESTS[code]
            settings = [
                MeasureRow(spec, single=self[field_key(code, "", spec.name)])
                for spec in test.test_fields
            ]
            rows = [
                MeasureRow(
                    spec,
                    left=self[field_key(code, "left", spec.name)],
                    right=self[field_key(code, "right", spec.name)],
                )
                for spec in test.sided_fields
            ]
            sections.append(TestForm(test, settings, rows, battery.references_for(code)))
        return sections

    def shown_measures(self) -> list[str]:
        """The measures whose fields are on the page (as `shown_tests`)."""
        codes = list(self.assessment.measures)
        if self.is_bound:
            codes += [c for c in self._posted_list("measures") if c in outcomes.INSTRUMENTS]
        return instruments.ordered_measures(codes)

    def measure_forms(self) -> list[MeasureForm]:
        saved = {r.instrument: r for r in self.assessment.outcome_responses.all()}
        result = []
        for code in self.shown_measures():
            instrument = outcomes.INSTRUMENTS[code]
            if code == "PSFS":
                slots = [
                    (
                        self[measure_key(code, f"text_{n}")],
                        self[measure_key(code, f"id_{n}")],
                        self[measure_key(code, str(n))],
                    )
                    for n in range(1, PSFS_MAX_ACTIVITIES + 1)
                ]
                result.append(
                    MeasureForm(
                        instrument,
                        [],
                        activities=slots,
                        saved=saved.get(code),
                        carried=code not in saved and self._carried,
                    )
                )
                continue
            items = [self[measure_key(code, str(i.number))] for i in instrument.items]
            branch = self[measure_key(code, "branch")] if code == "VISA-G" else None
            result.append(MeasureForm(instrument, items, branch, saved=saved.get(code)))
        return result

    def red_flag_groups(self) -> list[tuple[str, str, list[Any]]]:
        by_value = {sw.data["value"]: sw for sw in self["red_flags"].subwidgets}
        return [(key, title, [by_value[f] for f in flags]) for key, title, flags in RED_FLAG_GROUPS]

    def finding_rows(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        return [
            (code, label, self[f"finding__{code}__left"], self[f"finding__{code}__right"])
            for code, label in Finding.choices
        ]


def _initial(assessment: Assessment) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "revision": assessment.revision,
        "assessed_on": assessment.assessed_on,
        "practitioner": str(assessment.practitioner.code),
        "battery": list(assessment.battery),
    }
    for name in EDITABLE_FIELDS:
        initial.setdefault(name, getattr(assessment, name))
    for name in ("pain_nprs", "resting_sbp", "resting_dbp", "resting_hr"):
        if initial[name] is not None:
            initial[name] = str(initial[name])
    for m in assessment.measurements.all():
        if not m.derived:
            initial[field_key(m.test, m.side, m.measure)] = m.value
    for code, sides in (assessment.findings or {}).items():
        for side in sides:
            initial[f"finding__{code}__{side}"] = True
    initial["measures"] = list(assessment.measures)
    initial.update(_measure_initial(assessment))
    return initial


def _measure_initial(assessment: Assessment) -> dict[str, Any]:
    """Saved answers; without a saved PSFS, the activities of the patient's latest one
    (words and stable ids, ratings empty) so a follow-up re-rates the same activities."""
    initial: dict[str, Any] = {}
    responses = list(assessment.outcome_responses.all())
    for r in responses:
        if r.instrument == "PSFS":
            for n, (activity, rating) in enumerate(r.ratings(), start=1):
                initial[measure_key("PSFS", f"text_{n}")] = activity["text"]
                initial[measure_key("PSFS", f"id_{n}")] = activity["id"]
                initial[measure_key("PSFS", str(n))] = "" if rating is None else str(rating)
            continue
        for n, value in enumerate(r.answers, start=1):
            initial[measure_key(r.instrument, str(n))] = "" if value is None else str(value)
        if r.branch:
            initial[measure_key(r.instrument, "branch")] = r.branch
    if all(r.instrument != "PSFS" for r in responses):
        carried = latest_activities(assessment.patient, before=assessment)
        for n, activity in enumerate(carried[:PSFS_MAX_ACTIVITIES], start=1):
            initial[measure_key("PSFS", f"text_{n}")] = activity["text"]
            initial[measure_key("PSFS", f"id_{n}")] = activity["id"]
        initial["_psfs_carried"] = bool(carried)
    return initial


class AmendForm(StaffForm):
    reason = forms.CharField(
        label="Why does this assessment need amending?",
        help_text="This is kept with the new version, with your name and the time.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=AMENDMENT_REASON_MAX,
        error_messages={
            "required": "Say why the assessment needs amending.",
            "max_length": "Keep the reason to %(limit_value)d characters or fewer.",
        },
    )


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
                error_messages={"invalid_choice": "Choose one of the patient's assessments."},
            )
        self.helper = form_helper(Div("baseline", "current", css_class="field-pair"))
