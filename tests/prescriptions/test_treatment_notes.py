"""Treatment notes: one per visit, started from the record, signed by their author, never
changed once signed (the service and the database both refuse), corrected by addenda
with author and time, every change kept in the history; unsigned notes a day after the
visit reach the calendar and the practitioner's list."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

import pytest

from bookings.calendar import appointment_extras, calendar_notices
from bookings.models import Appointment
from clinic.errors import DomainError
from clinic.models import AccessLog
from prescriptions.models import NoteAddendum, NoteTemplate, TreatmentNote
from prescriptions.notes import selectors
from prescriptions.notes.services import (
    NoteLocked,
    StaleNote,
    note_addendum_add,
    note_sign,
    note_start,
    note_template_save,
    note_update,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def _visit(world, *, days_ago=3, status=Appointment.Status.ATTENDED, **kw):
    return f.make_appointment(
        patient=world.patient,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=days_ago),
        status=status,
        **kw,
    )


def _signed_note(world, text="Knee better on stairs.", days_ago=5):
    note = note_start(appointment=_visit(world, days_ago=days_ago), by=world.ep.user)
    note = note_update(note=note, by=world.ep.user, revision=note.revision, subjective=text)
    return note_sign(note=note, by=world.ep.user)


def test_a_note_takes_the_visits_times_and_mode_and_is_one_per_visit(world):
    visit = _visit(world, modality="telehealth")

    note = note_start(appointment=visit, by=world.ep.user)

    assert (note.started_at, note.ended_at) == (visit.start, visit.end)
    assert note.mode == TreatmentNote.Mode.VIDEO
    assert note.author == world.ep
    assert note.status == TreatmentNote.Status.DRAFT
    assert note_start(appointment=visit, by=world.ep.user).pk == note.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.create(
            clinic=world.clinic,
            patient=world.patient,
            appointment=visit,
            author=world.ep,
            started_at=visit.start,
            ended_at=visit.end,
            mode="in_person",
            created_by=world.ep.user,
            updated_by=world.ep.user,
        )


def test_it_starts_from_the_previous_note_or_a_template(world):
    first = _signed_note(world, text="Stairs hurt 4/10.")
    later = _visit(world, days_ago=3)

    from_previous = note_start(appointment=later, by=world.ep.user)

    assert from_previous.subjective == first.subjective
    assert from_previous.started_from.startswith("The previous note")

    template = note_template_save(
        clinic=world.clinic, by=world.ep.user, name="Follow-up", plan="Review in 2 weeks."
    )
    another = _visit(world, days_ago=0)
    from_template = note_start(appointment=another, by=world.ep.user, template=template)
    assert from_template.plan == "Review in 2 weeks."
    assert from_template.subjective == ""
    assert from_template.started_from == "Template: Follow-up"


def test_it_pulls_programme_changes_since_the_previous_note_and_pain(world):
    f.load_exercise_library()
    _signed_note(world)
    programme = f.make_published_programme(world.patient, world.ep)
    version = programme.versions.get()
    f.make_session(
        version,
        performed_on=timezone.now().date() - timedelta(days=1),
        morning_pain=3,
        morning_pain_logged_at=timezone.now(),
    )
    visit = _visit(world, days_ago=0)

    note = note_start(appointment=visit, by=world.ep.user)

    assert len(note.programme_changes) == 1
    assert "version 1" in note.programme_changes[0]
    assert any("next morning 3/10" in line for line in note.figures)
    assert note.goal_progress == ["No active goals."]


def test_a_cancelled_visit_gets_no_note(world):
    visit = _visit(world, status=Appointment.Status.CANCELLED)
    with pytest.raises(DomainError):
        note_start(appointment=visit, by=world.ep.user)


def test_only_the_author_signs_and_the_signed_note_records_who_and_when(world):
    note = note_start(appointment=_visit(world), by=world.ep.user)
    note = note_update(note=note, by=world.ep.user, revision=note.revision, plan="Progress load")

    with pytest.raises(DomainError, match="author"):
        note_sign(note=note, by=world.physio.user)

    signed = note_sign(note=note, by=world.ep.user)
    assert signed.status == TreatmentNote.Status.SIGNED
    assert signed.signed_by == world.ep.user
    assert signed.signed_at is not None


def test_an_empty_note_cannot_be_signed(world):
    note = note_start(appointment=_visit(world), by=world.ep.user)
    with pytest.raises(DomainError, match="Write the note"):
        note_sign(note=note, by=world.ep.user)


def test_editing_a_signed_note_is_refused_by_the_service_and_the_database(world):
    note = _signed_note(world, text="As signed.")

    with pytest.raises(NoteLocked):
        note_update(note=note, by=world.ep.user, revision=note.revision, subjective="Changed")
    with pytest.raises(NoteLocked):
        note_sign(note=note, by=world.ep.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.filter(pk=note.pk).update(subjective="Changed behind its back")
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.filter(pk=note.pk).delete()
    note.refresh_from_db()
    assert note.subjective == "As signed."


def test_a_signed_note_needs_its_signer_in_the_database(world):
    note = note_start(appointment=_visit(world), by=world.ep.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentNote.objects.filter(pk=note.pk).update(status="signed")


def test_an_addendum_is_recorded_with_author_and_time_and_never_changes(world):
    note = _signed_note(world)
    before = timezone.now()

    addendum = note_addendum_add(
        note=note, by=world.physio.user, text="Patient rang: pain settled.", kind="addendum"
    )

    assert addendum.author == world.physio.user
    assert addendum.created_at >= before
    note.refresh_from_db()
    assert note.subjective == "Knee better on stairs."
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteAddendum.objects.filter(pk=addendum.pk).update(text="Rewritten")
    with pytest.raises(DomainError):
        note_addendum_add(note=note, by=world.reception, text="x", kind="addendum")


def test_a_draft_takes_no_addendum_and_a_stale_save_is_refused(world):
    note = note_start(appointment=_visit(world), by=world.ep.user)
    with pytest.raises(DomainError):
        note_addendum_add(note=note, by=world.ep.user, text="Too early", kind="addendum")
    note_update(note=note, by=world.ep.user, revision=note.revision, plan="One")
    with pytest.raises(StaleNote):
        note_update(note=note, by=world.physio.user, revision=note.revision, plan="Two")


def test_the_history_keeps_every_version(world):
    note = note_start(appointment=_visit(world), by=world.ep.user)
    note = note_update(note=note, by=world.ep.user, revision=note.revision, plan="First plan")
    note = note_update(note=note, by=world.ep.user, revision=note.revision, plan="Second plan")
    note_sign(note=note, by=world.ep.user)

    history = list(note.record_history.order_by("history_date"))
    assert [h.plan for h in history] == ["", "First plan", "Second plan", "Second plan"]
    assert history[-1].status == "signed"
    assert history[-1].history_user == world.ep.user


def test_unsigned_notes_a_day_after_the_visit_are_due(world):
    now = timezone.now()
    old_unwritten = _visit(world, days_ago=3)
    old_draft = _visit(world, days_ago=2)
    note_start(appointment=old_draft, by=world.ep.user)
    _signed_note(world)
    _visit(world, days_ago=0)  # today: not due yet
    _visit(world, days_ago=4, status=Appointment.Status.NO_SHOW)

    due = selectors.notes_due(practitioner=world.ep, now=now)

    assert [a.pk for a in due] == [old_unwritten.pk, old_draft.pk]
    assert selectors.notes_due(practitioner=world.physio, now=now) == []


def test_the_calendar_flags_unsigned_notes_and_links_to_them(world):
    now = timezone.now()
    overdue = _visit(world, days_ago=2)
    signed = _signed_note(world).appointment
    upcoming = _visit(world, days_ago=-2, status=Appointment.Status.BOOKED)

    extras = appointment_extras(appointments=[overdue, signed, upcoming], now=now)

    assert extras[overdue.pk].flags == ["Treatment note not signed"]
    assert [link.label for link in extras[overdue.pk].links] == ["Write note"]
    assert extras[signed.pk].flags == []
    assert [link.label for link in extras[signed.pk].links] == ["Note signed"]
    assert upcoming.pk not in extras
    [notice] = calendar_notices(user=world.ep.user, now=now)
    assert notice.label.startswith("1 treatment note")
    assert calendar_notices(user=world.physio.user, now=now) == []


def test_the_calendar_page_shows_the_note_links_to_clinicians_only(
    world, client_as_practitioner, client_as_reception
):
    visit = _visit(world, days_ago=2)
    day = visit.start.astimezone(world.clinic.tz).date().isoformat()
    url = reverse("bookings:staff-calendar") + f"?date={day}"

    page = client_as_practitioner.get(url).content.decode()
    assert "Treatment note not signed" in page
    assert reverse("prescriptions:note-start", args=[visit.code]) in page
    assert "to sign" in page

    page = client_as_reception.get(url).content.decode()
    assert "Treatment note not signed" not in page
    assert reverse("prescriptions:note-start", args=[visit.code]) not in page


# --- Pages -------------------------------------------------------------------------------------


def test_writing_saving_and_signing_through_the_pages(world, client_as_practitioner):
    visit = _visit(world)
    start_url = reverse("prescriptions:note-start", args=[visit.code])

    assert client_as_practitioner.get(start_url).status_code == 200
    response = client_as_practitioner.post(start_url, {"template": ""})
    note = TreatmentNote.objects.get(appointment=visit)
    assert response.url == note.get_absolute_url()
    assert client_as_practitioner.get(start_url).url == note.get_absolute_url()

    data = {
        "start_time": "10:00",
        "end_time": "10:40",
        "mode": "in_person",
        "subjective": "Pain 2/10 on stairs.",
        "objective": "",
        "assessment": "",
        "plan": "",
        "revision": str(note.revision),
        "action": "sign",
    }
    response = client_as_practitioner.post(note.get_absolute_url(), data)
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.is_signed
    assert note.minutes == 40
    assert note.started_at.astimezone(visit.location.tz).hour == 10
    assert AccessLog.objects.filter(
        record_code=note.code, action="change", user=world.ep.user
    ).exists()

    # A signed note refuses the edit form and takes an addendum.
    data["subjective"] = "Rewritten"
    client_as_practitioner.post(note.get_absolute_url(), data)
    note.refresh_from_db()
    assert note.subjective == "Pain 2/10 on stairs."
    client_as_practitioner.post(
        reverse("prescriptions:note-addendum", args=[note.code]),
        {"kind": "correction", "text": "Pain was 3/10, not 2/10."},
    )
    page = client_as_practitioner.get(note.get_absolute_url()).content.decode()
    assert "Pain was 3/10, not 2/10." in page
    assert "Correction by" in page
    history = client_as_practitioner.get(reverse("prescriptions:note-history", args=[note.code]))
    assert history.status_code == 200


def test_a_bad_note_form_comes_back_with_errors_not_a_500(world, client_as_practitioner):
    note = note_start(appointment=_visit(world), by=world.ep.user)
    response = client_as_practitioner.post(
        note.get_absolute_url(),
        {"start_time": "11:00", "end_time": "10:00", "mode": "teleport", "revision": "x"},
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_a_colleague_cannot_sign_someone_elses_note_through_the_page(world, client_as_admin):
    note = note_start(appointment=_visit(world), by=world.ep.user)
    response = client_as_admin.post(
        note.get_absolute_url(),
        {
            "start_time": "10:00",
            "end_time": "10:30",
            "mode": "in_person",
            "subjective": "By the admin",
            "revision": str(note.revision),
            "action": "sign",
        },
    )
    assert response.status_code == 400
    note.refresh_from_db()
    assert not note.is_signed
    assert note.subjective == ""  # the refused signature saved nothing


def test_other_clinics_and_reception_never_see_a_note(
    world, client_as_outsider, client_as_reception
):
    note = _signed_note(world)
    for client in (client_as_outsider, client_as_reception):
        assert client.get(note.get_absolute_url()).status_code == 404


def test_the_appointment_and_patient_pages_link_to_the_note(world, client_as_practitioner):
    note = _signed_note(world)
    page = client_as_practitioner.get(
        reverse("bookings:staff-appointment", args=[note.appointment.code])
    ).content.decode()
    assert "Note signed" in page
    page = client_as_practitioner.get(
        reverse("bookings:staff-patient-detail", args=[world.patient.code])
    ).content.decode()
    assert note.get_absolute_url() in page


def test_templates_are_the_clinics_own(world, client_as_practitioner, client_as_outsider):
    url = reverse("prescriptions:note-template-list")
    response = client_as_practitioner.post(url, {"name": "Knee review", "plan": "Re-test"})
    assert response.status_code == 302
    template = NoteTemplate.objects.get(clinic=world.clinic)
    edit = reverse("prescriptions:note-template-edit", args=[template.code])
    assert client_as_outsider.get(edit).status_code == 404
    assert client_as_practitioner.post(url, {"name": "Knee review"}).status_code == 400


def test_patients_see_signed_notes_only_when_the_clinic_shares_them(
    world, client_as_patient, client_as_admin
):
    _signed_note(world, text="Stairs easier.")
    url = reverse("prescriptions:my-notes")

    page = client_as_patient.get(url).content.decode()
    assert "Stairs easier." not in page
    assert "does not show visit notes online" in page

    client_as_admin.post(reverse("prescriptions:note-settings"), {"notes_visible_to_patient": "on"})
    page = client_as_patient.get(url).content.decode()
    assert "Stairs easier." in page
    assert "§" not in page and "CLINICAL.md" not in page


def test_the_patients_record_download_holds_signed_notes_and_not_drafts(world, client_as_patient):
    _signed_note(world, text="Signed words.")
    draft = note_start(appointment=_visit(world, days_ago=1), by=world.ep.user)
    note_update(note=draft, by=world.ep.user, revision=draft.revision, plan="Draft words")

    data = client_as_patient.get(reverse("records:json")).json()

    notes = data["sections"]["treatment_notes"]["entries"]
    assert len(notes) == 1
    assert notes[0]["subjective"] == "Signed words."
    assert "Draft words" not in str(data)


def test_joining_a_duplicate_moves_its_signed_notes_and_goals(world):
    from clinic.merging import patient_duplicate_join
    from prescriptions.notes.services import goal_create

    duplicate = f.make_patient(
        world.clinic, email=world.patient.email, possible_duplicate_of=world.patient
    )
    visit = f.make_appointment(
        patient=duplicate,
        practitioner=world.ep,
        service=world.service,
        start=timezone.now() - timedelta(days=6),
        status=Appointment.Status.ATTENDED,
    )
    note = note_start(appointment=visit, by=world.ep.user)
    note = note_update(note=note, by=world.ep.user, revision=note.revision, plan="Walk daily")
    note = note_sign(note=note, by=world.ep.user)
    goal = goal_create(
        patient=duplicate,
        by=world.ep.user,
        today=timezone.now().date(),
        activity="Garden for an hour",
        why="My vegetables",
        target_date=timezone.now().date() + timedelta(weeks=6),
    )

    patient_duplicate_join(duplicate=duplicate, by=world.admin)

    note.refresh_from_db()
    goal.refresh_from_db()
    assert note.patient == world.patient
    assert note.is_signed and note.plan == "Walk daily"
    assert goal.patient == world.patient
