"""Patients' waitlist pages: join or leave from a visit's page (account or signed link),
and the page an offer email links to, to take the earlier time or keep the visit. The
rules live in bookings/waitlist.py."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from bookings.forms.patient import WaitlistForm
from bookings.models import Appointment, WaitlistOffer
from bookings.services import patient_can_change
from bookings.tokens import manage_token_for, waitlist_offer_code_from_token
from bookings.views.patient import (
    VisitLinks,
    _appointments,
    _get_linked_appointment,
    _link_view,
)
from bookings.waitlist import (
    OfferClosed,
    waitlist_entries_for_clinic,
    waitlist_join,
    waitlist_leave,
    waitlist_offer_accept,
    waitlist_offer_decline,
)
from clinic.access import own_record_or_404, staff_clinic_or_404
from clinic.errors import DomainError
from clinic.lib.time import when_label, zone_label
from clinic.selectors import clinic_get_default

logger = logging.getLogger(__name__)

OFFER_TEMPLATE = "bookings/waitlist_offer.html"


def _waitlist(request: HttpRequest, appointment: Appointment, links: VisitLinks) -> HttpResponse:
    form = WaitlistForm(request.POST, practitioner=appointment.practitioner)
    if not patient_can_change(appointment, now=timezone.now()):
        messages.error(request, "This visit can no longer be changed online.")
    elif not form.is_valid():
        messages.error(request, "Choose who you would see at an earlier time.")
    elif form.cleaned_data["action"] == "leave":
        waitlist_leave(appointment=appointment)
        messages.success(request, "You have left the waitlist. Your visit stays as it is.")
    else:
        waitlist_join(appointment=appointment, any_practitioner=form.cleaned_data["who"] == "any")
        messages.success(
            request,
            "You are on the waitlist. If an earlier time comes free we will email you and "
            "hold it for you for a while. Your visit stays as it is until you choose.",
        )
    return HttpResponseRedirect(links.detail)


@never_cache
@login_required
@require_POST
def my_waitlist(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    appointment = own_record_or_404(request, _appointments(), code)
    return _waitlist(request, appointment, VisitLinks.for_account(appointment))


@never_cache
@_link_view
@require_POST
def manage_waitlist(request: HttpRequest, token: str) -> HttpResponse:
    appointment = _get_linked_appointment(token, action=True, now=timezone.now())
    return _waitlist(request, appointment, VisitLinks.for_token(appointment, token))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """The earlier time held for this patient: take it, or keep the visit they have."""
    now = timezone.now()
    code = waitlist_offer_code_from_token(token, now=now)
    try:
        found = (
            WaitlistOffer.objects.select_related(
                "entry__appointment__practitioner__clinic",
                "entry__appointment__service",
                "practitioner",
                "location",
            )
            .filter(code=uuid.UUID(code or ""))
            .first()
        )
    except ValueError:
        found = None
    if found is None:
        missing = {"clinic": clinic_get_default(), "closed": True}
        return render(request, OFFER_TEMPLATE, missing, status=404)
    visit = found.entry.appointment
    clinic = visit.practitioner.clinic
    tz = clinic.tz
    context: dict[str, Any] = {
        "clinic": clinic,
        "offer": found,
        "visit": visit,
        "offer_when": when_label(found.start, tz),
        "expires_when": when_label(found.expires_at, tz),
        "visit_when": when_label(visit.start, tz),
        "zone": f"{zone_label(tz)} time",
        "closed": found.status != WaitlistOffer.Status.OPEN or found.expires_at <= now,
    }
    if request.method != "POST" or context["closed"]:
        return render(request, OFFER_TEMPLATE, context, status=410 if context["closed"] else 200)
    try:
        if request.POST.get("choice") == "take":
            moved = waitlist_offer_accept(offer=found, now=now)
            messages.success(
                request, f"Your visit has been moved to {when_label(moved.start, tz)}."
            )
            return HttpResponseRedirect(reverse("bookings:manage", args=[manage_token_for(moved)]))
        waitlist_offer_decline(offer=found, now=now)
    except OfferClosed as exc:
        context.update({"closed": True, "refusal": exc.message})
        return render(request, OFFER_TEMPLATE, context, status=409)
    except DomainError as exc:
        logger.info("waitlist offer could not be taken offer=%s", found.pk)
        context.update({"refusal": exc.message})
        return render(request, OFFER_TEMPLATE, context, status=409)
    context.update({"declined": True, "closed": True})
    return render(request, OFFER_TEMPLATE, context)


@login_required
def staff_waitlist(request: HttpRequest) -> HttpResponse:
    """Who is waiting for an earlier time, oldest first (the order offers go in), and the
    times held for them now."""
    clinic = staff_clinic_or_404(request)
    tz = clinic.tz
    rows = []
    for entry in waitlist_entries_for_clinic(clinic=clinic):
        visit = entry.appointment
        offer = next((o for o in entry.offers.all() if o.status == WaitlistOffer.Status.OPEN), None)
        rows.append(
            {
                "entry": entry,
                "visit_when": when_label(visit.start, tz),
                "joined": when_label(entry.created_at, tz),
                "offer_when": when_label(offer.start, tz) if offer else "",
                "offer_until": when_label(offer.expires_at, tz) if offer else "",
            }
        )
    return render(
        request,
        "bookings/staff_waitlist.html",
        {"rows": rows, "current": "staff-waitlist", "zone": f"{zone_label(tz)} time"},
    )


urlpatterns: list[URLPattern] = [
    path("staff/waitlist/", staff_waitlist, name="staff-waitlist"),
    path("me/appointments/<uuid:code>/waitlist/", my_waitlist, name="my-waitlist"),
    path("manage/<str:token>/waitlist/", manage_waitlist, name="manage-waitlist"),
    path("waitlist/<str:token>/", offer, name="waitlist-offer"),
]
