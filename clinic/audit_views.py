"""Clinic admins' audit pages: who opened a patient's record, and what each person
opened, filterable by date. Only the clinic admins of the patient's clinic; everyone
else gets 404. Reading these pages writes no access-log rows (they show no clinical
content), so looking at the log does not flood it.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path

from clinic.access import clinic_admin_or_404, staff_clinic_or_404
from clinic.audit import (
    Period,
    access_log_for_patient,
    access_log_for_user,
    access_log_users,
    describe,
)
from clinic.forms import StaffForm, check_date_range, date_field
from clinic.models import Clinic, DeletionRequest, Patient, User

app_name = "audit"

ROWS_PER_PAGE = 50
EVERYONE = "all"


class PeriodForm(StaffForm):
    """The report's GET filters: a range of clinic-local days, either end open."""

    start = date_field("From", required=False)
    end = date_field("To (included)", required=False)

    def clean_start(self) -> Any:
        return check_date_range(self.cleaned_data.get("start"))

    def clean_end(self) -> Any:
        return check_date_range(self.cleaned_data.get("end"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date must be on or after the start date.")
        return data

    def period(self) -> Period:
        if not self.is_valid():
            return Period()
        return Period(self.cleaned_data.get("start"), self.cleaned_data.get("end"))


class ActivityForm(PeriodForm):
    user = forms.ChoiceField(label="Person", required=False)

    field_order = ["user", "start", "end"]

    def __init__(self, *args: Any, users: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared below as one
        field.choices = [(EVERYONE, "Everyone")] + [(str(u.code), _person_label(u)) for u in users]


def _person_label(user: User) -> str:
    name = user.get_full_name() or user.email
    role = User.Role(user.role).label if user.role in User.Role.values else user.role
    return f"{name} ({role})" if user.is_active else f"{name} ({role}, inactive)"


def _rows(entries: Any, clinic: Clinic) -> list[dict[str, Any]]:
    tz = clinic.tz
    rows = []
    for entry in entries:
        local = entry.at.astimezone(tz)
        rows.append(
            {
                "entry": entry,
                "when": f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}",
                "iso": local.isoformat(),
                **describe(entry),
            }
        )
    return rows


def _page(request: HttpRequest, qs: Any, clinic: Clinic, params: dict[str, str]) -> dict[str, Any]:
    page = Paginator(qs, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    kept = {k: v for k, v in params.items() if v}

    def link(number: int) -> str:
        return "?" + urlencode({**kept, "page": number})

    return {
        "page": page,
        "rows": _rows(page.object_list, clinic),
        "previous_url": link(page.previous_page_number()) if page.has_previous() else None,
        "next_url": link(page.next_page_number()) if page.has_next() else None,
    }


def _params(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.GET.get(name, "") for name in names}


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    """Per-user activity: everything one person (or everyone) opened, by date range."""
    clinic_admin_or_404(request)
    clinic = staff_clinic_or_404(request)
    users = access_log_users(clinic=clinic)
    params = _params(request, "user", "start", "end")
    form = ActivityForm(params if any(params.values()) else None, users=users)
    chosen = None
    if form.is_bound and form.is_valid():
        code = form.cleaned_data.get("user") or EVERYONE
        chosen = next((u for u in users if str(u.code) == code), None)
    qs = access_log_for_user(clinic=clinic, user=chosen, period=form.period())
    return render(
        request,
        "clinic/audit/activity.html",
        {"form": form, "chosen": chosen, **_page(request, qs, clinic, params)},
    )


@login_required
def patient_report(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Who opened this patient's record: every view, change, export and print."""
    clinic_admin_or_404(request)
    clinic = staff_clinic_or_404(request)
    patient = get_object_or_404(Patient, clinic=clinic, code=code)
    params = _params(request, "start", "end")
    form = PeriodForm(params if any(params.values()) else None)
    qs = access_log_for_patient(clinic=clinic, patient=patient, period=form.period())
    return render(
        request,
        "clinic/audit/patient.html",
        {
            "form": form,
            "patient": patient,
            "deletion": DeletionRequest.objects.filter(patient=patient).first(),
            **_page(request, qs, clinic, params),
        },
    )


@login_required
def deletions(request: HttpRequest) -> HttpResponse:
    """Accounts closed at the patient's request, and until when their records are kept."""
    clinic_admin_or_404(request)
    clinic = staff_clinic_or_404(request)
    requests = DeletionRequest.objects.filter(patient__clinic=clinic).select_related("patient")
    return render(request, "clinic/audit/deletions.html", {"requests": requests})


urlpatterns: list[URLPattern] = [
    path("staff/audit/", activity, name="activity"),
    path("staff/audit/patients/<uuid:code>/", patient_report, name="patient"),
    path("staff/audit/deletions/", deletions, name="deletions"),
]
