"""bookings.emails.calendar_part: the .ics attachment, `text/calendar; method=...` in
UTF-8, named appointment.ics, that gives back the calendar text it was made from."""

from __future__ import annotations

import email
import email.policy

import pytest

from bookings.emails import calendar_part

TEXTS = {
    "ascii": "BEGIN:VCALENDAR\r\nSUMMARY:Follow-up with Sam Lee\r\nEND:VCALENDAR\r\n",
    "accents": "BEGIN:VCALENDAR\r\nSUMMARY:Bilan avec Zoë Müller\r\nEND:VCALENDAR\r\n",
    "long line": "BEGIN:VCALENDAR\r\nDESCRIPTION:" + "x" * 120 + "\r\nEND:VCALENDAR\r\n",
    "long accents": "BEGIN:VCALENDAR\r\nDESCRIPTION:" + "é" * 90 + "\r\nEND:VCALENDAR\r\n",
}


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
@pytest.mark.parametrize("name", list(TEXTS))
def test_the_part_is_a_calendar_attachment_with_its_method(name: str, method: str) -> None:
    text = TEXTS[name]
    part = calendar_part(text.encode(), method)
    for policy in (email.policy.SMTP, email.policy.default):
        read = email.message_from_bytes(part.as_bytes(policy=policy), policy=email.policy.default)
        assert read.get_content_type() == "text/calendar"
        assert read.get_param("method") == method
        assert read.get_content_charset() == "utf-8"
        assert read.get_content_disposition() == "attachment"
        assert read.get_filename() == "appointment.ics"
        assert read.get_content().replace("\r\n", "\n") == text.replace("\r\n", "\n")
