"""A short-lived cache of the public week page and the availability API's answer, for
visitors who are not logged in.

The week of free times is the page every online booking passes through, and the most
expensive one (slots for every practitioner, hundreds of links). Most visitors browse it
anonymously, so their copies are identical: one rendering is kept for a minute and served
to the next ones (docs/BENCHMARKS.md has the figures with and without it).

It never shows a time that was taken before the page was asked for:
1. Every cached page is filed under the *availability generation*, a token that any
   change to what can be booked replaces (appointments, working hours, time off,
   services, practitioners, locations, the clinic's rules; `bookings/signals.py`). The
   token is replaced when the change commits, so a page computed from data that was
   about to change is filed under a token nobody asks for any more.
2. The key also holds the current minute, since the minimum notice moves with the clock.
3. Only anonymous requests without a session or messages are served from or stored in
   the cache; everyone else gets a fresh page (it may carry their name, a notice or the
   "that time was just taken" list).
Each server process also keeps the last few pages it served in memory, filed under the same
keys: asking Redis for the (small) generation is then the only round trip of a repeat
visit, and the page itself does not cross the network again.
A time taken by someone else in the last seconds is still refused by the booking service,
which says so and offers the nearest free times, as it does for any race.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from rest_framework.request import Request

logger = logging.getLogger(__name__)

GENERATION_KEY = "stance:availability:generation"
PAGE_KEY = "stance:week-page:{digest}"
LOCAL_PAGES = 32
"""Pages each process keeps in memory (the most recently stored or served)."""

_local: OrderedDict[str, bytes] = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key: str) -> bytes | None:
    with _local_lock:
        content = _local.get(key)
        if content is not None:
            _local.move_to_end(key)
        return content


def _local_put(key: str, content: bytes) -> None:
    with _local_lock:
        _local[key] = content
        _local.move_to_end(key)
        while len(_local) > LOCAL_PAGES:
            _local.popitem(last=False)


def _new_generation() -> None:
    # The cache is Redis: a booking must never fail or wait because it is down. Pages
    # cached before an outage expire within STANCE_WEEK_PAGE_CACHE_SECONDS anyway.
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        logger.warning("could not renew the availability generation", exc_info=True)


def availability_changed() -> None:
    """Something that changes free times was written: forget every cached week page once
    the change commits (at once outside a transaction). Not before: a visitor who reads
    the generation before the commit files the page under the old token, which nobody
    asks for after it; one who reads it after the commit reads the changed rows too."""
    if not settings.STANCE_WEEK_PAGE_CACHE_SECONDS:
        return
    transaction.on_commit(_new_generation)


def _generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = secrets.token_hex(8)
        if not cache.add(GENERATION_KEY, value, timeout=None):
            value = cache.get(GENERATION_KEY, value)
    return str(value)


def _cacheable(request: HttpRequest | Request) -> bool:
    return (
        bool(settings.STANCE_WEEK_PAGE_CACHE_SECONDS)
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def week_page_key(request: HttpRequest | Request) -> str | None:
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


def week_page_get(
    key: str | None, *, content_type: str = "text/html; charset=utf-8"
) -> HttpResponse | None:
    if key is None:
        return None
    content = _local_get(key)
    if content is None:
        try:
            content = cache.get(key)
        except Exception:
            return None
        if content is None:
            return None
        _local_put(key, content)
    return HttpResponse(content, content_type=content_type)


def week_page_put(key: str | None, response: HttpResponse) -> HttpResponse:
    if key is not None and response.status_code == 200:
        _local_put(key, response.content)
        try:
            cache.set(key, response.content, timeout=settings.STANCE_WEEK_PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("could not cache a week page", exc_info=True)
    return response
