"""Every view, change, export and print of a clinical record writes exactly one access-log
row, with the right action, record type and code, patient and role: staff pages and the
patient's own pages alike (patients reading their own record are logged too), and signed
links (no user). Pages that show no clinical record write none.

The objects are Pat's (tests/security/scene.py), built once for the module; each case
runs in its own savepoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

import pytest

from clinic.audit import (
    ASSESSMENT_COMPARISON,
    CLINICAL_SUMMARY,
    REFERRAL_HISTORY,
    SCREENING_HISTORY,
    SURGERY_HISTORY,
)
from clinic.models import AccessLog, Referral
from prescriptions.models import (
    Exercise,
    Goal,
    InstrumentText,
    OutcomeResponse,
    PreExerciseScreening,
    Programme,
    SessionLog,
    SurgeryRecord,
    TreatmentNote,
)
from prescriptions.outcomes.instruments import SHIPPED
from prescriptions.outcomes.services import ResponseInput, outcome_response_submit_online
from tests.security.scene import Scene, persona_client, persona_user

pytestmark = pytest.mark.django_db

ASSESSMENT = "prescriptions.assessment"
PROGRAMME = "prescriptions.programme"
VERSION = "prescriptions.programmeversion"
SESSION = "prescriptions.sessionlog"
RESPONSE = "prescriptions.outcomeresponse"
SCREENING = "prescriptions.preexercisescreening"
SURGERY = "prescriptions.surgeryrecord"
PATIENT = "clinic.patient"
NOTE = "prescriptions.treatmentnote"
GOAL = "prescriptions.goal"
REFERRAL = "clinic.referral"


@dataclass(frozen=True)
class Case:
    id: str
    persona: str
    url: Callable[[Scene], str]
    expect: tuple[str, str] | None  # (action, record type); None: no row at all
    code: Callable[[Scene], Any] = lambda s: None  # the record's code, after the request
    method: str = "get"
    data: Callable[[Scene], dict[str, Any]] = field(default=lambda s: {})
    status: int | None = None  # the answer wanted, when it matters
    setup: Callable[[Scene], None] = lambda s: None


def u(name: str, *args: Callable[[Scene], Any]) -> Callable[[Scene], str]:
    return lambda s: reverse(name, args=[a(s) for a in args])


def patient(s: Scene) -> Any:
    return s.w.patient.code


def programme(s: Scene) -> Any:
    return s.programme.code


def item(s: Scene) -> Any:
    return s.item.code


def phase(s: Scene) -> Any:
    return s.phase.code


def session(s: Scene) -> Any:
    return s.session.code


def token(s: Scene) -> str:
    return s.programme_token


def previsit(s: Scene) -> str:
    return s.previsit_token


def newest(model: Any) -> Callable[[Scene], Any]:
    return lambda s: model.objects.order_by("-pk").first().code


def _today(s: Scene) -> str:
    return timezone.now().astimezone(s.w.clinic.tz).date().isoformat()


def _log_data(s: Scene) -> dict[str, Any]:
    version = s.programme.current_version
    data: dict[str, Any] = {"version": version.number, "day": _today(s), "comment": ""}
    for i in version.items.order_by("order"):
        p = f"item{i.order}_"
        data.update({f"{p}done": "on", f"{p}achieved": "10", f"{p}pain": "2", f"{p}rpe": "6"})
    return data


def _screening_data(s: Scene) -> dict[str, Any]:
    today = timezone.now().astimezone(s.w.clinic.tz).date()
    data = {f"q{n}": "no" for n in range(1, 7)}
    data.update({"screened_on": f"{today.day}/{today.month}/{today.year}"})
    return data


def _psfs_before(s: Scene) -> None:
    """A PSFS the patient answered before, and a draft that asks for it again."""
    outcome_response_submit_online(
        appointment=s.past_visit,
        code="PSFS",
        wording=SHIPPED["PSFS"],
        data=ResponseInput([3], activities=[("a1", "Climbing stairs")]),
        today=timezone.now().astimezone(s.w.clinic.tz).date() - timedelta(days=40),
    )
    s.draft.measures = ["PSFS"]
    s.draft.save(update_fields=["measures"])


def _apss_loaded(s: Scene) -> None:
    row = InstrumentText(
        clinic=s.w.clinic,
        code="APSS",
        title="Adult pre-exercise screening",
        version="English 2019",
        instructions="Licensed instructions.",
        items=[{"number": n, "text": f"Licensed APSS question {n}"} for n in range(1, 7)],
        source="Licensed from the publisher",
        licence="Clinic licence",
    )
    row.full_clean()
    row.save()
    PreExerciseScreening.objects.filter(patient=s.w.patient).update(
        screened_on=timezone.now().date() - timedelta(days=400)  # due again
    )


def _squat(s: Scene) -> dict[str, str]:
    return {"exercise": str(Exercise.objects.shipped().get(slug="squat").code)}


def _item_data(s: Scene) -> dict[str, str]:
    """The item form as it stands (its initial values), with two sets."""
    from prescriptions.programmes.forms import ProgrammeItemForm, item_initial

    it = s.item
    form = ProgrammeItemForm(
        dose_type=it.dose_type,
        exercises=[it.exercise],
        phases=list(it.version.phases.all()),
        initial=item_initial(it),
    )
    data = {}
    for bf in form:
        value = bf.value()
        if value not in (None, False, ""):
            data[bf.name] = "on" if value is True else str(value)
    return data | {"sets": "2"}


CASES = [
    # --- Staff: the patient page summarises the clinical record for clinicians ------------
    Case(
        "patient page",
        "practitioner",
        u("bookings:staff-patient-detail", patient),
        ("view", CLINICAL_SUMMARY),
        code=patient,
    ),
    Case("patient page, reception", "reception", u("bookings:staff-patient-detail", patient), None),
    Case(
        "appointment page",
        "practitioner",
        u("bookings:staff-appointment", lambda s: s.visit.code),
        ("view", SCREENING),  # it shows the patient's latest screening to clinicians
        code=lambda s: s.screening.code,
    ),
    Case(
        "appointment page, reception",
        "reception",
        u("bookings:staff-appointment", lambda s: s.visit.code),
        None,
    ),
    # --- Assessments, measures, screening -------------------------------------------------
    Case(
        "assessment",
        "practitioner",
        u("prescriptions:assessment-detail", lambda s: s.signed.code),
        ("view", ASSESSMENT),
        code=lambda s: s.signed.code,
    ),
    Case(
        "assessment, admin",
        "admin",
        u("prescriptions:assessment-detail", lambda s: s.signed.code),
        ("view", ASSESSMENT),
        code=lambda s: s.signed.code,
    ),
    Case(
        "draft edit page",
        "practitioner",
        u("prescriptions:assessment-edit", lambda s: s.draft.code),
        ("view", ASSESSMENT),
        code=lambda s: s.draft.code,
    ),
    Case(
        "re-assessment form",
        "practitioner",
        lambda s: (
            reverse("prescriptions:assessment-new", args=[s.w.patient.code])
            + f"?from={s.signed.code}"
        ),
        ("view", ASSESSMENT),
        code=lambda s: s.signed.code,
    ),
    Case("new assessment form", "practitioner", u("prescriptions:assessment-new", patient), None),
    Case(
        "saving a section of the draft",
        "practitioner",
        u("prescriptions:assessment-section", lambda s: s.draft.code, lambda s: "goals"),
        ("change", ASSESSMENT),
        code=lambda s: s.draft.code,
        method="post",
        data=lambda s: {"revision": str(s.draft.revision), "goals_note": "Walk the dog"},
        status=302,
    ),
    Case(
        "attach a response",
        "practitioner",
        u("prescriptions:response-attach", lambda s: s.draft.code, lambda s: s.response.code),
        ("change", RESPONSE),
        code=lambda s: s.response.code,
        method="post",
        status=302,
    ),
    Case(
        "screening page",
        "practitioner",
        u("prescriptions:screening", patient),
        ("view", SCREENING_HISTORY),
        code=patient,
    ),
    Case(
        "recording a screening",
        "practitioner",
        u("prescriptions:screening", patient),
        ("change", SCREENING),
        code=newest(PreExerciseScreening),
        method="post",
        data=_screening_data,
        status=302,
    ),
    Case(
        "surgery page",
        "practitioner",
        u("prescriptions:surgery-list", lambda s: s.w.patient.code),
        ("view", SURGERY_HISTORY),
        code=lambda s: s.w.patient.code,
    ),
    Case(
        "recording a surgery",
        "practitioner",
        u("prescriptions:surgery-list", lambda s: s.w.patient.code),
        ("change", SURGERY),
        code=newest(SurgeryRecord),
        method="post",
        data=lambda s: {"procedure": "total_knee_arthroplasty", "performed_on": "2026-01-05"},
        status=302,
    ),
    Case(
        "a surgery's edit page",
        "practitioner",
        u("prescriptions:surgery-edit", lambda s: s.surgery.code),
        ("view", SURGERY),
        code=lambda s: s.surgery.code,
    ),
    Case(
        "changing a surgery",
        "practitioner",
        u("prescriptions:surgery-edit", lambda s: s.surgery.code),
        ("change", SURGERY),
        code=lambda s: s.surgery.code,
        method="post",
        data=lambda s: {
            "procedure": "acl_reconstruction",
            "performed_on": s.surgery.performed_on.isoformat(),
            "graft": "quadriceps",
        },
        status=302,
    ),
    Case(
        "a treatment note",
        "practitioner",
        u("prescriptions:note-detail", lambda s: s.note.code),
        ("view", NOTE),
        code=lambda s: s.note.code,
    ),
    Case(
        "starting a treatment note",
        "practitioner",
        u("prescriptions:note-start", lambda s: s.visit.code),
        ("change", NOTE),
        code=newest(TreatmentNote),
        method="post",
        data=lambda s: {"template": ""},
        status=302,
    ),
    Case(
        "an addendum to a signed note",
        "admin",
        u("prescriptions:note-addendum", lambda s: s.note.code),
        ("change", NOTE),
        code=lambda s: s.note.code,
        method="post",
        data=lambda s: {"kind": "correction", "text": "Load was 1 kg."},
        status=302,
    ),
    Case(
        "a treatment note's history",
        "practitioner",
        u("prescriptions:note-history", lambda s: s.note.code),
        ("view", NOTE),
        code=lambda s: s.note.code,
    ),
    Case(
        "notes to sign (visits, no clinical content)",
        "practitioner",
        lambda s: reverse("prescriptions:note-list"),
        None,
    ),
    Case(
        "the goals page",
        "practitioner",
        u("prescriptions:goal-list", patient),
        ("view", CLINICAL_SUMMARY),
        code=patient,
    ),
    Case(
        "adding a goal",
        "practitioner",
        u("prescriptions:goal-list", patient),
        ("change", GOAL),
        code=newest(Goal),
        method="post",
        data=lambda s: {
            "activity": "Climb the stairs at home",
            "why": "My bedroom is upstairs",
            "target_date": "2027-05-01",
        },
        status=302,
    ),
    Case(
        "a goal's edit page",
        "practitioner",
        u("prescriptions:goal-edit", lambda s: s.goal.code),
        ("view", GOAL),
        code=lambda s: s.goal.code,
    ),
    Case(
        "the patient's own goals",
        "patient",
        lambda s: reverse("prescriptions:my-goals"),
        ("view", CLINICAL_SUMMARY),
        code=patient,
    ),
    Case(
        "the patient's notes, not shared by the clinic",
        "patient",
        lambda s: reverse("prescriptions:my-notes"),
        None,
    ),
    Case(
        "recording the training status",
        "practitioner",
        u("prescriptions:training-status", lambda s: s.w.patient.code),
        ("change", SURGERY_HISTORY),
        code=lambda s: s.w.patient.code,
        method="post",
        data=lambda s: {"status": "advanced"},
        status=302,
    ),
    Case(
        "comparison",
        "practitioner",
        u("prescriptions:assessment-compare", patient),
        ("view", ASSESSMENT_COMPARISON),
        code=patient,
    ),
    # --- Prescribing ------------------------------------------------------------------------
    Case(
        "programme start page",
        "practitioner",
        u("prescriptions:programme-new", patient),
        ("view", CLINICAL_SUMMARY),
        code=patient,
    ),
    Case(
        "starting a programme",
        "practitioner",
        u("prescriptions:programme-new", patient),
        ("change", PROGRAMME),
        code=newest(Programme),
        method="post",
        data=lambda s: {"goal": "strength", "practitioner": str(s.w.ep.code), "title": "Hips"},
        status=302,
    ),
    Case(
        "programme",
        "practitioner",
        u("prescriptions:programme-detail", programme),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "programme version",
        "practitioner",
        u("prescriptions:programme-version", programme, lambda s: 1),
        ("view", VERSION),
        code=lambda s: s.programme.current_version.code,
    ),
    Case(
        "make changes",
        "practitioner",
        u("prescriptions:programme-make-changes", programme),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        status=302,
    ),
    Case(
        "builder",
        "practitioner",
        u("prescriptions:programme-builder", programme),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "add an item",
        "practitioner",
        u("prescriptions:programme-item-add", programme),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=_squat,
        status=302,
    ),
    Case(
        "item page",
        "practitioner",
        u("prescriptions:programme-item-edit", programme, item),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "saving an item",
        "practitioner",
        u("prescriptions:programme-item-edit", programme, item),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=_item_data,
        status=302,
    ),
    Case(
        "moving an item",
        "practitioner",
        u("prescriptions:programme-item-move", programme, item),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {"direction": "up"},
        status=302,
    ),
    Case(
        "reordering",
        "practitioner",
        u("prescriptions:programme-items-reorder", programme),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {
            "item": [
                str(s.item.code),
                *[
                    str(c)
                    for c in s.item.version.items.exclude(pk=s.item.pk).values_list(
                        "code", flat=True
                    )
                ],
            ]
        },
        status=302,
    ),
    Case(
        "removing an item",
        "practitioner",
        u("prescriptions:programme-item-remove", programme, item),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        status=302,
    ),
    Case(
        "adding a phase",
        "practitioner",
        u("prescriptions:programme-phase-add", programme),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {"name": "Weeks 3 to 4", "starts_on": "1/1/2030"},
        status=302,
    ),
    Case(
        "phase page",
        "practitioner",
        u("prescriptions:programme-phase-edit", programme, phase),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "saving a phase",
        "practitioner",
        u("prescriptions:programme-phase-edit", programme, phase),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {"name": "Settle", "starts_on": "1/1/2030"},
        status=302,
    ),
    Case(
        "removing a phase",
        "practitioner",
        u("prescriptions:programme-phase-remove", programme, phase),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        status=302,
    ),
    Case(
        "publish page",
        "practitioner",
        u("prescriptions:programme-publish", programme),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "publishing",
        "practitioner",
        u("prescriptions:programme-publish", programme),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {"change_note": "Clams added."},
        status=302,
    ),
    Case(
        "end page",
        "practitioner",
        u("prescriptions:programme-end", programme),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "ending the programme",
        "practitioner",
        u("prescriptions:programme-end", programme),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {"reason": "Goals met <b>early</b>"},
        status=302,
    ),
    # --- Progress -----------------------------------------------------------------------------
    Case(
        "progress view",
        "admin",
        u("prescriptions:programme-progress", programme),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "marking a flag reviewed",
        "practitioner",
        u("prescriptions:session-flag-review", programme, session),
        ("change", SESSION),
        code=session,
        method="post",
        status=302,
    ),
    Case(
        "applying a suggestion",
        "practitioner",
        u("prescriptions:programme-progress-apply", programme),
        ("change", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {"version": "1", "item": "1", "choice": "hold"},
        status=302,
    ),
    # --- The patient's own pages ---------------------------------------------------------------
    Case(
        "my programme",
        "patient",
        u("prescriptions:my-programme", programme),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "my log form",
        "patient",
        u("prescriptions:my-programme-log", programme),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "logging a session",
        "patient",
        u("prescriptions:my-programme-log", programme),
        ("change", SESSION),
        code=newest(SessionLog),
        method="post",
        data=_log_data,
        status=302,
    ),
    Case(
        "a log sent back",
        "patient",
        u("prescriptions:my-programme-log", programme),
        ("view", PROGRAMME),
        code=programme,
        method="post",
        data=lambda s: {**_log_data(s), "item1_pain": "11"},
        status=400,
    ),
    Case(
        "my session",
        "patient",
        u("prescriptions:my-programme-session", programme, session),
        ("view", SESSION),
        code=session,
    ),
    Case(
        "morning pain form",
        "patient",
        u("prescriptions:my-programme-morning", programme, session),
        ("view", SESSION),
        code=session,
    ),
    Case(
        "morning pain",
        "patient",
        u("prescriptions:my-programme-morning", programme, session),
        ("change", SESSION),
        code=session,
        method="post",
        data=lambda s: {"morning_pain": "3"},
        status=302,
    ),
    Case(
        "handout",
        "patient",
        u("prescriptions:my-programme-handout", programme),
        ("print", PROGRAMME),
        code=programme,
    ),
    Case(
        "PDF",
        "patient",
        u("prescriptions:my-programme-pdf", programme),
        ("export", PROGRAMME),
        code=programme,
    ),
    Case("my programmes list", "patient", u("prescriptions:my-programmes"), None),
    Case("record download", "patient", u("records:json"), ("export", PATIENT), code=patient),
    # --- The signed programme link (nobody logged in) -----------------------------------------
    Case(
        "programme link",
        "anonymous",
        u("prescriptions:programme-link", token),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "link log form",
        "anonymous",
        u("prescriptions:programme-link-log", token),
        ("view", PROGRAMME),
        code=programme,
    ),
    Case(
        "link logging",
        "anonymous",
        u("prescriptions:programme-link-log", token),
        ("change", SESSION),
        code=newest(SessionLog),
        method="post",
        data=_log_data,
        status=302,
    ),
    Case(
        "link session",
        "anonymous",
        u("prescriptions:programme-link-session", token, session),
        ("view", SESSION),
        code=session,
    ),
    Case(
        "link morning pain",
        "anonymous",
        u("prescriptions:programme-link-morning", token, session),
        ("change", SESSION),
        code=session,
        method="post",
        data=lambda s: {"morning_pain": "3"},
        status=302,
    ),
    Case(
        "link handout",
        "anonymous",
        u("prescriptions:programme-link-handout", token),
        ("print", PROGRAMME),
        code=programme,
    ),
    Case(
        "link PDF",
        "anonymous",
        u("prescriptions:programme-link-pdf", token),
        ("export", PROGRAMME),
        code=programme,
    ),
    # --- Before-your-visit answers (signed link) -----------------------------------------------
    Case("questionnaire list", "anonymous", u("prescriptions:previsit", previsit), None),
    Case(
        "NPRS form",
        "anonymous",
        u("prescriptions:previsit-answer", previsit, lambda s: "NPRS"),
        None,
    ),
    Case(
        "answering the NPRS",
        "anonymous",
        u("prescriptions:previsit-answer", previsit, lambda s: "NPRS"),
        ("change", RESPONSE),
        code=lambda s: s.response.code,
        method="post",
        data=lambda s: {"measure__NPRS__1": "5"},
        status=302,
    ),
    Case(
        "PSFS form with last time's activities",
        "anonymous",
        u("prescriptions:previsit-answer", previsit, lambda s: "PSFS"),
        ("view", RESPONSE),
        code=lambda s: OutcomeResponse.objects.get(instrument="PSFS", patient=s.w.patient).code,
        setup=_psfs_before,
    ),
    Case(
        "referrals page",
        "practitioner",
        u("bookings:referral-list", patient),
        ("view", REFERRAL_HISTORY),
        code=patient,
    ),
    Case(
        "adding a referral",
        "admin",
        u("bookings:referral-list", patient),
        ("change", REFERRAL),
        code=newest(Referral),
        method="post",
        data=lambda s: {"funder": "private", "referral_date": "2026-01-05"},
        status=302,
    ),
    Case(
        "a referral's edit page",
        "practitioner",
        u("bookings:referral-edit", lambda s: s.referral.code),
        ("view", REFERRAL),
        code=lambda s: s.referral.code,
    ),
    Case(
        "a referral's letter",
        "practitioner",
        u("bookings:referral-letter", lambda s: s.referral.code),
        ("view", REFERRAL),
        code=lambda s: s.referral.code,
    ),
    Case(
        "services used elsewhere",
        "practitioner",
        u("bookings:outside-services", patient),
        ("change", REFERRAL_HISTORY),
        code=patient,
        method="post",
        data=lambda s: {"year": "2026", "services": "2"},
        status=302,
    ),
    Case(
        "answering the screening",
        "anonymous",
        u("prescriptions:previsit-answer", previsit, lambda s: "APSS"),
        ("change", SCREENING),
        code=newest(PreExerciseScreening),
        method="post",
        data=lambda s: {f"q{n}": "no" for n in range(1, 7)},
        status=302,
        setup=_apss_loaded,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_clinical_page_writes_exactly_one_row(shared_scene, sessions, case):
    s = shared_scene
    case.setup(s)
    data = case.data(s)
    before = AccessLog.objects.count()
    client = persona_client(sessions, case.persona)
    response = getattr(client, case.method)(case.url(s), data)
    assert response.status_code == (case.status or 200), response.status_code
    rows = list(AccessLog.objects.order_by("pk")[before:])
    if case.expect is None:
        assert rows == []
        return
    assert len(rows) == 1, [(r.action, r.record_type) for r in rows]
    row = rows[0]
    user = persona_user(s, case.persona)
    assert (row.action, row.record_type) == case.expect
    assert row.record_code == case.code(s)
    assert (row.patient_id, row.clinic_id) == (s.w.patient.pk, s.w.clinic.pk)
    assert row.user == user
    assert row.role == (user.role if user else "")
    assert row.ip_address == "127.0.0.1"
