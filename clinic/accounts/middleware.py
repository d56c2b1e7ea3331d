"""Session rules applied to every request: idle timeout, the clinic's time zone, then
two-step verification; and the request that django-simple-history's rows name the user of.

They read only the session and the settings on the common path (no extra query): the
login receiver (clinic.accounts.signals) records what they need. A request without a
signed-in session (most public pages, `/healthz`, the load balancer's probes) passes each
of them after one look at the session, without loading the user.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from django_htmx.http import HttpResponseClientRedirect
from simple_history.middleware import HistoryRequestMiddleware

from clinic.accounts.selectors import mfa_enforced_for, mfa_is_enrolled, user_time_zone
from clinic.accounts.signals import LAST_SEEN_KEY, MFA_ENROLLED_KEY, STAFF_KEY, ZONE_KEY

TOUCH_EVERY_SECONDS = 60
"""The last-seen time is saved at most once a minute, so most requests write nothing."""

MFA_EXEMPT_URL_NAMES = {"logout", "healthz"}
"""Pages an unverified user may still reach, besides the accounts: pages themselves."""

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def idle_timeout_seconds(*, staff: bool) -> int:
    minutes = (
        settings.STANCE_STAFF_IDLE_TIMEOUT_MINUTES
        if staff
        else settings.STANCE_PATIENT_IDLE_TIMEOUT_MINUTES
    )
    return int(minutes) * 60


class IdleTimeoutMiddleware:
    """Log out a session that has been idle too long: 30 minutes for staff by default,
    a day for patients (STANCE_STAFF_/STANCE_PATIENT_IDLE_TIMEOUT_MINUTES).

    Every answer to a signed-in person is personal (clinical pages, the API's
    /api/v1/me/ endpoints): unless a view set its own Cache-Control, it is marked
    `no-store` so no browser, proxy or shared computer keeps a copy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            last_seen = session.get(LAST_SEEN_KEY)
            limit = idle_timeout_seconds(staff=bool(session.get(STAFF_KEY)))
            if isinstance(last_seen, int) and now - last_seen > limit:
                logout(request)
                messages.info(
                    request,
                    f"You were logged out after {limit // 60} minutes without activity. "
                    "Log in again to carry on.",
                )
            elif not isinstance(last_seen, int) or now - last_seen >= TOUCH_EVERY_SECONDS:
                session[LAST_SEEN_KEY] = now
        response = self.get_response(request)
        if SESSION_KEY in session and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class ClinicTimeZoneMiddleware:
    """Show and take times in the clinic's zone on every page of a signed-in session,
    the admin included (Django converts aware datetimes to the active zone in templates
    and forms; stored values stay UTC). The zone is recorded at login (no query here)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        if SESSION_KEY in request.session:
            zone = request.session.get(ZONE_KEY)
            if zone is None and request.user.is_authenticated:  # a session from before
                zone = request.session[ZONE_KEY] = user_time_zone(request.user)
        try:
            if isinstance(zone, str):
                timezone.activate(ZoneInfo(zone))
            else:
                timezone.deactivate()
        except (ValueError, ZoneInfoNotFoundError):
            timezone.deactivate()
        return self.get_response(request)


class StaffMFAMiddleware:
    """Send a logged-in user who must verify a second factor, and has not, to set one
    up or to enter a code. Who must: staff when STANCE_REQUIRE_STAFF_MFA is on, and
    anyone who has set up two-step verification themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        if SESSION_KEY not in request.session:
            return None  # nobody is signed in: no need to load the (anonymous) user
        user = request.user
        if not user.is_authenticated:
            return None
        if not (request.session.get(MFA_ENROLLED_KEY) or mfa_enforced_for(user)):
            return None
        if user.is_verified():  # type: ignore[attr-defined]  # added by django-otp's OTPMiddleware
            return None
        match = request.resolver_match
        if match is not None and (
            match.namespace == "accounts" or match.url_name in MFA_EXEMPT_URL_NAMES
        ):
            return None
        return _verification_needed(request)


class HistoryOnWritesMiddleware:
    """django-simple-history's HistoryRequestMiddleware for the requests that may change
    a record: it hands the request to the history rows, which name its signed-in user.

    GET, HEAD, OPTIONS and TRACE change nothing here (views write on POST), so they skip
    the thread-local bookkeeping it costs every request. Changes made outside a request
    (tasks, commands) never had a request to name anyone by.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.with_history = HistoryRequestMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in READ_ONLY_METHODS:
            return self.get_response(request)
        response: HttpResponse = self.with_history(request)
        return response


def _verification_needed(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Two-step verification is needed: log in on the website first."},
            status=403,
        )
    name = "accounts:mfa-verify" if mfa_is_enrolled(request.user) else "accounts:mfa-setup"
    target = request.get_full_path() if request.method == "GET" else reverse("home")
    url = f"{reverse(name)}?{urlencode({'next': target})}"
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)
