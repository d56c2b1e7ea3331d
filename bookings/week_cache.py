"""A short-lived cache of the public week page, for visitors who are not logged in.

The week of free times is the page every online booking passes through, and the most
expensive one (slots for every practitioner, hundreds of links). Most visitors browse it
anonymously, so their copies are identical: one rendering is kept for a minute and served
to the next ones (docs/BENCHMARKS.md has the figures with and without it).

It never shows a time that was taken before the page was asked for:
1. Every cached page is filed under the *availability generation*, a token that any
   change to what can be booked replaces (appointments, working hours, time off,
   services, practitioners, locations, the clinic's rules; `bookings/signals.py`). The
   token is replaced at once and again when the change commits, so a page computed from
   data that was about to change is filed under a token nobody asks for any more.
2. The key also holds the current minute, since the minimum notice moves with the clock.
3. Only anonymous requests without a session or messages are served from or stored in
   the cache; everyone else gets a fresh page (it may carry their name, a notice or the
   "that time was just taken" list).
A time taken by someone else in the last seconds is still refused by the booking service,
which says so and offers the nearest free times, as it does for any race.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

GENERATION_KEY = "stance:availability:generation"
PAGE_KEY = "stance:week-page:{digest}"


def _new_generation() -> None:
    # The cache is Redis: a booking must never fail or wait because it is down. Pages
    # cached before an outage expire within STANCE_WEEK_PAGE_CACHE_SECONDS anyway.
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        logger.warning("could not renew the availability generation", exc_info=True)


def availability_changed() -> None:
    """Something that changes free times was written: forget every cached week page."""
    if not settings.STANCE_WEEK_PAGE_CACHE_SECONDS:
        return
    _new_generation()
    transaction.on_commit(_new_generation)


def _generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = secrets.token_hex(8)
        if not cache.add(GENERATION_KEY, value, timeout=None):
            value = cache.get(GENERATION_KEY, value)
    return str(value)


def _cacheable(request: HttpRequest) -> bool:
    return (
        bool(settings.STANCE_WEEK_PAGE_CACHE_SECONDS)
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def week_page_key(request: HttpRequest) -> str | None:
    """The cache key of this request's week page, or None when it must not be cached."""
    if not _cacheable(request):
        return None
    minute = timezone.now().strftime("%Y%m%d%H%M")
    try:
        generation = _generation()
    except Exception:  # no cache: compute the page
        logger.warning("week page cache unavailable", exc_info=True)
        return None
    raw = f"{generation}|{minute}|{request.get_full_path()}"
    return PAGE_KEY.format(digest=hashlib.sha256(raw.encode()).hexdigest())


def week_page_get(key: str | None) -> HttpResponse | None:
    if key is None:
        return None
    try:
        content = cache.get(key)
    except Exception:
        return None
    return None if content is None else HttpResponse(content)


def week_page_put(key: str | None, response: HttpResponse) -> HttpResponse:
    if key is not None and response.status_code == 200:
        try:
            cache.set(key, response.content, timeout=settings.STANCE_WEEK_PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("could not cache a week page", exc_info=True)
    return response
