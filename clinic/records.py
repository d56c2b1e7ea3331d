"""A patient's own record, for them to download (APP 12: access to one's information).

The record is built from a registry of sections. Each area of the app contributes the
sections it owns from a `records.py` module in its app, found automatically (like
admin.py); a section is a function of the patient, registered with `@record_section`:

    # prescriptions/records.py
    from clinic.records import Entry, RecordSection, record_section

    @record_section("programmes", order=40)
    def programmes(patient):
        rows = ...  # only this patient's rows, only what the patient may see
        return RecordSection(
            key="programmes",
            title="Exercise programmes",
            entries=[Entry("Knee programme", fields=[("started", "Started", "2026-03-01")])],
        )

Return None (or a section with no entries and an `empty` text) when there is nothing. Field
values must be JSON-safe scalars or lists of strings: dates as ISO text, decimals as text
with their unit. The same sections make the JSON download and the printable page, so a
section needs no template of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from clinic.models import Patient

FORMAT_VERSION = 1
"""Bumped when the JSON layout changes (not when a section is added)."""

Value = str | int | float | bool | None | list[str]


@dataclass(frozen=True)
class Entry:
    """One item of a section (a visit, an assessment): a heading and labelled values.
    Each field is (key for the JSON, label for people, value)."""

    heading: str
    fields: list[tuple[str, str, Value]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"heading": self.heading, **{key: value for key, _label, value in self.fields}}

    def shown(self) -> list[tuple[str, Value, bool]]:
        """(label, value, is a list) for the fields that have a value, for the page."""
        return [
            (label, value, isinstance(value, list))
            for _key, label, value in self.fields
            if value not in (None, "", [])
        ]


@dataclass(frozen=True)
class RecordSection:
    key: str
    title: str
    entries: list[Entry]
    description: str = ""
    empty: str = "Nothing recorded."

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "entries": [entry.as_json() for entry in self.entries],
        }


SectionBuilder = Callable[[Patient], RecordSection | None]

_SECTIONS: dict[str, tuple[int, SectionBuilder]] = {}
_discovered = False


def record_section(key: str, *, order: int = 100) -> Callable[[SectionBuilder], SectionBuilder]:
    """Register a section builder under `key` (unique); lower `order` comes first."""

    def register(builder: SectionBuilder) -> SectionBuilder:
        known = _SECTIONS.get(key)
        if known is not None and _name(known[1]) != _name(builder):  # a reload is fine
            raise ValueError(f"Record section {key!r} is registered twice.")
        _SECTIONS[key] = (order, builder)
        return builder

    return register


def _name(builder: SectionBuilder) -> str:
    return f"{builder.__module__}.{builder.__qualname__}"


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("records")
        _discovered = True


def record_section_keys() -> list[str]:
    _discover()
    return [key for key, _ in sorted(_SECTIONS.items(), key=lambda kv: (kv[1][0], kv[0]))]


def patient_record(*, patient: Patient) -> list[RecordSection]:
    """Every registered section for this patient, in order, leaving out empty ones' None."""
    _discover()
    sections = []
    for key in record_section_keys():
        section = _SECTIONS[key][1](patient)
        if section is not None:
            sections.append(section)
    return sections


def patient_record_json(*, patient: Patient, now: datetime | None = None) -> dict[str, Any]:
    """The whole record as one JSON-safe document."""
    now = now or timezone.now()
    return {
        "format": "stance-patient-record",
        "format_version": FORMAT_VERSION,
        "generated_at": now.isoformat(),
        "clinic": patient.clinic.name,
        "patient": str(patient.code),
        "sections": {s.key: s.as_json() for s in patient_record(patient=patient)},
    }


# --- Helpers for builders -----------------------------------------------------------------


def text(value: Any) -> Value:
    """A value as the record shows it: dates in ISO form, decimals without float noise."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return value
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def local_time(moment: datetime | None, patient: Patient, tz: ZoneInfo | None = None) -> Value:
    """An instant in `tz` (a visit's location's zone), else the clinic's, ISO 8601 with
    its offset."""
    zone = tz or patient.clinic.tz
    return moment.astimezone(zone).isoformat(timespec="minutes") if moment else None


# --- This app's own section -------------------------------------------------------------


@record_section("details", order=10)
def personal_details(patient: Patient) -> RecordSection:
    user = patient.user
    return RecordSection(
        key="details",
        title="Your details",
        entries=[
            Entry(
                heading=patient.full_name,
                fields=[
                    ("first_name", "First name", patient.first_name),
                    ("last_name", "Last name", patient.last_name),
                    ("date_of_birth", "Date of birth", text(patient.date_of_birth)),
                    ("email", "Email", patient.email),
                    ("phone", "Phone", patient.phone),
                    ("timezone", "Time zone", patient.timezone or None),
                    (
                        "reminder_emails",
                        "Reminder emails",
                        "Off" if patient.reminders_opt_out else "On",
                    ),
                    ("record_created", "Record created", local_time(patient.created_at, patient)),
                    ("account_email", "Login email", user.email if user else None),
                ],
            )
        ],
    )
