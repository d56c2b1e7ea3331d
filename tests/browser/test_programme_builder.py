"""A practitioner builds and publishes a programme in a real browser, keyboard alone, on a
375 px wide phone: from a signed assessment, choose the goal, add the suggested exercises
with one key each, find one in the library, move it up, fix a bad dose reported next to
its field, and publish. Then the exercise library. Every page passes axe-core."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

import pytest
from playwright.sync_api import expect

from bookings.models import Notification
from prescriptions.models import Exercise, Programme
from tests import factories as f
from tests.browser.conftest import check_page
from tests.browser.test_assessment_journey import activate, field, focused, tab_to, text, type_in

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _names(programme):
    version = programme.versions.get(published_at__isnull=True)
    return list(version.items.order_by("order").values_list("exercise__slug", flat=True))


def test_a_practitioner_builds_and_publishes_a_programme_by_keyboard(page, live_server, world):
    f.load_exercise_library()
    assessment = f.make_signed_assessment(world.patient, world.ep)
    names = {e.slug: e.name for e in Exercise.objects.shipped()}
    _log_in(page, live_server, world.ep.user)
    page.goto(live_server.url + assessment.get_absolute_url())

    # From the signed assessment: start a programme; its findings preselect the goal.
    activate(page, text("Start a programme"))
    assert page.locator("h1").inner_text() == "Start a programme"
    check_page(page, "programme-start")
    assert page.is_checked("#id_goal_5")  # gluteal tendinopathy load management
    activate(page, text("Start the programme"))
    programme = Programme.objects.get()
    assert programme.assessment == assessment and programme.goal == "gt_load_management"

    # The builder: suggestions say which finding they come from; one key adds each.
    expect(page.locator("body")).to_contain_text("Trendelenburg test positive (right)")
    check_page(page, "programme-builder-empty")
    supine, standing = (
        names["supine-isometric-hip-abduction"],
        names["standing-isometric-hip-abduction"],
    )
    activate(page, text(f"Add {supine}"))
    expect(page.locator("body")).to_contain_text(f"Added {supine} as number 1")
    activate(page, text(f"Add {standing}"))
    assert _names(programme) == [
        "supine-isometric-hip-abduction",
        "standing-isometric-hip-abduction",
    ]

    # Find the bridge in the library and add it; then move it up to number 2.
    type_in(page, "id_q", "bridge")
    tab_to(page, field("id_weight_bearing"))
    page.keyboard.type("No")
    assert focused(page)["value"] == "no"
    activate(page, text("Search"))
    assert "found" in page.locator("#results-heading").inner_text()
    check_page(page, "programme-builder-search")
    bridge = names["glute-bridge"]
    activate(page, text(f"Add {bridge}"))
    activate(page, text(f"Move up {bridge}"))
    expect(page.locator("body")).to_contain_text(f"Moved {bridge} up to number 2.")
    assert _names(programme) == [
        "supine-isometric-hip-abduction",
        "glute-bridge",
        "standing-isometric-hip-abduction",
    ]

    # Edit the bridge's dose: a bad number is reported next to its field, nothing saved.
    activate(page, text(f"Edit 2. {bridge}"))
    check_page(page, "programme-item-edit")
    type_in(page, "id_sets", "0")
    type_in(page, "id_reps", "8")
    activate(page, text("Save"))
    error = page.locator("#id_sets_error").text_content()
    assert " ".join(error.split()) == "Error: Enter the number of sets, from 1 to 10."
    assert page.input_value("#id_reps") == "8"
    check_page(page, "programme-item-edit-errors")
    tab_to(page, text("Enter the number of sets, from 1 to 10."))
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'id_sets'")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    activate(page, text("Save"))
    expect(page.locator("body")).to_contain_text(f"Saved number 2: {bridge}.")
    item = programme.versions.get().items.get(order=2)
    assert (item.sets, item.reps) == (2, 8)
    check_page(page, "programme-builder")

    # Publish with a change note: frozen, current, and the patient's email is planned.
    activate(page, text("Review and publish"))
    check_page(page, "programme-publish")
    type_in(page, "id_change_note", "First programme: isometrics and bridging.")
    activate(page, text("Publish version 1"))
    expect(page.locator("body")).to_contain_text("Published version 1.")
    check_page(page, "programme-published")
    programme.refresh_from_db()
    assert programme.status == "active" and programme.current_version.number == 1
    assert Notification.objects.filter(kind="programme_ready", patient=world.patient).count() == 1

    # "Make changes" opens version 2, a copy; the patient keeps version 1 meanwhile.
    activate(page, text("Make changes"))
    expect(page.locator("body")).to_contain_text("Started version 2")
    assert programme.versions.count() == 2

    # The exercise library, from the staff menu: filter, then one exercise.
    activate(page, text("Exercise library"))
    check_page(page, "exercise-library")
    tab_to(page, field("id_safe_for"))
    page.keyboard.type("Lat")  # Lateral hip pain / gluteal tendinopathy
    assert focused(page)["value"] == "gluteal_tendinopathy"
    activate(page, text("Search"))
    assert names["side-plank"] not in page.locator("main").inner_text()
    assert names["banded-clam"] not in page.locator("main").inner_text()  # §15.2: clams too
    check_page(page, "exercise-library-filtered")
    activate(page, text(names["lateral-band-walk"]))
    expect(page.locator("body")).to_contain_text("Shipped with Stance (read-only)")
    check_page(page, "exercise-detail")


def test_the_builder_reorders_by_dragging_too(page, live_server, world):
    """The drag-and-drop enhancement posts the new order (the buttons work without it)."""
    f.load_exercise_library()
    from prescriptions.programmes.services import programme_create, programme_item_add

    programme = programme_create(
        patient=world.patient, practitioner=world.ep, goal="strength", by=world.ep.user
    )
    draft = programme.versions.get()
    for slug in ("glute-bridge", "clam", "squat"):
        programme_item_add(
            version=draft, exercise=Exercise.objects.get(slug=slug), by=world.ep.user
        )
    _log_in(page, live_server, world.ep.user)
    # Tall enough that source and target are both in view: Playwright's drag scrolls
    # between them otherwise and presses the mouse where the source used to be.
    page.set_viewport_size({"width": 375, "height": 2400})
    page.goto(live_server.url + reverse("prescriptions:programme-builder", args=[programme.code]))
    cards = page.locator(".item-list > li")
    assert page.locator(".drag-handle").count() == 3
    with page.expect_navigation():
        page.locator(".drag-handle").nth(2).drag_to(cards.nth(0))
    assert _names(programme) == ["squat", "glute-bridge", "clam"]
