"""Staff pages for letters to other practitioners, the clinic's letter templates and
case conferences. Clinicians only (reception never sees clinical records); every read
and change of a letter or conference is in the access log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import clinician_or_404, record_for_clinician_or_404
from clinic.audit import access_log_record
from clinic.errors import DomainError
from clinic.models import Patient, Practitioner, User
from clinic.referrals.funders import ReportKind
from clinic.selectors import patient_records
from prescriptions.letters.context import letter_referral
from prescriptions.letters.forms import (
    PARTICIPANT_ROWS,
    CaseConferenceForm,
    LetterEditForm,
    LetterNewForm,
    LetterSendForm,
    LetterShareForm,
    LetterTemplateForm,
)
from prescriptions.letters.models import Letter, LetterKind
from prescriptions.letters.placeholders import PLACEHOLDERS
from prescriptions.letters.selectors import (
    case_conference_records,
    letter_records,
    letter_template_list,
    letter_wording,
)
from prescriptions.letters.services import (
    REPORT_LETTERS,
    case_conference_record,
    letter_document,
    letter_draft,
    letter_send,
    letter_share_set,
    letter_sign,
    letter_template_reset,
    letter_template_save,
    letter_update,
)
from prescriptions.rules.case_conference import case_conference_item, too_few_providers


def _own_practitioner(user: User) -> Practitioner | None:
    return Practitioner.objects.filter(user=user, is_active=True).first()


def _field_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- Templates ------------------------------------------------------------------------


@login_required
def letter_template_list_view(request: HttpRequest) -> HttpResponse:
    """Every kind of letter, and whether the clinic has its own wording of it."""
    user = clinician_or_404(request)
    assert user.clinic_id is not None  # noqa: S101 - clinician_or_404 checked it
    rows = letter_template_list(clinic=user.clinic)  # type: ignore[arg-type]
    return render(request, "prescriptions/letter_template_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def letter_template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """The clinic's wording of one kind of letter; an unknown placeholder is an error at
    its field. "Use the shipped wording" removes the clinic's own."""
    user = clinician_or_404(request)
    if kind not in LetterKind.values or user.clinic is None:
        raise Http404
    clinic = user.clinic
    wording, own = letter_wording(clinic=clinic, kind=kind)
    if request.method == "POST" and request.POST.get("action") == "reset":
        letter_template_reset(clinic_id=clinic.pk, kind=kind)
        messages.success(request, "The shipped wording is back.")
        return redirect("prescriptions:letter-template", kind=kind)
    initial = {"subject": wording.subject, "body": wording.body}
    form = LetterTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            letter_template_save(clinic_id=clinic.pk, kind=kind, by=user, **form.cleaned_data)
        except DomainError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, "Template saved. New letters use it.")
            return redirect("prescriptions:letter-templates")
    return render(
        request,
        "prescriptions/letter_template_form.html",
        {
            "form": form,
            "label": LetterKind(kind).label,
            "kind": kind,
            "own": own,
            "placeholders": PLACEHOLDERS.items(),
        },
        status=400 if form.errors else 200,
    )


# --- Letters ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def letter_new(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """Start a letter: its kind, who signs it and who it is to; the draft is filled from
    the clinic's template and the record."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    own = _own_practitioner(user)
    referral = letter_referral(patient=patient)  # the referrer, when one is recorded
    form = LetterNewForm(
        request.POST or None,
        clinic_id=patient.clinic_id,
        initial={
            "practitioner": str(own.code) if own else None,
            "recipient_name": referral.referrer_name,
            "recipient_email": referral.referrer_email,
            # From the reports due to referrers: ?report=initial starts the GP report.
            "kind": REPORT_LETTERS.get(ReportKind(report))
            if (report := request.GET.get("report", "")) in ReportKind
            else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioner = Practitioner.objects.get(code=data["practitioner"])
        try:
            letter = letter_draft(
                patient=patient,
                practitioner=practitioner,
                kind=data["kind"],
                by=user,
                recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"],
            )
        except DomainError as exc:
            _field_error(form, exc)
        else:
            access_log_record(request=request, action="change", record=letter, patient=patient)
            messages.success(request, "Draft started from the template. Check it, edit, then sign.")
            return redirect(letter)
    return render(
        request,
        "prescriptions/letter_new.html",
        {"patient": patient, "form": form},
        status=400 if form.errors else 200,
    )


def _letter_page(
    request: HttpRequest, letter: Letter, *, form: LetterEditForm | None = None, **forms: Any
) -> HttpResponse:
    patient = letter.patient
    if form is None and not letter.is_signed:
        form = LetterEditForm(
            initial={
                "recipient_name": letter.recipient_name,
                "recipient_email": letter.recipient_email,
                "subject": letter.subject,
                "body": letter.body,
                "shared_with_patient": letter.shared_with_patient,
            }
        )
    send_form = forms.get("send_form") or LetterSendForm(
        initial={"to_name": letter.recipient_name, "to_email": letter.recipient_email}
    )
    share_form = LetterShareForm(initial={"shared_with_patient": letter.shared_with_patient})
    has_errors = bool((form is not None and form.errors) or send_form.errors)
    return render(
        request,
        "prescriptions/letter_detail.html",
        {
            "patient": patient,
            "letter": letter,
            "form": form,
            "send_form": send_form,
            "share_form": share_form,
            "deliveries": list(letter.deliveries.all()),
            "tz": patient.clinic.tz,
            "can_sign": letter.practitioner.user_id == request.user.pk,
        },
        status=400 if has_errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def letter_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """A letter: a draft to edit and sign, or the signed letter to download and send."""
    letter = record_for_clinician_or_404(request, letter_records(), code)
    patient = letter.patient
    if request.method == "POST":
        form = LetterEditForm(request.POST)
        if letter.is_signed:
            messages.error(request, "This letter is signed: it can no longer be changed.")
            return redirect(letter)
        if form.is_valid():
            try:
                letter_update(letter=letter, **form.cleaned_data)
            except DomainError as exc:
                _field_error(form, exc)
            else:
                access_log_record(request=request, action="change", record=letter, patient=patient)
                messages.success(request, "Draft saved.")
                return redirect(letter)
        access_log_record(request=request, action="view", record=letter, patient=patient)
        return _letter_page(request, letter, form=form)
    access_log_record(request=request, action="view", record=letter, patient=patient)
    return _letter_page(request, letter)


@login_required
@require_POST
def letter_sign_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    letter = record_for_clinician_or_404(request, letter_records(), code)
    user = clinician_or_404(request)
    try:
        letter = letter_sign(letter=letter, by=user)
    except DomainError as exc:
        if exc.field == "body" and not letter.is_signed:
            form = LetterEditForm(
                data={
                    "recipient_name": letter.recipient_name,
                    "recipient_email": letter.recipient_email,
                    "subject": letter.subject,
                    "body": letter.body,
                    "shared_with_patient": "on" if letter.shared_with_patient else "",
                }
            )
            form.is_valid()
            form.add_error("body", exc.message)
            access_log_record(request=request, action="view", record=letter, patient=letter.patient)
            return _letter_page(request, letter, form=form)
        messages.error(request, exc.message)
        return redirect(letter)
    access_log_record(request=request, action="change", record=letter, patient=letter.patient)
    messages.success(request, "Letter signed. It can no longer change.")
    return redirect(letter)


@login_required
def letter_pdf_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    letter = record_for_clinician_or_404(request, letter_records(), code)
    access_log_record(request=request, action="export", record=letter, patient=letter.patient)
    document = letter_document(letter)
    response = HttpResponse(document.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


@login_required
@require_POST
def letter_send_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Email the signed letter with its PDF, through the outbox."""
    letter = record_for_clinician_or_404(request, letter_records(), code)
    user = clinician_or_404(request)
    send_form = LetterSendForm(request.POST)
    if send_form.is_valid():
        try:
            letter_send(letter=letter, by=user, **send_form.cleaned_data)
        except DomainError as exc:
            _field_error(send_form, exc)
        else:
            access_log_record(
                request=request, action="export", record=letter, patient=letter.patient
            )
            messages.success(
                request, f"The letter is on its way to {send_form.cleaned_data['to_email']}."
            )
            return redirect(letter)
    return _letter_page(request, letter, send_form=send_form)


@login_required
@require_POST
def letter_share_view(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    letter = record_for_clinician_or_404(request, letter_records(), code)
    form = LetterShareForm(request.POST)
    shared = form.is_valid() and bool(form.cleaned_data["shared_with_patient"])
    letter_share_set(letter=letter, shared=shared)
    access_log_record(request=request, action="change", record=letter, patient=letter.patient)
    messages.success(
        request,
        "The patient can read it in their record." if shared else "Not shown to the patient.",
    )
    return redirect(letter)


# --- Case conferences -------------------------------------------------------------------


def _aware(patient: Patient, day: Any, at: Any) -> datetime:
    return datetime.combine(day, at, tzinfo=patient.clinic.tz)


@login_required
@require_http_methods(["GET", "POST"])
def case_conference_new(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """Record a case conference: agreement, date and times, who took part, what was
    discussed and decided. Fewer than three providers is a warning, not a refusal."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    own = _own_practitioner(user)
    initial: dict[str, Any] = {}
    if own is not None:
        initial = {"role_1": own.profession, "name_1": own.display_name}
    form = CaseConferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and own is None:
        form.add_error(None, "Only a practitioner of the clinic can record a case conference.")
    if request.method == "POST" and form.is_valid() and own is not None:
        data = form.cleaned_data
        try:
            conference = case_conference_record(
                patient=patient,
                practitioner=own,
                by=user,
                starts_at=_aware(patient, data["held_on"], data["start_time"]),
                ends_at=_aware(patient, data["held_on"], data["end_time"]),
                mode=data["mode"],
                patient_agreed=data["patient_agreed"],
                matters_discussed=data["matters_discussed"],
                outcomes=data["outcomes"],
                participants=form.participants(),
                shared_with_patient=data["shared_with_patient"],
            )
        except DomainError as exc:
            _field_error(form, exc)
        else:
            access_log_record(request=request, action="change", record=conference, patient=patient)
            messages.success(request, "Case conference recorded.")
            warning = too_few_providers(len(form.participants()))
            if warning:
                messages.warning(request, warning)
            return redirect(conference)
    return render(
        request,
        "prescriptions/case_conference_form.html",
        {"patient": patient, "form": form, "rows": range(1, PARTICIPANT_ROWS + 1)},
        status=400 if form.errors else 200,
    )


@login_required
def case_conference_detail(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    conference = record_for_clinician_or_404(request, case_conference_records(), code)
    patient = conference.patient
    access_log_record(request=request, action="view", record=conference, patient=patient)
    participants = list(conference.participants.all())
    return render(
        request,
        "prescriptions/case_conference_detail.html",
        {
            "patient": patient,
            "conference": conference,
            "participants": participants,
            "band": case_conference_item(conference.minutes),
            "warning": too_few_providers(len(participants)),
            "tz": patient.clinic.tz,
            "letters": list(conference.letters.all()),
        },
    )


@login_required
@require_POST
def case_conference_letter(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Start a summary letter of the conference (a draft, from the clinic's template)."""
    conference = record_for_clinician_or_404(request, case_conference_records(), code)
    user = clinician_or_404(request)
    practitioner = _own_practitioner(user) or conference.practitioner
    letter = letter_draft(
        patient=conference.patient,
        practitioner=practitioner,
        kind=LetterKind.CASE_CONFERENCE,
        by=user,
        conference=conference,
    )
    access_log_record(request=request, action="change", record=letter, patient=letter.patient)
    messages.success(request, "Summary letter started. Add who it is to, check it, then sign.")
    return redirect(letter)


urlpatterns: list[URLPattern] = [
    path("staff/letter-templates/", letter_template_list_view, name="letter-templates"),
    path("staff/letter-templates/<str:kind>/", letter_template_edit, name="letter-template"),
    path("staff/patients/<uuid:patient_code>/letters/new/", letter_new, name="letter-new"),
    path("staff/letters/<uuid:code>/", letter_detail, name="letter"),
    path("staff/letters/<uuid:code>/sign/", letter_sign_view, name="letter-sign"),
    path("staff/letters/<uuid:code>/letter.pdf", letter_pdf_view, name="letter-pdf"),
    path("staff/letters/<uuid:code>/send/", letter_send_view, name="letter-send"),
    path("staff/letters/<uuid:code>/share/", letter_share_view, name="letter-share"),
    path(
        "staff/patients/<uuid:patient_code>/case-conferences/new/",
        case_conference_new,
        name="case-conference-new",
    ),
    path("staff/case-conferences/<uuid:code>/", case_conference_detail, name="case-conference"),
    path(
        "staff/case-conferences/<uuid:code>/letter/",
        case_conference_letter,
        name="case-conference-letter",
    ),
]
