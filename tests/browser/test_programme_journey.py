"""The patient's programme in a real browser at 375 px, and the practitioner's progress
view: the patient logs a session with the keyboard alone (a range error reported next to
its field first, nothing saved), then the practitioner marks the pain flag reviewed and
applies a progression. Every page passes axe-core; screenshots go to test-results/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from prescriptions.models import SessionLog
from prescriptions.patient_programme.links import programme_link_path
from tests import factories as f
from tests.browser.conftest import check_page
from tests.browser.keyboard import activate, field, focused, tab_to, text, type_in

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, email: str, next_url: str) -> None:
    page.goto(f"{live_server.url}{reverse('login')}?next={next_url}")
    tab_to(page, field("id_username"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(f.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(next_url)


@pytest.fixture
def programme(world):
    f.load_exercise_library()
    return f.make_published_programme(
        world.patient,
        world.ep,
        exercises=[
            ("hip-thrust", {"load_kind": "external", "load_kg": 60, "reps": 10, "sets": 3}),
            ("standing-isometric-hip-abduction", {}),
        ],
        published_at=timezone.now() - timedelta(days=3),
    )


def test_the_patient_logs_a_session_with_the_keyboard_alone(page, live_server, world, programme):
    log_in(page, live_server, world.patient.user.email, reverse("bookings:my-appointments"))
    activate(page, text(programme.display_title))
    assert page.locator("h1").inner_text() == programme.display_title
    expect(page.locator("body")).to_contain_text("3 sets of 10 repetitions")
    check_page(page, "programme-patient-today")

    activate(page, text("Log today's session"))
    check_page(page, "programme-log-form")
    # Hip thrust: done, 12 reps at 60 kg, pain 3, RPE 7.
    tab_to(page, field("id_item1_done"))
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    type_in(page, "id_item1_achieved", "12")
    type_in(page, "id_item1_pain", "11")  # out of range, on purpose
    type_in(page, "id_item1_rpe", "7")
    # The hold: done, 10 seconds, pain 6 (above the limit), RPE 5.
    tab_to(page, field("id_item2_done"))
    page.keyboard.press("Space")
    type_in(page, "id_item2_achieved", "10")
    type_in(page, "id_item2_pain", "6")
    type_in(page, "id_item2_rpe", "5")
    type_in(page, "id_comment", "The wall hold pinched a bit.")
    activate(page, text("Save this session"))

    # Reported in the summary and at the field; nothing saved, nothing typed lost.
    expect(page.locator("body")).to_contain_text("There is a problem")
    error = page.locator("#id_item1_pain_error").text_content()
    assert " ".join(error.split()) == (
        "Error: Hip thrust: enter the pain as a whole number from 0 to 10."
    )
    assert page.input_value("#id_item1_achieved") == "12"
    assert page.input_value("#id_comment") == "The wall hold pinched a bit."
    assert not SessionLog.objects.exists()
    check_page(page, "programme-log-form-errors")

    tab_to(page, text("Hip thrust: enter the pain as a whole number from 0 to 10."))
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'id_item1_pain'")
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    activate(page, text("Save this session"))

    # Pain above 5/10: the patient is told to ease off, and the session is flagged.
    assert page.locator("h1").inner_text() == "Ease the load"
    check_page(page, "programme-session-ease")
    session = SessionLog.objects.get()
    assert session.pain_flag
    entries = {e.item.order: e for e in session.entries.all()}
    assert (entries[1].reps, entries[1].pain_during, entries[1].rpe) == (12, 3, 7)
    assert (entries[2].hold_seconds, entries[2].pain_during) == (10, 6)
    assert session.comment == "The wall hold pinched a bit."

    activate(page, text("Back to your programme"))
    expect(page.locator("body")).to_contain_text(re.compile(r"\b1 of [37]\b"))
    activate(page, text("Printable handout"))
    check_page(page, "programme-handout")


def test_the_signed_link_page_passes_axe(page, live_server, programme):
    page.goto(live_server.url + programme_link_path(programme))
    assert page.locator("h1").inner_text() == programme.display_title
    check_page(page, "programme-via-link")


def test_the_practitioner_reviews_the_flag_and_applies_a_progression(
    page, live_server, world, programme
):
    version = programme.current_version
    today = timezone.now().astimezone(world.clinic.tz).date()
    for days_ago in (2, 1):
        f.make_session(
            version,
            performed_on=today - timedelta(days=days_ago),
            entries={1: {"reps": 12, "rpe": 8}},
            # The pain-monitoring model never progresses without next-morning pain (§8.3).
            morning_pain=2,
            morning_pain_logged_at=timezone.now(),
        )
    flagged = SessionLog.objects.order_by("performed_on").first()
    SessionLog.objects.filter(pk=flagged.pk).update(
        pain_flag=True,
        pain_flag_reasons=[
            "Standing hip abduction hold: Pain during exercise was 6/10, above 5/10."
        ],
    )
    url = reverse("prescriptions:programme-progress", args=[programme.code])
    log_in(page, live_server, world.ep.user.email, url)
    assert page.locator('svg[role="img"]').count() >= 4
    check_page(page, "programme-progress")

    activate(page, lambda el: el["text"].startswith("Mark reviewed"))
    expect(page.locator("body")).to_contain_text("marked reviewed")
    expect(page.locator("body")).to_contain_text("No pain flags to review.")
    flagged.refresh_from_db()
    assert flagged.flag_reviewed_by == world.ep.user

    # 12 reps at 60 kg twice: 2-for-2. Choose 65 kg with the arrow key, then apply.
    tab_to(page, field("choice-1-1"))
    page.keyboard.press("ArrowDown")
    assert focused(page)["id"] == "choice-1-2" and focused(page)["checked"]
    activate(page, lambda el: el["text"].startswith("Apply and publish version 2"))
    expect(page.locator("body")).to_contain_text("Version 2 is published")
    check_page(page, "programme-progress-applied")
    assert programme.current_version.items.get(order=1).load_kg == Decimal("65")
