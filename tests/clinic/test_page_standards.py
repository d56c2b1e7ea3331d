"""Markup the HTML validator and search engines ask for (issue 16): no empty form
actions, a page description, and every <meta> in the emails with its content."""

from __future__ import annotations

import re
from pathlib import Path

from django.test import Client
from django.urls import reverse

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_has_an_empty_form_action():
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"""\saction=(""|'')""", path.read_text())
    ]
    assert offenders == []


def test_every_meta_tag_in_the_email_templates_has_content():
    for path in (TEMPLATES / "bookings" / "emails").rglob("*.html"):
        for tag in re.findall(r"<meta\b[^>]*>", path.read_text()):
            assert "charset=" in tag or "content=" in tag, (path.name, tag)


@pytest.mark.django_db
def test_public_pages_describe_themselves_for_search_engines(world):
    for url in (reverse("home"), reverse("bookings:service-list")):
        html = Client().get(url).content.decode()
        found = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert found, url
        assert len(found.group(1)) > 50
