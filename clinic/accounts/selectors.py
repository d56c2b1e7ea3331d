"""Who must use two-step verification, and what a user has set up. Reads only."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import Patient
from clinic.selectors import clinic_get_default


def user_is_staff(user: Any) -> bool:
    """Clinic staff, or anyone who can reach the Django admin."""
    return bool(
        getattr(user, "is_clinic_staff", False)
        or getattr(user, "is_staff", False)
        or getattr(user, "is_superuser", False)
    )


def mfa_enforced_for(user: Any) -> bool:
    """True when the clinic's policy makes this user verify a second factor."""
    return bool(settings.STANCE_REQUIRE_STAFF_MFA) and user_is_staff(user)


def mfa_is_enrolled(user: Any) -> bool:
    """The user has a confirmed authenticator app, or unused backup codes."""
    return bool(
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()
    )


def mfa_totp_device_confirmed(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def mfa_backup_code_count(user: Any) -> int:
    count: int = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return count


def user_time_zone(user: Any) -> str:
    """The IANA zone a signed-in person's pages (the admin included) show and take times
    in: their clinic's; a patient's clinic's; else the site's clinic's; else UTC."""
    clinic = getattr(user, "clinic", None)
    if clinic is None:
        patient = Patient.objects.filter(user=user).select_related("clinic").first()
        clinic = patient.clinic if patient is not None else clinic_get_default()
    return clinic.timezone if clinic is not None else "UTC"
