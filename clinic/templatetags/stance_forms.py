"""Template helpers for the crispy field template (templates/bootstrap5/field.html)."""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


@register.filter
def option_hint(field: forms.BoundField, value: Any) -> str:
    """The hint under one option of a radio group: the form field's `option_hints`."""
    hints: dict[str, str] = getattr(field.field.widget, "option_hints", None) or {}
    return hints.get(str(value), "")
