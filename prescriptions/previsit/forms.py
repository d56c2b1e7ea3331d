"""The form a patient fills in for one outcome measure before a visit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from clinic.forms import InlineRadioSelect, StaffForm
from prescriptions.outcomes import instruments
from prescriptions.outcomes import scoring as outcomes
from prescriptions.outcomes.forms import PointsField, allowed_words
from prescriptions.outcomes.services import (
    ACTIVITY_TEXT_MAX,
    PSFS_MAX_ACTIVITIES,
    ResponseInput,
    measure_field,
)


class PrevisitMeasureForm(StaffForm):
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
                widget=InlineRadioSelect,
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
        super().clean()
        data = self.cleaned_data
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
