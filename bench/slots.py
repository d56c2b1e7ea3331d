"""Slot computation: time and query count of `available_slots` for N practitioners x D days.

For each scenario (N in 1, 10, 50; D in 7, 28) on the seeded bench clinic:

1. One call under `CaptureQueriesContext` counts the queries and keeps their SQL.
2. `repeats` timed calls (after warm-up calls) give the median and p95 wall time. Each
   call gets a freshly loaded Service, as a view would, so the clinic is read inside.
3. The same SQL statements, replayed on a raw cursor with `fetchall()` (no ORM), give the
   bare fetch time of the same rows. total - fetch is the Python cost: ORM row building
   and the slot engine.

The query count must not depend on N or D; `check_query_counts` says when it does.
"""

from __future__ import annotations

import gc
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.seed import ScaleData
from bench.stats import median, percentile
from bookings.models import Appointment, Modality, Service
from bookings.selectors import available_slots

SIZES = (1, 10, 50)
DAYS = (7, 28)


@dataclass
class SlotResult:
    practitioners: int
    days: int
    queries: int
    slots: int
    rows: int  # appointment rows the range reads (active ones)
    total_median: float
    total_p95: float
    fetch_median: float
    fetch_p95: float
    repeats: int

    @property
    def compute_median(self) -> float:
        return max(self.total_median - self.fetch_median, 0.0)


def _timed_call(service: Service, start: date, days: int, now: datetime) -> tuple[float, list]:
    t0 = clock.perf_counter()
    result = available_slots(
        service=service,
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        now=now,
        modality=Modality.CLINIC,
    )
    return clock.perf_counter() - t0, result


def _replay(statements: list[str]) -> float:
    t0 = clock.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return clock.perf_counter() - t0


def run(data: ScaleData, *, repeats: int = 25, warmup: int = 3) -> list[SlotResult]:
    tz = ZoneInfo("Australia/Sydney")
    start = data.anchor
    # "Now" is the Sunday before the anchor: every day of the range is bookable.
    now = datetime.combine(start - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    results: list[SlotResult] = []
    connection.ensure_connection()
    for size in SIZES:
        service_id = data.service_ids[size]
        for days in DAYS:
            service = Service.objects.get(pk=service_id)
            with CaptureQueriesContext(connection) as captured:
                slots = _timed_call(service, start, days, now)[1]
            statements = [q["sql"] for q in captured.captured_queries]
            ids = list(
                Service.objects.get(pk=service_id).practitioners.values_list("pk", flat=True)
            )
            range_end = datetime.combine(start + timedelta(days=days), datetime.min.time(), tz)
            rows = (
                Appointment.objects.active()
                .filter(
                    practitioner_id__in=ids,
                    start__lt=range_end,
                    blocked_until__gt=datetime.combine(start, datetime.min.time(), tz),
                )
                .count()
            )
            for _ in range(warmup):
                _timed_call(Service.objects.get(pk=service_id), start, days, now)
                _replay(statements)
            totals: list[float] = []
            fetches: list[float] = []
            for _ in range(repeats):
                service = Service.objects.get(pk=service_id)
                gc.collect()
                totals.append(_timed_call(service, start, days, now)[0])
                gc.collect()
                fetches.append(_replay(statements))
            results.append(
                SlotResult(
                    practitioners=size,
                    days=days,
                    queries=len(statements),
                    slots=len(slots),
                    rows=rows,
                    total_median=median(totals),
                    total_p95=percentile(totals, 95),
                    fetch_median=median(fetches),
                    fetch_p95=percentile(fetches, 95),
                    repeats=repeats,
                )
            )
    return results


def check_query_counts(results: list[SlotResult]) -> str | None:
    """A message when the query count differs between sizes, else None."""
    counts = {(r.practitioners, r.days): r.queries for r in results}
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"N={n} D={d}: {q}" for (n, d), q in counts.items())
        return f"query count depends on the size ({detail})"
    return None


def markdown(results: list[SlotResult]) -> str:
    base = next(r for r in results if r.practitioners == 1 and r.days == 7)
    lines = [
        "| Practitioners | Days | Queries | Slots | Busy rows | t median (ms) | t p95 (ms) "
        "| t / t(1,7) | µs per practitioner-day | Fetch median (ms) | Python (ms) "
        "| Python / fetch | Total / fetch |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: |",
    ]
    for r in results:
        per_pd = r.total_median / (r.practitioners * r.days) * 1e6
        lines.append(
            f"| {r.practitioners} | {r.days} | {r.queries} | {r.slots} | {r.rows} "
            f"| {r.total_median * 1000:.2f} | {r.total_p95 * 1000:.2f} "
            f"| {r.total_median / base.total_median:.1f} | {per_pd:.0f} "
            f"| {r.fetch_median * 1000:.2f} | {r.compute_median * 1000:.2f} "
            f"| {r.compute_median / r.fetch_median:.1f} "
            f"| {r.total_median / r.fetch_median:.1f} |"
        )
    return "\n".join(lines)
