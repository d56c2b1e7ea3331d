"""The markup every form shares: crispy's field template (templates/bootstrap5/field.html)
and the one error summary (templates/_error_summary.html, clinic.forms.ErrorSummaryMixin).
Whatever a hint or an error is tied to must exist on the page, once."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django import forms
from django.template import Context, Template

import pytest

from clinic.forms import (
    HintedRadioSelect,
    InlineRadioSelect,
    NewPatientForm,
    StaffForm,
    Unit,
    form_helper,
)

PAGE = Template(
    '{% load crispy_forms_tags %}{% include "_error_summary.html" %}<form>{% crispy form %}</form>'
)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.refs: list[str] = []
        self.labelled: set[str] = set()
        self.inputs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        self.refs += (a.get("aria-describedby") or "").split()
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.refs.append((a["href"] or "")[1:])
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"] or "")
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.inputs.append(a.get("id") or "")


def _render(form: forms.Form) -> tuple[str, _Ids]:
    html = PAGE.render(Context({"form": form}))
    parsed = _Ids()
    parsed.feed(html)
    return html, parsed


def _check(parsed: _Ids) -> None:
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate ids"
    assert [r for r in parsed.refs if r not in parsed.ids] == [], "a reference to nothing"
    assert [i for i in parsed.inputs if i not in parsed.labelled] == [], "an input without label"


class _Everything(StaffForm):
    name = forms.CharField(label="Name", help_text="As on the card.")
    weight = forms.DecimalField(label="Weight")
    side = forms.ChoiceField(
        label="Side", choices=[("left", "Left"), ("right", "Right")], widget=InlineRadioSelect
    )
    goal = forms.ChoiceField(
        label="Goal",
        choices=[("pain", "Pain"), ("strength", "Strength")],
        widget=HintedRadioSelect(option_hints={"pain": "Gentle first."}),
        help_text="Sets the starting dose.",
    )
    tools = forms.MultipleChoiceField(
        label="Equipment",
        choices=[("band", "Band"), ("step", "Step")],
        widget=forms.CheckboxSelectMultiple,
    )
    agree = forms.BooleanField(label="I agree")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper = form_helper("name", Unit("weight", "kg"), "side", "goal", "tools", "agree")


def test_it_ties_hints_and_errors_to_their_inputs_and_links_the_summary_to_them():
    form = _Everything({"weight": "x", "goal": "nope", "tools": ["saw"]})
    html, parsed = _render(form)
    _check(parsed)
    summary = re.findall(r'<li><a href="#([^"]+)">', html)
    # Page order; a group's link goes to its first option.
    assert summary == ["id_name", "id_weight", "id_side_0", "id_goal_0", "id_tools_0", "id_agree"]
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<span class="visually-hidden">Error: </span>This field is required.' in html
    # Groups: a fieldset named by its legend, described by its hint and error.
    assert re.search(
        r'<fieldset id="div_id_goal"[^>]*aria-describedby="id_goal_helptext id_goal_error"', html
    )
    assert '<legend class="form-label">Goal</legend>' in html
    assert 'class="choices-inline"' in html  # the inline widget
    assert 'aria-describedby="id_goal_0_hint"' in html  # an option's own hint
    assert "Weight (kg)</label>" in html and '<span class="unit" aria-hidden="true">kg' in html
    assert html.count("field-has-error") == 6
    assert html.count("is-invalid") >= 6


def test_a_valid_form_has_no_summary_and_no_error_ids():
    form = NewPatientForm()
    html, parsed = _render(form)
    _check(parsed)
    assert "error-summary" not in html and "_error" not in html
    assert re.search(r'<div\s+class="field-pair"', html)  # the layout from the form class


def test_an_anchor_override_sends_the_link_to_an_input_drawn_by_hand():
    class Picked(StaffForm):
        error_anchors = {"slot": "id_slot_0"}  # the first of a grid of slot buttons
        slot = forms.CharField()

    form = Picked({})
    assert not form.is_valid()
    assert form.error_entries() == [("id_slot_0", "This field is required.")]


@pytest.mark.parametrize(
    ("prefix", "target"), [(None, "id_first_name"), ("new", "id_new-first_name")]
)
def test_the_summary_links_follow_a_form_prefix(prefix, target):
    form = NewPatientForm({}, prefix=prefix)
    assert not form.is_valid()
    assert form.error_entries()[0] == (target, "This field is required.")
