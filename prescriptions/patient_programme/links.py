"""Signed, expiring, single-purpose links to a patient's programme (no login needed).

The "your programme is ready" email carries `programme_link_url(programme)`. A token names
one programme and one purpose (the salt): it opens that programme's pages for the patient
(today's exercises, logging a session and next-morning pain, the handout and the PDF) and
nothing else: not the patient's visits, not another programme. It stops working after
PROGRAMME_LINK_MAX_AGE_DAYS days, or when the programme has ended. The patient always sees
the current published version, so a link sent with version 1 shows version 3 later.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from clinic.links import code_from_token, code_token
from prescriptions.models import Programme

PROGRAMME_SALT = "stance.prescriptions.programme-link"
PROGRAMME_LINK_MAX_AGE_DAYS = 90
"""How long an emailed programme link works (like the manage links of the booking emails).
Each publish sends a fresh link. `settings.STANCE_PROGRAMME_LINK_MAX_AGE_DAYS` overrides."""


def _max_age() -> timedelta:
    days = getattr(settings, "STANCE_PROGRAMME_LINK_MAX_AGE_DAYS", PROGRAMME_LINK_MAX_AGE_DAYS)
    return timedelta(days=days)


def programme_token_for(programme: Programme) -> str:
    return code_token(programme.code, salt=PROGRAMME_SALT)


def programme_code_from_token(token: str) -> str | None:
    """The programme code inside a valid token, or None for a bad, tampered or expired one."""
    return code_from_token(token, salt=PROGRAMME_SALT, max_age=_max_age())


def programme_link_path(programme: Programme) -> str:
    """`/programme/<token>/`: the programme page for whoever holds the link."""
    return reverse("prescriptions:programme-link", args=[programme_token_for(programme)])


def programme_link_url(programme: Programme) -> str:
    """The absolute address for emails (STANCE_SITE_URL + the path)."""
    return settings.SITE_URL + programme_link_path(programme)
