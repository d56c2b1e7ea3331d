"""Two-step verification: set up an authenticator app, verify codes, make backup codes.

django-otp does the cryptography and the throttling (each wrong code doubles the wait
before the next try on that device); these services decide which device a code is for
and keep the user's devices consistent.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.errors import DomainError

BACKUP_CODE_COUNT = 10
"""How many single-use backup codes a user gets at a time."""

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"

_TOTP_CODE = re.compile(r"^\d{6}$")

WRONG_CODE = "The code is not right. Check the code and try again."
THROTTLED = "There have been too many wrong codes. Wait a minute, then try again."


def normalise_code(value: str) -> str:
    """Codes may be typed with spaces or hyphens, in either case."""
    return re.sub(r"[\s-]+", "", value or "").lower()


def format_backup_code(code: str) -> str:
    """ "abcd efgh": easier to read aloud and copy by hand."""
    return f"{code[:4]} {code[4:]}"


def mfa_totp_draft(*, user: Any, key: str) -> TOTPDevice:
    """An authenticator app not saved yet, to show its QR code and secret: looking at the
    set-up page writes nothing (the page keeps `key` in the session until a code is
    sent)."""
    return TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=False)


@transaction.atomic
def mfa_totp_start(*, user: Any, key: str | None = None) -> TOTPDevice:
    """The user's authenticator app being set up: an unconfirmed device, saved when the
    first code is sent. With `key`, the one with that secret (the QR code the person
    scanned); without, their latest unconfirmed one or one with a fresh secret."""
    devices = TOTPDevice.objects.filter(user=user, confirmed=False)
    if key is not None:
        devices = devices.filter(key=key)
    device = devices.order_by("-pk").first()
    if device is None:
        extra = {} if key is None else {"key": key}
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False, **extra
        )
    return device


@transaction.atomic
def mfa_totp_confirm(*, user: Any, device: TOTPDevice, code: str) -> list[str]:
    """Confirm a new authenticator app with a code from it; returns new backup codes.

    1. The code must match the unconfirmed device (throttled like any other check).
    2. The device becomes the user's only authenticator app: an older one (a lost
       phone) stops working now.
    3. Fresh backup codes replace any old ones; they are returned to be shown once.
    """
    if device.user_id != user.pk or device.confirmed:
        raise DomainError(WRONG_CODE, field="code")
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise DomainError(THROTTLED, field="code")
    if not _TOTP_CODE.match(normalise_code(code)) or not device.verify_token(normalise_code(code)):
        raise DomainError(WRONG_CODE, field="code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return mfa_backup_codes_regenerate(user=user)


@transaction.atomic
def mfa_backup_codes_regenerate(*, user: Any) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new single-use ones."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def mfa_verify(*, user: Any, code: str) -> Device:
    """The device that accepts this code: six digits are checked against the
    authenticator app, anything else against the backup codes (each works once).
    Raises DomainError when no device accepts it or the device is throttled."""
    code = normalise_code(code)
    model: type[Device] = TOTPDevice if _TOTP_CODE.match(code) else StaticDevice
    devices = list(model.objects.devices_for_user(user, confirmed=True))
    if not devices or len(code) > 16:
        raise DomainError(WRONG_CODE, field="code")
    throttled = False
    for device in devices:
        if not device.verify_is_allowed()[0]:
            throttled = True
            continue
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    raise DomainError(THROTTLED if throttled else WRONG_CODE, field="code")
