"""The permission matrix (issue 6): every URL pattern of the project, times every persona,
with the outcome each must get. Personas and the outcome vocabulary are in matrix.py;
the objects in the URLs are Pat's (tests/security/scene.py), built once for the module.

Rules the rows follow:
- Other people's objects, and pages not for a role, answer 404 (never 403); anonymous
  visitors of login pages go to the login page. A deactivated user's session is
  anonymous (Django refuses inactive users), so they get what anonymous visitors get.
- Signed links (manage a visit, reminders, pre-visit questionnaires, the programme) open
  for whoever holds them: the token is the key, whoever is logged in.
- POST-only views have a POST row: the people allowed get the view's redirect; everyone
  refused gets their 404 (or the login page) and nothing in the database changes.
- The Django admin (`/admin/`) is one family: it is for `is_staff` operator accounts only,
  which no clinic persona has, so every admin address sends every persona to the admin
  login page (test_the_admin_is_for_operators_only), and an operator gets in.

`test_every_url_pattern_has_a_row` is the guard: a new URL pattern without a row fails
it, so no view ships without its expectations.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import Count, Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

import pytest

from bookings.models import (
    Appointment,
    Closure,
    HolidayOptOut,
    Notification,
    ScreeningQuestion,
    TimeOff,
)
from clinic.models import AccessLog, Patient, User
from prescriptions.models import (
    Assessment,
    CaseConference,
    Exercise,
    Letter,
    LetterDelivery,
    LetterTemplate,
    OutcomeResponse,
    Phase,
    PreExerciseScreening,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
    SessionLog,
)
from tests import factories as f
from tests.security.matrix import (
    BAD_REQUEST,
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    OUTCOMES,
    PERSONAS,
    REDIRECT,
    Row,
    assert_outcome,
)
from tests.security.scene import Scene, persona_client, persona_user

pytestmark = pytest.mark.django_db


def expect(default: str = NOT_FOUND, *, anonymous: str = LOGIN, **outcomes: str) -> dict[str, str]:
    """Every persona's outcome: `default`, then the named ones. The deactivated persona
    gets what anonymous gets unless named."""
    table = dict.fromkeys(PERSONAS, default) | {"anonymous": anonymous}
    table["deactivated"] = outcomes.pop("deactivated", anonymous)
    return table | outcomes


EVERYONE = expect(OK, anonymous=OK)
CLINICIANS = expect(practitioner=OK, admin=OK)
"""Clinical records: the clinic's practitioners and clinic admins only."""
CLINIC_STAFF = expect(practitioner=OK, reception=OK, admin=OK)
"""Schedules and contact details: the clinic's staff, reception included."""
ANY_STAFF = CLINIC_STAFF | {"outsider": OK}
"""Staff pages with no one else's object in them: each sees their own clinic's."""
ANY_CLINICIAN = CLINICIANS | {"outsider": OK}
"""The exercise library: the shipped exercises and the user's own clinic's."""
OWNER = expect(patient=OK)
"""Pat's own things: only Pat."""
PATIENTS = expect(patient=OK, other_patient=OK)
"""A patient's own list: each patient sees their own."""
LOGGED_IN = expect(OK)
"""Any logged-in person (their own account settings)."""


def post(default: str, allowed: tuple[str, ...], outcome: str = REDIRECT) -> dict[str, str]:
    """A POST-only view: `allowed` personas get `outcome`, the others `default`."""
    return expect(default) | dict.fromkeys(allowed, outcome)


CLINICIANS_POST = post(NOT_FOUND, ("practitioner", "admin"))
CLINIC_STAFF_POST = post(NOT_FOUND, ("practitioner", "reception", "admin"))
GET_NOT_ALLOWED = expect(NOT_ALLOWED)
"""GET of a POST-only view behind a login: 405 to anyone logged in (the method is wrong
whatever the object), the login page to anyone else."""


ADMIN = expect(admin=OK)
"""The clinic's settings: its clinic admins only."""
ADMIN_POST = post(NOT_FOUND, ("admin",))


def _shipped_clam(s: Scene) -> list[Any]:
    return [Exercise.objects.shipped().get(slug="clam").code]


def _ep_hours(s: Scene) -> list[Any]:
    return [s.w.ep.code, s.w.ep.working_hours.order_by("pk").first().pk]


def _time_off(s: Scene) -> list[Any]:
    start = timezone.now() + timedelta(days=30)
    off = TimeOff.objects.create(practitioner=s.w.ep, start=start, end=start + timedelta(hours=8))
    return [off.pk]


def _question(s: Scene) -> list[Any]:
    question = ScreeningQuestion.objects.create(clinic=s.w.clinic, text="Any chest pain?")
    return [question.pk]


def _uid_token(s: Scene) -> list[Any]:
    """A fresh password link of Pat's (the token changes when Pat logs in)."""
    user = User.objects.get(pk=s.w.patient.user.pk)
    return [s.reset_uid, default_token_generator.make_token(user)]


CONFERENCE_FORM = {
    "held_on": "2026-11-02",
    "start_time": "13:00",
    "end_time": "13:30",
    "mode": "video",
    "patient_agreed": "on",
    "matters_discussed": "Falls.",
    "outcomes": "Balance programme.",
    "role_1": "ep",
    "name_1": "Sam Lee",
}


ROWS: list[Row] = [
    # --- The site, accounts and two-step verification --------------------------------
    Row("home", EVERYONE),
    Row("healthz", EVERYONE),
    Row("login", expect(REDIRECT, anonymous=OK)),  # logged in already: off to the home page
    Row("logout", expect(NOT_ALLOWED, anonymous=NOT_ALLOWED)),
    Row("logout", expect(REDIRECT, anonymous=REDIRECT), method="post"),
    Row("password_reset", EVERYONE),
    Row("password_reset_done", EVERYONE),
    Row("password_reset_confirm", expect(REDIRECT, anonymous=REDIRECT), args=_uid_token),
    Row("password_reset_complete", EVERYONE),
    Row("accounts:mfa", LOGGED_IN),
    Row("accounts:mfa-setup", LOGGED_IN),
    Row("accounts:mfa-verify", expect(REDIRECT)),  # not set up yet: to the set-up page
    Row("accounts:mfa-backup-codes", expect(REDIRECT)),  # no new codes to show: to /two-step/
    # --- The API (JSON): documented, and 403/404 in JSON rather than the login page ------
    Row("api-schema", EVERYONE),
    Row("api-docs", EVERYONE),
    Row("bookings:api-service-list", EVERYONE),
    Row("bookings:api-practitioner-list", EVERYONE),
    Row("bookings:api-availability", expect(BAD_REQUEST, anonymous=BAD_REQUEST)),  # no service
    Row(
        "bookings:api-appointment-create",
        expect(NOT_ALLOWED, anonymous=NOT_ALLOWED),
    ),
    Row(
        "bookings:api-appointment-create",
        expect(BAD_REQUEST, anonymous=BAD_REQUEST),
        method="post",
        label="empty body",
    ),
    Row(
        "bookings:api-appointment-detail",
        expect(anonymous=NOT_FOUND, patient=OK),
        args=lambda s: [s.visit.code],
    ),
    Row(
        "bookings:api-appointment-detail",
        expect(OK, anonymous=OK),
        args=lambda s: [s.visit.code],
        data=lambda s: {"token": s.manage_token},
        label="manage token",
    ),
    Row(
        "bookings:api-appointment-cancel",
        expect(NOT_ALLOWED, anonymous=NOT_ALLOWED),
        args=lambda s: [s.visit.code],
    ),
    Row(
        "bookings:api-appointment-cancel",
        expect(anonymous=NOT_FOUND, patient=OK),
        method="post",
        args=lambda s: [s.visit.code],
    ),
    Row("bookings:api-my-appointments", expect(OK, anonymous=FORBIDDEN)),
    # --- Access log reports and the patient's own record ---------------------------------
    Row("audit:activity", expect(admin=OK)),
    Row("audit:deletions", expect(admin=OK)),
    Row("audit:patient", expect(admin=OK), args=lambda s: [s.w.patient.code]),
    Row("records:overview", PATIENTS),
    Row("records:json", PATIENTS),
    Row("records:print", PATIENTS),
    Row("records:delete", PATIENTS),
    Row("records:deleted", EVERYONE),
    # --- Public booking ------------------------------------------------------------------
    Row("bookings:service-list", EVERYONE),
    Row("bookings:book-modality", EVERYONE, args=lambda s: [s.w.service.code]),
    Row("bookings:book-practitioner", EVERYONE, args=lambda s: [s.w.service.code, "clinic"]),
    Row("bookings:slot-list", EVERYONE, args=lambda s: [s.w.service.code, "clinic"]),
    # Without a booking under way these steps go back to the start.
    Row("bookings:book-details", expect(BAD_REQUEST, anonymous=BAD_REQUEST)),  # no time chosen
    Row("bookings:book-screening", expect(REDIRECT, anonymous=REDIRECT)),
    Row("bookings:book-review", expect(REDIRECT, anonymous=REDIRECT)),
    # The "booked" page: for the session that booked it, or its patient logged in.
    Row(
        "bookings:book-done", expect(anonymous=NOT_FOUND, patient=OK), args=lambda s: [s.visit.code]
    ),
    Row(
        "bookings:book-ics", expect(anonymous=NOT_FOUND, patient=OK), args=lambda s: [s.visit.code]
    ),
    # --- The patient's visits, and the signed links in emails ---------------------------
    Row("bookings:my-appointments", LOGGED_IN),  # each person's own visits (staff have none)
    Row("bookings:my-appointment", OWNER, args=lambda s: [s.visit.code]),
    Row("bookings:my-cancel", OWNER, args=lambda s: [s.visit.code]),
    Row("bookings:my-reschedule", OWNER, args=lambda s: [s.visit.code]),
    Row("bookings:manage", EVERYONE, args=lambda s: [s.manage_token]),
    Row("bookings:manage-cancel", EVERYONE, args=lambda s: [s.manage_token]),
    Row("bookings:manage-reschedule", EVERYONE, args=lambda s: [s.manage_token]),
    Row("bookings:manage-ics", EVERYONE, args=lambda s: [s.manage_token]),
    Row("bookings:manage", expect(anonymous=NOT_FOUND), args=lambda s: ["forged"], label="bad"),
    Row("bookings:reminders-opt-out", EVERYONE, args=lambda s: [s.opt_out_token]),
    Row("bookings:same-person", expect(anonymous=NOT_FOUND), args=lambda s: ["forged"]),
    Row("bookings:my-waitlist", GET_NOT_ALLOWED, args=lambda s: [s.visit.code]),
    Row(  # leaving a waitlist Pat is not on changes nothing
        "bookings:my-waitlist",
        post(NOT_FOUND, ("patient",)),
        method="post",
        args=lambda s: [s.visit.code],
        data=lambda s: {"action": "leave"},
    ),
    Row(
        "bookings:manage-waitlist",
        expect(NOT_ALLOWED, anonymous=NOT_ALLOWED),
        args=lambda s: [s.manage_token],
    ),
    Row(
        "bookings:manage-waitlist",
        expect(REDIRECT, anonymous=REDIRECT),
        method="post",
        args=lambda s: [s.manage_token],
        data=lambda s: {"action": "leave"},
    ),
    Row(
        "bookings:waitlist-offer",
        expect(NOT_FOUND, anonymous=NOT_FOUND),
        args=lambda s: ["forged"],
    ),
    # --- Staff: schedule, bookings, patients (reception included) ------------------------
    Row("bookings:staff-schedule", ANY_STAFF),
    Row("bookings:staff-calendar", ANY_STAFF),
    Row("bookings:staff-book", ANY_STAFF),
    Row("bookings:staff-patient-list", ANY_STAFF),
    Row("bookings:staff-patient-detail", CLINIC_STAFF, args=lambda s: [s.w.patient.code]),
    Row("bookings:staff-patient-join", GET_NOT_ALLOWED, args=lambda s: [s.w.patient.code]),
    Row(  # Pat's record is no duplicate: staff are told so on the page, nothing changes
        "bookings:staff-patient-join",
        CLINIC_STAFF_POST,
        method="post",
        args=lambda s: [s.w.patient.code],
    ),
    Row(
        "bookings:staff-patient-reminder-channel",
        GET_NOT_ALLOWED,
        args=lambda s: [s.w.patient.code],
    ),
    Row(  # Pat's choice set to what it is: email
        "bookings:staff-patient-reminder-channel",
        CLINIC_STAFF_POST,
        method="post",
        args=lambda s: [s.w.patient.code],
        data=lambda s: {"reminder_channel": "email"},
    ),
    Row("bookings:staff-appointment", CLINIC_STAFF, args=lambda s: [s.visit.code]),
    Row("bookings:staff-cancel", CLINIC_STAFF, args=lambda s: [s.visit.code]),
    Row("bookings:staff-move", CLINIC_STAFF, args=lambda s: [s.visit.code]),
    Row("bookings:staff-mark", GET_NOT_ALLOWED, args=lambda s: [s.visit.code]),
    Row(
        "bookings:staff-mark",
        CLINIC_STAFF_POST,
        method="post",
        args=lambda s: [s.past_visit.code],
        data=lambda s: {"status": "attended"},
    ),
    Row("bookings:staff-message-retry", GET_NOT_ALLOWED, args=lambda s: [s.visit.code]),
    Row(
        "bookings:staff-message-retry",
        CLINIC_STAFF_POST,
        method="post",
        args=lambda s: [s.visit.code],
        data=lambda s: {"notification": str(s.failed_message.pk)},
    ),
    Row("bookings:staff-enquiries", ANY_STAFF),  # each clinic's own
    Row("bookings:staff-waitlist", ANY_STAFF),  # each clinic's own
    Row("bookings:staff-repeat", CLINIC_STAFF, args=lambda s: [s.visit.code]),
    Row("bookings:staff-appointment-funding", CLINIC_STAFF, args=lambda s: [s.visit.code]),
    Row(
        "bookings:staff-appointment-funding",
        CLINIC_STAFF_POST,
        method="post",
        args=lambda s: [s.visit.code],
        data=lambda s: {"referral": ""},
    ),
    Row(  # no series yet: back to the visit, saying so
        "bookings:staff-series-move",
        expect(practitioner=REDIRECT, reception=REDIRECT, admin=REDIRECT),
        args=lambda s: [s.visit.code],
    ),
    Row(
        "bookings:staff-series-cancel",
        expect(practitioner=REDIRECT, reception=REDIRECT, admin=REDIRECT),
        args=lambda s: [s.visit.code],
    ),
    # --- Settings (clinic admins) ----------------------------------------------------------
    Row("bookings:staff-settings-closures", expect(admin=OK)),
    Row(  # an empty form: the admin gets it back with its errors, nothing is added
        "bookings:staff-settings-closures", expect(admin=BAD_REQUEST), method="post"
    ),
    Row("bookings:staff-settings-closure-delete", GET_NOT_ALLOWED, args=lambda s: [s.closure.pk]),
    Row(
        "bookings:staff-settings-closure-delete",
        post(NOT_FOUND, ("admin",)),
        method="post",
        args=lambda s: [s.closure.pk],
    ),
    Row("bookings:staff-settings-holiday-switch", GET_NOT_ALLOWED),
    Row(  # malformed: the admin is sent back to the page with a message
        "bookings:staff-settings-holiday-switch", post(NOT_FOUND, ("admin",)), method="post"
    ),
    Row("bookings:staff-enquiry-done", GET_NOT_ALLOWED, args=lambda s: [s.enquiry.code]),
    Row(
        "bookings:staff-enquiry-done",
        CLINIC_STAFF_POST,
        method="post",
        args=lambda s: [s.enquiry.code],
    ),
    # --- The clinic's settings (its clinic admins only) ------------------------------------
    Row("bookings:staff-settings", ADMIN),
    Row("bookings:staff-settings-rules", ADMIN),
    Row("bookings:staff-settings-locations", ADMIN),
    Row("bookings:staff-settings-location-add", ADMIN),
    Row("bookings:staff-settings-location-edit", ADMIN, args=lambda s: [s.w.location.pk]),
    Row("bookings:staff-settings-practitioners", ADMIN),
    Row("bookings:staff-settings-practitioner-add", ADMIN),
    Row("bookings:staff-settings-practitioner-edit", ADMIN, args=lambda s: [s.w.ep.code]),
    Row("bookings:staff-settings-practitioner-hours", ADMIN, args=lambda s: [s.w.ep.code]),
    Row("bookings:staff-settings-hours-add", ADMIN, args=lambda s: [s.w.ep.code]),
    Row("bookings:staff-settings-hours-edit", ADMIN, args=_ep_hours),
    Row("bookings:staff-settings-hours-delete", GET_NOT_ALLOWED, args=_ep_hours),
    Row("bookings:staff-settings-hours-delete", ADMIN_POST, method="post", args=_ep_hours),
    Row("bookings:staff-settings-time-off", ADMIN),
    Row("bookings:staff-settings-time-off-add", ADMIN),
    Row("bookings:staff-settings-time-off-delete", GET_NOT_ALLOWED, args=_time_off),
    Row("bookings:staff-settings-time-off-delete", ADMIN_POST, method="post", args=_time_off),
    Row("bookings:staff-settings-services", ADMIN),
    Row("bookings:staff-settings-service-add", ADMIN),
    Row("bookings:staff-settings-service-edit", ADMIN, args=lambda s: [s.w.service.code]),
    Row("bookings:staff-settings-questions", ADMIN),
    Row("bookings:staff-settings-question-add", ADMIN),
    Row("bookings:staff-settings-question-edit", ADMIN, args=_question),
    Row("bookings:staff-settings-question-move", GET_NOT_ALLOWED, args=_question),
    Row("bookings:staff-settings-question-move", ADMIN_POST, method="post", args=_question),
    # --- Assessments, outcome measures, screening (clinicians only) ----------------------
    Row("prescriptions:assessment-new", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row("prescriptions:assessment-detail", CLINICIANS, args=lambda s: [s.signed.code]),
    Row("prescriptions:assessment-edit", CLINICIANS, args=lambda s: [s.draft.code]),
    Row("prescriptions:assessment-amend", CLINICIANS, args=lambda s: [s.signed.code]),
    Row("prescriptions:assessment-sign", GET_NOT_ALLOWED, args=lambda s: [s.draft.code]),
    Row(
        "prescriptions:assessment-section",
        GET_NOT_ALLOWED,
        args=lambda s: [s.draft.code, "goals"],
    ),
    Row(
        "prescriptions:assessment-section",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.draft.code, "goals"],
        data=lambda s: {"revision": str(s.draft.revision), "goals_note": "Walk the dog"},
    ),
    Row(
        "prescriptions:assessment-sign",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.draft.code],
    ),
    Row(
        "prescriptions:response-attach",
        GET_NOT_ALLOWED,
        args=lambda s: [s.draft.code, s.response.code],
    ),
    Row(
        "prescriptions:response-attach",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.draft.code, s.response.code],
    ),
    Row("prescriptions:screening", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row("prescriptions:assessment-compare", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row("prescriptions:surgery-list", CLINICIANS, args=lambda s: [s.w.patient.code]),
    # --- Letters and case conferences -------------------------------------------------------
    Row("prescriptions:letter-templates", ANY_CLINICIAN),
    Row("prescriptions:letter-template", ANY_CLINICIAN, args=lambda s: ["initial_gp"]),
    Row("prescriptions:letter-template", expect(), args=lambda s: ["nope"], label="unknown"),
    Row(
        "prescriptions:letter-template",
        post(NOT_FOUND, ("practitioner", "admin", "outsider")),  # each their own clinic's
        method="post",
        args=lambda s: ["initial_gp"],
        data=lambda s: {"subject": "Report {patient_name}", "body": "Dear {recipient_name},"},
    ),
    Row("prescriptions:letter-new", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row(
        "prescriptions:letter-new",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.w.patient.code],
        data=lambda s: {"kind": "initial_gp", "practitioner": str(s.w.ep.code)},
    ),
    Row("prescriptions:letter", CLINICIANS, args=lambda s: [s.letter.code]),
    Row(
        "prescriptions:letter",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.letter.code],
        data=lambda s: {"subject": "Progress", "body": "Better."},
    ),
    Row("prescriptions:letter-sign", GET_NOT_ALLOWED, args=lambda s: [s.letter.code]),
    # The admin is not the letter's practitioner: refused with a message, back to it.
    Row(
        "prescriptions:letter-sign", CLINICIANS_POST, method="post", args=lambda s: [s.letter.code]
    ),
    Row("prescriptions:letter-pdf", CLINICIANS, args=lambda s: [s.letter.code]),
    Row("prescriptions:letter-send", GET_NOT_ALLOWED, args=lambda s: [s.signed_letter.code]),
    Row(
        "prescriptions:letter-send",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.signed_letter.code],
        data=lambda s: {"to_email": "gp@surgery.example"},
    ),
    Row("prescriptions:letter-share", GET_NOT_ALLOWED, args=lambda s: [s.letter.code]),
    Row(
        "prescriptions:letter-share",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.letter.code],
        data=lambda s: {"shared_with_patient": "on"},
    ),
    Row("prescriptions:case-conference-new", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row(
        "prescriptions:case-conference-new",
        # A clinic admin who is no practitioner took part in no conference: told so.
        post(NOT_FOUND, ("practitioner",)) | {"admin": BAD_REQUEST},
        method="post",
        args=lambda s: [s.w.patient.code],
        data=lambda s: CONFERENCE_FORM,
    ),
    Row("prescriptions:case-conference", CLINICIANS, args=lambda s: [s.conference.code]),
    Row(
        "prescriptions:case-conference-letter", GET_NOT_ALLOWED, args=lambda s: [s.conference.code]
    ),
    Row(
        "prescriptions:case-conference-letter",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.conference.code],
    ),
    Row("prescriptions:surgery-edit", CLINICIANS, args=lambda s: [s.surgery.code]),
    Row(
        "prescriptions:training-status",
        GET_NOT_ALLOWED,
        args=lambda s: [s.w.patient.code],
    ),
    Row(
        "prescriptions:training-status",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.w.patient.code],
        data=lambda s: {"status": "intermediate"},
    ),
    # --- Treatment notes, note templates and goals (clinicians only) ---------------------
    Row("prescriptions:note-start", CLINICIANS, args=lambda s: [s.visit.code]),
    Row(
        "prescriptions:note-start",
        expect(practitioner=REDIRECT, admin=REDIRECT),
        args=lambda s: [s.past_visit.code],
        label="written already",
    ),
    Row("prescriptions:note-list", ANY_CLINICIAN),
    Row("prescriptions:note-detail", CLINICIANS, args=lambda s: [s.note.code]),
    Row("prescriptions:note-history", CLINICIANS, args=lambda s: [s.note.code]),
    Row("prescriptions:note-addendum", GET_NOT_ALLOWED, args=lambda s: [s.note.code]),
    Row(
        "prescriptions:note-addendum",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.note.code],
        data=lambda s: {"kind": "addendum", "text": "Rang: settled."},
    ),
    Row("prescriptions:note-template-list", ANY_CLINICIAN),
    Row("prescriptions:note-template-edit", CLINICIANS, args=lambda s: [s.note_template.code]),
    Row("prescriptions:note-settings", GET_NOT_ALLOWED),
    Row(
        "prescriptions:note-settings",
        ADMIN_POST,
        method="post",
        data=lambda s: {"goals_visible_to_patient": "on"},
    ),
    Row("prescriptions:goal-list", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row("prescriptions:goal-edit", CLINICIANS, args=lambda s: [s.goal.code]),
    Row("prescriptions:my-goals", PATIENTS),
    Row("prescriptions:my-notes", PATIENTS),
    # --- Referrals and funders (issue 15) ---------------------------------------------------
    Row("bookings:referral-list", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row("bookings:referral-edit", CLINICIANS, args=lambda s: [s.referral.code]),
    Row("bookings:referral-letter", CLINICIANS, args=lambda s: [s.referral.code]),
    Row("bookings:outside-services", GET_NOT_ALLOWED, args=lambda s: [s.w.patient.code]),
    Row(
        "bookings:outside-services",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.w.patient.code],
        data=lambda s: {"year": "2026", "services": "1"},
    ),
    Row("bookings:referrer-list", ANY_STAFF),
    Row(
        "bookings:referrer-list",
        post(NOT_FOUND, ("practitioner", "admin", "outsider")),
        method="post",
        data=lambda s: {"name": "Dr Lin", "kind": "gp"},
    ),
    Row("bookings:referrer-edit", CLINICIANS, args=lambda s: [s.referral.referrer.code]),
    Row("bookings:funding-report", ANY_CLINICIAN),
    Row(
        "bookings:funding-csv",
        expect(practitioner=REDIRECT, admin=REDIRECT, outsider=REDIRECT),
        label="no month: back to the report",
    ),
    Row("bookings:referral-reports", ANY_CLINICIAN),
    Row(
        "bookings:referral-reports",
        post(NOT_FOUND, ("practitioner", "admin", "outsider")),
        method="post",
        data=lambda s: {"referral": str(s.referral.code), "kind": "initial"},
    ),
    # --- Before-your-visit questionnaires (signed link) -----------------------------------
    Row("prescriptions:previsit", EVERYONE, args=lambda s: [s.previsit_token]),
    Row("prescriptions:previsit-answer", EVERYONE, args=lambda s: [s.previsit_token, "NPRS"]),
    Row(
        "prescriptions:previsit-answer",
        expect(anonymous=NOT_FOUND),
        args=lambda s: [s.previsit_token, "LEFS"],
        label="not offered",
    ),
    # --- The patient's programme: their account and the signed link ------------------------
    Row("prescriptions:my-programmes", LOGGED_IN),  # each person's own (staff have none)
    Row("prescriptions:my-programme", OWNER, args=lambda s: [s.programme.code]),
    Row("prescriptions:my-programme-log", OWNER, args=lambda s: [s.programme.code]),
    Row(
        "prescriptions:my-programme-play",
        expect(patient=REDIRECT),
        args=lambda s: [s.programme.code],
    ),
    Row("prescriptions:my-programme-play-step", OWNER, args=lambda s: [s.programme.code, 1]),
    Row("prescriptions:my-programme-play-finish", OWNER, args=lambda s: [s.programme.code]),
    Row(
        "prescriptions:my-programme-play-step",
        expect(patient=REDIRECT),
        method="post",
        args=lambda s: [s.programme.code, 1],
        data=lambda s: {"done": "no"},
    ),
    Row("prescriptions:my-programme-handout", OWNER, args=lambda s: [s.programme.code]),
    Row("prescriptions:my-programme-pdf", OWNER, args=lambda s: [s.programme.code]),
    Row(
        "prescriptions:my-programme-session",
        OWNER,
        args=lambda s: [s.programme.code, s.session.code],
    ),
    Row(
        "prescriptions:my-programme-morning",
        OWNER,
        args=lambda s: [s.programme.code, s.session.code],
    ),
    Row(
        "prescriptions:my-programme-exercise-image",
        OWNER,
        args=lambda s: [s.programme.code, s.own_exercise.code],
    ),
    Row(
        "prescriptions:my-programme-exercise-image",
        expect(),
        args=lambda s: [s.programme.code, s.outsider_exercise.code],
        label="not in the programme",
    ),
    Row("prescriptions:programme-by-code", expect(REDIRECT), args=lambda s: [s.programme.code]),
    Row("prescriptions:programme-link", EVERYONE, args=lambda s: [s.programme_token]),
    Row("prescriptions:programme-link-log", EVERYONE, args=lambda s: [s.programme_token]),
    Row(
        "prescriptions:programme-link-play",
        expect(REDIRECT, anonymous=REDIRECT),
        args=lambda s: [s.programme_token],
    ),
    Row(
        "prescriptions:programme-link-play-step",
        EVERYONE,
        args=lambda s: [s.programme_token, 1],
    ),
    Row(
        "prescriptions:programme-link-play-finish",
        EVERYONE,
        args=lambda s: [s.programme_token],
    ),
    Row("prescriptions:programme-link-handout", EVERYONE, args=lambda s: [s.programme_token]),
    Row("prescriptions:programme-link-pdf", EVERYONE, args=lambda s: [s.programme_token]),
    Row(
        "prescriptions:programme-link-session",
        EVERYONE,
        args=lambda s: [s.programme_token, s.session.code],
    ),
    Row(
        "prescriptions:programme-link-morning",
        EVERYONE,
        args=lambda s: [s.programme_token, s.session.code],
    ),
    Row(
        "prescriptions:programme-link-exercise-image",
        EVERYONE,
        args=lambda s: [s.programme_token, s.own_exercise.code],
    ),
    Row(
        "prescriptions:programme-link",
        expect(anonymous=NOT_FOUND),
        args=lambda s: ["forged"],
        label="bad",
    ),
    # --- Prescribing and progress (clinicians only) ----------------------------------------
    Row("prescriptions:programme-new", CLINICIANS, args=lambda s: [s.w.patient.code]),
    Row("prescriptions:programme-detail", CLINICIANS, args=lambda s: [s.programme.code]),
    Row("prescriptions:programme-version", CLINICIANS, args=lambda s: [s.programme.code, 1]),
    Row(
        "prescriptions:programme-version",
        expect(),
        args=lambda s: [s.programme.code, 9],
        label="no such version",
    ),
    Row("prescriptions:programme-builder", CLINICIANS, args=lambda s: [s.programme.code]),
    Row(
        "prescriptions:programme-item-edit",
        CLINICIANS,
        args=lambda s: [s.programme.code, s.item.code],
    ),
    Row(
        "prescriptions:programme-phase-edit",
        CLINICIANS,
        args=lambda s: [s.programme.code, s.phase.code],
    ),
    Row("prescriptions:programme-publish", CLINICIANS, args=lambda s: [s.programme.code]),
    Row("prescriptions:programme-progress", CLINICIANS, args=lambda s: [s.programme.code]),
    Row("prescriptions:programme-end", CLINICIANS, args=lambda s: [s.programme.code]),
    Row(
        "prescriptions:programme-end",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.programme.code],
        data=lambda s: {"reason": "Goals met."},
    ),
    *[
        row
        for name, args, data in [
            ("programme-make-changes", lambda s: [s.programme.code], lambda s: {}),
            (
                "programme-item-add",
                lambda s: [s.programme.code],
                lambda s: {"exercise": str(Exercise.objects.shipped().get(slug="squat").code)},
            ),
            (
                "programme-items-reorder",
                lambda s: [s.programme.code],
                lambda s: {
                    "item": [
                        str(c)
                        for c in s.programme.draft_version.items.values_list("code", flat=True)
                    ]
                },
            ),
            (
                "programme-item-move",
                lambda s: [s.programme.code, s.item.code],
                lambda s: {"direction": "up"},
            ),
            ("programme-item-remove", lambda s: [s.programme.code, s.item.code], lambda s: {}),
            (
                "programme-phase-add",
                lambda s: [s.programme.code],
                lambda s: {"name": "Weeks 3 to 4", "starts_on": "1/1/2030"},
            ),
            ("programme-phase-remove", lambda s: [s.programme.code, s.phase.code], lambda s: {}),
            (
                "programme-progress-apply",
                lambda s: [s.programme.code],
                lambda s: {"version": "1", "item": "1", "choice": "hold"},
            ),
            (
                "session-flag-review",
                lambda s: [s.programme.code, s.session.code],
                lambda s: {},
            ),
            ("pain-flag-seen", lambda s: [s.pain_flag.code], lambda s: {}),
        ]
        for row in (
            Row(f"prescriptions:{name}", GET_NOT_ALLOWED, args=args),
            Row(f"prescriptions:{name}", CLINICIANS_POST, method="post", args=args, data=data),
        )
    ],
    # --- The exercise library (the shipped one and the user's clinic's own) ----------------
    Row("prescriptions:exercise-list", ANY_CLINICIAN),
    Row("prescriptions:exercise-new", ANY_CLINICIAN),
    Row(
        "prescriptions:exercise-detail",
        ANY_CLINICIAN,
        args=lambda s: [Exercise.objects.shipped().get(slug="clam").code],
        label="shipped",
    ),
    Row("prescriptions:exercise-detail", CLINICIANS, args=lambda s: [s.own_exercise.code]),
    Row("prescriptions:exercise-edit", CLINICIANS, args=lambda s: [s.own_exercise.code]),
    Row("prescriptions:exercise-image", CLINICIANS, args=lambda s: [s.own_exercise.code]),
    Row(
        "prescriptions:exercise-edit",
        expect(outsider=OK),
        args=lambda s: [s.outsider_exercise.code],
        label="another clinic's",
    ),
    # A clinic's own picture and video for a shipped exercise (the scene's clinic has one for
    # the clam; the outsider's clinic has none, so its image is not found for them).
    Row("prescriptions:exercise-media", ANY_CLINICIAN, args=_shipped_clam, label="shipped"),
    Row(
        "prescriptions:exercise-media",
        expect(practitioner=REDIRECT, admin=REDIRECT),
        args=lambda s: [s.own_exercise.code],
        label="own exercise: to its edit page",
    ),
    Row(
        "prescriptions:exercise-media",
        post(NOT_FOUND, ("practitioner", "admin", "outsider")),
        method="post",
        args=_shipped_clam,
        data=lambda s: {"image_alt": "Clam", "video_url": "https://example.org/clam"},
    ),
    Row("prescriptions:exercise-media-image", CLINICIANS, args=_shipped_clam),
    Row("prescriptions:exercise-copy", GET_NOT_ALLOWED, args=lambda s: [s.own_exercise.code]),
    Row(
        "prescriptions:exercise-copy",
        CLINICIANS_POST,
        method="post",
        args=lambda s: [s.own_exercise.code],
    ),
]


# --- Running the rows ---------------------------------------------------------------------


class Rollback(Exception):
    pass


WATCHED = (
    Appointment,
    Closure,
    HolidayOptOut,
    Notification,
    Patient,
    Assessment,
    OutcomeResponse,
    PreExerciseScreening,
    Programme,
    ProgrammeVersion,
    ProgrammeItem,
    Phase,
    SessionLog,
    Exercise,
    AccessLog,
    Letter,
    LetterDelivery,
    LetterTemplate,
    CaseConference,
)


def _fingerprint() -> list[Any]:
    """What a refused POST must leave alone: how many rows, the newest, and the latest
    change of each table that has one."""
    marks: list[Any] = []
    for model in WATCHED:
        fields = {f.name for f in model._meta.get_fields()}
        aggregates = {"n": Count("pk"), "top": Max("pk")}
        for name in ("updated_at", "status", "order", "flag_reviewed_at", "assessment"):
            if name in fields:
                aggregates[name] = Max(name)
        marks.append((model.__name__, model.objects.aggregate(**aggregates)))
    return marks


def _request(client: Client, row: Row, s: Scene) -> Any:
    url, data = row.url(s), row.data(s)
    if row.url_name.startswith("bookings:api-") and row.method == "post":
        return client.post(url, data, content_type="application/json")
    return getattr(client, row.method)(url, data)


def _outcome_problem(response: Any, expected: str) -> str:
    try:
        assert_outcome(response, expected)
    except AssertionError as exc:
        return str(exc).lstrip(": ")
    return ""


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_the_matrix(shared_scene, sessions, row, settings):
    """Each persona in turn, each request in a savepoint rolled back after it."""
    settings.STANCE_BOOKING_RATE_LIMIT = "off"
    settings.STANCE_SIGNUP_RATE_LIMIT = "off"
    problems = []
    for persona in PERSONAS:
        expected = row.expect[persona]
        refused = expected in {NOT_FOUND, LOGIN, NOT_ALLOWED, FORBIDDEN}
        try:
            with transaction.atomic():
                before = _fingerprint() if row.method == "post" and refused else None
                response = _request(persona_client(sessions, persona), row, shared_scene)
                problem = _outcome_problem(response, expected)
                if not problem and before is not None and _fingerprint() != before:
                    problem = "refused, yet something in the database changed"
                if problem:
                    problems.append(f"{persona}: {problem}")
                raise Rollback
        except Rollback:
            pass
    assert not problems, f"{row.id}: " + "; ".join(problems)


# --- The guard ------------------------------------------------------------------------------


def _patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, str]]:
    """(namespaced name, route) of every URL pattern, includes walked."""
    found = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = (
                f"{namespace}:{p.namespace}"
                if namespace and p.namespace
                else (p.namespace or namespace)
            )
            found += [(name, f"{p.pattern}{route}") for name, route in _patterns(p, inner)]
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            found.append((name, str(p.pattern)))
    return found


def test_every_url_pattern_has_a_row():
    patterns = _patterns(get_resolver())
    unnamed = [route for name, route in patterns if not name.rsplit(":", 1)[-1]]
    assert not unnamed, f"URL patterns without a name cannot have a row: {unnamed}"
    admin_family = {name for name, _ in patterns if name.split(":")[0] == "admin"}
    assert admin_family, "the admin family is covered by test_the_admin_is_for_operators_only"
    names = {name for name, _ in patterns} - admin_family
    covered = {row.url_name for row in ROWS}
    missing = sorted(names - covered)
    assert not missing, f"URL patterns with no permission-matrix row: {missing}"
    assert not covered - names, f"rows for URLs that do not exist: {sorted(covered - names)}"


def test_every_row_names_every_persona_and_known_outcomes():
    for row in ROWS:
        assert set(row.expect) == set(PERSONAS), row.id
        assert set(row.expect.values()) <= set(OUTCOMES), row.id


def test_post_only_views_have_a_post_row():
    """A GET that answers 405 to someone logged in means a POST-only view: its POST
    outcome must be in the matrix too."""
    get_only = {r.url_name for r in ROWS if r.method == "get" and NOT_ALLOWED in r.expect.values()}
    posted = {r.url_name for r in ROWS if r.method == "post"}
    assert not get_only - posted, sorted(get_only - posted)


# --- The Django admin family --------------------------------------------------------------


def _admin_addresses() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_is_for_operators_only(sessions, persona):
    client = persona_client(sessions, persona)
    login = reverse("admin:login")
    for url in _admin_addresses():
        response = client.get(url)
        assert response.status_code == 302, f"{persona} {url}: {response.status_code}"
        assert response["Location"].startswith(login), f"{persona} {url}"


def test_an_operator_gets_into_the_admin(shared_scene):
    operator = User.objects.create_superuser(email="operator@example.org", password=f.PASSWORD)
    client = Client()
    client.force_login(operator)
    for url in _admin_addresses():
        assert client.get(url).status_code == 200, url


def test_nobody_in_the_scene_is_an_operator(shared_scene):
    people = [persona_user(shared_scene, p) for p in PERSONAS if p != "anonymous"]
    assert not any(u.is_staff or u.is_superuser for u in people)
