"""Forms for logging in, resetting a password and entering a verification code. Each builds
its crispy helper in `__init__` (clinic.forms.form_helper); the templates own the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest

from clinic.forms import ErrorSummaryMixin, form_helper
from clinic.ratelimit import rate_limit_exceeded

logger = logging.getLogger(__name__)


def normalise_email(value: str) -> str:
    """Accounts are stored with lower-case addresses (clinic.models.UserManager)."""
    return (value or "").strip().lower()


class EmailAuthenticationForm(ErrorSummaryMixin, AuthenticationForm):
    """Django's login form, matching the address whatever its case. The lockout key
    (clinic.accounts.lockout.axes_username) uses the same normal form, so "Pat@x" and "pat@x"
    count against one budget."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct email address and password. "
        "The password is case-sensitive.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Email address"
        username.error_messages["required"] = "Enter your email address"
        username.widget.input_type = "email"
        username.widget.attrs.update(autocomplete="email", spellcheck="false")
        username.widget.attrs.pop("autofocus", None)
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = form_helper()

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data.get("username", ""))


class PasswordResetRequestForm(ErrorSummaryMixin, PasswordResetForm):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email", spellcheck="false")
        self.helper = form_helper()

    def get_users(self, email: str) -> Iterator[Any]:
        """Active accounts with this address, including those that never set a password:
        people who booked online get an account without one and set it here."""
        user_model = get_user_model()
        yield from user_model._default_manager.filter(
            email__iexact=normalise_email(email), is_active=True
        )

    def save(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
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
        kwargs["request"] = request
        super().save(*args, **kwargs)


class NewPasswordForm(ErrorSummaryMixin, SetPasswordForm):  # type: ignore[type-arg]  # user model is bound at runtime
    """Django's set-password form with a hint in plain words (the validators' list is long)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = (
            "At least 12 characters. A few unrelated words make a strong password you can "
            "remember. Avoid common passwords and your email address."
        )
        self.fields["new_password2"].label = "Confirm the new password"
        self.fields["new_password2"].help_text = ""
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs.pop("autofocus", None)
        self.helper = form_helper()


class CodeForm(ErrorSummaryMixin, forms.Form):
    """One verification code: six digits from an app, or a backup code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        strip=True,
        help_text="Six digits from your app, or one of your backup codes.",
        error_messages={"required": "Enter the code"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "class": "input-width-code",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.helper = form_helper()


class SetupCodeForm(CodeForm):
    """The first code from a newly added app: always six digits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Six-digit code"
        code.help_text = "The app shows a new code every 30 seconds."
        code.widget.attrs["inputmode"] = "numeric"
