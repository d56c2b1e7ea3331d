"""The session player in a real browser on a 375 px phone, by keyboard alone: from the
front page to a recorded session, one exercise a page, with the set counter, a hold
timer, the 0 to 10 pain scale, and a page sent while offline that goes when the network
is back. Every page passes axe-core; screenshots go to test-results/."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from prescriptions.models import SessionLog
from tests import factories as f
from tests.browser.conftest import check_page
from tests.browser.keyboard import activate, field, focused, tab_to, text
from tests.browser.test_programme_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


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


def test_a_whole_session_by_keyboard_on_a_phone(page, live_server, world, programme):
    log_in(page, live_server, world.patient.user.email, reverse("home"))
    assert page.get_by_role("link", name="My programme").first.is_visible()
    activate(page, text("Start today's session"))
    assert page.url.endswith("/play/1/")
    assert page.locator("h1").inner_text() == "Hip thrust"
    expect(page.locator("body")).to_contain_text("3 sets of 10 repetitions")
    sound = page.locator("[data-sound-switch]")
    assert sound.is_visible() and not sound.is_checked()  # off until switched on
    check_page(page, "player-exercise-1")

    # The set counter: three sets, each announced (the timers say little, and rarely).
    tab_to(page, text("Set done"))
    for _ in range(3):
        page.keyboard.press("Enter")
    assert page.input_value("#id_sets_done") == "3"
    assert page.locator("[data-timer-status]").text_content() == "Set 3 of 3 done."

    tab_to(page, field("id_done_0"))
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    tab_to(page, field("id_pain_0"))
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # a radio group: arrows choose, 0 -> 3
    assert focused(page)["id"] == "id_pain_3" and focused(page)["checked"]
    tab_to(page, field("id_feel_0"))
    page.keyboard.press("ArrowRight")  # about right
    activate(page, text("Next exercise"))

    # The next exercise: focus is on its heading, so a screen reader starts there.
    assert page.url.endswith("/play/2/")
    page.wait_for_function("document.activeElement.id === 'exercise-heading'")
    hold = page.locator("[data-start-hold]").inner_text()
    tab_to(page, text(hold))
    page.keyboard.press("Enter")
    assert page.locator("[data-timer-label]").inner_text() == "Hold"
    assert "seconds, started." in page.locator("[data-timer-status]").text_content()
    tab_to(page, text("Stop the timer"))
    page.keyboard.press("Enter")

    tab_to(page, field("id_done_0"))
    page.keyboard.press("ArrowDown")  # No, I skipped it
    assert focused(page)["id"] == "id_done_1" and focused(page)["checked"]
    # The network drops as the patient goes on: the answer waits on the phone.
    page.context.set_offline(True)
    tab_to(page, text("Finish"))
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelector('[data-offline-status]').textContent.includes('offline')"
    )
    assert page.url.endswith("/play/2/")
    check_page(page, "player-exercise-2-offline")
    with page.expect_navigation():
        page.context.set_offline(False)  # back online: sent, and on to the finish page
    page.wait_for_url("**/play/finish/")
    expect(page.locator("body")).to_contain_text("done, 3 sets, pain 3/10")
    check_page(page, "player-finish")

    activate(page, text("Save this session"))
    session = SessionLog.objects.get()
    assert session.client_id is not None
    entries = {e.item.order: e for e in session.entries.all()}
    assert (entries[1].sets_done, entries[1].reps, entries[1].pain_during) == (3, 10, 3)
    assert entries[1].feel == "about_right"
    assert entries[2].done is False
    check_page(page, "player-session-saved")


def test_the_practitioner_sees_the_flag_and_marks_it_seen_by_keyboard(
    page, live_server, world, programme
):
    from prescriptions.patient_programme.services import EntryInput, session_log_record

    version = programme.current_version
    session_log_record(
        patient=world.patient,
        version=version,
        performed_on=timezone.now().astimezone(world.clinic.tz).date(),
        entries=[
            EntryInput(item=i, done=True, reps=10, hold_seconds=None, pain_during=7)
            if i.dose_type == "reps"
            else EntryInput(item=i, done=False)
            for i in version.items.order_by("order")
        ],
    )
    url = world.patient.get_absolute_url()
    log_in(page, live_server, world.ep.user.email, url)
    assert page.locator("#pain-flags-heading").inner_text() == "Pain flag to review"
    check_page(page, "staff-patient-pain-flag")
    activate(page, lambda el: el["text"].startswith("Mark seen"))
    expect(page.locator("body")).to_contain_text("Pain flag marked seen.")
    assert page.locator("#pain-flags-heading").count() == 0
    session = SessionLog.objects.get()
    assert session.flags.get().seen_by == world.ep.user


def test_a_whole_session_by_touch_on_a_phone(browser, live_server, world, programme):
    """The same session with a finger: a touch-screen phone, every control tapped."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        has_touch=True,
        is_mobile=True,
        locale="en-AU",
        timezone_id="Australia/Sydney",
    )
    page = context.new_page()
    try:
        log_in(page, live_server, world.patient.user.email, reverse("home"))
        page.get_by_role("link", name="Start today's session").tap()
        page.wait_for_url("**/play/1/")
        for _ in range(2):
            page.get_by_role("button", name="Set done").tap()
        page.get_by_label("Yes, I did it").tap()
        page.get_by_label("5", exact=True).tap()
        page.get_by_label("Too hard").tap()
        check_page(page, "player-touch-exercise-1")
        page.get_by_role("button", name="Next exercise").tap()
        page.wait_for_url("**/play/2/")
        page.get_by_label("Yes, I did it").tap()
        page.get_by_label("0", exact=True).tap()
        page.get_by_role("button", name="Finish").tap()
        page.wait_for_url("**/play/finish/")
        check_page(page, "player-touch-finish")
        with page.expect_navigation():
            page.get_by_role("button", name="Save this session").tap()
        session = SessionLog.objects.get()
        first = session.entries.get(item__order=1)
        assert (first.sets_done, first.pain_during, first.feel) == (2, 5, "too_hard")
    finally:
        context.close()
