"""bookings.emails.calendar_mime_part: the .ics attachment with its headers reused after
the first part of each method and transfer encoding, identical to what the email package's
`set_content` makes."""

from __future__ import annotations

import email.message
import email.policy

import pytest

from bookings.emails import calendar_mime_part

TEXTS = {
    "ascii": "BEGIN:VCALENDAR\r\nSUMMARY:Follow-up with Sam Lee\r\nEND:VCALENDAR\r\n",
    "accents": "BEGIN:VCALENDAR\r\nSUMMARY:Bilan avec Zoë Müller\r\nEND:VCALENDAR\r\n",
    "long line": "BEGIN:VCALENDAR\r\nDESCRIPTION:" + "x" * 120 + "\r\nEND:VCALENDAR\r\n",
    "long accents": "BEGIN:VCALENDAR\r\nDESCRIPTION:" + "é" * 90 + "\r\nEND:VCALENDAR\r\n",
}


def _set_content(text: str, method: str) -> email.message.MIMEPart:
    part = email.message.MIMEPart()
    part.set_content(
        text,
        subtype="calendar",
        charset="utf-8",
        params={"method": method},
        disposition="attachment",
        filename="appointment.ics",
    )
    return part


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
@pytest.mark.parametrize("name", list(TEXTS))
def test_the_part_is_the_one_set_content_makes(name: str, method: str) -> None:
    text = TEXTS[name]
    expected = _set_content(text, method)
    for _ in range(3):  # the first sets the headers, the others reuse them
        part = calendar_mime_part(text, method)
        assert [(k, str(v), type(v).__name__) for k, v in part.raw_items()] == [
            (k, str(v), type(v).__name__) for k, v in expected.raw_items()
        ]
        assert part._payload == expected._payload
        assert vars(part).keys() == vars(expected).keys()
        for policy in (email.policy.SMTP, email.policy.default):
            assert part.as_bytes(policy=policy) == expected.as_bytes(policy=policy)
        assert part.get_content() == expected.get_content()


def test_parts_do_not_share_their_header_lists() -> None:
    first = calendar_mime_part(TEXTS["ascii"], "REQUEST")
    second = calendar_mime_part(TEXTS["ascii"], "REQUEST")
    del first["Content-Disposition"]
    assert second["Content-Disposition"] == 'attachment; filename="appointment.ics"'
