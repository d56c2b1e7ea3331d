"""One clinic's clinical world for the permission matrix and the access-log tests: Pat
(the patient persona) has a visit coming up and one past, a signed and a draft
assessment, answers sent online, a screening, a published programme with a draft open
(a phase and items), a logged session with a pain flag, and every kind of signed link.

`shared_scene` builds it once per test module inside a transaction that is rolled back
at the end; every test still runs in its own savepoint (pytest-django), so what one test
writes never reaches the next.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

import pytest

from bookings.models import Appointment, Closure, Notification, ScreeningEnquiry
from bookings.services import appointment_book
from bookings.tokens import manage_token_for, opt_out_token_for
from clinic.models import User
from prescriptions.assessments.services import assessment_create
from prescriptions.letters.services import case_conference_record, letter_draft, letter_sign
from prescriptions.models import (
    Assessment,
    Exercise,
    Letter,
    PainFlag,
    Phase,
    ProgrammeItem,
    ProgrammeVersion,
    SessionLog,
)
from prescriptions.notes.services import (
    goal_create,
    note_sign,
    note_start,
    note_template_save,
    note_update,
)
from prescriptions.outcomes.instruments import SHIPPED
from prescriptions.outcomes.services import ResponseInput, outcome_response_submit_online
from prescriptions.patient_programme.links import programme_token_for
from prescriptions.previsit.questionnaires import previsit_token_for
from prescriptions.programmes.services import (
    programme_create,
    programme_draft_get_or_create,
    programme_item_add,
    programme_phase_add,
    programme_publish,
)
from prescriptions.screening.services import screening_record
from prescriptions.surgery.services import surgery_record_add
from tests import factories as f
from tests.conftest import World, build_world
from tests.security.matrix import PERSONAS

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
"""A 1 x 1 pixel PNG, for an exercise's image."""


@dataclass
class Scene:
    w: World
    visit: Appointment  # upcoming, booked through the service (emails planned)
    past_visit: Appointment
    signed: Assessment  # lateral hip, NPRS and VISA-G chosen
    draft: Assessment
    response: Any  # NPRS answered online, waiting to be attached
    screening: Any
    programme: Any  # published version 1, draft version 2 open
    item: ProgrammeItem  # in the draft
    phase: Phase  # in the draft
    session: SessionLog  # logged against version 1, pain flag open
    failed_message: Notification
    deactivated: User
    manage_token: str
    previsit_token: str
    programme_token: str
    opt_out_token: str
    reset_uid: str
    own_exercise: Exercise  # the clinic's own, with an image, in the published programme
    outsider_exercise: Exercise  # another clinic's
    surgery: Any = None  # Pat's ACL reconstruction, 10 weeks ago
    enquiry: Any = None  # a call-back after a booking health question stopped Pat
    closure: Any = None  # the clinic closed a month ahead (issue 14)
    letter: Any = None  # Sam Lee's draft progress report on Pat, ready to sign
    signed_letter: Any = None  # Sam Lee's signed discharge report on Pat
    conference: Any = None  # a case conference about Pat yesterday
    pain_flag: Any = None  # the session's pain flag, not yet seen (issue 13)
    note: Any = None  # the signed treatment note of the past visit
    goal: Any = None  # Pat's PSFS-average goal
    note_template: Any = None  # the clinic's "Follow-up" note template
    referral: Any = None  # Pat's Medicare GPCCMP referral, with its letter (issue 15)


def _today(w: World) -> date:
    return timezone.now().astimezone(w.clinic.tz).date()


def _letters(w: World) -> tuple[Any, Any, Any]:
    """A draft and a signed letter of Pat's from Sam Lee, and a case conference."""
    draft = letter_draft(patient=w.patient, practitioner=w.ep, kind="progress", by=w.ep.user)
    Letter.objects.filter(pk=draft.pk).update(body="Pat is doing well.")
    signed = letter_draft(patient=w.patient, practitioner=w.ep, kind="discharge", by=w.ep.user)
    Letter.objects.filter(pk=signed.pk).update(body="Pat has finished the course.")
    signed = letter_sign(letter=signed, by=w.ep.user)
    start = timezone.now() - timedelta(days=1)
    conference = case_conference_record(
        patient=w.patient,
        practitioner=w.ep,
        by=w.ep.user,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        mode="phone",
        patient_agreed=True,
        matters_discussed="Falls.",
        outcomes="Balance programme.",
        participants=[("ep", "Sam Lee", ""), ("gp", "Dr Citizen", "")],
    )
    return draft, signed, conference


def build_scene(w: World) -> Scene:
    f.load_exercise_library()
    today = _today(w)
    visit = appointment_book(
        service=w.service,
        practitioner=w.ep,
        modality="clinic",
        start=f.next_weekday_at(w.clinic, 1, 10),
        patient=w.patient,
        source=Appointment.Source.ONLINE,
        booked_by=None,
    )
    past = f.make_appointment(
        patient=w.patient,
        practitioner=w.ep,
        service=w.service,
        start=timezone.now() - timedelta(days=20),
        status=Appointment.Status.ATTENDED,
    )
    signed = f.make_signed_assessment(w.patient, w.ep)
    draft = assessment_create(
        patient=w.patient,
        practitioner=w.ep,
        created_by=w.ep.user,
        assessed_on=today,
        conditions=["lateral_hip"],
        involved_side="left",
    )
    response = outcome_response_submit_online(
        appointment=visit,
        code="NPRS",
        wording=SHIPPED["NPRS"],
        data=ResponseInput([4]),
        today=today,
    )
    screening = screening_record(
        patient=w.patient,
        screened_on=today - timedelta(days=30),
        answers=[False] * 6,
        activity={},
        wording="themes",
        by=w.ep.user,
    )
    own = _own_exercise(w.clinic)
    _clinic_media(w.clinic)
    programme = _programme(w, signed, own)
    session = f.make_session(
        programme.current_version,
        performed_on=today - timedelta(days=1),
        pain_flag=True,
        pain_flag_reasons=["Pain during an exercise was above 5 out of 10."],
    )
    draft_version = programme_draft_get_or_create(programme=programme, by=w.ep.user)
    phase = programme_phase_add(
        version=draft_version, by=w.ep.user, name="Weeks 1 to 2", starts_on=today
    )
    item = programme_item_add(
        version=draft_version,
        exercise=Exercise.objects.shipped().get(slug="clam"),
        by=w.ep.user,
    )
    failed = visit.notifications.order_by("pk").first()
    Notification.objects.filter(pk=failed.pk).update(status=Notification.Status.FAILED)
    deactivated = f.make_user(
        role=User.Role.PRACTITIONER, clinic=w.clinic, email="gone@example.org"
    )
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    elsewhere = _own_exercise(w.outsider_clinic)
    surgery = surgery_record_add(
        patient=w.patient,
        by=w.ep.user,
        procedure="acl_reconstruction",
        side="left",
        performed_on=today - timedelta(weeks=10),
        graft="hamstring",
    )
    letter, signed_letter, conference = _letters(w)
    note = note_start(appointment=past, by=w.ep.user)
    note = note_update(note=note, by=w.ep.user, revision=note.revision, plan="Progress load.")
    note = note_sign(note=note, by=w.ep.user)
    goal = goal_create(
        patient=w.patient,
        by=w.ep.user,
        today=today,
        activity="Walk to the shops",
        why="To shop on my own",
        measure="PSFS",
        baseline=Decimal(3),
        target=Decimal(6),
        target_date=today + timedelta(weeks=8),
    )
    note_template = note_template_save(
        clinic=w.clinic, by=w.ep.user, name="Follow-up", plan="Review the home programme."
    )
    referral = f.make_referral(
        w.patient,
        by=w.ep.user,
        letter=SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n", content_type="application/pdf"),
    )
    user = w.patient.user
    return Scene(
        w=w,
        visit=visit,
        past_visit=past,
        signed=signed,
        draft=draft,
        response=response,
        screening=screening,
        programme=programme,
        item=item,
        phase=phase,
        session=session,
        failed_message=failed,
        surgery=surgery,
        letter=letter,
        signed_letter=signed_letter,
        conference=conference,
        note=note,
        goal=goal,
        note_template=note_template,
        referral=referral,
        enquiry=ScreeningEnquiry.objects.create(
            clinic=w.clinic, patient=w.patient, first_name="Pat", answers=[]
        ),
        pain_flag=PainFlag.objects.create(session=session, kind="during", practitioner=w.ep),
        closure=Closure.objects.create(
            clinic=w.clinic, date=today + timedelta(days=30), reason="Staff training"
        ),
        deactivated=deactivated,
        manage_token=manage_token_for(visit),
        previsit_token=previsit_token_for(visit),
        programme_token=programme_token_for(programme),
        opt_out_token=opt_out_token_for(w.patient),
        reset_uid=urlsafe_base64_encode(force_bytes(user.pk)),
        own_exercise=own,
        outsider_exercise=elsewhere,
    )


def _programme(w: World, assessment: Assessment, own: Exercise) -> Any:
    """Published three days ago: a hip thrust and the clinic's own bridge (with an image)."""
    by = w.ep.user
    programme = programme_create(
        patient=w.patient, practitioner=w.ep, goal="strength", by=by, assessment=assessment
    )
    draft = programme_draft_get_or_create(programme=programme, by=by)
    thrust = Exercise.objects.shipped().get(slug="hip-thrust")
    programme_item_add(version=draft, exercise=thrust, by=by, load_kind="external", load_kg=60)
    programme_item_add(version=draft, exercise=own, by=by)
    version = programme_publish(programme=programme, by=by)
    ProgrammeVersion.objects.filter(pk=version.pk).update(
        published_at=timezone.now() - timedelta(days=3)
    )
    programme.refresh_from_db()
    return programme


def _own_exercise(clinic: Any) -> Exercise:
    from prescriptions.library.services import exercise_copy

    shipped = Exercise.objects.shipped().get(slug="glute-bridge")
    practitioner = clinic.practitioners.first()
    own = exercise_copy(exercise=shipped, clinic=clinic, by=practitioner.user)
    own.image_alt = "A person lying on their back with hips lifted"
    own.image.save("bridge.png", ContentFile(PNG), save=True)
    return own


def _clinic_media(clinic: Any) -> None:
    """The clinic's own picture for the shipped clam."""
    from prescriptions.library.services import exercise_media_set

    shipped = Exercise.objects.shipped().get(slug="clam")
    exercise_media_set(
        exercise=shipped,
        clinic=clinic,
        by=clinic.practitioners.first().user,
        image=SimpleUploadedFile("clam.png", PNG, content_type="image/png"),
        image_alt="A person lying on their side, top knee lifted",
    )


@pytest.fixture(scope="module")
def shared_scene(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Scene]:
    """The scene, built once for the module and rolled back after it (uploads go to a
    temporary folder)."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("m")):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_scene(build_world())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def persona_user(s: Scene, persona: str) -> User | None:
    """The user behind a persona of tests/security/matrix.py (None: anonymous)."""
    return {
        "anonymous": None,
        "patient": s.w.patient.user,
        "other_patient": s.w.other_patient.user,
        "practitioner": s.w.ep.user,
        "outsider": s.w.outsider.user,
        "reception": s.w.reception,
        "admin": s.w.admin,
        "deactivated": s.deactivated,
    }[persona]


class Sessions(dict[str, str]):
    """Each persona's session key, and one test client per persona for the module: a new
    Client loads the middleware again (WhiteNoise scans every static file), which would
    cost a tenth of a second a request."""

    def __init__(self) -> None:
        super().__init__()
        self.clients: dict[str, Client] = {}


@pytest.fixture(scope="module")
def sessions(shared_scene, django_db_blocker) -> Sessions:
    """One logged-in session per persona for the module (inside its transaction)."""
    keys = Sessions()
    with django_db_blocker.unblock():
        for persona in PERSONAS:
            user = persona_user(shared_scene, persona)
            if user is not None:
                client = Client()
                client.force_login(user)
                keys[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def persona_client(sessions: Sessions, persona: str) -> Client:
    """The persona's test client, its cookies set back to just their session (anonymous:
    none), as if new."""
    client = sessions.clients.setdefault(persona, Client())
    client.cookies = SimpleCookie()
    if persona in sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[persona]
    return client
