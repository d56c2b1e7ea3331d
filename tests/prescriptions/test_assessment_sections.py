"""The draft assessment in sections that save on their own (issue 12, "in the screens"):
with htmx each section saves without a page load and answers with the section, the new
revision and the running flags; without JavaScript the same address saves the section and
redirects back to it. Other sections keep what is saved."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.assessments.services import assessment_create

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(world):
    return assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=timezone.now().astimezone(world.clinic.tz).date(),
        conditions=["thr"],
        involved_side="left",
    )


def _url(draft, section):
    return reverse("prescriptions:assessment-section", args=[draft.code, section])


def test_the_page_has_a_save_button_and_the_running_flags_for_each_section(
    client_as_practitioner, draft
):
    page = client_as_practitioner.get(
        reverse("prescriptions:assessment-edit", args=[draft.code])
    ).content.decode()
    for section in ("visit", "condition", "goals", "red-flags", "pain", "tests", "findings"):
        assert f'id="save-{section}"' in page
        assert f'formaction="{_url(draft, section)}"' in page
    assert 'id="running-flags"' in page and "Flags so far" in page
    assert "htmx" in page


def test_without_javascript_a_section_saves_and_comes_back_to_it(client_as_practitioner, draft):
    r = client_as_practitioner.post(
        _url(draft, "goals"),
        {"revision": "0", "goals": ["daily_function"], "goals_note": "Garden again"},
    )
    assert r.status_code == 302
    assert r["Location"].endswith("#section-goals")
    draft.refresh_from_db()
    assert draft.goals == ["daily_function"] and draft.goals_note == "Garden again"
    assert draft.conditions == ["thr"] and draft.involved_side == "left"  # others kept


def test_with_htmx_a_section_answers_with_itself_the_revision_and_the_flags(
    client_as_practitioner, draft
):
    r = client_as_practitioner.post(
        _url(draft, "pain"), {"revision": "0", "body_mass_kg": "68"}, **HTMX
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="section-pain"' in body and "Saved at" in body
    assert 'hx-swap-oob="true"' in body and 'value="1"' in body  # the new revision
    assert 'id="running-flags"' in body
    assert "<html" not in body
    draft.refresh_from_db()
    assert str(draft.body_mass_kg) == "68.0"


def test_bad_input_stays_in_its_section_next_to_the_field(client_as_practitioner, draft):
    r = client_as_practitioner.post(
        _url(draft, "pain"), {"revision": "0", "body_mass_kg": "900"}, **HTMX
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert "Not saved" in body and "is-invalid" in body
    draft.refresh_from_db()
    assert draft.body_mass_kg is None
    r = client_as_practitioner.post(_url(draft, "pain"), {"revision": "0", "body_mass_kg": "900"})
    assert r.status_code == 200 and "There is a problem" in r.content.decode()


def test_a_stop_sign_saved_in_its_section_shows_in_the_running_flags(client_as_practitioner, draft):
    r = client_as_practitioner.post(
        _url(draft, "red-flags"),
        {
            "revision": "0",
            "red_flags": ["recent_injection"],
            "stop_signs": ["fever"],
            "red_flags_note": "Fever today: sent to the GP.",
        },
        **HTMX,
    )
    body = r.content.decode()
    assert "Stop: no exercise today, refer." in body
    assert "stop-sign-checklist" in body


def test_a_stale_revision_is_refused_and_unknown_sections_are_404(
    client_as_practitioner, client_as_outsider, draft
):
    r = client_as_practitioner.post(_url(draft, "goals"), {"revision": "7"}, **HTMX)
    assert "Not saved" in r.content.decode()
    bad = reverse("prescriptions:assessment-section", args=[draft.code, "nonsense"])
    assert client_as_practitioner.post(bad, {"revision": "0"}).status_code == 404
    assert client_as_outsider.post(_url(draft, "goals"), {"revision": "0"}).status_code == 404
