"""Two-step verification pages, the password-reset request and the lockout page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import default_key

from clinic.accounts.forms import CodeForm, PasswordResetRequestForm, SetupCodeForm
from clinic.accounts.qr import qr_svg, totp_secret_text
from clinic.accounts.selectors import (
    mfa_backup_code_count,
    mfa_enforced_for,
    mfa_is_enrolled,
    mfa_totp_device_confirmed,
)
from clinic.accounts.services import (
    BACKUP_CODE_COUNT,
    format_backup_code,
    mfa_backup_codes_regenerate,
    mfa_totp_confirm,
    mfa_totp_draft,
    mfa_totp_start,
    mfa_verify,
)
from clinic.accounts.signals import MFA_ENROLLED_KEY
from clinic.errors import DomainError
from clinic.ratelimit import rate_limit_exceeded
from clinic.selectors import clinic_get_default

NEW_CODES_KEY = "stance_mfa_new_codes"
SETUP_KEY = "stance_mfa_setup_key"
"""The secret of the authenticator app being set up, until its first code confirms it."""
"""Session key holding freshly made backup codes until the page that shows them once."""


# --- Helpers ----------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    """Where to go after verifying: a safe `next`, or the home page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _verified_in(request: HttpRequest, device: Any) -> None:
    """Mark the session as verified by `device`, with a new session key (privilege rises)."""
    otp_login(request, device)
    request.session.cycle_key()
    request.session[MFA_ENROLLED_KEY] = True


# --- Two-step verification --------------------------------------------------------------


@never_cache
@login_required
def mfa_overview(request: HttpRequest) -> HttpResponse:
    """Two-step verification: is it on, how many backup codes are left, change either."""
    user = request.user
    enrolled = mfa_is_enrolled(user)
    if enrolled and not user.is_verified():  # type: ignore[union-attr]
        return redirect(_with_next(reverse("accounts:mfa-verify"), request.get_full_path()))
    return render(
        request,
        "accounts/mfa_overview.html",
        {
            "enrolled": enrolled,
            "has_app": mfa_totp_device_confirmed(user) is not None,
            "codes_left": mfa_backup_code_count(user) if enrolled else 0,
            "required": mfa_enforced_for(user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), enter a code.
    Someone who already has an app must verify before setting up a new one."""
    user = request.user
    next_url = _next_url(request)
    if mfa_is_enrolled(user) and not user.is_verified():  # type: ignore[union-attr]
        return redirect(_with_next(reverse("accounts:mfa-verify"), next_url))
    replacing = mfa_totp_device_confirmed(user) is not None
    key = request.session.get(SETUP_KEY)
    if not isinstance(key, str):
        key = request.session[SETUP_KEY] = default_key()
    device = mfa_totp_draft(user=user, key=key)  # a GET writes no device
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa_totp_start(user=user, key=key)
        try:
            codes = mfa_totp_confirm(user=user, device=device, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            _verified_in(request, device)
            del request.session[SETUP_KEY]
            request.session[NEW_CODES_KEY] = codes
            return redirect(_with_next(reverse("accounts:mfa-backup-codes"), next_url))
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr": qr_svg(
                device.config_url, label="QR code to add this account to an authenticator app"
            ),
            "secret": totp_secret_text(device.bin_key),
            "next": next_url,
            "replacing": replacing,
            "required": mfa_enforced_for(user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    """Enter a code from the authenticator app, or a backup code."""
    user = request.user
    next_url = _next_url(request)
    if user.is_verified():  # type: ignore[union-attr]
        return HttpResponseRedirect(next_url)
    if not mfa_is_enrolled(user):
        return redirect(_with_next(reverse("accounts:mfa-setup"), next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa_verify(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            _verified_in(request, device)
            left = mfa_backup_code_count(user)
            if device.persistent_id.startswith("otp_static") and left <= 3:
                messages.warning(
                    request,
                    f"You have {left} backup code{'s' if left != 1 else ''} left. "
                    "Make new ones on the two-step verification page.",
                )
            return HttpResponseRedirect(next_url)
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "next": next_url},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_backup_codes(request: HttpRequest) -> HttpResponse:
    """GET shows newly made backup codes, once. POST makes a new set (old ones stop
    working); only a verified session may do that."""
    user = request.user
    next_url = _next_url(request)
    if request.method == "POST":
        if not user.is_verified():  # type: ignore[union-attr]
            return redirect(_with_next(reverse("accounts:mfa-verify"), reverse("accounts:mfa")))
        request.session[NEW_CODES_KEY] = mfa_backup_codes_regenerate(user=user)
        return redirect(_with_next(reverse("accounts:mfa-backup-codes"), next_url))
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("accounts:mfa")
    return render(  # never_cache: the codes are not kept by the browser or a proxy
        request,
        "accounts/mfa_backup_codes.html",
        {
            "codes": [format_backup_code(code) for code in codes],
            "count": BACKUP_CODE_COUNT,
            "next": next_url,
        },
    )


# --- Password reset and lockout ---------------------------------------------------------


class StancePasswordResetView(auth_views.PasswordResetView):
    """Ask for a set-or-reset link. Rate-limited per client; the page that follows is the
    same whether or not the address has an account, and whether or not mail works."""

    form_class = PasswordResetRequestForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if rate_limit_exceeded(
            request, "password-reset", settings.STANCE_PASSWORD_RESET_RATE_LIMIT
        ):
            response = render(request, "registration/password_reset_rate_limited.html", status=429)
            response["Retry-After"] = "600"
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:  # type: ignore[override]
        clinic = clinic_get_default()
        self.extra_email_context = {"site_name": clinic.name if clinic else "Stance"}
        return super().form_valid(form)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes calls this once an email address and connection have failed too often."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = int(cooloff.total_seconds() // 60) if cooloff else None
    response = render(request, "accounts/lockout.html", {"cooloff_minutes": minutes}, status=429)
    if cooloff:
        response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
