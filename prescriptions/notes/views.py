"""Staff pages of treatment notes, note templates and goals; the patient's own goals and
notes. Clinicians only on the staff side (reception never sees clinical records);
patients see their own, as far as the clinic shares them."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.models import Appointment
from clinic.access import (
    clinic_admin_or_404,
    clinician_or_404,
    own_patient_or_404,
    record_for_clinician_or_404,
)
from clinic.audit import CLINICAL_SUMMARY, access_log_record
from clinic.errors import DomainError
from clinic.models import Patient, Practitioner
from clinic.selectors import patient_records
from prescriptions.notes import selectors
from prescriptions.notes.forms import (
    AddendumForm,
    GoalEditForm,
    GoalForm,
    NoteForm,
    NoteSettingsForm,
    NoteStartForm,
    NoteTemplateForm,
)
from prescriptions.notes.models import Goal, NoteTemplate, TreatmentNote
from prescriptions.notes.services import (
    goal_create,
    goal_update,
    goal_warning,
    note_addendum_add,
    note_refresh_figures,
    note_settings_update,
    note_sign,
    note_start,
    note_template_save,
    note_update,
)


def _today(patient: Patient) -> Any:
    return timezone.now().astimezone(patient.clinic.tz).date()


def _posted(request: HttpRequest) -> Any:
    """The posted data, bound even when empty (an empty POST is answered with errors)."""
    return request.POST if request.method == "POST" else None


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- Notes ---------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def note_for_appointment(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """The visit's note; before there is one, a page to start it."""
    appointment = record_for_clinician_or_404(
        request,
        Appointment.objects.select_related("patient__clinic", "practitioner", "service"),
        code,
        clinic="practitioner__clinic",
    )
    user = clinician_or_404(request)
    existing = TreatmentNote.objects.filter(appointment=appointment).first()
    if existing is not None:
        return redirect(existing)
    if appointment.status not in selectors.NOTE_DUE_STATUSES:
        raise Http404
    patient = appointment.patient
    templates = selectors.note_template_list(clinic=patient.clinic)
    previous = selectors.previous_note(patient=patient, before=appointment.start)
    form = NoteStartForm(_posted(request), templates=templates, has_previous=bool(previous))
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["template"]
        template = next((t for t in templates if str(t.code) == chosen), None)
        try:
            note = note_start(appointment=appointment, by=user, template=template)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            access_log_record(request=request, action="change", record=note, patient=patient)
            messages.success(request, "Note started.")
            return redirect(note)
    return render(
        request,
        "prescriptions/note_start.html",
        {
            "appointment": appointment,
            "patient": patient,
            "form": form,
            "tz": selectors.visit_tz(appointment),
        },
    )


def _note_page(
    request: HttpRequest,
    note: TreatmentNote,
    *,
    form: Any = None,
    addendum_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    tz = selectors.visit_tz(note.appointment)
    if form is None and not note.is_signed:
        form = NoteForm(note=note, tz=tz)
    user = request.user
    return render(
        request,
        "prescriptions/note_detail.html",
        {
            "note": note,
            "patient": note.patient,
            "appointment": note.appointment,
            "form": form,
            "addendum_form": addendum_form or AddendumForm(),
            "addenda": list(note.addenda.select_related("author")),
            "tz": tz,
            "can_sign": not note.is_signed and note.author.user_id == getattr(user, "pk", None),
        },
        status=status,
    )


SAVED_MESSAGES = {
    "save": "Note saved.",
    "refresh": "Note saved, and the figures brought up to date.",
    "sign": "Note signed. Corrections from now on are addenda.",
}


def _note_or_404(request: HttpRequest, code: uuid.UUID) -> TreatmentNote:
    return record_for_clinician_or_404(
        request,
        selectors.note_records().select_related("appointment__location", "author__user"),
        code,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def note_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """A note: a draft to write (save, refresh the figures, sign), or a signed note to read
    with its addenda."""
    note = _note_or_404(request, code)
    user = clinician_or_404(request)
    if request.method == "GET":
        access_log_record(request=request, action="view", record=note, patient=note.patient)
        return _note_page(request, note)
    if note.is_signed:
        messages.error(request, "This note is signed: add an addendum instead.")
        return redirect(note)
    form = NoteForm(request.POST, note=note, tz=selectors.visit_tz(note.appointment))
    if not form.is_valid():
        return _note_page(request, note, form=form, status=400)
    action = request.POST.get("action", "save")
    try:
        # One transaction: a refused signature leaves the draft as it was, and the
        # author's text comes back in the form.
        with transaction.atomic():
            saved = note_update(
                note=note, by=user, revision=form.cleaned_data["revision"], **form.values()
            )
            if action == "refresh":
                note_refresh_figures(note=saved, by=user)
            elif action == "sign":
                note_sign(note=saved, by=user)
            access_log_record(request=request, action="change", record=saved, patient=note.patient)
    except DomainError as exc:
        _form_error(form, exc)
        note.refresh_from_db()
        return _note_page(request, note, form=form, status=400)
    messages.success(request, SAVED_MESSAGES.get(action, SAVED_MESSAGES["save"]))
    return redirect(note)


@login_required
@require_POST
def note_addendum(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Add an addendum or a correction to a signed note."""
    note = _note_or_404(request, code)
    user = clinician_or_404(request)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            note_addendum_add(note=note, by=user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            access_log_record(request=request, action="change", record=note, patient=note.patient)
            messages.success(request, "Addendum saved.")
            return redirect(note)
    access_log_record(request=request, action="view", record=note, patient=note.patient)
    return _note_page(request, note, addendum_form=form, status=400)


@never_cache
@login_required
def note_history(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Every saved version of the note, newest first, with who saved it and when."""
    note = _note_or_404(request, code)
    clinician_or_404(request)
    access_log_record(request=request, action="view", record=note, patient=note.patient)
    versions = list(note.record_history.select_related("history_user").order_by("-history_date"))
    return render(
        request,
        "prescriptions/note_history.html",
        {
            "note": note,
            "patient": note.patient,
            "versions": versions,
            "tz": selectors.visit_tz(note.appointment),
        },
    )


@never_cache
@login_required
def notes_to_sign(request: HttpRequest) -> HttpResponse:
    """The logged-in practitioner's visits whose note is not signed a day after."""
    user = clinician_or_404(request)
    practitioner = Practitioner.objects.filter(user=user, is_active=True).first()
    rows = (
        selectors.notes_due(practitioner=practitioner, now=timezone.now())
        if practitioner is not None
        else []
    )
    return render(
        request,
        "prescriptions/note_list.html",
        {"rows": rows, "practitioner": practitioner},
    )


# --- Templates and settings ------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def note_template_list(request: HttpRequest) -> HttpResponse:
    """The clinic's note templates, a form to add one, and (clinic admins) what patients
    see of notes and goals."""
    user = clinician_or_404(request)
    clinic = user.clinic
    if clinic is None:  # clinician_or_404 checked it
        raise Http404
    form = NoteTemplateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            note_template_save(clinic=clinic, by=user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Template saved.")
            return redirect("prescriptions:note-template-list")
    settings = selectors.note_settings_for(clinic)
    return render(
        request,
        "prescriptions/note_template_list.html",
        {
            "templates": selectors.note_template_list(clinic=clinic),
            "form": form,
            "settings_form": NoteSettingsForm(
                initial={
                    "notes_visible_to_patient": settings.notes_visible_to_patient,
                    "goals_visible_to_patient": settings.goals_visible_to_patient,
                }
            ),
            "is_admin": user.role == user.Role.CLINIC_ADMIN,
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def note_template_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    template = record_for_clinician_or_404(request, NoteTemplate.objects.all(), code)
    user = clinician_or_404(request)
    form = NoteTemplateForm(_posted(request), initial=NoteTemplateForm.initial_for(template))
    if request.method == "POST" and form.is_valid():
        try:
            note_template_save(
                clinic=template.clinic, by=user, template=template, **form.cleaned_data
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Template saved.")
            return redirect("prescriptions:note-template-list")
    return render(
        request,
        "prescriptions/note_template_edit.html",
        {"template": template, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def note_settings(request: HttpRequest) -> HttpResponse:
    """What patients see of their notes and goals: the clinic admin's choice."""
    user = clinic_admin_or_404(request)
    form = NoteSettingsForm(request.POST)
    if form.is_valid() and user.clinic is not None:
        note_settings_update(clinic=user.clinic, by=user, **form.cleaned_data)
        messages.success(request, "Saved what patients see.")
    return redirect("prescriptions:note-template-list")


# --- Goals -------------------------------------------------------------------------------------


def _goal_form_kwargs(patient: Patient) -> dict[str, Any]:
    return {"psfs_activities": selectors.psfs_activities(patient=patient), "today": _today(patient)}


def _warn_if_small(request: HttpRequest, goal: Goal) -> None:
    warning = goal_warning(
        measure=goal.measure,
        psfs_activity_id=goal.psfs_activity_id,
        baseline=goal.baseline,
        target=goal.target,
    )
    if warning:
        messages.warning(request, warning)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def goal_list(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """The patient's goals and a form to add one."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    form = GoalForm(_posted(request), **_goal_form_kwargs(patient))
    if request.method == "POST" and form.is_valid():
        try:
            goal = goal_create(patient=patient, by=user, today=_today(patient), **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            access_log_record(request=request, action="change", record=goal, patient=patient)
            messages.success(request, "Goal saved.")
            _warn_if_small(request, goal)
            return redirect("prescriptions:goal-list", patient_code=patient.code)
    access_log_record(
        request=request,
        action="view",
        record=patient,
        patient=patient,
        record_type=CLINICAL_SUMMARY,
    )
    goals = selectors.goal_list_for_patient(patient=patient)
    latest = selectors.latest_values(patient=patient, goals=goals)
    rows = [(g, selectors.goal_progress_line(g, latest)) for g in goals]
    return render(
        request,
        "prescriptions/goal_list.html",
        {"patient": patient, "rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Change a goal or its status (a new status is dated today)."""
    goal = record_for_clinician_or_404(
        request, Goal.objects.select_related("patient__clinic"), code
    )
    user = clinician_or_404(request)
    patient = goal.patient
    form = GoalEditForm(
        request.POST or None, initial=GoalEditForm.initial_for(goal), **_goal_form_kwargs(patient)
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = goal_update(goal=goal, by=user, today=_today(patient), **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            access_log_record(request=request, action="change", record=saved, patient=patient)
            messages.success(request, "Goal saved.")
            _warn_if_small(request, saved)
            return redirect("prescriptions:goal-list", patient_code=patient.code)
    access_log_record(request=request, action="view", record=goal, patient=patient)
    return render(
        request,
        "prescriptions/goal_edit.html",
        {"goal": goal, "patient": patient, "form": form},
        status=400 if form.errors else 200,
    )


# --- The patient's own pages ---------------------------------------------------------------------


@never_cache
@login_required
def my_goals(request: HttpRequest) -> HttpResponse:
    """The patient's goals in plain words, when their clinic shows them."""
    patient = own_patient_or_404(request)
    shown = selectors.note_settings_for(patient.clinic).goals_visible_to_patient
    goals = selectors.goal_list_for_patient(patient=patient) if shown else []
    if shown:
        access_log_record(
            request=request,
            action="view",
            record=patient,
            patient=patient,
            record_type=CLINICAL_SUMMARY,
        )
    return render(
        request,
        "prescriptions/my_goals.html",
        {"patient": patient, "goals": goals, "shown": shown},
    )


@never_cache
@login_required
def my_notes(request: HttpRequest) -> HttpResponse:
    """The patient's signed visit notes with their addenda, when their clinic shares them."""
    patient = own_patient_or_404(request)
    shown = selectors.note_settings_for(patient.clinic).notes_visible_to_patient
    notes = selectors.note_list_for_patient(patient=patient, signed_only=True) if shown else []
    if shown:
        access_log_record(
            request=request,
            action="view",
            record=patient,
            patient=patient,
            record_type=CLINICAL_SUMMARY,
        )
    return render(
        request,
        "prescriptions/my_notes.html",
        {"patient": patient, "notes": notes, "shown": shown, "tz": patient.clinic.tz},
    )


urlpatterns: list[URLPattern] = [
    path("staff/appointments/<uuid:code>/note/", note_for_appointment, name="note-start"),
    path("staff/notes/", notes_to_sign, name="note-list"),
    path("staff/notes/<uuid:code>/", note_detail, name="note-detail"),
    path("staff/notes/<uuid:code>/addenda/", note_addendum, name="note-addendum"),
    path("staff/notes/<uuid:code>/history/", note_history, name="note-history"),
    path("staff/note-templates/", note_template_list, name="note-template-list"),
    path("staff/note-templates/<uuid:code>/", note_template_edit, name="note-template-edit"),
    path("staff/note-settings/", note_settings, name="note-settings"),
    path("staff/patients/<uuid:patient_code>/goals/", goal_list, name="goal-list"),
    path("staff/goals/<uuid:code>/", goal_edit, name="goal-edit"),
    path("me/goals/", my_goals, name="my-goals"),
    path("me/notes/", my_notes, name="my-notes"),
]
