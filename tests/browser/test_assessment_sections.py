"""The assessment draft's sections in a real browser (issue 12): with the keyboard alone a
section is saved without a page load, focus stays on its button, the running flags beside
it follow (a stop sign: "Stop: no exercise today, refer"), and the page stays axe-clean at
375 px. Then the THA week 3 case's builder: no clams, lunges or step-ups, the hip
precautions with the approach and weeks left."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from prescriptions.assessments.services import assessment_create, assessment_sign
from prescriptions.programmes.services import programme_create
from prescriptions.surgery.services import surgery_record_add
from tests import factories as f
from tests.browser.conftest import check_page
from tests.browser.keyboard import field, focused, tab_to

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_sections_save_in_place_by_keyboard_and_the_builder_follows_the_rules(
    page, live_server, world
):
    f.load_exercise_library()
    today = timezone.now().astimezone(world.clinic.tz).date()
    patient = f.make_patient(world.clinic, date_of_birth=date(today.year - 71, 1, 2))
    surgery_record_add(
        patient=patient,
        by=world.ep.user,
        procedure="total_hip_arthroplasty",
        side="left",
        performed_on=today - timedelta(weeks=3),
        approach="posterior",
    )
    draft = assessment_create(
        patient=patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=today,
        conditions=["thr"],
        involved_side="left",
    )
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(f"{m.text} @ {m.location}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_viewport_size({"width": 375, "height": 800})
    _log_in(page, live_server, world.ep.user)
    page.goto(live_server.url + reverse("prescriptions:assessment-edit", args=[draft.code]))
    check_page(page, "assessment-sections")
    loads: list[str] = []
    page.on("load", lambda _: loads.append(page.url))

    # Goals: tick one with Space, then Enter on the section's own button.
    tab_to(page, field("id_goals_5"))
    page.keyboard.press("Space")
    tab_to(page, field("save-goals"))
    page.keyboard.press("Enter")
    page.locator("#status-goals", has_text="Saved at").wait_for()
    assert loads == []
    assert focused(page)["id"] == "save-goals"
    draft.refresh_from_db()
    assert draft.goals == ["daily_function"]

    # Red flags: the checklist is open after surgery; a stop sign stops.
    assert page.locator("details.stop-sign-checklist").get_attribute("open") is not None
    tab_to(page, field("id_red_flags_" + _index(page, "recent_injection")))
    page.keyboard.press("Space")
    tab_to(page, field("id_stop_signs_0"))  # fever
    page.keyboard.press("Space")
    tab_to(page, field("id_red_flags_note"))
    page.keyboard.type("Fever today: sent to the GP.")
    tab_to(page, field("save-red-flags"))
    page.keyboard.press("Enter")
    page.locator("#running-flags", has_text="Stop: no exercise today, refer.").wait_for()
    assert loads == []
    check_page(page, "assessment-sections-stop")
    assert problems == []  # no CSP report, no script error

    # Without the stop sign, signed: the builder offers the phase's content only.
    draft.refresh_from_db()
    draft.stop_signs = []
    draft.save(update_fields=["stop_signs"])
    signed = assessment_sign(assessment=draft, by=world.ep.user)
    programme = programme_create(
        patient=patient,
        practitioner=world.ep,
        goal="muscular_endurance",
        by=world.ep.user,
        assessment=signed,
    )
    page.goto(live_server.url + reverse("prescriptions:programme-builder", args=[programme.code]))
    body = page.content()
    assert "Hip precautions (posterior approach, left THA, week 4 after surgery)" in body
    assert "weeks left" in body
    offered = " | ".join(
        page.locator(".suggestion:not(.suggestion-avoid) .suggestion-exercises").all_inner_texts()
    )
    assert offered
    for name in ("Clam", "Lunge", "Forward step-up", "Lateral step-up"):
        assert name not in offered, offered
    check_page(page, "builder-tha-week-3")
    assert problems == []


def _index(page, code: str) -> str:
    """The index of a red flag's checkbox (its id suffix) by its value."""
    element_id = page.locator(f"input[name=red_flags][value={code}]").get_attribute("id")
    return element_id.rsplit("_", 1)[-1]
