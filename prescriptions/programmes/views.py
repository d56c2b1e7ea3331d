"""Staff pages for prescribing: start a programme, the builder (suggestions from the
assessment, add from the library, items and phases of the draft, reorder), publish, the
programme with its version history, and one version.

Every view's first line is an access helper (clinic/access.py): practitioners and
clinic admins of the programme's clinic only; reception, patients and other clinics get
404. Every page that shows or changes the programme writes one access-log row (`_audit`):
a view for GET, a change for POST; the version page logs the version it shows.

Items and phases are addressed by their UUID code inside a programme the user may see (a
copy of an item into a new version has a new code); versions by their number, which only
means something inside the programme's own address.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import clinician_or_404, record_for_clinician_or_404
from clinic.audit import CLINICAL_SUMMARY, access_log_record
from clinic.errors import DomainError
from clinic.models import Practitioner
from clinic.selectors import patient_records
from prescriptions.library.selectors import (
    exercise_list_for_clinic,
    exercise_search_for_clinic,
    labels,
)
from prescriptions.models import Exercise, Phase, Programme, ProgrammeItem, ProgrammeVersion
from prescriptions.programmes.forms import (
    AddItemForm,
    EndForm,
    ExerciseSearchForm,
    PhaseForm,
    ProgrammeItemForm,
    ProgrammeStartForm,
    PublishForm,
    item_initial,
)
from prescriptions.programmes.selectors import (
    goal_summary,
    prescribing_context,
    programme_records,
    programme_versions,
    programme_warnings,
    signed_assessments_for_patient,
    suggestion_views,
    version_items,
)
from prescriptions.programmes.services import (
    needs_weight,
    programme_create,
    programme_draft_get_or_create,
    programme_end,
    programme_item_add,
    programme_item_move,
    programme_item_remove,
    programme_item_update,
    programme_items_reorder,
    programme_phase_add,
    programme_phase_remove,
    programme_phase_update,
    programme_publish,
)
from prescriptions.rules.suggestions import SuggestionKind

SEARCH_RESULTS_MAX = 25
"""Library results shown on the builder at once (the library page shows them all)."""
REDOSED_FIELDS = frozenset({"sets", "reps", "hold_seconds", "distance_m", "per_side"})
"""Dose fields dropped when an item changes to an exercise dosed another way."""
SEARCH_KEYS = ("q", "muscle", "level", "equipment", "weight_bearing", "condition", "safe_for")


def _builder_url(programme: Programme, *, anchor: str = "", query: str = "") -> str:
    url = reverse("prescriptions:programme-builder", args=[programme.code])
    return url + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def _draft_or_none(programme: Programme) -> ProgrammeVersion | None:
    return programme.versions.filter(published_at__isnull=True).first()


def _draft_or_redirect(request: HttpRequest, programme: Programme) -> ProgrammeVersion | None:
    draft = _draft_or_none(programme)
    if draft is None and programme.status == Programme.Status.ENDED:
        messages.info(request, "This programme has ended and can no longer change.")
    elif draft is None:
        messages.info(
            request, "This version is published. Choose 'Make changes' to start a new version."
        )
    return draft


def _error_field(form: Any, exc: DomainError) -> str | None:
    return exc.field if exc.field in form.fields else None


def _audit(request: HttpRequest, programme: Programme, record: Any = None) -> None:
    """One access-log row: POST changes the programme (or tries to), GET views it."""
    access_log_record(
        request=request,
        action="change" if request.method == "POST" else "view",
        record=record or programme,
        patient=programme.patient,
    )


# --- Start -------------------------------------------------------------------------------


def _suggested_goal(assessment: Any) -> str:
    """The goal the rules propose from the assessment: its findings first, then the
    patient's own goal (rules/goals.py)."""
    if assessment is None:
        return ""
    from prescriptions.assessments.findings import assessment_findings
    from prescriptions.rules.goals import proposed_goal
    from prescriptions.rules.suggestions import suggestions_from_findings

    suggestions = suggestions_from_findings(assessment_findings(assessment))
    goal = proposed_goal(
        assessment_goals=assessment.goals, finding_goals=[s.goal for s in suggestions]
    )
    return str(goal) if goal else ""


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """Start a programme: the goal (which fills each item's default dose), a title, the
    prescriber and, when there is one, the signed assessment it comes from."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    practitioners = sorted(
        Practitioner.objects.filter(clinic=patient.clinic, is_active=True),
        key=lambda p: p.display_name,
    )
    assessments = signed_assessments_for_patient(patient=patient)
    chosen = next((a for a in assessments if str(a.code) == request.GET.get("assessment")), None)
    own = next((p for p in practitioners if p.user_id == user.pk), None)
    prescriber = own or (chosen.practitioner if chosen else None)
    prescriber = prescriber or (practitioners[0] if practitioners else None)
    form = ProgrammeStartForm(
        request.POST if request.method == "POST" else None,
        practitioners=practitioners,
        assessments=[
            (a, f"{a.assessed_on:%-d %B %Y}: {', '.join(a.condition_labels) or 'assessment'}")
            for a in assessments
        ],
        initial={
            "assessment": str(chosen.code) if chosen else "",
            "practitioner": str(prescriber.code) if prescriber else "",
            "goal": _suggested_goal(chosen),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            programme = programme_create(
                patient=patient,
                practitioner=data["practitioner"],
                goal=data["goal"],
                by=user,
                assessment=data["assessment"],
                title=data["title"],
            )
        except DomainError as exc:
            form.add_error(_error_field(form, exc), exc.message)
        else:
            _audit(request, programme)
            messages.success(
                request,
                f"Started a programme for {patient.full_name}: "
                f"{programme.goal_label.lower()}. Add exercises, then publish it.",
            )
            return redirect("prescriptions:programme-builder", code=programme.code)
    if assessments:  # the form lists them with their conditions
        access_log_record(
            request=request,
            action="view",
            record=patient,
            patient=patient,
            record_type=CLINICAL_SUMMARY,
        )
    return render(
        request,
        "prescriptions/programme_new.html",
        {"patient": patient, "form": form, "assessment": chosen},
    )


# --- The programme and its versions --------------------------------------------------------


def _version_rows(programme: Programme) -> list[dict[str, Any]]:
    current = programme.current_version
    return [
        {"version": v, "is_current": current is not None and v.pk == current.pk}
        for v in programme_versions(programme=programme)
    ]


@login_required
def programme_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """The programme as the patient sees it now (the current version), its draft if one is
    open, and every version."""
    programme = record_for_clinician_or_404(request, programme_records(), code)
    _audit(request, programme)
    current = programme.current_version
    context = prescribing_context(programme)
    return render(
        request,
        "prescriptions/programme_detail.html",
        {
            "programme": programme,
            "patient": programme.patient,
            "current": current,
            "items": version_items(version=current, context=context) if current else [],
            "draft": _draft_or_none(programme),
            "versions": _version_rows(programme),
            "warnings": programme_warnings(context),
        },
    )


@login_required
def programme_version(request: HttpRequest, code: uuid.UUID, number: int) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    version = get_object_or_404(ProgrammeVersion, programme=programme, number=number)
    if not version.is_published:
        return redirect("prescriptions:programme-builder", code=programme.code)
    _audit(request, programme, version)
    return render(
        request,
        "prescriptions/programme_version.html",
        {
            "programme": programme,
            "patient": programme.patient,
            "version": version,
            "items": version_items(version=version),
            "is_current": version == programme.current_version,
        },
    )


@login_required
@require_POST
def programme_make_changes(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Open the next draft (a copy of the current version), or the one already open."""
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    _audit(request, programme)
    had = _draft_or_none(programme)
    try:
        draft = programme_draft_get_or_create(programme=programme, by=user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("prescriptions:programme-detail", code=programme.code)
    if had is None:
        messages.success(
            request,
            f"Started version {draft.number}, a copy of the current version. The patient "
            "keeps seeing the current one until you publish this.",
        )
    return redirect("prescriptions:programme-builder", code=programme.code)


# --- The builder -------------------------------------------------------------------------


def _search(
    programme: Programme, query: QueryDict
) -> tuple[ExerciseSearchForm, list[Exercise] | None, bool]:
    form = ExerciseSearchForm(query if any(query.get(k) for k in SEARCH_KEYS) else None)
    if not form.is_bound:
        return form, None, False
    found = exercise_search_for_clinic(clinic_id=programme.clinic_id, **form.filters())
    return form, found[:SEARCH_RESULTS_MAX], len(found) > SEARCH_RESULTS_MAX


def _render_builder(
    request: HttpRequest,
    programme: Programme,
    draft: ProgrammeVersion,
    *,
    query: QueryDict | None = None,
    phase_form: PhaseForm | None = None,
    add_error: tuple[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = prescribing_context(programme)
    items = version_items(version=draft, context=context)
    in_version = [v.item.exercise_id for v in items]
    search_form, results, more = _search(programme, query or request.GET)
    search_query = ""
    if search_form.is_bound:
        search_query = urlencode({k: search_form.data.get(k, "") for k in SEARCH_KEYS})
    suggestions = suggestion_views(programme=programme, in_version=in_version)
    return render(
        request,
        "prescriptions/programme_builder.html",
        {
            "programme": programme,
            "patient": programme.patient,
            "draft": draft,
            "items": items,
            "phases": list(draft.phases.all()),
            "phase_form": phase_form or PhaseForm(auto_id="id_phase_%s"),
            "warnings": programme_warnings(context),
            "assessment": context.assessment,
            "add_suggestions": [s for s in suggestions if s.is_add],
            "avoid_suggestions": [
                s for s in suggestions if s.suggestion.kind != SuggestionKind.ADD_EXERCISES
            ],
            "search_form": search_form,
            "results": None
            if results is None
            else [
                {
                    "exercise": e,
                    "needs_weight": needs_weight(e),
                    "muscles": labels("muscles", e.primary_muscles),
                }
                for e in results
            ],
            "more_results": more,
            "search_query": search_query,
            "in_version": set(in_version),
            "add_error": add_error,
            "goal_summary": goal_summary(programme.goal),
            "versions": _version_rows(programme),
        },
        status=status,
    )


@login_required
def programme_builder(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    _audit(request, programme)
    return _render_builder(request, programme, draft)


def _exercise_for(programme: Programme, code: uuid.UUID) -> Exercise:
    exercise = Exercise.objects.visible_to(programme.clinic_id).active().filter(code=code).first()
    if exercise is None:
        raise Http404
    return exercise


@login_required
@require_POST
def programme_item_add_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Add a suggested or found exercise with the goal's default dose."""
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    query = QueryDict(request.POST.get("search", ""))
    form = AddItemForm(request.POST)
    form.is_valid()
    if "exercise" not in form.cleaned_data:
        raise Http404
    exercise = _exercise_for(programme, form.cleaned_data["exercise"])
    _audit(request, programme)
    if "load_kg" in form.errors:
        message = str(form.errors["load_kg"][0])
        return _render_builder(
            request,
            programme,
            draft,
            query=query,
            add_error=(str(exercise.code), message),
            status=400,
        )
    overrides = {}
    if form.cleaned_data.get("load_kg") is not None:
        overrides["load_kg"] = form.cleaned_data["load_kg"]
    try:
        item = programme_item_add(version=draft, exercise=exercise, by=user, **overrides)
    except DomainError as exc:
        return _render_builder(
            request,
            programme,
            draft,
            query=query,
            add_error=(str(exercise.code), exc.message),
            status=400,
        )
    messages.success(
        request, f"Added {exercise.name} as number {item.order} with the goal's default dose."
    )
    # Back where the keyboard was: the suggestions (to add the next one), or the new item.
    anchor = (
        "suggestions-heading" if request.POST.get("from") == "suggestion" else f"item-{item.code}"
    )
    return redirect(_builder_url(programme, anchor=anchor, query=query.urlencode()))


def _draft_item(draft: ProgrammeVersion, item_code: uuid.UUID) -> ProgrammeItem:
    return get_object_or_404(
        ProgrammeItem.objects.select_related("exercise", "phase", "version__programme"),
        code=item_code,
        version=draft,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_item_edit(
    request: HttpRequest, code: uuid.UUID, item_code: uuid.UUID
) -> HttpResponse:
    """One item's exercise and dose; errors come back next to the fields, nothing saved."""
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    item = _draft_item(draft, item_code)
    _audit(request, programme)
    exercises = exercise_list_for_clinic(clinic_id=programme.clinic_id)
    if item.exercise not in exercises:
        exercises.append(item.exercise)  # an exercise retired since stays choosable here
    form = ProgrammeItemForm(
        request.POST if request.method == "POST" else None,
        dose_type=item.dose_type,
        exercises=exercises,
        phases=list(draft.phases.all()),
        initial=item_initial(item),
    )
    if request.method == "POST" and form.is_valid():
        try:
            fields = form.item_fields()
            redosed = fields["exercise"].dose_type != item.dose_type
            if redosed:  # the typed dose was for the old dose type: start from the defaults
                fields = {k: v for k, v in fields.items() if k not in REDOSED_FIELDS}
            programme_item_update(item=item, by=user, **fields)
        except DomainError as exc:
            form.add_error(_error_field(form, exc), exc.message)
        else:
            item.refresh_from_db()
            if redosed:
                messages.success(
                    request,
                    f"Changed to {item.exercise.name}, dosed by "
                    f"{item.get_dose_type_display().lower()}: it now has the goal's default "
                    "dose for that. Check it below.",
                )
                return redirect("prescriptions:programme-item-edit", programme.code, item.code)
            messages.success(request, f"Saved number {item.order}: {item.exercise.name}.")
            return redirect(_builder_url(programme, anchor=f"item-{item.code}"))
    context = prescribing_context(programme)
    view = next(v for v in version_items(version=draft, context=context) if v.item.pk == item.pk)
    return render(
        request,
        "prescriptions/programme_item_form.html",
        {
            "programme": programme,
            "patient": programme.patient,
            "draft": draft,
            "item": item,
            "view": view,
            "form": form,
            "goal_summary": goal_summary(programme.goal),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def programme_item_move_view(
    request: HttpRequest, code: uuid.UUID, item_code: uuid.UUID
) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    item = _draft_item(draft, item_code)
    _audit(request, programme)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        raise Http404
    before = item.order
    moved = programme_item_move(item=item, by=user, direction=direction)
    if moved.order != before:
        messages.success(
            request, f"Moved {item.exercise.name} {direction} to number {moved.order}."
        )
    return redirect(_builder_url(programme, anchor=f"item-{item.code}"))


@login_required
@require_POST
def programme_item_remove_view(
    request: HttpRequest, code: uuid.UUID, item_code: uuid.UUID
) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    item = _draft_item(draft, item_code)
    _audit(request, programme)
    programme_item_remove(item=item, by=user)
    messages.success(request, f"Removed {item.exercise.name}.")
    return redirect(_builder_url(programme, anchor="items-heading"))


@login_required
@require_POST
def programme_items_reorder_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """The new order from the drag-and-drop script (progressive enhancement): every item
    code once, in order. Answers 204 to the script, or goes back to the builder."""
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_none(programme)
    if draft is None:
        raise Http404
    _audit(request, programme)
    try:
        codes = request.POST.getlist("item")
        programme_items_reorder(version=draft, by=user, item_codes=codes)
    except DomainError:
        if request.headers.get("X-Requested-With") == "fetch":
            return HttpResponse(status=409)
        messages.error(request, "The list of exercises changed meanwhile. Here it is now.")
        return redirect(_builder_url(programme, anchor="items-heading"))
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    messages.success(request, "Saved the new order.")
    return redirect(_builder_url(programme, anchor="items-heading"))


# --- Phases ------------------------------------------------------------------------------


@login_required
@require_POST
def programme_phase_add_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    _audit(request, programme)
    form = PhaseForm(request.POST, auto_id="id_phase_%s")
    if form.is_valid():
        try:
            phase = programme_phase_add(
                version=draft,
                by=user,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
            )
        except DomainError as exc:
            form.add_error(_error_field(form, exc), exc.message)
        else:
            messages.success(request, f"Added the phase {phase.name}.")
            return redirect(_builder_url(programme, anchor="phases-heading"))
    return _render_builder(request, programme, draft, phase_form=form, status=400)


def _draft_phase(draft: ProgrammeVersion, phase_code: uuid.UUID) -> Phase:
    return get_object_or_404(Phase, code=phase_code, version=draft)


@login_required
@require_http_methods(["GET", "POST"])
def programme_phase_edit(
    request: HttpRequest, code: uuid.UUID, phase_code: uuid.UUID
) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    phase = _draft_phase(draft, phase_code)
    _audit(request, programme)
    form = PhaseForm(
        request.POST if request.method == "POST" else None,
        initial={"name": phase.name, "starts_on": phase.starts_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme_phase_update(
                phase=phase,
                by=user,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
            )
        except DomainError as exc:
            form.add_error(_error_field(form, exc), exc.message)
        else:
            messages.success(request, "Saved the phase.")
            return redirect(_builder_url(programme, anchor="phases-heading"))
    return render(
        request,
        "prescriptions/programme_phase_form.html",
        {"programme": programme, "patient": programme.patient, "phase": phase, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def programme_phase_remove_view(
    request: HttpRequest, code: uuid.UUID, phase_code: uuid.UUID
) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    phase = _draft_phase(draft, phase_code)
    _audit(request, programme)
    programme_phase_remove(phase=phase, by=user)
    messages.success(request, f"Removed the phase {phase.name}; its exercises stay.")
    return redirect(_builder_url(programme, anchor="phases-heading"))


# --- Publish -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def programme_publish_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Check the draft and its warnings, add a change note, publish: the version is frozen,
    the patient sees it and is emailed that it is ready."""
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    draft = _draft_or_redirect(request, programme)
    if draft is None:
        return redirect("prescriptions:programme-detail", code=programme.code)
    _audit(request, programme)
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            version = programme_publish(
                programme=programme, by=user, change_note=form.cleaned_data["change_note"]
            )
        except DomainError as exc:
            form.add_error(_error_field(form, exc), exc.message)
        else:
            messages.success(
                request,
                f"Published version {version.number}. {programme.patient.first_name} will get "
                "an email that their programme is ready.",
            )
            return redirect("prescriptions:programme-detail", code=programme.code)
    context = prescribing_context(programme)
    items = version_items(version=draft, context=context)
    return render(
        request,
        "prescriptions/programme_publish.html",
        {
            "programme": programme,
            "patient": programme.patient,
            "draft": draft,
            "items": items,
            "warnings": programme_warnings(context),
            "item_warnings": sum(1 for v in items if v.conflicts),
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- End --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def programme_end_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """End the programme (after saying what that means), with an optional reason."""
    programme = record_for_clinician_or_404(request, programme_records(), code)
    user = clinician_or_404(request)
    if programme.status != Programme.Status.ACTIVE:
        messages.info(
            request,
            "This programme has already ended."
            if programme.status == Programme.Status.ENDED
            else "This programme was never published, so there is nothing to end.",
        )
        return redirect("prescriptions:programme-detail", code=programme.code)
    _audit(request, programme)
    form = EndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            programme_end(programme=programme, by=user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(_error_field(form, exc), exc.message)
        else:
            messages.success(
                request,
                f"Ended the programme. {programme.patient.first_name} now finds it among "
                "their past programmes, and the link in their emails no longer opens it.",
            )
            return redirect("prescriptions:programme-detail", code=programme.code)
    return render(
        request,
        "prescriptions/programme_end.html",
        {
            "programme": programme,
            "patient": programme.patient,
            "current": programme.current_version,
            "draft": _draft_or_none(programme),
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path(
        "staff/patients/<uuid:patient_code>/programmes/new/",
        programme_new,
        name="programme-new",
    ),
    path("staff/programmes/<uuid:code>/", programme_detail, name="programme-detail"),
    path(
        "staff/programmes/<uuid:code>/versions/<int:number>/",
        programme_version,
        name="programme-version",
    ),
    path(
        "staff/programmes/<uuid:code>/make-changes/",
        programme_make_changes,
        name="programme-make-changes",
    ),
    path("staff/programmes/<uuid:code>/draft/", programme_builder, name="programme-builder"),
    path(
        "staff/programmes/<uuid:code>/draft/items/add/",
        programme_item_add_view,
        name="programme-item-add",
    ),
    path(
        "staff/programmes/<uuid:code>/draft/items/order/",
        programme_items_reorder_view,
        name="programme-items-reorder",
    ),
    path(
        "staff/programmes/<uuid:code>/draft/items/<uuid:item_code>/",
        programme_item_edit,
        name="programme-item-edit",
    ),
    path(
        "staff/programmes/<uuid:code>/draft/items/<uuid:item_code>/move/",
        programme_item_move_view,
        name="programme-item-move",
    ),
    path(
        "staff/programmes/<uuid:code>/draft/items/<uuid:item_code>/remove/",
        programme_item_remove_view,
        name="programme-item-remove",
    ),
    path(
        "staff/programmes/<uuid:code>/draft/phases/add/",
        programme_phase_add_view,
        name="programme-phase-add",
    ),
    path(
        "staff/programmes/<uuid:code>/draft/phases/<uuid:phase_code>/",
        programme_phase_edit,
        name="programme-phase-edit",
    ),
    path(
        "staff/programmes/<uuid:code>/draft/phases/<uuid:phase_code>/remove/",
        programme_phase_remove_view,
        name="programme-phase-remove",
    ),
    path(
        "staff/programmes/<uuid:code>/publish/",
        programme_publish_view,
        name="programme-publish",
    ),
    path("staff/programmes/<uuid:code>/end/", programme_end_view, name="programme-end"),
]
