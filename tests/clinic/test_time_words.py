"""Times in words, one way everywhere (clinic/lib/time.py and its template filters)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from clinic.lib.time import clock_label, day_label, when_label
from clinic.templatetags.clinic_time import record_value, when

SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (time(0, 5), "12:05 am"),
        (time(9, 0), "9:00 am"),
        (time(12, 30), "12:30 pm"),
        (time(23, 59), "11:59 pm"),
    ],
)
def test_clock_times_are_written_am_and_pm(moment, label):
    assert clock_label(moment) == label


def test_an_instant_is_read_in_the_clinic_zone_across_daylight_saving():
    # 5 October 2025 is Sydney's spring-forward day: 10:00 UTC is 9:00 pm AEDT.
    assert when_label(datetime(2025, 10, 5, 10, 0, tzinfo=ZoneInfo("UTC")), SYDNEY) == (
        "Sunday 5 October 2025, 9:00 pm"
    )
    assert day_label(date(2026, 3, 3)) == "Tuesday 3 March"


def test_the_template_filter_takes_a_zone_or_its_name():
    moment = datetime(2026, 3, 2, 23, 15, tzinfo=ZoneInfo("UTC"))
    assert (
        when(moment, SYDNEY)
        == when(moment, "Australia/Sydney")
        == ("Tuesday 3 March 2026, 10:15 am")
    )
    assert when(None, SYDNEY) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-03-03", "Tuesday 3 March 2026"),
        ("2026-03-03T10:15+11:00", "Tuesday 3 March 2026, 10:15 am"),
        ("2026-03-03T16:40:00+11:00", "Tuesday 3 March 2026, 4:40 pm"),
        ("Left 30 s, right 22 s", "Left 30 s, right 22 s"),
        ("2026-03-03 notes", "2026-03-03 notes"),
        (12, 12),
    ],
)
def test_the_printable_record_shows_its_iso_values_in_words(value, shown):
    assert record_value(value) == shown
