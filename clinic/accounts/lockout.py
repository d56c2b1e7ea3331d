"""How django-axes names the account being tried (settings.AXES_USERNAME_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clinic.accounts.forms import normalise_email


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The email address as the login form matches it (trimmed, lower case), so varying
    its case does not buy an attacker more guesses."""
    value = (credentials or {}).get("username")
    if value is None:
        data = getattr(request, "data", None) or request.POST
        value = data.get("username", "")
    return normalise_email(str(value))


def axes_client_ip(request: HttpRequest) -> str | None:
    """The connecting address, as clinic.ratelimit counts it: REMOTE_ADDR, which a
    trusted proxy must set (for example gunicorn's --forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR") or None
