"""Forms shared by every app's staff pages, and the patient record's own forms.

Forms validate input only; services write. Every value that arrives in a query string or
a POST body goes through a form, so a malformed date, code or time becomes an error next
to its field, never a 500.

Presentation: each form builds a crispy `FormHelper` in `__init__` (`form_helper`), with
`form_tag = False` so the template owns `<form>`, `{% csrf_token %}` and the buttons. The
field markup (label, hint, error, input; a fieldset and legend for radios and checkboxes,
`aria-describedby` on both) is `templates/bootstrap5/field.html`; the error summary at the
top of a page is `templates/_error_summary.html`, fed by `ErrorSummaryMixin`."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout

from clinic.lib.text import without_bidi_controls

EARLIEST_DATE = date(2000, 1, 1)
"""Dates before this are refused: nobody needs them and they keep date arithmetic safe."""


LATEST_DATE = date(2099, 12, 31)
"""Dates after this are refused, so adding a week can never overflow."""


DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


phone_validator = RegexValidator(
    r"^\+?[0-9 ()\-]{6,30}$",
    "Enter a phone number using digits, spaces, brackets or a leading +, like 0400 123 456.",
)


def form_helper(*layout: Any) -> FormHelper:
    """A crispy helper for a form whose template owns `<form>`, the csrf token and buttons.

    With no layout, every field is drawn in declaration order."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


class _FieldWith(Field):  # type: ignore[misc]  # crispy_forms has no type information
    """A crispy Field that hands templates/bootstrap5/field.html some context of its own."""

    context: dict[str, Any] = {}

    def render(self, *args: Any, extra_context: dict[str, Any] | None = None, **kw: Any) -> str:
        extra_context = {**(extra_context or {}), **self.context}
        return cast(str, super().render(*args, extra_context=extra_context, **kw))


class Unit(_FieldWith):
    """A number with its unit after the input (and in the label, for screen readers)."""

    def __init__(self, name: str, unit: str, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.context = {"unit": unit}


class PageHeading(_FieldWith):
    """A question that is the page's heading: its label (or legend) is the page's `<h1>`."""

    context = {"page_heading": True}


class InlineRadioSelect(forms.RadioSelect):
    """Radios side by side: a short set such as yes and no."""

    inline = True


class InlineCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes side by side: a short set such as left and right."""

    inline = True


class HintedRadioSelect(forms.RadioSelect):
    """Radios with a hint under some options (tied to them with aria-describedby)."""

    def __init__(self, *args: Any, option_hints: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.option_hints = option_hints or {}


class ErrorSummaryMixin:
    """(link target, message) pairs for the GOV.UK error summary, in page order.

    Each entry links to its field's input: the first option of a radio or checkbox group.
    `error_anchors` sends a field's link elsewhere (its input is drawn by another field, or
    by hand); `summary_message` is the hook for a prefix such as the test's name."""

    error_anchors: dict[str, str] = {}

    def error_entries(self) -> list[tuple[str, str]]:
        form = cast(forms.BaseForm, self)
        entries = [("", str(error)) for error in form.non_field_errors()]
        for bound in form:
            for error in bound.errors:
                entries.append((self.error_anchor(bound), self.summary_message(bound, str(error))))
        return entries

    def error_anchor(self, bound: forms.BoundField) -> str:
        if bound.name in self.error_anchors:
            return self.error_anchors[bound.name]
        if bound.field.widget.use_fieldset:
            return f"{bound.auto_id}_0"
        return str(bound.auto_id)

    def summary_message(self, bound: forms.BoundField, message: str) -> str:
        return str(message)


class StaffForm(ErrorSummaryMixin, forms.Form):
    """Bootstrap classes on every widget (for inputs a template places by hand) and a crispy
    helper that draws every field in order; a form with a layout replaces the helper."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.helper = form_helper()
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    # The browser's date control shows the date in the user's own format (3/3/2026 in
    # Australia), so hints and errors give the day in words rather than as 2026-03-03.
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text or "The day, month and year, for example 3 March 2026.",
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, for example 3 March 2026."},
    )


def check_date_range(value: date | None) -> date | None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise forms.ValidationError(
            f"Enter a date between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y}.", code="range"
        )
    return value


class PatientSearchForm(StaffForm):
    q = forms.CharField(
        label="Name, email or phone",
        max_length=100,
        required=False,
        error_messages={"max_length": "Enter at most %(limit_value)d characters."},
    )


class NameField(forms.CharField):
    """A person's name: trimmed, without the invisible characters that reorder text."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(without_bidi_controls(str(value or "")))).strip()


class NewPatientForm(StaffForm):
    first_name = NameField(label="First name", max_length=80)
    last_name = NameField(label="Last name", max_length=80)
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="If the clinic already has a patient with this email, we use their record.",
        error_messages={"invalid": "Enter an email address like name@example.org."},
    )
    phone = forms.CharField(label="Phone", max_length=30, validators=[phone_validator])
    date_of_birth = date_field(
        "Date of birth", help_text="The day, month and year, for example 14 March 1985."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(
            Div("first_name", "last_name", css_class="field-pair"),
            "email",
            "phone",
            "date_of_birth",
        )

    def clean_date_of_birth(self) -> date:
        value: date = self.cleaned_data["date_of_birth"]
        if value.year < 1900:
            raise forms.ValidationError("Enter a date of birth after 1900.", code="range")
        if value > timezone.localdate():
            raise forms.ValidationError("The date of birth must be in the past.", code="future")
        return value
