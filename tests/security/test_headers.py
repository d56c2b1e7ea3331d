"""Browser protections on every kind of page: CSP with a fresh nonce per response, no
inline styles (style-src has no 'unsafe-inline'), frame and referrer policies."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client
from django.urls import reverse

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_templates_have_no_inline_styles():
    """style-src 'self' blocks <style> blocks and style="" attributes (emails excepted:
    mail clients need inline styles and never see our CSP)."""
    problems = []
    for template in (ROOT / "templates").rglob("*.html"):
        if "emails" in template.parts:
            continue
        text = template.read_text()
        if re.search(r"<style\b|\sstyle\s*=", text, flags=re.IGNORECASE):
            problems.append(str(template.relative_to(ROOT)))
    assert problems == []


def test_a_nonce_is_never_allowed_twice(world):
    """A page with a script, asked twice (a cache may serve the second): a nonce a CSP
    header allows is never allowed again, so a nonce seen in one copy unlocks nothing
    later. Our scripts are files from our own origin ('self'), so they run either way."""
    url = reverse("bookings:slot-list", args=[world.telehealth.code, "telehealth"])
    allowed = []
    for _ in range(3):
        response = Client().get(url, {"practitioner": str(world.ep.code)})
        assert response.status_code == 200
        assert re.search(r'<script src="/static/[^"]*"', response.content.decode())
        allowed += re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert allowed
    assert len(allowed) == len(set(allowed))


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("client", "home"),
        ("client_as_patient", "bookings:my-appointments"),
        ("client_as_patient", "records:print"),
        ("client_as_reception", "bookings:staff-schedule"),
        ("client_as_admin", "audit:activity"),
    ],
)
def test_pages_of_every_kind_send_the_policies(request, persona, url_name):
    response = request.getfixturevalue(persona).get(reverse(url_name))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_json_api_answers_are_not_framed_or_sniffed(db):
    response = Client().get(reverse("bookings:api-service-list"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
