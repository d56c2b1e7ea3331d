"""Where one booking's time goes, statement by statement:
`.venv/bin/python bench/booking_statements.py` (`--help`).

Run it on the database that `bench/booking.py --keep` leaves (the bench clinic of
bench/seed.py, 50 practitioners, about 70 % booked): it books N free 30-minute slots
through `appointment_book` (online, a new patient each, as bench/booking.py does) and
prints the median wall time of the whole booking and of each SQL statement (a wrapper
around Django's cursor, so each figure holds the round trip and psycopg's work, not the
ORM's building of the query). With --profile, a cProfile of the bookings follows.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/stance_bench_booking",
        help="a database seeded by `bench/booking.py --keep` (default: %(default)s)",
    )
    p.add_argument("-n", "--bookings", type=int, default=200, help="bookings (200)")
    p.add_argument("--profile", action="store_true", help="cProfile the bookings")
    return p.parse_args()


class StatementTimer:
    """Wall time of each statement, by its first 90 characters."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times[" ".join(sql.split())[:90]].append(time.perf_counter() - began)


def main() -> int:
    args = parse_args()
    from bench import booking, run

    env = run.bench_env(args.database_url)
    env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", booking.BENCH_REDIS_URL)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from bookings.models import Service
    from bookings.services import appointment_book
    from clinic.models import Patient, Practitioner

    service = Service.objects.select_related("clinic").get(name="Slots offered by 50")
    today = timezone.now().astimezone(service.clinic.tz).date()
    n = args.bookings
    slots = booking.free_slots(service, today + timedelta(days=14), today + timedelta(days=42), n)
    patients = Patient.objects.in_bulk(
        booking.patients_make(service.clinic_id, n, tag=f"-{uuid.uuid4().hex[:8]}-")
    ).values()
    practitioners = {p.pk: p for p in Practitioner.objects.filter(clinic_id=service.clinic_id)}
    timer = StatementTimer()
    totals: list[float] = []
    profiler = cProfile.Profile()
    if args.profile:
        profiler.enable()
    with connection.execute_wrapper(timer):
        for slot, patient in zip(slots, patients, strict=True):
            began = time.perf_counter()
            appointment_book(
                service=service,
                practitioner=practitioners[slot.practitioner_id],
                modality="clinic",
                start=slot.start,
                patient=patient,
            )
            totals.append(time.perf_counter() - began)
    profiler.disable()
    print(f"{n} bookings: p50 {statistics.median(totals) * 1000:.2f} ms a booking\n")
    print("| Statements a booking | p50 ms | Statement |\n| ---: | ---: | --- |")
    sql_total = 0.0
    for sql, times in sorted(timer.times.items(), key=lambda kv: -sum(kv[1])):
        sql_total += sum(times) / n
        print(f"| {len(times) / n:.1f} | {statistics.median(times) * 1000:.2f} | `{sql}` |")
    print(f"\nSQL, mean a booking: {sql_total * 1000:.2f} ms")
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
