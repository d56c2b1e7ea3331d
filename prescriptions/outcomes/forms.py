"""Form fields for entering outcome measure answers by item number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from prescriptions.outcomes import scoring as outcomes


def allowed_words(allowed: Sequence[int]) -> str:
    """ "0 to 4", or "0, 2, 5, 7 or 10" when the points are not every whole number."""
    values = sorted(allowed)
    if len(values) > 3 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]} to {values[-1]}"
    return ", ".join(map(str, values[:-1])) + f" or {values[-1]}"


def item_label(item: outcomes.Item) -> str:
    """ "Item 3: Stairs"; "Item 3" where the topic only repeats the number (LEFS)."""
    generic = item.topic in (f"Activity {item.number}", f"Section {item.number}")
    return f"Item {item.number}" if generic else f"Item {item.number}: {item.topic}"


class PointsField(forms.Field):
    """One item's answer typed as its points (staff enter responses by item number); empty
    means unanswered. VISA-G item 8 accepts any branch's points; the form checks the
    branch."""

    def __init__(self, item: outcomes.Item, **kwargs: Any) -> None:
        self.item = item
        attrs = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "spellcheck": "false",
            "class": "input-points",
        }
        kwargs.setdefault("label", item_label(item))
        hint = "Points of the part chosen above." if item.branches else "Scores {}."
        kwargs.setdefault("help_text", hint.format(allowed_words(item.allowed)))
        kwargs.setdefault("required", False)
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value: Any) -> int | None:
        text = (value or "").strip()
        if not text:
            return None
        words = allowed_words(self.item.allowed)
        try:
            number = int(text)
        except ValueError:
            raise forms.ValidationError(
                f"Enter item {self.item.number} as a whole number: {words}.", code="invalid"
            ) from None
        if number not in self.item.allowed:
            raise forms.ValidationError(f"Item {self.item.number} scores {words}.", code="invalid")
        return number
