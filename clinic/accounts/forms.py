"""Forms for logging in, resetting a password and entering a verification code."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest

from clinic.ratelimit import rate_limit_exceeded

logger = logging.getLogger(__name__)


def normalise_email(value: str) -> str:
    """Accounts are stored with lower-case addresses (clinic.models.UserManager)."""
    return (value or "").strip().lower()


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, matching the address whatever its case. The lockout key
    (clinic.accounts.lockout.axes_username) uses the same normal form, so "Pat@x" and "pat@x"
    count against one budget."""

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data.get("username", ""))


class PasswordResetRequestForm(PasswordResetForm):
    """Ask for a link to set or reset a password. The answer never depends on whether
    the address has an account: unknown addresses, per-address limits and mail
    failures all end on the same "check your email" page."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )

    def get_users(self, email: str) -> Iterator[Any]:
        """Active accounts with this address, including those that never set a password:
        people who booked online get an account without one and set it here."""
        user_model = get_user_model()
        yield from user_model._default_manager.filter(
            email__iexact=normalise_email(email), is_active=True
        )

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:  # type: ignore[override]
        address = normalise_email(self.cleaned_data["email"])
        if request is not None and rate_limit_exceeded(
            request,
            "password-reset-address",
            settings.STANCE_RESET_EMAILS_PER_ADDRESS,
            key=address,
        ):
            logger.info("Password reset: per-address limit reached; no email sent")
            return
        # Links point at the configured public address, never at the request's Host.
        site = urlsplit(settings.SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        super().save(*args, request=request, **kwargs)


class CodeForm(forms.Form):
    """One verification code: six digits from an app, or a backup code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        error_messages={"required": "Enter the code"},
    )
