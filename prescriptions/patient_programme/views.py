"""The patient's programme: today's exercises, logging a session and next-morning pain,
the printable handout and the PDF.

Two doors lead to the same pages, as for visits (bookings/views/patient.py): the
patient's account (`/me/programmes/<code>/...`, login required, their own programmes
only) and the signed link in the "your programme is ready" email
(`/programme/<token>/...`, no login; `links.py`). Anyone else's programme,
a draft never published, or a session of another programme answers 404; a bad, tampered
or expired link, one to an ended programme, or one of a patient who deleted their account,
gets "This link has expired or is not valid". Patients only ever see the current published version.

Every page writes one access-log row, whoever opens it (the patient logged in, or nobody
with the signed link): the programme page views the programme, the handout prints it, the
PDF exports it; a session page views that session; saving a session or morning pain
changes that session (a form sent back with errors views what it shows).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.access import own_record_or_404
from clinic.audit import access_log_record
from clinic.errors import DomainError
from clinic.models import Clinic, DeletionRequest, Patient
from clinic.selectors import clinic_get_default, patient_get_for_user
from prescriptions.library.views import exercise_image_response
from prescriptions.models import Programme, ProgrammeVersion, SessionLog
from prescriptions.patient_programme.forms import MorningPainForm, SessionLogForm, day_choices
from prescriptions.patient_programme.handout import handout_sections, programme_pdf
from prescriptions.patient_programme.links import programme_code_from_token
from prescriptions.patient_programme.selectors import (
    ProgrammeView,
    dose_short,
    programme_list_for_patient,
    programme_start,
    programme_view,
    split_current_and_past,
    version_items,
)
from prescriptions.patient_programme.services import (
    VERSION_CHANGED,
    VersionChanged,
    session_log_record,
    session_morning_pain_record,
)
from prescriptions.programmes.selectors import programme_records
from prescriptions.rules.dosing import pain_check

logger = logging.getLogger(__name__)

# --- Access ---------------------------------------------------------------------------


def _own_published(request: HttpRequest, code: uuid.UUID) -> tuple[Programme, ProgrammeVersion]:
    """The logged-in patient's own programme and the version they see; 404 for anyone
    else's, and for one never published."""
    programme = own_record_or_404(request, programme_records(), code)
    version = programme.current_version
    if version is None:
        raise Http404("No such programme.")
    return programme, version


class LinkInvalid(Exception):
    """A programme link that cannot be used: bad, tampered, expired, or the programme ended."""

    def __init__(self, *, status: int, clinic: Clinic | None = None) -> None:
        super().__init__("programme link refused")
        self.status = status
        self.clinic = clinic


def _linked_programme(token: str) -> tuple[Programme, ProgrammeVersion]:
    code = programme_code_from_token(token)
    try:
        programme = programme_records().filter(code=uuid.UUID(code or "")).first()
    except ValueError:
        programme = None
    version = programme.current_version if programme else None
    if programme is None or version is None:
        raise LinkInvalid(status=404)
    ended = programme.status == Programme.Status.ENDED
    if ended or DeletionRequest.objects.filter(patient_id=programme.patient_id).exists():
        raise LinkInvalid(status=410, clinic=programme.clinic)
    return programme, version


LinkView = Callable[..., HttpResponse | FileResponse]


def _link_view(view: LinkView) -> LinkView:
    """Turn LinkInvalid into the "This link has expired or is not valid" page."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse | FileResponse:
        try:
            return view(request, token, **kwargs)
        except LinkInvalid as exc:
            logger.info("programme link refused status=%s", exc.status)
            context = {"clinic": exc.clinic or clinic_get_default(), "links": {"via_link": True}}
            return render(
                request, "prescriptions/programme_link_invalid.html", context, status=exc.status
            )

    return wrapper


@dataclass(frozen=True)
class ProgrammeLinks:
    """Where a programme's pages point: the account pages or the signed-link pages."""

    detail: str
    log: str
    handout: str
    pdf: str
    session_base: str  # + "<session code>/" (+ "morning/")
    via_link: bool

    def session(self, code: uuid.UUID) -> str:
        return f"{self.session_base}{code}/"

    def morning(self, code: uuid.UUID) -> str:
        return f"{self.session_base}{code}/morning/"

    @classmethod
    def for_account(cls, programme: Programme) -> ProgrammeLinks:
        base = reverse("prescriptions:my-programme", args=[programme.code])
        return cls(
            base,
            f"{base}log/",
            f"{base}handout/",
            f"{base}programme.pdf",
            f"{base}sessions/",
            False,
        )

    @classmethod
    def for_token(cls, token: str) -> ProgrammeLinks:
        base = reverse("prescriptions:programme-link", args=[token])
        return cls(
            base, f"{base}log/", f"{base}handout/", f"{base}programme.pdf", f"{base}sessions/", True
        )


def _session_of(programme: Programme, code: uuid.UUID) -> SessionLog:
    """A session logged against this programme (whose access was checked already)."""
    return get_object_or_404(
        SessionLog.objects.select_related("version", "patient"),
        code=code,
        version__programme=programme,
        patient_id=programme.patient_id,
    )


# --- Account pages --------------------------------------------------------------------


@never_cache
@login_required
def my_programmes(request: HttpRequest) -> HttpResponse:
    patient = patient_get_for_user(request.user)  # type: ignore[arg-type]
    rows = programme_list_for_patient(patient) if patient is not None else []
    current, past = split_current_and_past(rows)
    return render(
        request,
        "prescriptions/patient_programme_list.html",
        {"current": current, "past": past, "programmes": rows},
    )


@never_cache
@login_required
def my_programme(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _detail(request, programme, version, ProgrammeLinks.for_account(programme))


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_log(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _log(request, programme, version, ProgrammeLinks.for_account(programme))


@never_cache
@login_required
def my_session(request: HttpRequest, code: uuid.UUID, session_code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _session(
        request, programme, version, ProgrammeLinks.for_account(programme), session_code
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_morning(request: HttpRequest, code: uuid.UUID, session_code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _morning(
        request, programme, version, ProgrammeLinks.for_account(programme), session_code
    )


@never_cache
@login_required
def my_handout(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _handout(request, programme, version, ProgrammeLinks.for_account(programme))


@never_cache
@login_required
def my_pdf(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    programme, version = _own_published(request, code)
    return _pdf(request, programme, version)


@login_required
def my_exercise_image(
    request: HttpRequest, code: uuid.UUID, exercise_code: uuid.UUID
) -> FileResponse:
    _programme, version = _own_published(request, code)
    return _exercise_image(version, exercise_code)


@login_required
def programme_by_code(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """`/programmes/<code>/`: an address without a token (older emails) goes to the
    account page, which asks for a login and checks the programme is the patient's."""
    return redirect("prescriptions:my-programme", code=code)


# --- Signed-link pages (no login) -----------------------------------------------------


@never_cache
@_link_view
def link_programme(request: HttpRequest, token: str) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _detail(request, programme, version, ProgrammeLinks.for_token(token))


@never_cache
@_link_view
@require_http_methods(["GET", "HEAD", "POST"])
def link_log(request: HttpRequest, token: str) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _log(request, programme, version, ProgrammeLinks.for_token(token))


@never_cache
@_link_view
def link_session(request: HttpRequest, token: str, session_code: uuid.UUID) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _session(request, programme, version, ProgrammeLinks.for_token(token), session_code)


@never_cache
@_link_view
@require_http_methods(["GET", "HEAD", "POST"])
def link_morning(request: HttpRequest, token: str, session_code: uuid.UUID) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _morning(request, programme, version, ProgrammeLinks.for_token(token), session_code)


@never_cache
@_link_view
def link_handout(request: HttpRequest, token: str) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _handout(request, programme, version, ProgrammeLinks.for_token(token))


@never_cache
@_link_view
def link_pdf(request: HttpRequest, token: str) -> HttpResponse:
    programme, version = _linked_programme(token)
    return _pdf(request, programme, version)


@_link_view
def link_exercise_image(
    request: HttpRequest, token: str, exercise_code: uuid.UUID
) -> HttpResponse | FileResponse:
    _programme, version = _linked_programme(token)
    return _exercise_image(version, exercise_code)


# --- The shared pages -----------------------------------------------------------------


def _exercise_image(version: ProgrammeVersion, exercise_code: uuid.UUID) -> FileResponse:
    """The image of an exercise in the version the patient sees; 404 for any other
    exercise (another programme's, the clinic's library) or one without an image."""
    item = (
        version.items.select_related("exercise", "version__programme")
        .filter(exercise__code=exercise_code)
        .first()
    )
    if item is None:
        raise Http404("No such image.")
    # The exercise's own image, or the clinic's own picture of a shipped one.
    return exercise_image_response(item.exercise, item.version.programme.clinic_id)


def _audit(
    request: HttpRequest, action: str, record: Any, *, patient: Patient | None = None
) -> None:
    """One access-log row; with the signed link nobody is logged in, so the row has no user."""
    whose = patient if patient is not None else record.patient
    access_log_record(request=request, action=action, record=record, patient=whose)


def _context(view: ProgrammeView, links: ProgrammeLinks, **extra: Any) -> dict[str, Any]:
    return {
        "view": view,
        "programme": view.programme,
        "links": links,
        "clinic": view.programme.clinic,
        **extra,
    }


def _detail(
    request: HttpRequest, programme: Programme, version: ProgrammeVersion, links: ProgrammeLinks
) -> HttpResponse:
    _audit(request, "view", programme)
    view = programme_view(programme, version, programme.patient)
    context = _context(view, links, morning_form=MorningPainForm())
    return render(request, "prescriptions/patient_programme.html", context)


def _log(
    request: HttpRequest, programme: Programme, version: ProgrammeVersion, links: ProgrammeLinks
) -> HttpResponse:
    patient: Patient = programme.patient
    view = programme_view(programme, version, patient)
    if view.is_ended:
        return HttpResponseRedirect(links.detail)
    items = version_items(version)
    start = programme_start(programme, view.tz)
    days = day_choices(view.today, start)
    data = request.POST if request.method == "POST" else None
    form = SessionLogForm(data, items=items, days=days, initial={"version": version.number})
    status = 200
    if form.is_bound and form.is_valid():
        try:
            if form.cleaned_data["version"] != version.number:
                raise VersionChanged(VERSION_CHANGED)
            session, _check = session_log_record(
                patient=patient,
                version=version,
                performed_on=date.fromisoformat(form.cleaned_data["day"]),
                entries=form.cleaned_data["entries"],
                comment=form.cleaned_data["comment"],
                today=view.today,
            )
        except VersionChanged as exc:
            # Nothing was saved; the page shows the new version to log against.
            messages.error(request, exc.message)
            return HttpResponseRedirect(links.log)
        except DomainError as exc:
            form.add_error("day" if exc.field == "day" else None, exc.message)
            status = 400
        else:
            _audit(request, "change", session, patient=programme.patient)
            return HttpResponseRedirect(links.session(session.code))
    elif form.is_bound:
        status = 400
    _audit(request, "view", programme)
    context = _context(view, links, form=form, item_fields=form.item_fields())
    return render(request, "prescriptions/patient_session_log.html", context, status=status)


def _session(
    request: HttpRequest,
    programme: Programme,
    version: ProgrammeVersion,
    links: ProgrammeLinks,
    session_code: uuid.UUID,
) -> HttpResponse:
    session = _session_of(programme, session_code)
    _audit(request, "view", session, patient=programme.patient)
    view = programme_view(programme, version, programme.patient)
    entries = list(session.entries.select_related("item__exercise").order_by("item__order"))
    scores = [e.pain_during for e in entries if e.done and e.pain_during is not None]
    check = pain_check(pain_during=max(scores) if scores else None)
    rows = [{"entry": e, "dose": dose_short(e.item)} for e in entries]
    context = _context(view, links, session=session, rows=rows, check=check)
    return render(request, "prescriptions/patient_session_detail.html", context)


def _morning(
    request: HttpRequest,
    programme: Programme,
    version: ProgrammeVersion,
    links: ProgrammeLinks,
    session_code: uuid.UUID,
) -> HttpResponse:
    session = _session_of(programme, session_code)
    view = programme_view(programme, version, programme.patient)
    form = MorningPainForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            _saved, check = session_morning_pain_record(
                session=session, morning_pain=form.cleaned_data["morning_pain"]
            )
        except DomainError as exc:
            form.add_error("morning_pain" if exc.field else None, exc.message)
            status = 400
        else:
            _audit(request, "change", session, patient=programme.patient)
            if check.ease_load:
                messages.warning(request, " ".join([*check.reasons, check.patient_message]))
            else:
                messages.success(
                    request, "Thank you: your morning pain is recorded. " + check.patient_message
                )
            return HttpResponseRedirect(links.detail)
    elif form.is_bound:
        status = 400
    _audit(request, "view", session, patient=programme.patient)
    context = _context(view, links, session=session, form=form)
    return render(request, "prescriptions/patient_morning_pain.html", context, status=status)


def _handout(
    request: HttpRequest, programme: Programme, version: ProgrammeVersion, links: ProgrammeLinks
) -> HttpResponse:
    _audit(request, "print", programme)
    view = programme_view(programme, version, programme.patient)
    context = _context(view, links, sections=handout_sections(version, view.today))
    return render(request, "prescriptions/patient_programme_handout.html", context)


def _pdf(request: HttpRequest, programme: Programme, version: ProgrammeVersion) -> HttpResponse:
    _audit(request, "export", programme)
    response = HttpResponse(programme_pdf(programme, version), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="exercise-programme.pdf"'
    return response


urlpatterns: list[URLPattern] = [
    path("me/programmes/", my_programmes, name="my-programmes"),
    path("me/programmes/<uuid:code>/", my_programme, name="my-programme"),
    path("me/programmes/<uuid:code>/log/", my_log, name="my-programme-log"),
    path("me/programmes/<uuid:code>/handout/", my_handout, name="my-programme-handout"),
    path("me/programmes/<uuid:code>/programme.pdf", my_pdf, name="my-programme-pdf"),
    path(
        "me/programmes/<uuid:code>/sessions/<uuid:session_code>/",
        my_session,
        name="my-programme-session",
    ),
    path(
        "me/programmes/<uuid:code>/sessions/<uuid:session_code>/morning/",
        my_morning,
        name="my-programme-morning",
    ),
    path(
        "me/programmes/<uuid:code>/exercises/<uuid:exercise_code>/image/",
        my_exercise_image,
        name="my-programme-exercise-image",
    ),
    path("programmes/<uuid:code>/", programme_by_code, name="programme-by-code"),
    path("programme/<str:token>/", link_programme, name="programme-link"),
    path("programme/<str:token>/log/", link_log, name="programme-link-log"),
    path("programme/<str:token>/handout/", link_handout, name="programme-link-handout"),
    path("programme/<str:token>/programme.pdf", link_pdf, name="programme-link-pdf"),
    path(
        "programme/<str:token>/sessions/<uuid:session_code>/",
        link_session,
        name="programme-link-session",
    ),
    path(
        "programme/<str:token>/sessions/<uuid:session_code>/morning/",
        link_morning,
        name="programme-link-morning",
    ),
    path(
        "programme/<str:token>/exercises/<uuid:exercise_code>/image/",
        link_exercise_image,
        name="programme-link-exercise-image",
    ),
]
