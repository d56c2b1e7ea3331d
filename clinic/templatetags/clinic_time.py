"""Times in words for templates, written as everywhere else (clinic/lib/time.py).

`{{ instant|when:clinic.tz }}` gives "Tuesday 3 March 2026, 10:15 am" in the clinic's zone.
`{{ value|record_value }}` shows a value of the patient's record (clinic/records.py keeps
dates and times in ISO 8601, the JSON download's form) in words on the printable page.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template

from clinic.lib.time import clock_label, day_label, when_label

register = template.Library()

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


@register.filter
def when(instant: datetime | None, tz: ZoneInfo | str) -> str:
    if instant is None:
        return ""
    return when_label(instant, tz if isinstance(tz, ZoneInfo) else ZoneInfo(str(tz)))


@register.filter
def record_value(value: Any) -> Any:
    """An ISO date or time with its offset in words; anything else as it is."""
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return day_label(date.fromisoformat(value), year=True)
        if _ISO_DATETIME.match(value):
            moment = datetime.fromisoformat(value)  # already in the clinic's zone
            return f"{day_label(moment.date(), year=True)}, {clock_label(moment)}"
    return value
