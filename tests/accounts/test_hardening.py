"""Production settings pass Django's deployment checks; every page sends the headers."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra: str) -> dict[str, str]:
    """The environment of a real deployment: no debug, a long random key, real hosts and
    an SMTP server; none of the test run's own relaxations."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STANCE_", "EMAIL_", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="clinic.example",
        DATABASE_URL="postgres://stance@db.invalid:5432/stance",
        REDIS_URL="redis://redis.invalid:6379/0",
        EMAIL_HOST="smtp.example",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _settings(env: dict[str, str], *names: str) -> dict[str, object]:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, "
        "default=str))"
    )
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_manage_py_check_deploy_finds_nothing_with_production_settings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def test_production_defaults_are_strict():
    values = _settings(
        _production_env(),
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_REFERRER_POLICY",
        "X_FRAME_OPTIONS",
        "SECURE_PROXY_SSL_HEADER",
        "STANCE_REQUIRE_STAFF_MFA",
    )
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_PROXY_SSL_HEADER": None,  # trusted only when a proxy is named
        "STANCE_REQUIRE_STAFF_MFA": True,
    }


def test_the_proxy_header_and_mfa_switch_come_from_the_environment():
    values = _settings(
        _production_env(STANCE_PROXY_SSL_HEADER="X-Forwarded-Proto", STANCE_REQUIRE_STAFF_MFA="0"),
        "SECURE_PROXY_SSL_HEADER",
        "STANCE_REQUIRE_STAFF_MFA",
    )
    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "STANCE_REQUIRE_STAFF_MFA": False,
    }


def test_debug_mode_leaves_staff_mfa_off_for_the_demo_logins():
    values = _settings(_production_env(DJANGO_DEBUG="1"), "STANCE_REQUIRE_STAFF_MFA")
    assert values == {"STANCE_REQUIRE_STAFF_MFA": False}


@pytest.mark.django_db
def test_pages_send_the_security_headers():
    response = Client().get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert re.search(r"script-src 'self'( 'nonce-[\w+/=-]+')?;", csp)
    for directive in (
        "default-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_scripts_and_nonce_every_script():
    """Pages may load scripts from our own origin only, each tagged with the request's
    nonce; inline event handlers and javascript: links would be blocked by the CSP."""
    problems = []
    for template in (ROOT / "templates").rglob("*.html"):
        if "emails" in template.parts:
            continue
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag or 'nonce="{{ csp_nonce }}"' not in tag:
                problems.append(f"{template.relative_to(ROOT)}: {tag}")
        if re.search(r"\son[a-z]+\s*=|javascript:", text, flags=re.IGNORECASE):
            problems.append(f"{template.relative_to(ROOT)}: inline handler or javascript: URL")
    assert problems == []


@pytest.mark.django_db
def test_a_page_with_a_script_sends_the_nonce_it_tagged_the_script_with(world):
    url = reverse("bookings:slot-list", args=[world.telehealth.code, "telehealth"])
    response = Client().get(url, {"practitioner": str(world.ep.code)})
    assert response.status_code == 200
    tag = re.search(r'<script src="[^"]*booking\.js" nonce="([^"]+)"', response.content.decode())
    assert tag, "the telehealth times page loads booking.js"
    assert f"'nonce-{tag.group(1)}'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_personal_pages_and_the_api_are_never_stored_by_a_cache(world):
    staff = Client()
    staff.force_login(world.reception)
    patient = Client()
    patient.force_login(world.patient.user)
    answers = [
        staff.get(reverse("bookings:staff-schedule")),
        staff.get(reverse("bookings:staff-patient-detail", args=[world.patient.code])),
        patient.get(reverse("bookings:api-my-appointments")),
    ]
    for response in answers:
        assert response.status_code == 200, response
        assert "no-store" in response["Cache-Control"], response

    # The public pages stay cacheable as they were.
    assert "no-store" not in Client().get(reverse("home")).get("Cache-Control", "")
