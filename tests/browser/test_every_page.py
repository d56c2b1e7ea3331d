"""Every user-facing page, as the person it is for, on a 375 px wide phone.

One world for the whole module (the demo clinic of `seed_demo`, plus what it lacks: a
clinic's own exercise with an image in the patient's programme, an open draft with a
phase, a draft assessment, a patient whose screening has a yes), one live server and one
logged-in browser page per role, so the sweep of some 90 pages takes a few minutes rather
than one world per page. Each page must answer as expected and:

- pass axe-core (every rule it runs by default: WCAG 2.0 to 2.2 A and AA, and its best
  practices, as the other browser tests check);
- have exactly one h1, and not scroll sideways (document.scrollingElement.scrollWidth);
- have buttons and fields at least 44 px tall, every table captioned (a table wider than
  the phone scrolls inside a named region the keyboard can reach), every image loading,
  and no chart text cut off at the chart's edge.

A full-page screenshot of each goes to test-results/screenshots/every-page/. The booking
flow and the two-step set-up hold state in the session, so each is one journey checking
every step on its way; the last tests go through the interactive widgets by keyboard.
Django's own admin pages are left out.
"""

from __future__ import annotations

import io
import itertools
import re
import shutil
import tempfile
import uuid
from base64 import b32decode
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import TOTP
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import SCREENSHOTS
from tests.browser.keyboard import activate, focused, press, submit, tab_to, type_in

# The tests themselves only read: each runs in a transaction that is rolled back, while
# the module's world (committed, below) and the server's own writes stay.
pytestmark = pytest.mark.django_db

SHOTS = SCREENSHOTS / "every-page"
DEMO_PASSWORD = "stance-demo-2026"
LOGINS = {
    "patient": "demo-patient@example.org",
    "practitioner": "demo-ep@example.org",
    "reception": "demo-reception@example.org",
    "admin": "demo-admin@example.org",
}
_axe = Axe()


# --- The world ----------------------------------------------------------------------------


def _png(width: int = 640, height: int = 420) -> bytes:
    """A drawing of a person sitting against a wall (lines only), as PNG bytes."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([40, 20, 70, height - 20], fill="#c8ccd0")  # the wall
    draw.ellipse([80, 70, 130, 120], outline="black", width=6)  # head
    draw.line([105, 120, 105, 250], fill="black", width=8)  # back
    draw.line([105, 250, 250, 250], fill="black", width=8)  # thigh
    draw.line([250, 250, 250, 380], fill="black", width=8)  # shin
    draw.line([105, 170, 200, 200], fill="black", width=6)  # arm
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _build() -> dict[str, Any]:
    """The demo clinic, and what a tour of every page needs on top of it. Returns the
    addresses (and a few objects) the tests visit."""
    from bookings.models import Appointment, Service, WaitlistEntry, WaitlistOffer
    from bookings.tokens import manage_token_for, opt_out_token_for, waitlist_offer_token_for
    from clinic.models import Clinic, Patient, Practitioner, Referral, User
    from prescriptions.assessments.services import assessment_create
    from prescriptions.library.services import exercise_create
    from prescriptions.models import Assessment, Programme, SessionLog
    from prescriptions.outcomes import instruments
    from prescriptions.patient_programme.links import programme_link_path
    from prescriptions.previsit.questionnaires import previsit_token_for
    from prescriptions.programmes.services import (
        programme_draft_get_or_create,
        programme_item_add,
        programme_phase_add,
        programme_publish,
    )
    from prescriptions.screening.services import screening_record

    call_command("seed_demo", stdout=io.StringIO())
    clinic = Clinic.objects.get(slug="harbourside")
    today = timezone.now().astimezone(clinic.tz).date()
    patient = Patient.objects.get(clinic=clinic, email=LOGINS["patient"])
    ep = Practitioner.objects.get(user__email=LOGINS["practitioner"])
    programme = Programme.objects.get(patient=patient)

    # A clinic's own exercise with an image, published into the patient's programme (v2).
    wall_sit = exercise_create(
        clinic=clinic,
        by=ep.user,
        image=SimpleUploadedFile("wall-sit.png", _png(), content_type="image/png"),
        image_alt="A person sitting with their back flat against a wall, knees bent at a "
        "right angle",
        name="Wall sit",
        instructions=[
            "Stand with your back against a wall, feet a step away from it.",
            "Slide down until your knees are bent at about a right angle.",
            "Hold, breathing normally, then slide back up.",
        ],
        cues=["Keep your knees over your toes."],
        primary_muscles=["quadriceps"],
        level=2,
        load_types=["body_weight"],
        weight_bearing=True,
        dose_type="hold_seconds",
    )
    draft = programme_draft_get_or_create(programme=programme, by=ep.user)
    programme_item_add(version=draft, exercise=wall_sit, by=ep.user)
    programme_publish(programme=programme, by=ep.user, change_note="Added the wall sit.")
    # Version 3 left open, with a phase, for the builder pages.
    draft = programme_draft_get_or_create(programme=programme, by=ep.user)
    phase = programme_phase_add(
        version=draft,
        by=ep.user,
        name="Weeks 3 to 4: build up",
        starts_on=today + timedelta(days=7),
    )
    item = draft.items.order_by("order").first()

    signed = (
        Assessment.objects.filter(patient=patient, status=Assessment.Status.SIGNED)
        .order_by("-assessed_on", "-signed_at")
        .first()
    )
    draft_assessment = assessment_create(
        patient=patient,
        practitioner=ep,
        created_by=ep.user,
        assessed_on=today,
        conditions=["lateral_hip"],
        involved_side="right",
    )
    upcoming = (
        Appointment.objects.filter(patient=patient, status=Appointment.Status.BOOKED)
        .order_by("start")
        .first()
    )
    # Another patient answered yes in their pre-exercise screening.
    flagged_visit = (
        Appointment.objects.filter(practitioner__clinic=clinic, status="booked")
        .exclude(patient=patient)
        .order_by("start")
        .first()
    )
    screening_record(
        patient=flagged_visit.patient,
        screened_on=today,
        answers=[True, False, False, False, False, False],
        activity={},
        wording=instruments.SHIPPED[instruments.APSS].label,
        by=ep.user,
        notes="Cleared by their GP for supervised exercise.",
    )
    session = SessionLog.objects.filter(patient=patient).order_by("-performed_on").first()
    draft_letter, signed_letter, conference = _letters(patient, ep)
    # Treatment notes and goals from the demo; the clinic shares notes with patients.
    from prescriptions.models import Goal, NoteTemplate, TreatmentNote
    from prescriptions.notes.services import note_settings_update

    note_settings_update(
        clinic=clinic,
        by=ep.user,
        notes_visible_to_patient=True,
        goals_visible_to_patient=True,
    )
    note = TreatmentNote.objects.filter(clinic=clinic, status="signed").first()
    note_draft = TreatmentNote.objects.filter(clinic=clinic, status="draft").first()
    goal = Goal.objects.filter(patient=patient).first()
    note_template = NoteTemplate.objects.filter(clinic=clinic).first()
    reset_user = User.objects.create_user(email="forgetful@example.org", password="x" * 16)
    mfa_user = User.objects.create_user(
        email="new-reception@example.org",
        password=DEMO_PASSWORD,
        role=User.Role.RECEPTION,
        clinic=clinic,
    )
    telehealth = Service.objects.get(clinic=clinic, name="Telehealth review")
    link = programme_link_path(programme)
    manage = reverse("bookings:manage", args=[manage_token_for(upcoming)])
    previsit = reverse("prescriptions:previsit", args=[previsit_token_for(upcoming)])
    mine = reverse("prescriptions:my-programme", args=[programme.code])
    staff_prog = reverse("prescriptions:programme-detail", args=[programme.code])
    day = upcoming.start.astimezone(clinic.tz).date().isoformat()
    # The first visit of a recurring block (its series pages).
    Appointment.objects.filter(pk=upcoming.pk).update(series=uuid.uuid4())
    # The patient is on the waitlist and has been offered an earlier time.
    entry = WaitlistEntry.objects.create(appointment=upcoming, status="offered")
    offer = WaitlistOffer.objects.create(
        entry=entry,
        practitioner=upcoming.practitioner,
        start=upcoming.start - timedelta(days=1),
        location=upcoming.location,
        expires_at=timezone.now() + timedelta(hours=2),
    )
    # The demo's Medicare GPCCMP referral (4 of 5 used) and its referrer (issue 15).
    gpccmp = Referral.objects.get(patient__clinic=clinic, funder="medicare_cdm")
    shipped = wall_sit.__class__.objects.shipped().get(slug="glute-bridge")
    reset = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(reset_user.pk)),
            default_token_generator.make_token(reset_user),
        ],
    )
    return {
        # Anyone
        "home": "/",
        "login": reverse("login"),
        "password-reset": reverse("password_reset"),
        "password-reset-sent": reverse("password_reset_done"),
        "password-reset-confirm": reset,
        "password-reset-complete": reverse("password_reset_complete"),
        "not-found": "/no-such-page/",
        "api-docs": reverse("api-docs"),
        "manage": manage,
        "manage-cancel": manage + "cancel/",
        "manage-reschedule": manage + "reschedule/",
        "manage-invalid": reverse("bookings:manage", args=["not-a-token"]),
        "previsit": previsit,
        "previsit-nprs": previsit + "NPRS/",
        "previsit-invalid": reverse("prescriptions:previsit", args=["not-a-token"]),
        "reminders": reverse("bookings:reminders-opt-out", args=[opt_out_token_for(patient)]),
        "reminders-invalid": reverse("bookings:reminders-opt-out", args=["not-a-token"]),
        "link": link,
        "link-log": link + "log/",
        "link-handout": link + "handout/",
        "link-session": f"{link}sessions/{session.code}/",
        "link-invalid": reverse("prescriptions:programme-link", args=["not-a-token"]),
        # The patient
        "me": reverse("bookings:my-appointments"),
        "my-visit": reverse("bookings:my-appointment", args=[upcoming.code]),
        "my-visit-cancel": reverse("bookings:my-cancel", args=[upcoming.code]),
        "my-visit-reschedule": reverse("bookings:my-reschedule", args=[upcoming.code]),
        "my-programmes": reverse("prescriptions:my-programmes"),
        "my-programme": mine,
        "my-programme-log": mine + "log/",
        "my-programme-play-step": mine + "play/1/",
        "my-programme-play-finish": mine + "play/finish/",
        "my-programme-handout": mine + "handout/",
        "my-session": f"{mine}sessions/{session.code}/",
        "my-morning": f"{mine}sessions/{session.code}/morning/",
        "my-record": reverse("records:overview"),
        "my-record-print": reverse("records:print"),
        "my-delete": reverse("records:delete"),
        "deleted": reverse("records:deleted"),
        "two-step": reverse("accounts:mfa"),
        "two-step-setup": reverse("accounts:mfa-setup"),
        # Staff
        "schedule-day": f"{reverse('bookings:staff-schedule')}?view=day&date={day}",
        "schedule-week": f"{reverse('bookings:staff-schedule')}?view=week&date={day}",
        "calendar-day": f"{reverse('bookings:staff-calendar')}?view=day&date={day}",
        "calendar-week": f"{reverse('bookings:staff-calendar')}?view=week&date={day}",
        "staff-book": reverse("bookings:staff-book"),
        "staff-book-search": reverse("bookings:staff-book") + "?q=Demo",
        "staff-book-patient": reverse("bookings:staff-book") + f"?patient={patient.code}",
        "appointment": reverse("bookings:staff-appointment", args=[upcoming.code]),
        "appointment-flagged": reverse("bookings:staff-appointment", args=[flagged_visit.code]),
        "appointment-move": reverse("bookings:staff-move", args=[upcoming.code]),
        "appointment-cancel": reverse("bookings:staff-cancel", args=[upcoming.code]),
        "appointment-funding": reverse("bookings:staff-appointment-funding", args=[upcoming.code]),
        "appointment-repeat": reverse("bookings:staff-repeat", args=[upcoming.code])
        + "?every_weeks=1&repeats=3",
        "appointment-series-move": reverse("bookings:staff-series-move", args=[upcoming.code])
        + f"?date={day}&time=16:00",
        "waitlist-offer": reverse(
            "bookings:waitlist-offer", args=[waitlist_offer_token_for(offer)]
        ),
        "staff-waitlist": reverse("bookings:staff-waitlist"),
        "appointment-series-cancel": reverse("bookings:staff-series-cancel", args=[upcoming.code]),
        "patients": reverse("bookings:staff-patient-list"),
        "enquiries": reverse("bookings:staff-enquiries"),
        "patients-search": reverse("bookings:staff-patient-list") + "?q=Demo",
        "patient": reverse("bookings:staff-patient-detail", args=[patient.code]),
        "assessment-new": reverse("prescriptions:assessment-new", args=[patient.code]),
        "assessment-edit": reverse("prescriptions:assessment-edit", args=[draft_assessment.code]),
        "assessment-draft": reverse(
            "prescriptions:assessment-detail", args=[draft_assessment.code]
        ),
        "assessment": reverse("prescriptions:assessment-detail", args=[signed.code]),
        "assessment-amend": reverse("prescriptions:assessment-amend", args=[signed.code]),
        "assessment-compare": reverse("prescriptions:assessment-compare", args=[patient.code]),
        "screening": reverse("prescriptions:screening", args=[patient.code]),
        "surgery": reverse("prescriptions:surgery-list", args=[patient.code]),
        "referrals": reverse("bookings:referral-list", args=[gpccmp.patient.code]),
        "referral-edit": reverse("bookings:referral-edit", args=[gpccmp.code]),
        "referrers": reverse("bookings:referrer-list"),
        "referrer-edit": reverse("bookings:referrer-edit", args=[gpccmp.referrer.code]),
        "funding": reverse("bookings:funding-report"),
        "referral-reports": reverse("bookings:referral-reports"),
        "staff-book-gpccmp": reverse("bookings:staff-book")
        + f"?patient={gpccmp.patient.code}&service={upcoming.service.code}&modality=clinic"
        + f"&practitioner=any&date={day}",
        "screening-flagged": reverse("prescriptions:screening", args=[flagged_visit.patient.code]),
        "exercises": reverse("prescriptions:exercise-list"),
        "exercises-filtered": reverse("prescriptions:exercise-list") + "?q=bridge&level=1",
        "exercise": reverse("prescriptions:exercise-detail", args=[shipped.code]),
        "exercise-own": reverse("prescriptions:exercise-detail", args=[wall_sit.code]),
        # A per-side exercise's figure, mirrored for the left side.
        "exercise-left": reverse(
            "prescriptions:exercise-detail",
            args=[wall_sit.__class__.objects.shipped().get(slug="clam").code],
        )
        + "?side=left",
        "exercise-new": reverse("prescriptions:exercise-new"),
        "exercise-edit": reverse("prescriptions:exercise-edit", args=[wall_sit.code]),
        "exercise-media": reverse("prescriptions:exercise-media", args=[shipped.code]),
        "programme-new": reverse("prescriptions:programme-new", args=[patient.code])
        + f"?assessment={signed.code}",
        "programme": staff_prog,
        "programme-version": reverse("prescriptions:programme-version", args=[programme.code, 1]),
        "builder": reverse("prescriptions:programme-builder", args=[programme.code]),
        "builder-search": reverse("prescriptions:programme-builder", args=[programme.code])
        + "?q=clam",
        "item": reverse("prescriptions:programme-item-edit", args=[programme.code, item.code]),
        "phase": reverse("prescriptions:programme-phase-edit", args=[programme.code, phase.code]),
        "publish": reverse("prescriptions:programme-publish", args=[programme.code]),
        "progress": reverse("prescriptions:programme-progress", args=[programme.code]),
        "audit": reverse("audit:activity"),
        "audit-patient": reverse("audit:patient", args=[patient.code]),
        "audit-deletions": reverse("audit:deletions"),
        "booking": reverse("bookings:service-list"),
        "booking-problem": reverse("bookings:book-modality", args=[uuid.uuid4()]),
        "week-telehealth": reverse("bookings:slot-list", args=[telehealth.code, "telehealth"]),
        "programme-end": reverse("prescriptions:programme-end", args=[programme.code]),
        "letter-templates": reverse("prescriptions:letter-templates"),
        "letter-template": reverse("prescriptions:letter-template", args=["initial_gp"]),
        "letter-new": reverse("prescriptions:letter-new", args=[patient.code]),
        "letter-draft": draft_letter.get_absolute_url(),
        "letter-signed": signed_letter.get_absolute_url(),
        "case-conference-new": reverse("prescriptions:case-conference-new", args=[patient.code]),
        "case-conference": conference.get_absolute_url(),
        "note-start": reverse("prescriptions:note-start", args=[upcoming.code]),
        "note": reverse("prescriptions:note-detail", args=[note.code]),
        "note-draft": reverse("prescriptions:note-detail", args=[note_draft.code]),
        "note-history": reverse("prescriptions:note-history", args=[note.code]),
        "notes-to-sign": reverse("prescriptions:note-list"),
        "note-templates": reverse("prescriptions:note-template-list"),
        "note-template": reverse("prescriptions:note-template-edit", args=[note_template.code]),
        "goals": reverse("prescriptions:goal-list", args=[patient.code]),
        "goal": reverse("prescriptions:goal-edit", args=[goal.code]),
        "my-goals": reverse("prescriptions:my-goals"),
        "my-notes": reverse("prescriptions:my-notes"),
        "mfa-user": mfa_user.email,
    }


def _letters(patient: Any, ep: Any) -> tuple[Any, Any, Any]:
    """A draft GP report, a signed and sent discharge report, and a case conference."""
    from prescriptions.letters.services import (
        case_conference_record,
        letter_draft,
        letter_send,
        letter_sign,
    )

    draft = letter_draft(
        patient=patient,
        practitioner=ep,
        kind="initial_gp",
        by=ep.user,
        recipient_name="Dr Jane Citizen",
    )
    signed = letter_draft(patient=patient, practitioner=ep, kind="discharge", by=ep.user)
    signed.body = signed.body.replace("[", "").replace("]", "")
    signed.save()
    signed = letter_sign(letter=signed, by=ep.user)
    letter_send(letter=signed, by=ep.user, to_email="gp@surgery.example", to_name="Dr Citizen")
    start = timezone.now() - timedelta(days=1)
    conference = case_conference_record(
        patient=patient,
        practitioner=ep,
        by=ep.user,
        starts_at=start,
        ends_at=start + timedelta(minutes=25),
        mode="video",
        patient_agreed=True,
        matters_discussed="Falls at home.",
        outcomes="Balance programme; GP reviews medication.",
        participants=[("ep", ep.display_name, ""), ("gp", "Dr Jane Citizen", "Harbour GP")],
    )
    return draft, signed, conference


@dataclass
class Site:
    url: str
    paths: dict[str, Any]
    pages: dict[str, Any]


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, browser, browser_context_args):
    """The world, a live server and one logged-in browser page per role, for the module.

    The rows are committed (no test transaction) so the server's thread sees them; the
    module flushes the database when it is done, as a transactional test would."""
    media = tempfile.mkdtemp(prefix="stance-every-page-")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        cache.clear()
        try:
            paths = _build()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            contexts = []
            pages = {}
            try:
                for role in ("anonymous", *LOGINS):
                    context = browser.new_context(**browser_context_args)
                    contexts.append(context)
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    if role in LOGINS:
                        page.goto(server.url + paths["login"])
                        page.get_by_label("Email address").fill(LOGINS[role])
                        page.get_by_label("Password").fill(DEMO_PASSWORD)
                        with page.expect_navigation():
                            page.keyboard.press("Enter")
                        assert "/accounts/login/" not in page.url, f"{role} could not log in"
                    pages[role] = page
                yield Site(server.url, paths, pages)
            finally:
                for context in contexts:
                    context.close()
                server._live_server_modified_settings.disable()
                server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()
            shutil.rmtree(media, ignore_errors=True)


# --- Checks -------------------------------------------------------------------------------


def problems(page, name: str) -> list[str]:
    """What is wrong with the page now showing: axe-core violations, not one h1, sideways
    scrolling. Saves its full-page screenshot first. A click that follows a link returns
    once the next page has begun to load, so this waits for it to finish."""
    page.wait_for_load_state()
    SHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    found = page.evaluate(IMAGES_JS)
    page.screenshot(path=str(SHOTS / f"{safe}.png"), full_page=True)
    results = _axe.run(page)
    if results.violations_count:
        found.append(results.generate_report())
    headings = page.locator("h1").count()
    if headings != 1:
        found.append(f"{headings} h1 elements")
    found += page.evaluate(SMALL_TARGETS_JS)
    found += page.evaluate(TABLES_JS)
    found += page.evaluate(CHART_TEXT_JS)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    if width > 375 + 1:
        wide = page.evaluate(WIDEST_JS)
        found.append(f"the page is {width}px wide on a 375px screen; too wide: {wide}")
    return [f"{name}: {p}" for p in found]


IMAGES_JS = """async () => {
  // Every image loads (lazy ones too, so the screenshot shows them).
  const out = [];
  for (const img of Array.from(document.images)) {
    img.loading = "eager";
    try {
      await img.decode();
    } catch (e) {
      out.push(`a broken image: ${img.getAttribute("src")}`);
    }
  }
  return out;
}"""

SMALL_TARGETS_JS = """() => {
  // Buttons and fields at least 44 px tall (GOV.UK and NHS: easy to hit on a phone).
  const out = [];
  const sel = "button, .btn, input[type=submit], select, textarea,"
    + " input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=file])";
  for (const e of document.querySelectorAll(sel)) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.height >= 43.5) continue;
    const text = (e.textContent || e.value || e.name || "").replace(/\\s+/g, " ").trim();
    const tag = e.tagName.toLowerCase();
    out.push(`a ${tag} only ${Math.round(r.height)}px tall: "${text.slice(0, 40)}"`);
  }
  return out;
}"""

TABLES_JS = """() => {
  // Every data table has a caption (or a label); one wider than the screen scrolls inside
  // a labelled region that the keyboard can reach.
  const out = [];
  for (const t of document.querySelectorAll("table")) {
    const name = t.caption ? t.caption.textContent.trim()
      : (t.getAttribute("aria-label") || t.getAttribute("aria-labelledby") || "");
    if (!name) out.push(`a table without a caption: ${t.outerHTML.slice(0, 80)}`);
    let box = t.parentElement;
    while (box && !["auto", "scroll"].includes(getComputedStyle(box).overflowX)) {
      box = box.parentElement;
    }
    if (!box || box.scrollWidth <= box.clientWidth + 1) continue;
    const labelled = box.getAttribute("aria-label") || box.getAttribute("aria-labelledby");
    if (box.tabIndex !== 0 || box.getAttribute("role") !== "region" || !labelled) {
      out.push("a table scrolls sideways in a box that is not a focusable, labelled region: "
        + (t.caption ? t.caption.textContent : t.outerHTML.slice(0, 80)));
    }
  }
  return out;
}"""

CHART_TEXT_JS = """() => {
  // No text of a chart is cut off at the edge of its drawing.
  const out = [];
  for (const svg of document.querySelectorAll("svg[viewBox]")) {
    const box = svg.viewBox.baseVal;
    for (const t of svg.querySelectorAll("text:not([transform])")) {
      const b = t.getBBox();
      if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5) {
        out.push(`chart text cut off at the edge: "${t.textContent}" in #${svg.id}`);
      }
    }
  }
  return out;
}"""

WIDEST_JS = """() => {
  const out = [];
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.right > 376 && r.width > 0) {
      const cls = typeof e.className === "string" && e.className
        ? "." + e.className.split(" ").join(".") : "";
      out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + cls
        + " right=" + Math.round(r.right));
    }
    if (out.length >= 8) break;
  }
  return out;
}"""


def visit(site: Site, role: str, key: str, status: int = 200) -> Any:
    page = site.pages[role]
    response = page.goto(site.url + site.paths[key])
    assert response is not None and response.status == status, (
        f"{role} {key}: {response.status if response else 'no response'}, not {status}"
    )
    return page


# --- One page at a time ---------------------------------------------------------------------

PAGES = [
    # Anyone, no login
    ("anonymous", "home", 200),
    ("anonymous", "login", 200),
    ("anonymous", "password-reset", 200),
    ("anonymous", "password-reset-sent", 200),
    ("anonymous", "password-reset-confirm", 200),
    ("anonymous", "password-reset-complete", 200),
    ("anonymous", "not-found", 404),
    ("anonymous", "api-docs", 200),
    ("anonymous", "manage", 200),
    ("anonymous", "manage-cancel", 200),
    ("anonymous", "manage-reschedule", 200),
    ("anonymous", "manage-invalid", 404),
    ("anonymous", "previsit", 200),
    ("anonymous", "previsit-nprs", 200),
    ("anonymous", "previsit-invalid", 404),
    ("anonymous", "reminders", 200),
    ("anonymous", "reminders-invalid", 404),
    ("anonymous", "link", 200),
    ("anonymous", "link-log", 200),
    ("anonymous", "link-handout", 200),
    ("anonymous", "link-session", 200),
    ("anonymous", "link-invalid", 404),
    ("anonymous", "deleted", 200),
    ("anonymous", "booking-problem", 404),
    # The patient
    ("patient", "home", 200),
    ("patient", "me", 200),
    ("patient", "my-visit", 200),
    ("patient", "my-visit-cancel", 200),
    ("patient", "my-visit-reschedule", 200),
    ("patient", "my-programmes", 200),
    ("patient", "my-programme", 200),
    ("patient", "my-programme-log", 200),
    ("patient", "my-programme-play-step", 200),
    ("patient", "my-programme-play-finish", 200),
    ("patient", "my-programme-handout", 200),
    ("patient", "my-session", 200),
    ("patient", "my-morning", 200),
    ("patient", "my-record", 200),
    ("patient", "my-goals", 200),
    ("patient", "my-notes", 200),
    ("patient", "my-record-print", 200),
    ("patient", "my-delete", 200),
    ("patient", "two-step", 200),
    ("patient", "not-found", 404),
    # A practitioner
    ("practitioner", "schedule-day", 200),
    ("practitioner", "schedule-week", 200),
    ("practitioner", "calendar-day", 200),
    ("practitioner", "staff-book", 200),
    ("practitioner", "staff-book-search", 200),
    ("practitioner", "staff-book-patient", 200),
    ("practitioner", "appointment", 200),
    ("practitioner", "appointment-flagged", 200),
    ("practitioner", "appointment-move", 200),
    ("practitioner", "appointment-cancel", 200),
    ("practitioner", "patients", 200),
    ("practitioner", "enquiries", 200),
    ("practitioner", "patients-search", 200),
    ("practitioner", "patient", 200),
    ("practitioner", "assessment-new", 200),
    ("practitioner", "assessment-edit", 200),
    ("practitioner", "assessment-draft", 200),
    ("practitioner", "assessment", 200),
    ("practitioner", "assessment-amend", 200),
    ("practitioner", "assessment-compare", 200),
    ("practitioner", "screening", 200),
    ("practitioner", "screening-flagged", 200),
    ("practitioner", "surgery", 200),
    ("practitioner", "referrals", 200),
    ("practitioner", "referral-edit", 200),
    ("practitioner", "referrers", 200),
    ("practitioner", "referrer-edit", 200),
    ("practitioner", "funding", 200),
    ("practitioner", "referral-reports", 200),
    ("reception", "referrers", 200),
    ("reception", "staff-book-gpccmp", 200),
    ("practitioner", "exercises", 200),
    ("practitioner", "exercises-filtered", 200),
    ("practitioner", "exercise", 200),
    ("practitioner", "exercise-own", 200),
    ("practitioner", "exercise-left", 200),
    ("practitioner", "exercise-new", 200),
    ("practitioner", "exercise-edit", 200),
    ("practitioner", "exercise-media", 200),
    ("practitioner", "programme-new", 200),
    ("practitioner", "programme", 200),
    ("practitioner", "programme-version", 200),
    ("practitioner", "builder", 200),
    ("practitioner", "builder-search", 200),
    ("practitioner", "item", 200),
    ("practitioner", "phase", 200),
    ("practitioner", "publish", 200),
    ("practitioner", "progress", 200),
    ("practitioner", "programme-end", 200),
    ("practitioner", "letter-templates", 200),
    ("practitioner", "letter-template", 200),
    ("practitioner", "letter-new", 200),
    ("practitioner", "letter-draft", 200),
    ("practitioner", "letter-signed", 200),
    ("practitioner", "case-conference-new", 200),
    ("practitioner", "case-conference", 200),
    ("practitioner", "note-start", 200),
    ("practitioner", "note", 200),
    ("practitioner", "note-draft", 200),
    ("practitioner", "note-history", 200),
    ("practitioner", "notes-to-sign", 200),
    ("practitioner", "note-templates", 200),
    ("practitioner", "note-template", 200),
    ("practitioner", "goals", 200),
    ("practitioner", "goal", 200),
    ("practitioner", "two-step", 200),
    ("practitioner", "two-step-setup", 200),
    ("practitioner", "not-found", 404),
    # Reception: schedules and contact details, no clinical records
    ("reception", "schedule-day", 200),
    ("reception", "schedule-week", 200),
    ("reception", "calendar-day", 200),
    ("reception", "calendar-week", 200),
    ("reception", "appointment", 200),
    ("reception", "appointment-flagged", 200),
    ("reception", "patient", 200),
    ("reception", "staff-book-patient", 200),
    ("reception", "appointment-funding", 200),
    ("reception", "appointment-repeat", 200),
    ("reception", "appointment-series-move", 200),
    ("reception", "staff-waitlist", 200),
    ("anonymous", "waitlist-offer", 200),
    ("reception", "appointment-series-cancel", 200),
    # The clinic admin
    ("admin", "audit", 200),
    ("admin", "audit-patient", 200),
    ("admin", "audit-deletions", 200),
    ("admin", "patient", 200),
    ("admin", "note-templates", 200),
]


@pytest.mark.parametrize(("role", "key", "status"), PAGES, ids=[f"{r}-{k}" for r, k, _ in PAGES])
def test_the_page_works_on_a_phone(site, role, key, status):
    page = visit(site, role, key, status)
    found = problems(page, f"{role}-{key}")
    assert not found, "\n".join(found)


# --- Journeys: pages that need the steps before them ----------------------------------------


def test_every_step_of_booking_a_clinic_visit(site):
    """Service, how, who, a week of times, details (with errors first), the health
    questions (a yes first), review, done: each step checked on the way."""
    page, found = site.pages["anonymous"], []
    page.goto(site.url + site.paths["booking"])
    found += problems(page, "booking-1-services")
    page.get_by_role("link", name="Initial exercise physiology assessment").click()
    found += problems(page, "booking-2-modality")
    page.get_by_label("In clinic").check()
    page.get_by_role("button", name="Continue").click()
    found += problems(page, "booking-3-practitioner")
    page.get_by_label("No preference").check()
    page.get_by_role("button", name="Continue").click()
    found += problems(page, "booking-4-times")
    page.get_by_role("link", name="Next week").click()
    page.locator("a.slot-link").first.click()
    found += problems(page, "booking-5-details")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("body")).to_contain_text("There is a problem")
    found += problems(page, "booking-5-details-errors")
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Newcombe")
    page.get_by_label("Email address").fill("robin.newcombe@example.org")
    page.get_by_label("Phone number").fill("0400 222 333")
    for part, value in (("Day", "9"), ("Month", "11"), ("Year", "1990")):
        page.get_by_label(part, exact=True).fill(value)
    page.get_by_role("button", name="Continue").click()
    found += problems(page, "booking-6-screening")
    questions = page.locator("input[type=radio][value=yes]")
    questions.first.check()
    for i in range(1, questions.count()):
        page.locator("input[type=radio][value=no]").nth(i).check()
    page.get_by_role("button", name="Continue").click()
    found += problems(page, "booking-6-screening-stop")
    page.go_back()
    for i in range(questions.count()):
        page.locator("input[type=radio][value=no]").nth(i).check()
    page.get_by_role("button", name="Continue").click()
    found += problems(page, "booking-7-review")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm booking").click()
    assert page.locator("h1").inner_text() == "Appointment booked"
    found += problems(page, "booking-8-done")
    assert not found, "\n".join(found)


def _code_for(secret_text: str) -> str:
    secret = secret_text.replace(" ", "")
    return f"{TOTP(b32decode(secret + '=' * (-len(secret) % 8))).token():06d}"


def test_two_step_set_up_backup_codes_and_verify_by_keyboard(site, browser, browser_context_args):
    """A new member of staff turns two-step verification on with the keyboard alone: every
    stop shows its focus, the typed key is behind a disclosure, a wrong code is reported at
    the field; then the backup codes, and the code asked for at the next login."""
    found: list[str] = []
    backup_codes: list[str] = []
    email = site.paths["mfa-user"]
    for attempt in ("set up", "verify"):
        context = browser.new_context(**browser_context_args)
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(site.url + site.paths["login"])
            found += problems(page, f"mfa-{attempt}-login")
            type_in(page, "id_username", email)
            type_in(page, "id_password", DEMO_PASSWORD)
            submit(page, "Enter")
            page.goto(site.url + site.paths["two-step"])
            if attempt == "verify":
                assert "/accounts/two-step/verify/" in page.url
                found += problems(page, "mfa-verify")
                type_in(page, "id_code", backup_codes[0])
                submit(page, "Enter")
                assert "/accounts/two-step/verify/" not in page.url
                page.goto(site.url + site.paths["two-step"])
                expect(page.locator("body")).to_contain_text("9 unused backup codes")
                found += problems(page, "mfa-overview-on")
                continue
            found += problems(page, "mfa-overview-off")
            activate(page, text("Set up two-step verification"))
            found += problems(page, "mfa-setup")
            # The QR code is a picture, not a stop; the disclosure opens with Enter.
            summary = tab_to(page, text("I cannot scan the code"))
            assert summary["tag"] == "summary"
            page.keyboard.press("Enter")
            assert page.locator("#secret-key").is_visible()
            secret = page.locator("#secret-key").inner_text().replace("Setup key:", "").strip()
            wrong = "000000" if _code_for(secret) != "000000" else "111111"
            type_in(page, "id_code", wrong)
            el = press(page, "Tab")
            assert el["text"] == "Turn on two-step verification"
            submit(page, "Enter")
            expect(page.locator("body")).to_contain_text("There is a problem")
            found += problems(page, "mfa-setup-error")
            # The summary's link takes focus to the field, whose error sits above it.
            activate_in_page(page, lambda el: el["href"] == "#id_code")
            assert focused(page)["id"] == "id_code"
            page.wait_for_timeout(1100)  # a wrong code pauses the next try for a second
            page.keyboard.press("Control+A")
            page.keyboard.type(_code_for(secret))
            page.keyboard.press("Enter")
            page.wait_for_url("**/backup-codes/**")
            assert page.locator("h1").inner_text() == "Save your backup codes"
            found += problems(page, "mfa-backup-codes")
            backup_codes = [
                c.replace(" ", "") for c in page.locator("ol.backup-codes code").all_inner_texts()
            ]
            assert len(backup_codes) == 10
            activate(page, text("I have saved my codes, continue"))
        finally:
            context.close()
    assert not found, "\n".join(found)


# --- Keyboard: the interactive widgets ---------------------------------------------------------


def text(label: str):
    return lambda el: el["text"] == label


def activate_in_page(page, wanted) -> None:
    """Tab to a same-page link (an error summary's) and follow it."""
    tab_to(page, wanted)
    page.keyboard.press("Enter")


def route_through(page, *, limit: int = 400) -> list[dict[str, Any]]:
    """Every Tab stop of the page, from the top until focus leaves the page or comes
    round again; each one must be seen and show its focus."""
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    stops: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        el = focused(page)
        if el is None or (stops and el == stops[0]):
            return stops
        assert el["visible"], f"a Tab stop that cannot be seen: {el} after {stops[-3:]}"
        assert el["ring"], f"no visible focus indicator on {el}"
        stops.append(el)
    raise AssertionError("focus never left the page")


def test_the_programme_builder_by_keyboard(site):
    """Focus goes down the builder in reading order, every stop ringed; the drag handles
    are no stops (the Move buttons do the same); after a move, focus is on the moved card
    and the next Tab reaches its own buttons."""
    page = site.pages["practitioner"]
    page.goto(site.url + site.paths["builder"])
    stops = route_through(page)
    texts = [s["text"] for s in stops]
    assert texts[0] == "Skip to main content"
    assert not any("Drag to move" in t for t in texts)
    main = [s for s in stops if s["top"] > 150]
    backwards = [
        (a["text"], b["text"]) for a, b in itertools.pairwise(main) if b["top"] < a["top"] - 30
    ]
    assert not backwards, f"focus goes back up the page: {backwards} ({len(main)} stops)"

    first = page.locator(".item-list > li h3").first.inner_text()
    name = first.split(". ", 1)[1]
    page.goto(site.url + site.paths["builder"])
    activate(page, text(f"Move down {name}"))
    expect(page.locator("body")).to_contain_text(f"Moved {name} down to number 2.")
    el = focused(page)
    assert el is not None and el["tag"] == "li" and el["ring"], f"focus after moving: {el}"
    assert name in el["text"]
    assert press(page, "Tab")["text"].startswith("Edit")
    activate(page, text(f"Move up {name}"))
    expect(page.locator("body")).to_contain_text(f"Moved {name} up to number 1.")


def test_the_time_zone_select_on_the_booking_week_by_keyboard(site):
    """Back, the zone select, Show times, the weeks, then the times, in that order; typing
    a place chooses it and the times then show in that zone too."""
    page = site.pages["anonymous"]
    page.goto(site.url + site.paths["week-telehealth"])
    stops = route_through(page)
    order = [s["id"] or s["text"] for s in stops]
    start = order.index("Back")
    assert order[start : start + 3] == ["Back", "id_tz", "Show times"], order[:12]
    assert order[start + 3] in ("Next week", "Previous week")
    page.goto(site.url + site.paths["week-telehealth"])
    tab_to(page, lambda el: el["id"] == "id_tz")
    page.keyboard.type("Perth")
    assert focused(page)["value"] == "Australia/Perth"
    assert press(page, "Tab")["text"] == "Show times"
    submit(page, "Enter")
    assert page.locator("#id_tz").input_value() == "Australia/Perth"
    slot = tab_to(page, lambda el: "slot-link" in page.evaluate("document.activeElement.className"))
    assert "in Perth (Western Australia)" in slot["text"]
