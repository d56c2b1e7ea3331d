"""Reminder opt-out: the link in every reminder email, no login needed.

The signed token names one patient and one purpose (its own salt), so it can only turn
that patient's reminders off or on, and choose how they come (email, text, or both).
GET shows buttons rather than acting at once, because mail scanners open links in
emails before people do; mail apps that offer "Unsubscribe" (the List-Unsubscribe-Post
header, RFC 8058) POST here directly.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from bookings.forms.reminders import ReminderChannelForm
from bookings.notifications import patient_set_reminder_channel, patient_set_reminders
from bookings.sms import au_mobile_e164
from bookings.tokens import patient_from_opt_out_token
from clinic.selectors import clinic_get_default

TEMPLATE = "bookings/reminders_opt_out.html"


def _invalid_link(request: HttpRequest) -> HttpResponse:
    context = {"invalid": True, "clinic": clinic_get_default()}
    return render(request, TEMPLATE, context, status=404)


@csrf_exempt  # the signed token is the credential; one-click POSTs from mail apps carry no CSRF
@never_cache
@require_http_methods(["GET", "POST"])
def reminders_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    patient = patient_from_opt_out_token(token)  # the signed token is the only access
    if patient is None:
        return _invalid_link(request)
    changed = ""
    mobile, clinic_phone = au_mobile_e164(patient.phone), patient.clinic.phone
    form = ReminderChannelForm(
        initial={"reminder_channel": patient.reminder_channel},
        mobile=mobile,
        clinic_phone=clinic_phone,
    )
    # A mail app's one-click unsubscribe posts no action: it means stop.
    action = request.POST.get("action", "stop") if request.method == "POST" else None
    if action == "channel":
        form = ReminderChannelForm(request.POST, mobile=mobile, clinic_phone=clinic_phone)
        if form.is_valid():
            channel = form.cleaned_data["reminder_channel"]
            patient = patient_set_reminder_channel(patient=patient, channel=channel)
            changed = "channel"
    elif action is not None:
        patient = patient_set_reminders(patient=patient, opt_out=action != "resume")
        changed = "reminders"
    context = {
        "clinic": patient.clinic,
        "off": patient.reminders_opt_out,
        "changed": changed,
        "form": form,
        "channel_label": patient.get_reminder_channel_display(),
    }
    return render(request, TEMPLATE, context)


urlpatterns: list[URLPattern] = [
    path("reminders/<str:token>/", reminders_opt_out, name="reminders-opt-out"),
]
