"""Rule records: one threshold or decision rule with its value, its wording and its source.

Each rule module lists its records in `RULES`; the code reads the value from the record
(`PAIN_SAFE_MAX = SAFE_BAND.value`), so what the software decides and what
`docs/CLINICAL_RULES.md` (generated from the records) says cannot drift apart. Tables
(the THA conflict matrix, the STEADI chair-stand cut-offs, the dosing table) carry their
sources on their rows and are rendered by the module that owns them.
"""

# ruff: noqa: RUF001, RUF002 - en dashes in spans are intended

from __future__ import annotations

from dataclasses import dataclass

from prescriptions.rules.sources import Source


@dataclass(frozen=True)
class Rule[T]:
    """One rule: `value` is what the code compares with; `text` says the rule in plain
    words for staff; `note` says why this figure where the sources leave a choice (a
    safer default, CLINICAL.md over the issue)."""

    code: str
    title: str
    value: T
    text: str
    source: Source
    note: str = ""

    @property
    def section(self) -> str:
        return self.source.section


def fmt(value: object) -> str:
    """A rule's value as the documentation shows it: 5.0 -> "5", a (low, high) span of
    numbers as "low–high", other tuples as a list."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        numbers = all(isinstance(v, int | float) for v in value)
        if numbers and len(value) == 2:  # a (low, high) span
            return f"{fmt(value[0])}–{fmt(value[1])}"
        return ", ".join(fmt(v) for v in value)
    return str(value)
