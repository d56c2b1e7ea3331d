"""Two-step verification: TOTP apps and backup codes, enforced for staff by a setting."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.accounts.qr import totp_secret_text
from clinic.accounts.services import (
    BACKUP_CODE_COUNT,
    THROTTLED,
    WRONG_CODE,
    mfa_backup_codes_regenerate,
    mfa_totp_confirm,
    mfa_totp_start,
    mfa_verify,
)
from clinic.errors import DomainError
from tests.accounts.conftest import totp_code

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-step/set-up/"
VERIFY = "/accounts/two-step/verify/"
CODES = "/accounts/two-step/backup-codes/"


@pytest.fixture
def enforced(settings):
    settings.STANCE_REQUIRE_STAFF_MFA = True


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = mfa_totp_start(user=user)
    codes = mfa_totp_confirm(user=user, device=device, code=totp_code(device))
    device.refresh_from_db()
    return device, codes


def _schedule() -> str:
    return reverse("bookings:staff-schedule")


# --- Services ---------------------------------------------------------------------------


def test_setting_up_keeps_one_secret_until_it_is_confirmed(world):
    first = mfa_totp_start(user=world.ep.user)
    again = mfa_totp_start(user=world.ep.user)
    assert first.pk == again.pk
    assert not again.confirmed


def test_a_wrong_code_does_not_confirm_the_app(world):
    device = mfa_totp_start(user=world.ep.user)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    with pytest.raises(DomainError) as exc:
        mfa_totp_confirm(user=world.ep.user, device=device, code=wrong)
    assert exc.value.message == WRONG_CODE
    device.refresh_from_db()
    assert not device.confirmed


def test_confirming_gives_ten_single_use_backup_codes(world):
    user = world.ep.user
    device, codes = _enrol(user)
    assert device.confirmed
    assert len(set(codes)) == BACKUP_CODE_COUNT == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10

    assert mfa_verify(user=user, code=codes[0].upper()).persistent_id.startswith("otp_static")
    with pytest.raises(DomainError):
        mfa_verify(user=user, code=codes[0])  # each works once


def test_codes_from_the_app_work_once(world):
    user = world.ep.user
    device = mfa_totp_start(user=user)
    mfa_totp_confirm(user=user, device=device, code=totp_code(device))
    device.refresh_from_db()

    later = totp_code(device, steps_ahead=1)
    assert mfa_verify(user=user, code=f"{later[:3]} {later[3:]}").pk == device.pk
    with pytest.raises(DomainError):
        mfa_verify(user=user, code=later)  # a replayed code


def test_wrong_codes_are_throttled(world):
    user = world.ep.user
    device, _ = _enrol(user)
    with pytest.raises(DomainError):
        mfa_verify(user=user, code="000000" if totp_code(device) != "000000" else "111111")
    with pytest.raises(DomainError) as exc:
        mfa_verify(user=user, code=totp_code(device, steps_ahead=1))  # right, but too soon
    assert exc.value.message == THROTTLED


def test_new_backup_codes_replace_the_old_ones(world):
    user = world.ep.user
    _, old = _enrol(user)
    new = mfa_backup_codes_regenerate(user=user)
    assert not set(old) & set(new)
    assert mfa_verify(user=user, code=new[1])
    with pytest.raises(DomainError):
        mfa_verify(user=user, code=old[1])


def test_a_new_app_replaces_the_old_one(world):
    user = world.ep.user
    old, _ = _enrol(user)
    new = mfa_totp_start(user=user)
    mfa_totp_confirm(user=user, device=new, code=totp_code(new))
    assert list(TOTPDevice.objects.filter(user=user)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_nobody_confirms_someone_elses_app(world):
    device = mfa_totp_start(user=world.ep.user)
    with pytest.raises(DomainError):
        mfa_totp_confirm(user=world.physio.user, device=device, code=totp_code(device))


# --- Enforcement ------------------------------------------------------------------------


def test_with_enforcement_off_staff_work_without_a_second_factor(world):
    response = _client(world.reception).get(_schedule())
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["reception", "ep", "admin"])
def test_with_enforcement_on_staff_are_sent_to_set_it_up(world, enforced, who):
    user = {"reception": world.reception, "ep": world.ep.user, "admin": world.admin}[who]
    response = _client(user).get(_schedule() + "?view=week")
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?{urlencode({'next': _schedule() + '?view=week'})}"


def test_with_enforcement_on_enrolled_staff_are_asked_for_a_code(world, enforced):
    _enrol(world.reception)
    response = _client(world.reception).get(_schedule())
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY + "?next=")


def test_enforcement_leaves_patients_alone(world, enforced):
    response = _client(world.patient.user).get(reverse("bookings:my-appointments"))
    assert response.status_code == 200


def test_unverified_staff_may_still_log_out(world, enforced):
    client = _client(world.reception)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_api_answers_403_to_unverified_staff(world, enforced):
    response = _client(world.reception).get("/api/v1/me/appointments/")
    assert response.status_code == 403
    assert "Two-step verification" in response.json()["detail"]


def test_htmx_requests_are_redirected_by_htmx(world, enforced):
    response = _client(world.reception).get(_schedule(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(SETUP)


def test_a_patient_who_turned_it_on_is_asked_for_a_code_whatever_the_setting(world):
    _enrol(world.patient.user)
    response = _client(world.patient.user).get(reverse("bookings:my-appointments"))
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


# --- The pages --------------------------------------------------------------------------


def test_setting_up_from_scan_to_backup_codes(world, enforced):
    client = _client(world.reception)
    page = client.get(f"{SETUP}?next={_schedule()}")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<svg class="qr-code" role="img" aria-label=' in html
    secret = re.search(r'<p class="secret"[^>]*>.*?</span>([A-Z2-7 ]+)</p>', html).group(1)
    assert not TOTPDevice.objects.filter(user=world.reception).exists()  # a GET writes none
    device = TOTPDevice(user=world.reception, key=client.session["stance_mfa_setup_key"])
    assert secret.replace(" ", "") in device.config_url
    assert "<script" not in html

    response = client.post(SETUP, {"code": totp_code(device), "next": _schedule()})
    assert response.status_code == 302
    assert response["Location"].startswith(CODES)

    codes_page = client.get(response["Location"])
    assert codes_page.status_code == 200
    assert "no-store" in codes_page["Cache-Control"]
    shown = re.findall(r"<code>([a-z2-7]{4} [a-z2-7]{4})</code>", codes_page.content.decode())
    assert len(shown) == 10
    assert f'href="{_schedule()}"' in codes_page.content.decode()
    # Shown once: a second visit goes to the overview instead.
    assert client.get(CODES)["Location"] == reverse("accounts:mfa")
    assert client.get(_schedule()).status_code == 200


def test_a_wrong_code_at_set_up_is_shown_next_to_the_field(world, enforced):
    client = _client(world.reception)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "12345"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_code"' in html
    assert 'id="id_code_error"' in html
    assert 'aria-describedby="id_code_helptext id_code_error"' in html
    assert not TOTPDevice.objects.get(user=world.reception).confirmed


def test_verifying_with_a_backup_code_lets_staff_in_and_cycles_the_session(world, enforced):
    _, codes = _enrol(world.reception)
    client = _client(world.reception)
    before = client.session.session_key

    response = client.post(VERIFY, {"code": codes[0], "next": _schedule()})

    assert response.status_code == 302
    assert response["Location"] == _schedule()
    assert client.session.session_key != before
    assert client.get(_schedule()).status_code == 200


def test_verifying_ignores_a_next_that_leaves_the_site(world, enforced):
    _, codes = _enrol(world.reception)
    client = _client(world.reception)
    response = client.post(VERIFY, {"code": codes[0], "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_a_wrong_code_at_verify_keeps_the_user_out(world, enforced):
    _enrol(world.reception)
    client = _client(world.reception)
    response = client.post(VERIFY, {"code": "nonsense"})
    assert response.status_code == 200
    assert "The code is not right" in response.content.decode()
    assert client.get(_schedule()).status_code == 302


def test_setting_up_a_new_app_needs_a_verified_session(world, enforced):
    _enrol(world.reception)
    response = _client(world.reception).get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_with_only_backup_codes_left_a_new_app_still_needs_a_code_first(world, enforced):
    """An admin removed the lost phone; a password alone must not enrol a new one."""
    _, codes = _enrol(world.reception)
    TOTPDevice.objects.filter(user=world.reception).delete()
    client = _client(world.reception)
    assert client.get(SETUP)["Location"].startswith(VERIFY)

    client.post(VERIFY, {"code": codes[0]})
    assert client.get(SETUP).status_code == 200


def test_new_backup_codes_need_a_verified_session(world, enforced):
    _, codes = _enrol(world.reception)
    client = _client(world.reception)
    response = client.post(CODES)
    assert response["Location"].startswith(VERIFY)
    assert StaticToken.objects.filter(device__user=world.reception).count() == 10

    client.post(VERIFY, {"code": codes[0]})
    response = client.post(CODES)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    shown = {c.replace(" ", "") for c in re.findall(r"<code>([a-z2-7 ]{9})</code>", page)}
    assert len(shown) == 10
    assert not shown & set(codes)


def test_the_overview_says_how_many_backup_codes_are_left(world):
    _, codes = _enrol(world.patient.user)
    client = _client(world.patient.user)
    client.post(VERIFY, {"code": codes[0]})
    page = client.get(reverse("accounts:mfa")).content.decode()
    assert "Two-step verification is on" in page
    assert "9 unused backup codes" in page


def test_the_pages_need_a_login(db):
    for url in (SETUP, VERIFY, CODES, reverse("accounts:mfa")):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_looking_at_the_set_up_page_writes_no_device_and_keeps_its_qr_code(world):
    client = _client(world.ep.user)
    url = reverse("accounts:mfa-setup")

    first = client.get(url)
    again = client.get(url)

    assert first.status_code == again.status_code == 200
    assert not TOTPDevice.objects.filter(user=world.ep.user).exists()
    assert first.context["secret"] == again.context["secret"]


def test_the_app_set_up_is_the_one_whose_qr_code_was_shown(world):
    client = _client(world.ep.user)
    url = reverse("accounts:mfa-setup")
    shown = client.get(url).context["secret"]
    key = client.session["stance_mfa_setup_key"]
    draft = TOTPDevice(user=world.ep.user, key=key)

    response = client.post(url, {"code": totp_code(draft)})

    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=world.ep.user)
    assert device.confirmed and device.key == key
    assert totp_secret_text(device.bin_key) == shown
