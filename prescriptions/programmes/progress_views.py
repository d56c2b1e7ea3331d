"""The practitioner's progress view of a programme: adherence, pain trend and logged
doses as charts with data tables, pain flags to mark reviewed, and progression
suggestions applied with one action.

Practitioners and clinic admins of the programme's clinic only; everyone else (reception,
other clinics' staff, patients) gets 404 (clinic/access.py). Each view writes one
access-log row: the progress view views the programme, marking a flag reviewed changes
the session log (so does marking a pain flag seen, from the patient's staff page),
applying a suggestion changes the programme.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from clinic.access import record_for_clinician_or_404
from clinic.audit import access_log_record
from clinic.errors import DomainError
from prescriptions.models import PainFlag, Programme, SessionLog
from prescriptions.patient_programme.flags import pain_flag_mark_seen
from prescriptions.patient_programme.services import session_flag_review
from prescriptions.programmes.progress import programme_progress
from prescriptions.programmes.progression import progression_apply
from prescriptions.programmes.selectors import programme_records


def _progress_url(programme: Programme, anchor: str = "") -> str:
    url = reverse("prescriptions:programme-progress", args=[programme.code])
    return f"{url}#{anchor}" if anchor else url


@login_required
def programme_progress_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    access_log_record(request=request, action="view", record=programme, patient=programme.patient)
    version = programme.current_version
    context: dict[str, object] = {
        "programme": programme,
        "patient": programme.patient,
        "progress": None,
    }
    if version is not None:
        context["progress"] = programme_progress(programme, version)
    return render(request, "prescriptions/programme_progress.html", context)


@login_required
@require_POST
def session_flag_review_view(
    request: HttpRequest, code: uuid.UUID, session_code: uuid.UUID
) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    session = get_object_or_404(SessionLog, code=session_code, version__programme=programme)
    access_log_record(request=request, action="change", record=session, patient=programme.patient)
    try:
        session_flag_review(session=session, by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        day = session.performed_on
        messages.success(request, f"Pain flag of {day.day} {day:%B} marked reviewed.")
    return redirect(_progress_url(programme, "flags-heading"))


@login_required
@require_POST
def pain_flag_seen_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Mark seen, on the patient's staff page: the flag leaves the page and the schedule."""
    flag = record_for_clinician_or_404(
        request,
        PainFlag.objects.select_related("session__patient"),
        code,
        clinic="session__version__programme__clinic",
    )
    patient = flag.session.patient
    access_log_record(request=request, action="change", record=flag.session, patient=patient)
    try:
        pain_flag_mark_seen(flag=flag, by=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Pain flag marked seen.")
    return redirect(patient.get_absolute_url())


@login_required
@require_POST
def progression_apply_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme = record_for_clinician_or_404(request, programme_records(), code)
    access_log_record(request=request, action="change", record=programme, patient=programme.patient)
    try:
        version_number = int(request.POST.get("version", ""))
        item_order = int(request.POST.get("item", ""))
    except ValueError:
        messages.error(request, "That suggestion could not be read: look at it again.")
        return redirect(_progress_url(programme))
    choice = request.POST.get("choice", "")
    if not choice:
        messages.error(request, "Choose what to change to, then apply it.")
        return redirect(_progress_url(programme, f"exercise-{item_order}"))
    try:
        version = progression_apply(
            programme=programme,
            version_number=version_number,
            item_order=item_order,
            choice=choice,
            by=request.user,  # type: ignore[arg-type]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_progress_url(programme, f"exercise-{item_order}"))
    messages.success(
        request,
        f"Version {version.number} is published and the patient sees it now: {version.change_note}",
    )
    return redirect(_progress_url(programme, f"exercise-{item_order}"))


urlpatterns: list[URLPattern] = [
    path(
        "staff/programmes/<uuid:code>/progress/",
        programme_progress_view,
        name="programme-progress",
    ),
    path(
        "staff/programmes/<uuid:code>/progress/apply/",
        progression_apply_view,
        name="programme-progress-apply",
    ),
    path(
        "staff/programmes/<uuid:code>/sessions/<uuid:session_code>/review/",
        session_flag_review_view,
        name="session-flag-review",
    ),
    path("staff/pain-flags/<uuid:code>/seen/", pain_flag_seen_view, name="pain-flag-seen"),
]
