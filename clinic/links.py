"""Signed links for people who are not logged in (emails' manage, programme, pre-visit and
reminder opt-out links).

A token carries one record's UUID code, signed with the site's key and a salt that names
its purpose: it opens that record for that purpose and nothing else, and nobody can make
one for another record. A token made with `expires` carries that moment and never works
after it, however often it is issued again; one made without it is time-stamped and
`max_age` makes it expire. The caller checks the rest (the visit is over, the programme
ended).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone

EXPIRING = ":expires"  # salt suffix of the tokens that carry their own expiry


def code_token(code: uuid.UUID, *, salt: str, expires: datetime | None = None) -> str:
    if expires is None:
        return signing.dumps(str(code), salt=salt, compress=False)
    payload = {"c": str(code), "e": int(expires.timestamp())}
    return signing.Signer(salt=salt + EXPIRING).sign_object(payload)


def code_from_token(
    token: str,
    *,
    salt: str,
    max_age: timedelta | None = None,
    now: datetime | None = None,
) -> str | None:
    """The code inside a valid token, or None for a bad, tampered or expired one."""
    now = now or timezone.now()
    try:
        payload = signing.Signer(salt=salt + EXPIRING).unsign_object(token)
    except signing.BadSignature:
        pass
    else:
        if not isinstance(payload, dict):
            return None
        code, expires = payload.get("c"), payload.get("e")
        if not isinstance(code, str) or not isinstance(expires, int):
            return None
        return code if now.timestamp() < expires else None
    # A time-stamped token (links without their own expiry, and manage links sent
    # before expiries were written into them): valid for max_age from when it was made.
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    return value if isinstance(value, str) else None
