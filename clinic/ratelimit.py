"""A small fixed-window rate limit kept in Django's cache (Redis in production).

Rates are written like Django REST framework's: "20/min", "5/s", "100/hour", "1000/day"
(only the first letter of the period counts), or "off". The client is the connecting
address (REMOTE_ADDR); behind a proxy, the proxy must set it (for example gunicorn's
--forwarded-allow-ips with a trusted X-Forwarded-For).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

logger = logging.getLogger(__name__)

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
"""Length of a window, by the first letter of the period name."""

_RATE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


def parse_rate(rate: str) -> tuple[int, int] | None:
    """(requests allowed, window in seconds), or None when the limit is off.

    Raises ImproperlyConfigured for anything else: a typo must not silently switch
    the limit off.
    """
    text = (rate or "").strip().lower()
    if text in {"off", "none", "0", ""}:
        return None
    match = _RATE.match(text)
    if not match or match.group(2)[0] not in PERIOD_SECONDS:
        raise ImproperlyConfigured(
            f"Rate {rate!r} is not valid: use N/s, N/min, N/hour or N/day, or off."
        )
    count = int(match.group(1))
    if count < 1:
        raise ImproperlyConfigured(f"Rate {rate!r} must allow at least one request.")
    return count, PERIOD_SECONDS[match.group(2)[0]]


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def rate_limit_exceeded(
    request: HttpRequest, scope: str, rate: str, *, key: str | None = None
) -> bool:
    """Count this request against the client's budget for `scope`; True once it is spent.

    The budget belongs to the client's address, or to `key` when given (for example an
    email address, so one inbox cannot be flooded from many addresses).
    Fixed windows: the counter for the current window is created with `add` (atomic)
    and bumped with `incr` (atomic on Redis and locmem), so concurrent requests cannot
    both slip under the limit. The address or key is hashed so keys carry no personal data.
    """
    parsed = parse_rate(rate)
    if parsed is None:
        return False
    limit, period = parsed
    subject = key if key is not None else client_address(request)
    who = hashlib.sha256(subject.encode()).hexdigest()[:32]
    window = int(time.time() // period)
    key = f"stance:ratelimit:{scope}:{who}:{period}:{window}"
    try:
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 1)
            count = 1
    except Exception:
        # The cache (Redis) is down: let the request through rather than fail it. A
        # booking must never fail because Redis is away; logins keep their lockout,
        # which django-axes keeps in the database.
        logger.warning("rate limit %s not checked: the cache is unavailable", scope)
        return False
    return count > limit
