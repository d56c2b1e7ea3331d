"""What happens at login: the session learns who it belongs to, so the middleware can
apply idle timeouts and two-step verification without a query per request."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from clinic.accounts.selectors import mfa_is_enrolled, user_is_staff, user_time_zone

LAST_SEEN_KEY = "stance_last_seen"
"""Unix time of the session's last request, to the minute (clinic.accounts.middleware)."""
STAFF_KEY = "stance_staff"
"""True in a staff member's session: the shorter idle timeout applies."""
MFA_ENROLLED_KEY = "stance_mfa_enrolled"
"""True when the user has two-step verification set up: they verify whatever the policy."""
ZONE_KEY = "stance_zone"
"""The clinic's IANA time zone, which every page of the session uses (the admin too)."""


@receiver(user_logged_in, dispatch_uid="accounts.session_on_login")
def session_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Django has already given the session a new key (login() cycles it)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LAST_SEEN_KEY] = int(time.time())
    staff = user_is_staff(user)
    session[STAFF_KEY] = staff
    session[MFA_ENROLLED_KEY] = mfa_is_enrolled(user)
    session[ZONE_KEY] = user_time_zone(user)
    if staff:
        # An absolute end to a staff session, however active (ASVS 7.3.2).
        hours = settings.STANCE_STAFF_SESSION_MAX_HOURS
        session.set_expiry(timezone.now() + timedelta(hours=hours))
