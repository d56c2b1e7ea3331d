"""Pre-exercise screening, change over time and the patient's pre-visit questionnaires in a
real browser at 375 px, by keyboard, with axe-core on every page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from prescriptions.assessments.services import (
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from prescriptions.models import OutcomeResponse, PreExerciseScreening
from prescriptions.outcomes.services import ResponseInput
from prescriptions.previsit.questionnaires import previsit_token_for
from tests import factories as f
from tests.browser.conftest import SCREENSHOTS, check_page
from tests.browser.test_assessment_journey import activate, field, focused, tab_to, text, type_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, user, next_url):
    page.goto(f"{live_server.url}{reverse('login')}?next={next_url}")
    tab_to(page, field("id_username"))
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(next_url)


def _answer_radio(page, first_id, steps):
    """Tab into a radio group (focus lands on its first radio) and arrow to the answer."""
    tab_to(page, field(first_id))
    if steps == 0:
        page.keyboard.press("Space")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    assert focused(page)["checked"], first_id


def _today(world):
    return timezone.now().astimezone(world.clinic.tz).date()


def _signed(world, *, days_ago, visa_g, pain, right_force):
    assessment = assessment_create(
        patient=world.patient,
        practitioner=world.ep,
        created_by=world.ep.user,
        assessed_on=_today(world) - timedelta(days=days_ago),
        conditions=["lateral_hip"],
        involved_side="right",
    )
    assessment_update_draft(
        assessment=assessment,
        by=world.ep.user,
        fields={"body_mass_kg": Decimal(70), "pain_nprs": pain, "pain_context": "average_24h"},
        results={
            "hhd_abduction": {
                "": {"position": "supine"},
                "left": {"force_n": Decimal(240), "lever_arm_cm": Decimal(40)},
                "right": {"force_n": Decimal(right_force), "lever_arm_cm": Decimal(40)},
            },
            "trendelenburg": {"right": {"time_held_s": Decimal(18 if pain > 5 else 30)}},
        },
        responses={
            "VISA-G": ResponseInput(visa_g, branch="B"),
            "NPRS": ResponseInput([pain]),
        },
    )
    return assessment_sign(assessment=assessment, by=world.ep.user)


def test_a_practitioner_records_a_screening_with_a_yes_by_keyboard(page, live_server, world):
    url = reverse("prescriptions:screening", args=[world.patient.code])
    _log_in(page, live_server, world.ep.user, url)
    assert page.locator("h1").inner_text() == "Pre-exercise screening"
    check_page(page, "screening-page")

    _answer_radio(page, "id_q1_0", 1)  # no
    _answer_radio(page, "id_q2_0", 0)  # yes
    for n in range(3, 7):
        _answer_radio(page, f"id_q{n}_0", 1)
    type_in(page, "id_light_sessions", "4")
    type_in(page, "id_light_minutes", "100")
    type_in(page, "id_moderate_minutes", "20")
    activate(page, text("Save screening"))

    # A yes needs a note: the error is next to the field and the answers are kept.
    expect(page.locator("body")).to_contain_text("There is a problem")
    assert page.is_checked("#id_q2_0")
    check_page(page, "screening-page-errors")
    type_in(page, "id_notes", "Chest discomfort on hills: referred to the GP before exercise.")
    activate(page, text("Save screening"))

    expect(page.locator("body")).to_contain_text("Screening saved.")
    row = PreExerciseScreening.objects.get()
    assert row.any_yes and row.answers[1] is True and row.weighted_minutes == 120
    expect(page.locator("body")).to_contain_text("Yes to question 2")
    expect(page.locator("body")).to_contain_text("Higher risk: seek guidance")
    check_page(page, "screening-saved")

    # The patient's page flags it too.
    page.goto(
        f"{live_server.url}{reverse('bookings:staff-patient-detail', args=[world.patient.code])}"
    )
    expect(page.locator("body")).to_contain_text("Pre-exercise screening: higher risk")
    check_page(page, "screening-patient-page")


def test_the_comparison_view_and_reassess_are_accessible(page, live_server, world):
    _signed(world, days_ago=42, visa_g=[4, 2, 5, 5, 2, 5, 4, 10], pain=7, right_force=160)
    current = _signed(world, days_ago=3, visa_g=[7, 5, 7, 7, 5, 7, 7, 15], pain=3, right_force=215)
    _log_in(page, live_server, world.ep.user, current.get_absolute_url())
    check_page(page, "assessment-signed-with-measures")

    activate(page, text("Compare with the baseline"))
    assert page.locator("h1").inner_text() == "Change over time"
    content = page.content()
    assert "Improved" in content and "No verdict" in content
    assert page.locator("svg.chart").count() >= 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#trends-heading").scroll_into_view_if_needed()
    page.locator("figure.trend").first.screenshot(path=str(SCREENSHOTS / "trend-chart.png"))
    check_page(page, "assessment-compare")

    # Choosing the two assessments by keyboard.
    tab_to(page, field("id_baseline"))
    activate(page, text("Compare"))
    assert page.locator("h1").inner_text() == "Change over time"

    page.goto(f"{live_server.url}{current.get_absolute_url()}")
    activate(page, text("Re-assess"))
    assert page.locator("h1").inner_text() == "Re-assess"
    check_page(page, "assessment-reassess")
    activate(page, text("Start the re-assessment"))
    expect(page.locator("body")).to_contain_text("Started a re-assessment")
    assert page.input_value("#id_measure__VISA-G__1") == ""
    page.locator("#section-measures").screenshot(path=str(SCREENSHOTS / "measures-section.png"))
    check_page(page, "assessment-reassess-form")


def test_a_patient_answers_before_their_visit_by_keyboard(page, live_server, world):
    visit = f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=f.next_weekday_at(world.clinic, 1, 10),
    )
    token = previsit_token_for(visit)
    page.goto(f"{live_server.url}{reverse('prescriptions:previsit', args=[token])}")
    assert page.locator("h1").inner_text() == "Before your visit"
    check_page(page, "previsit-list")

    activate(page, text("Pain rating"))
    check_page(page, "previsit-pain")
    _answer_radio(page, "id_measure__NPRS__1_0", 5)
    activate(page, text("Send my answers"))
    expect(page.locator("body")).to_contain_text("your answers to “Pain rating” are saved")
    row = OutcomeResponse.objects.get()
    assert row.total == Decimal("5.0") and row.assessment is None

    activate(page, text("Patient-Specific Functional Scale"))
    check_page(page, "previsit-psfs")
    type_in(page, "id_measure__PSFS__text_1", "Walking the dog")
    type_in(page, "id_measure__PSFS__1", "4")
    activate(page, text("Send my answers"))
    expect(page.locator("body")).to_contain_text("Thank you: that is everything.")
    check_page(page, "previsit-done")

    page.goto(f"{live_server.url}{reverse('prescriptions:previsit', args=[token[:-2] + 'xx'])}")
    expect(page.locator("body")).to_contain_text("This link has expired or is not valid")
    check_page(page, "previsit-invalid")
