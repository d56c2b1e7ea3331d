"""Letter placeholders and the case conference rules: pure, no database."""

from __future__ import annotations

import pytest

from prescriptions.letters.defaults import DEFAULT_WORDING
from prescriptions.letters.placeholders import template_errors, template_fill
from prescriptions.rules.case_conference import case_conference_item, too_few_providers


def test_it_fills_known_placeholders_and_keeps_doubled_braces():
    text = "Dear {recipient_name}, re {patient_name} {{not a placeholder}}"
    filled = template_fill(text, {"recipient_name": "Dr Citizen", "patient_name": "Pat Lee"})
    assert filled == "Dear Dr Citizen, re Pat Lee {not a placeholder}"


def test_it_names_an_unknown_placeholder_and_a_lone_brace():
    errors = template_errors("Hello {patient_nme} and {patient.user.password} and } too")
    assert any("{patient_nme}" in e for e in errors)
    assert any("{patient.user.password}" in e for e in errors)
    assert any("lone" in e for e in errors)
    assert template_errors("Hello {patient_name}, {{ok}}") == []


def test_it_evaluates_nothing_in_a_placeholder():
    # Attribute lookups and format specs are just unknown names: never evaluated.
    assert template_fill("{patient_name.__class__}", {"patient_name": "Pat"}) == ""


@pytest.mark.parametrize("kind", list(DEFAULT_WORDING))
def test_every_shipped_template_is_valid(kind):
    wording = DEFAULT_WORDING[kind]
    assert template_errors(wording.subject) == []
    assert template_errors(wording.body) == []


@pytest.mark.parametrize(
    ("minutes", "item"),
    [
        (14, None),
        (15, "10955"),
        (19, "10955"),
        (20, "10957"),
        (39, "10957"),
        (40, "10959"),
        (90, "10959"),
    ],
)
def test_the_case_conference_item_follows_its_length(minutes, item):
    band = case_conference_item(minutes)
    assert (band.item if band else None) == item


def test_fewer_than_three_providers_warns():
    assert "at least 3" in too_few_providers(2)
    assert too_few_providers(3) == ""
