"""A patient's own record and account, from their account pages (/me/...):

- download the record as JSON, or read it as one printable page (both written to the
  access log as an export);
- delete the account, after confirming with their password (clinic.deletion).

Only the logged-in patient, for their own record; staff and everyone else get 404.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic.access import own_patient_or_404
from clinic.audit import access_log_record
from clinic.deletion import deletion_preview, patient_deletion_request, retention_end
from clinic.errors import DomainError
from clinic.forms import ErrorSummaryMixin, form_helper
from clinic.models import User
from clinic.ratelimit import rate_limit_exceeded
from clinic.records import patient_record, patient_record_json

app_name = "records"

DELETE_ATTEMPTS = "5/hour"
"""Wrong passwords on the delete page, per account, before it pauses."""


@never_cache
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    patient = own_patient_or_404(request)
    return render(request, "clinic/record/overview.html", {"patient": patient})


@never_cache
@login_required
def record_json(request: HttpRequest) -> HttpResponse:
    patient = own_patient_or_404(request)
    access_log_record(request=request, action="export", record=patient, patient=patient)
    body = json.dumps(patient_record_json(patient=patient), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    day = timezone.now().astimezone(patient.clinic.tz).date()
    response["Content-Disposition"] = f'attachment; filename="my-record-{day.isoformat()}.json"'
    return response


@never_cache
@login_required
def record_print(request: HttpRequest) -> HttpResponse:
    patient = own_patient_or_404(request)
    access_log_record(request=request, action="export", record=patient, patient=patient)
    now = timezone.now().astimezone(patient.clinic.tz)
    return render(
        request,
        "clinic/record/print.html",
        {
            "patient": patient,
            "sections": patient_record(patient=patient),
            "generated": f"{now.day} {now:%B %Y}, {now:%H:%M}",
        },
    )


class DeleteAccountForm(ErrorSummaryMixin, forms.Form):
    confirm = forms.BooleanField(
        label="I understand that I will not be able to log in again",
        error_messages={"required": "Tick the box to confirm you want to delete your account"},
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = form_helper()

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not right", code="wrong")
        return password


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Confirm, then close the account at once: contact details, login and sessions go;
    clinical records stay for the clinic's retention period."""
    patient = own_patient_or_404(request)
    user: User = request.user  # type: ignore[assignment]
    form = DeleteAccountForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if rate_limit_exceeded(request, "account-delete", DELETE_ATTEMPTS, key=str(user.pk)):
            return render(request, "clinic/record/delete_paused.html", status=429)
        if form.is_valid():
            # Done already (another tab) ends the same way.
            with contextlib.suppress(DomainError):
                patient_deletion_request(patient=patient, requested_by=user)
            logout(request)
            return redirect("records:deleted")
        status = 400
    today = timezone.now().astimezone(patient.clinic.tz).date()
    context = {
        "patient": patient,
        "form": form,
        "also": deletion_preview(patient=patient, now=timezone.now()),
        "retain_until": retention_end(patient=patient, on=today),
        "support_phone": patient.clinic.phone,
    }
    return render(request, "clinic/record/delete.html", context, status=status)


def deleted(request: HttpRequest) -> HttpResponse:
    """After the account has gone: what happened, and how to reach the clinic."""
    return render(request, "clinic/record/deleted.html")


urlpatterns: list[URLPattern] = [
    path("me/record/", overview, name="overview"),
    path("me/record/download.json", record_json, name="json"),
    path("me/record/print/", record_print, name="print"),
    path("me/delete/", delete_account, name="delete"),
    path("me/deleted/", deleted, name="deleted"),
]
