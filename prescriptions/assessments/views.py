"""Staff pages for assessments: start, edit a draft, view, sign off, amend.

Every view's first line is an access helper (clinic/access.py): practitioners and
clinic admins of the record's clinic only; anyone else gets 404. Every view that shows or
changes an assessment writes an access-log row (clinic.audit.access_log_record).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from bookings.models import Appointment
from clinic.access import clinician_or_404, record_for_clinician_or_404
from clinic.audit import ASSESSMENT_COMPARISON, access_log_record
from clinic.errors import DomainError
from clinic.lib.time import clock_label, when_label
from clinic.models import Clinic, Practitioner
from clinic.selectors import patient_records
from prescriptions.assessments import battery
from prescriptions.assessments.cases import assessment_decision, stop_sign_checklist_due
from prescriptions.assessments.comparison import (
    assessment_comparison,
    assessment_trends,
    signed_assessments,
)
from prescriptions.assessments.forms import (
    AmendForm,
    AssessmentForm,
    AssessmentStartForm,
    CompareForm,
)
from prescriptions.assessments.selectors import (
    assessment_records,
    assessment_versions,
    battery_sections,
)
from prescriptions.assessments.services import (
    AssessmentLocked,
    StaleRevision,
    assessment_amend,
    assessment_create,
    assessment_sign,
    assessment_update_draft,
)
from prescriptions.models import Assessment
from prescriptions.vocabulary import RED_FLAG_GROUPS, Finding

APPOINTMENT_CHOICES_DAYS = 180
"""How far back the start page offers a patient's appointments to link to."""


def _today(clinic: Clinic) -> date:
    return timezone.now().astimezone(clinic.tz).date()


def _practitioners(clinic: Clinic, *also: Practitioner | None) -> list[Practitioner]:
    """The clinic's active practitioners, plus any given ones (an inactive author stays)."""
    found = list(Practitioner.objects.filter(clinic=clinic, is_active=True))
    found += [p for p in also if p is not None and p not in found]
    return sorted(found, key=lambda p: p.display_name)


def _default_practitioner(
    request: HttpRequest, practitioners: list[Practitioner], appointment: Appointment | None
) -> str:
    """The user, if they are a practitioner; else the appointment's; else the first."""
    own = next((p for p in practitioners if p.user_id == request.user.pk), None)
    chosen = own or (appointment.practitioner if appointment else None)
    chosen = chosen or (practitioners[0] if practitioners else None)
    return str(chosen.code) if chosen else ""


@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """Start a draft: practitioner, date, appointment and conditions (which pick the tests)."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    clinic = patient.clinic
    today = _today(clinic)
    since = timezone.now() - timedelta(days=APPOINTMENT_CHOICES_DAYS)
    appointments = list(
        Appointment.objects.filter(patient=patient, start__gte=since)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("service", "practitioner")
        .order_by("-start")[:30]
    )
    practitioners = _practitioners(clinic)
    chosen = next(
        (a for a in appointments if str(a.code) == request.GET.get("appointment", "")), None
    )
    previous = _reassessed(patient, request.GET.get("from", ""))
    form = AssessmentStartForm(
        request.POST if request.method == "POST" else None,
        practitioners=practitioners,
        appointments=[
            (
                a,
                f"{when_label(a.start, clinic.tz)}: {a.service} with {a.practitioner}",
            )
            for a in appointments
        ],
        today=today,
        initial={
            "practitioner": _default_practitioner(request, practitioners, chosen),
            "assessed_on": min(chosen.start.astimezone(clinic.tz).date(), today)
            if chosen
            else today,
            "appointment": str(chosen.code) if chosen else "",
            **(
                {
                    "conditions": previous.conditions,
                    "condition_other": previous.condition_other,
                    "involved_side": previous.involved_side,
                }
                if previous
                else {}
            ),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = assessment_create(
                patient=patient,
                practitioner=data["practitioner"],
                created_by=user,
                assessed_on=data["assessed_on"],
                appointment=data["appointment"],
                conditions=data["conditions"],
                condition_other=data["condition_other"],
                involved_side=data["involved_side"],
                tests=previous.battery if previous else None,
                measures=previous.measures if previous else None,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(request=request, action="change", record=assessment, patient=patient)
            names = [battery.TESTS[t].name for t in assessment.battery]
            if previous:
                text = (
                    f"Started a re-assessment for {patient.full_name}, with the tests and "
                    f"outcome measures of {previous.assessed_on.day} {previous.assessed_on:%B %Y}, "
                    "all empty."
                )
            elif names:
                text = f"Suggested tests for the conditions: {', '.join(names)}."
            else:
                text = "Choose the tests under 'Tests in this assessment'."
            if not previous:
                text = f"Started a draft assessment for {patient.full_name}. {text}"
            messages.success(request, text)
            return redirect("prescriptions:assessment-edit", code=assessment.code)
    if previous is not None:  # a re-assessment's form shows what the previous one recorded
        access_log_record(request=request, action="view", record=previous, patient=patient)
    return render(
        request,
        "prescriptions/assessment_new.html",
        {"patient": patient, "form": form, "appointment": chosen, "previous": previous},
    )


def _reassessed(patient: Any, code: str) -> Assessment | None:
    """The signed assessment a re-assessment repeats (`?from=`), if it is this patient's."""
    try:
        return (
            Assessment.objects.filter(patient=patient, code=uuid.UUID(code))
            .exclude(status=Assessment.Status.DRAFT)
            .first()
        )
    except ValueError:
        return None


def _edit_form(request: HttpRequest, assessment: Assessment, data: Any = None) -> AssessmentForm:
    return AssessmentForm(
        data,
        assessment=assessment,
        practitioners=_practitioners(assessment.clinic, assessment.practitioner),
        today=_today(assessment.clinic),
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """The draft on one page. Saving keeps the page (or goes to the review with
    next=review); with errors, the page comes back with everything typed still in it."""
    assessment = record_for_clinician_or_404(request, assessment_records(), code)
    user = clinician_or_404(request)
    if not assessment.is_draft:
        messages.info(request, "This assessment is signed. Amend it to make a correction.")
        return redirect(assessment)
    access_log_record(
        request=request,
        action="change" if request.method == "POST" else "view",
        record=assessment,
        patient=assessment.patient,
    )
    form = _edit_form(request, assessment, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            added = assessment_update_draft(
                assessment=assessment,
                by=user,
                **form.draft_changes(),
            )
        except AssessmentLocked as exc:
            messages.error(request, exc.message)
            return redirect(assessment)
        except StaleRevision as exc:
            messages.error(request, exc.message)
            assessment.refresh_from_db()
            data = request.POST.copy()
            data["revision"] = str(assessment.revision)
            form = _edit_form(request, assessment, data)
            form.is_valid()
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            text = "Draft saved."
            if added:
                names = ", ".join(battery.TESTS[t].name for t in added)
                text += f" Added the tests suggested for the new condition: {names}."
            messages.success(request, text)
            if request.POST.get("next") == "review":
                return redirect(assessment)
            return redirect("prescriptions:assessment-edit", code=assessment.code)
    return render(request, "prescriptions/assessment_form.html", _form_context(assessment, form))


def _form_context(assessment: Assessment, form: AssessmentForm, **extra: Any) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "patient": assessment.patient,
        "form": form,
        "test_forms": _with_saved(form, assessment),
        "checklist_open": stop_sign_checklist_due(assessment),
        "running": {**rules_view(assessment), "findings": _findings(assessment)},
        **extra,
    }


SECTIONS: dict[str, tuple[str, ...]] = {
    "visit": ("assessed_on", "practitioner"),
    "condition": ("conditions", "condition_other", "involved_side", "history"),
    "goals": ("goals", "goals_note"),
    "red-flags": ("red_flags", "stop_signs", "red_flags_note"),
    "pain": (
        "pain_nprs",
        "pain_context",
        "pain_task",
        "body_mass_kg",
        "resting_sbp",
        "resting_dbp",
        "resting_hr",
        "reference_sex",
    ),
    "measures": ("measures",),
    "tests": ("battery",),
    "findings": ("findings_note",),
}
"""The draft's sections and their plain fields; measures, tests and findings also own
their generated fields (measure__..., test__side__measure, finding__...)."""


def _in_section(section: str, name: str) -> bool:
    if name in SECTIONS[section]:
        return True
    if section == "measures":
        return name.startswith("measure__")
    if section == "findings":
        return name.startswith("finding__")
    if section == "tests":
        return name.split("__")[0] in battery.TESTS and name.count("__") == 2
    return False


def _saved_data(form: AssessmentForm) -> QueryDict:
    """The unbound draft form's values (what is saved) as the browser would post them."""
    data = QueryDict(mutable=True)
    for bf in form:
        value = bf.value()
        if value is None or value is False or value in ("", []):
            continue
        if isinstance(value, list | tuple):
            data.setlist(bf.name, [str(v) for v in value])
        elif value is True:
            data[bf.name] = "on"
        else:
            prepared = bf.field.prepare_value(value)
            data[bf.name] = prepared if isinstance(prepared, str) else str(prepared)
    return data


@login_required
@require_POST
def assessment_section(request: HttpRequest, code: uuid.UUID, section: str) -> HttpResponse:
    """Save one section of the draft: the section's inputs over what is saved. With htmx,
    the answer is the section again (saved, or with its errors next to the fields), the
    new revision and the running flags; without, a redirect back to the section (or the
    whole page with the errors)."""
    assessment = record_for_clinician_or_404(request, assessment_records(), code)
    user = clinician_or_404(request)
    if section not in SECTIONS:
        raise Http404
    if not assessment.is_draft:
        messages.info(request, "This assessment is signed. Amend it to make a correction.")
        return redirect(assessment)
    access_log_record(
        request=request, action="change", record=assessment, patient=assessment.patient
    )
    data = _saved_data(_edit_form(request, assessment))
    for name in list(data):
        if _in_section(section, name):
            del data[name]
    for name in request.POST:
        if _in_section(section, name) or name == "revision":
            data.setlist(name, request.POST.getlist(name))
    form = _edit_form(request, assessment, data)
    status, saved = "Not saved: see the problems in this section.", False
    if form.is_valid():
        try:
            assessment_update_draft(
                assessment=assessment,
                by=user,
                **form.draft_changes(),
            )
        except (StaleRevision, DomainError) as exc:
            if isinstance(exc, StaleRevision) or exc.field not in form.fields:
                form.add_error(None, exc.message)
                status = f"Not saved: {exc.message}"
            else:
                form.add_error(exc.field, exc.message)
        else:
            saved = True
    if saved:
        assessment.refresh_from_db()
        local = timezone.now().astimezone(assessment.clinic.tz)
        status = f"Saved at {clock_label(local)}."
        if not getattr(request, "htmx", False):
            messages.success(request, "Section saved.")
            url = reverse("prescriptions:assessment-edit", args=[assessment.code])
            return redirect(f"{url}#section-{section}")
        form = _edit_form(request, assessment)
    context = _form_context(assessment, form, saved_section=section, section_status=status)
    if getattr(request, "htmx", False):
        name = section.replace("-", "_")
        context["section_template"] = f"prescriptions/assessment_form.html#section_{name}"
        return render(request, "prescriptions/_assessment_section.html", context)
    return render(request, "prescriptions/assessment_form.html", context)


def _with_saved(form: AssessmentForm, assessment: Assessment) -> list[Any]:
    saved = {s.test.code: s for s in battery_sections(assessment=assessment)}
    test_forms = form.test_forms()
    for test_form in test_forms:
        test_form.saved = saved.get(test_form.test.code)
    return test_forms


def _findings(assessment: Assessment) -> list[tuple[str, str]]:
    sides = {"left": "left", "right": "right"}
    result = []
    for code, label in Finding.choices:
        chosen = assessment.findings.get(code, [])
        if chosen:
            result.append((label, " and ".join(sides[s] for s in chosen)))
    return result


def rules_view(assessment: Assessment) -> dict[str, Any]:
    """The rules core's flags for the assessment's case (beyond the threshold flags stored
    on it) and whether they stop exercise, for the staff pages."""
    decision = assessment_decision(assessment)
    stored = {f.get("code") for f in assessment.flags}
    flags = [f for f in decision.flags if f.code not in stored]
    return {
        "flags": flags,
        "stop": any(f.severity == "stop" for f in decision.flags),
        "exercises": decision.exercises,
        "notes": decision.notes,
    }


def _red_flags(assessment: Assessment) -> list[tuple[str, list[str]]]:
    ticked = set(assessment.red_flags)
    groups = []
    for _key, title, flags in RED_FLAG_GROUPS:
        labels = [f.label for f in flags if f.value in ticked]
        if labels:
            groups.append((title, labels))
    return groups


@login_required
def assessment_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    assessment = record_for_clinician_or_404(request, assessment_records(), code)
    user = clinician_or_404(request)
    access_log_record(request=request, action="view", record=assessment, patient=assessment.patient)
    versions = assessment_versions(assessment=assessment)
    newer = [v for v in versions if v.version > assessment.version]
    tz = assessment.clinic.tz
    return render(
        request,
        "prescriptions/assessment_detail.html",
        {
            "assessment": assessment,
            "patient": assessment.patient,
            "sections": battery_sections(assessment=assessment),
            "findings": _findings(assessment),
            "red_flag_groups": _red_flags(assessment),
            "rules": rules_view(assessment),
            "versions": [
                {
                    "assessment": v,
                    "created": when_label(v.created_at, tz),
                    "signed": when_label(v.signed_at, tz) if v.signed_at else "",
                }
                for v in versions
            ],
            "newer": newer[-1] if newer else None,
            "can_sign": assessment.is_draft
            and Practitioner.objects.filter(
                user=user, clinic=assessment.clinic_id, is_active=True
            ).exists(),
            "signed_at": when_label(assessment.signed_at, tz) if assessment.signed_at else "",
            "appointment_when": when_label(assessment.appointment.start, tz)
            if assessment.appointment
            else "",
        },
    )


@login_required
@require_POST
def assessment_sign_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    assessment = record_for_clinician_or_404(request, assessment_records(), code)
    user = clinician_or_404(request)
    access_log_record(
        request=request, action="change", record=assessment, patient=assessment.patient
    )
    try:
        assessment_sign(assessment=assessment, by=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Signed off. The assessment is now read-only.")
    return redirect(assessment)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_amend_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Say why, then edit the new version (a copy of this one)."""
    assessment = record_for_clinician_or_404(request, assessment_records(), code)
    user = clinician_or_404(request)
    if assessment.status != Assessment.Status.SIGNED:
        messages.info(
            request,
            "Only the latest signed version can be amended."
            if not assessment.is_draft
            else "This is a draft: edit it directly.",
        )
        return redirect(assessment)
    access_log_record(
        request=request,
        action="change" if request.method == "POST" else "view",
        record=assessment,
        patient=assessment.patient,
    )
    form = AmendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = assessment_amend(
                assessment=assessment, by=user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(
                request,
                f"Started version {amendment.version}. Make the correction, then sign it off; "
                f"version {assessment.version} stays current until then.",
            )
            return redirect("prescriptions:assessment-edit", code=amendment.code)
    return render(
        request,
        "prescriptions/assessment_amend.html",
        {"assessment": assessment, "patient": assessment.patient, "form": form},
    )


@login_required
def assessment_compare(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """Baseline against now for every measure, with the change and its verdict, and the
    key measures over every signed assessment as charts with data tables."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    assessments = signed_assessments(patient=patient)
    if not assessments:
        raise Http404("No signed assessments.")
    by_code = {str(a.code): a for a in assessments}
    initial = {"baseline": str(assessments[0].code), "current": str(assessments[-1].code)}
    chosen = {
        name: by_code.get(request.GET.get(name, ""), by_code[initial[name]]) for name in initial
    }
    form = CompareForm(
        initial={name: str(a.code) for name, a in chosen.items()}, assessments=assessments
    )
    baseline, current = chosen["baseline"], chosen["current"]
    if baseline.assessed_on > current.assessed_on:
        baseline, current = current, baseline
    access_log_record(
        request=request,
        action="view",
        record=patient,
        patient=patient,
        record_type=ASSESSMENT_COMPARISON,
    )
    return render(
        request,
        "prescriptions/assessment_compare.html",
        {
            "patient": patient,
            "form": form,
            "comparison": assessment_comparison(baseline=baseline, current=current)
            if baseline.pk != current.pk
            else None,
            "baseline": baseline,
            "current": current,
            "trends": assessment_trends(assessments=assessments),
            "count": len(assessments),
        },
    )


urlpatterns: list[URLPattern] = [
    path(
        "staff/patients/<uuid:patient_code>/assessments/new/",
        assessment_new,
        name="assessment-new",
    ),
    path("staff/assessments/<uuid:code>/", assessment_detail, name="assessment-detail"),
    path("staff/assessments/<uuid:code>/edit/", assessment_edit, name="assessment-edit"),
    path("staff/assessments/<uuid:code>/sign/", assessment_sign_view, name="assessment-sign"),
    path(
        "staff/assessments/<uuid:code>/sections/<slug:section>/",
        assessment_section,
        name="assessment-section",
    ),
    path("staff/assessments/<uuid:code>/amend/", assessment_amend_view, name="assessment-amend"),
    path(
        "staff/patients/<uuid:patient_code>/assessments/compare/",
        assessment_compare,
        name="assessment-compare",
    ),
]
