"""Staff pages for referrals and funders (CLINICAL.md §17): a patient's referrals with
their usage, adding and correcting one (with its letter), services used elsewhere; the
clinic's referrers; referrals running out, reports owed to referrers, and the funded
services as CSV for claiming.

Referrals are clinical records: clinicians (practitioners and clinic admins) read and
change them, and each read or change goes to the access log. Reception sees the usage
line ("Medicare GPCCMP: 3 of 5 used in 2026") where it books, not the referral itself,
and may read the referrers' contact list. Where it books, and on a visit's funding page,
reception chooses among the patient's referrals by their one-line label.
"""

from __future__ import annotations

import csv
import mimetypes
import uuid
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms.staff import FundingForm
from bookings.funding import (
    funded_services,
    referral_usages,
    referrals_for_booking,
    referrals_running_out,
    reports_due,
    usage_texts_for_appointments,
)
from bookings.selectors import appointment_records
from bookings.services import appointment_funding_set
from clinic.access import (
    clinician_or_404,
    is_clinician,
    record_for_clinician_or_404,
    record_for_staff_or_404,
    staff_clinic_or_404,
    staff_or_404,
)
from clinic.audit import REFERRAL_HISTORY, access_log_record
from clinic.errors import DomainError
from clinic.lib.text import csv_safe
from clinic.lib.time import when_label, zone_label
from clinic.models import Clinic, Patient, Referral, Referrer
from clinic.referrals import funders
from clinic.referrals.forms import OutsideServicesForm, ReferralForm, ReferrerForm
from clinic.referrals.services import (
    outside_services_set,
    referral_add,
    referral_report_mark_sent,
    referral_update,
    referrer_save,
)
from clinic.selectors import patient_records


def _today(clinic: Clinic) -> date:
    return timezone.now().astimezone(clinic.tz).date()


def _clinic(request: HttpRequest) -> Clinic:
    clinician_or_404(request)
    return staff_clinic_or_404(request)


# --- A patient's referrals -----------------------------------------------------------


def _referral_page(
    request: HttpRequest,
    patient: Patient,
    form: ReferralForm,
    outside: OutsideServicesForm,
    status: int = 200,
) -> HttpResponse:
    today = _today(patient.clinic)
    referrals = list(Referral.objects.filter(patient=patient).select_related("referrer", "clinic"))
    usages = referral_usages(referrals, year=today.year)
    return render(
        request,
        "bookings/referral_list.html",
        {
            "patient": patient,
            "rows": [(r, usages[r.pk]) for r in referrals],
            "form": form,
            "outside": outside,
            "outside_rows": patient.outside_services.order_by("-year"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def referral_list(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """The patient's referrals with this year's usage, and a form to add one."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    form = ReferralForm(request.POST or None, request.FILES or None, clinic=patient.clinic)
    outside = OutsideServicesForm(initial={"year": _today(patient.clinic).year})
    if request.method == "POST" and form.is_valid():
        try:
            saved = referral_add(patient=patient, by=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(request=request, action="change", record=saved, patient=patient)
            messages.success(request, "Referral saved.")
            return redirect("bookings:referral-list", patient_code=patient.code)
    access_log_record(
        request=request,
        action="view",
        record=patient,
        patient=patient,
        record_type=REFERRAL_HISTORY,
    )
    return _referral_page(request, patient, form, outside, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Correct a referral, replace its letter, or close it early."""
    referral = record_for_clinician_or_404(
        request, Referral.objects.select_related("patient__clinic", "referrer"), code
    )
    user = clinician_or_404(request)
    patient = referral.patient
    form = ReferralForm(
        request.POST or None,
        request.FILES or None,
        clinic=patient.clinic,
        initial=ReferralForm.initial_for(referral),
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral_update(referral=referral, by=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            access_log_record(request=request, action="change", record=referral, patient=patient)
            messages.success(request, "Referral updated.")
            return redirect("bookings:referral-list", patient_code=patient.code)
    access_log_record(request=request, action="view", record=referral, patient=patient)
    return render(
        request,
        "bookings/referral_edit.html",
        {"patient": patient, "referral": referral, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def referral_letter(request: HttpRequest, code: uuid.UUID) -> FileResponse:
    """The referral letter as uploaded, to the clinic's clinicians."""
    referral = record_for_clinician_or_404(
        request, Referral.objects.select_related("patient__clinic"), code
    )
    if not referral.letter:
        raise Http404
    access_log_record(request=request, action="view", record=referral, patient=referral.patient)
    name = referral.letter.name or ""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(referral.letter.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "attachment"
    return response


@login_required
@require_POST
def outside_services(request: HttpRequest, patient_code: uuid.UUID) -> HttpResponse:
    """Enter the GPCCMP services the patient used elsewhere in a year."""
    patient = record_for_clinician_or_404(request, patient_records(), patient_code)
    user = clinician_or_404(request)
    outside = OutsideServicesForm(request.POST)
    if outside.is_valid():
        outside_services_set(patient=patient, by=user, **outside.cleaned_data)
        access_log_record(
            request=request,
            action="change",
            record=patient,
            patient=patient,
            record_type=REFERRAL_HISTORY,
        )
        messages.success(request, "Services used elsewhere saved.")
        return redirect("bookings:referral-list", patient_code=patient.code)
    form = ReferralForm(clinic=patient.clinic)
    return _referral_page(request, patient, form, outside, status=400)


# --- Referrers ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referrer_list(request: HttpRequest) -> HttpResponse:
    """The clinic's referrers (any staff may read); clinicians add to the list."""
    clinic = staff_clinic_or_404(request)
    can_edit = is_clinician(request.user)
    form = ReferrerForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            saved = referrer_save(clinic=clinic, **form.cleaned_data)
            messages.success(request, f"{saved.name} added to the referrers.")
            return redirect("bookings:referrer-list")
    return render(
        request,
        "bookings/referrer_list.html",
        {"referrers": Referrer.objects.filter(clinic=clinic), "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def referrer_edit(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    referrer = record_for_clinician_or_404(request, Referrer.objects.all(), code)
    form = ReferrerForm(request.POST or None, initial=ReferrerForm.initial_for(referrer))
    if request.method == "POST" and form.is_valid():
        referrer_save(clinic=referrer.clinic, referrer=referrer, **form.cleaned_data)
        messages.success(request, "Referrer updated.")
        return redirect("bookings:referrer-list")
    return render(
        request,
        "bookings/referrer_edit.html",
        {"referrer": referrer, "form": form},
        status=400 if form.errors else 200,
    )


# --- Reports -----------------------------------------------------------------------------


@login_required
def funding_report(request: HttpRequest) -> HttpResponse:
    """Referrals running out (one service or none left, or ending within 30 days), and
    the CSV of funded services by month."""
    clinic = _clinic(request)
    today = _today(clinic)
    return render(
        request,
        "bookings/funding_report.html",
        {
            "rows": referrals_running_out(clinic, today=today),
            "days": funders.RUNNING_OUT_DAYS,
            "months": _months(today),
        },
    )


def _months(today: date) -> list[tuple[str, str]]:
    """The last 12 months as ("2026-03", "March 2026"), this one first."""
    months = []
    day = today.replace(day=1)
    for _ in range(12):
        months.append((f"{day:%Y-%m}", f"{day:%B %Y}"))
        day = (day - timedelta(days=1)).replace(day=1)
    return months


def _month_or_none(text: str) -> tuple[date, date] | None:
    try:
        first = date.fromisoformat(f"{text}-01")
    except ValueError:
        return None
    last = funders.add_months(first, 1) - timedelta(days=1)
    return first, last


CSV_HEADER = [
    "Funder",
    "Month",
    "Date",
    "Item number",
    "Practitioner",
    "Provider number",
    "Patient",
    "Minutes",
]


@login_required
def funding_csv(request: HttpRequest) -> HttpResponse:
    """Funded services (attended or completed) of one month, by funder then date."""
    clinic = _clinic(request)
    bounds = _month_or_none(request.GET.get("month", ""))
    if bounds is None:
        messages.error(request, "Choose a month from the list.")
        return redirect("bookings:funding-report")
    tz = clinic.tz
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="funded-services-{bounds[0]:%Y-%m}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for a in funded_services(clinic, first=bounds[0], last=bounds[1]):
        referral = a.referral
        if referral is None:  # the selector keeps funded visits only
            continue
        local = a.start.astimezone(tz)
        writer.writerow(
            csv_safe(
                [
                    referral.funder_label,
                    f"{local:%Y-%m}",
                    f"{local:%Y-%m-%d}",
                    referral.item_number,
                    a.practitioner.display_name,
                    a.practitioner.provider_number,
                    a.patient.full_name,
                    str(int((a.end - a.start).total_seconds() // 60)),
                ]
            )
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def report_tasks(request: HttpRequest) -> HttpResponse:
    """Reports owed to referrers, as tasks: mark each one sent."""
    clinic = _clinic(request)
    user = clinician_or_404(request)
    due = reports_due(clinic, today=_today(clinic))
    if request.method == "POST":
        wanted = (request.POST.get("referral", ""), request.POST.get("kind", ""))
        match = next((d for d in due if (str(d.referral.code), d.kind) == wanted), None)
        if match is None:
            messages.error(request, "That report is no longer due.")
        else:
            referral_report_mark_sent(
                referral=match.referral, kind=match.kind, sent_on=_today(clinic), by=user
            )
            access_log_record(
                request=request,
                action="change",
                record=match.referral,
                patient=match.referral.patient,
            )
            messages.success(request, f"{match.kind_label} marked as sent.")
        return redirect("bookings:referral-reports")
    return render(request, "bookings/referral_reports.html", {"due": due})


@login_required
@require_http_methods(["GET", "POST"])
def appointment_funding(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Fund a visit under one of the patient's referrals (or none): a visit booked online
    or in a series, or under the wrong referral. Past the referral's limits (the cap, its
    dates, the minimum length) the page says which and asks for a reason first, as the
    staff booking page does."""
    appointment = record_for_staff_or_404(
        request, appointment_records(), code, clinic="practitioner__clinic"
    )
    patient = appointment.patient
    day = appointment.start.astimezone(appointment.tz).date()
    referrals = referrals_for_booking(patient=patient, on=day)
    current = appointment.referral
    if current is not None and current not in referrals:
        referrals.append(current)  # closed or ended since: still shown, still chosen
    form = FundingForm(
        request.POST if request.method == "POST" else None,
        referrals=referrals,
        initial={
            "referral": str(current.code) if current else "",
            "funding_reason": appointment.funding_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        referral, reason = form.funding(
            start=appointment.start,
            minutes=int((appointment.end - appointment.start).total_seconds() // 60),
            exclude_appointment=appointment.pk,
        )
        if reason is None:
            form.add_error(
                "funding_reason", "Enter a reason to fund it under this referral anyway."
            )
        else:
            try:
                appointment_funding_set(
                    appointment=appointment,
                    referral=referral,
                    reason=reason,
                    by_user=staff_or_404(request),
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                access_log_record(
                    request=request, action="change", record=appointment, patient=patient
                )
                messages.success(
                    request,
                    f"Funded under {referral.funder_label}."
                    if referral
                    else "The visit is not funded under a referral now.",
                )
                return redirect("bookings:staff-appointment", code=appointment.code)
    usage = usage_texts_for_appointments([appointment]).get(appointment.pk, "")
    return render(
        request,
        "bookings/appointment_funding.html",
        {
            "appointment": appointment,
            "patient": patient,
            "form": form,
            "usage": usage,
            "when": f"{when_label(appointment.start, appointment.tz)} "
            f"({zone_label(appointment.tz)} time)",
            "funding_problems": form.funding_problems,
        },
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("staff/patients/<uuid:patient_code>/referrals/", referral_list, name="referral-list"),
    path(
        "staff/patients/<uuid:patient_code>/outside-services/",
        outside_services,
        name="outside-services",
    ),
    path("staff/referrals/<uuid:code>/", referral_edit, name="referral-edit"),
    path("staff/referrals/<uuid:code>/letter/", referral_letter, name="referral-letter"),
    path("staff/referrers/", referrer_list, name="referrer-list"),
    path("staff/referrers/<uuid:code>/", referrer_edit, name="referrer-edit"),
    path("staff/funding/", funding_report, name="funding-report"),
    path("staff/funding/services.csv", funding_csv, name="funding-csv"),
    path("staff/funding/reports/", report_tasks, name="referral-reports"),
    path(
        "staff/appointments/<uuid:code>/funding/",
        appointment_funding,
        name="staff-appointment-funding",
    ),
]
