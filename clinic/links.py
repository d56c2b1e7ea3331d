"""Signed links for people who are not logged in (emails' manage, programme, pre-visit and
reminder opt-out links).

A token carries one record's UUID code, signed with the site's key and a salt that names
its purpose: it opens that record for that purpose and nothing else, and nobody can make
one for another record. `max_age` makes it expire; the caller checks the rest (the visit
is over, the programme ended).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import signing


def code_token(code: uuid.UUID, *, salt: str) -> str:
    return signing.dumps(str(code), salt=salt, compress=False)


def code_from_token(token: str, *, salt: str, max_age: timedelta | None = None) -> str | None:
    """The code inside a valid token, or None for a bad, tampered or expired one."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return value if isinstance(value, str) else None
