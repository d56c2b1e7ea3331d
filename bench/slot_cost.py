"""The slot engine's cost per slot: `.venv/bin/python bench/slot_cost.py` (`--help`).

1. Creates (or, with --reuse-db, reuses) a PostgreSQL database, migrates it and seeds the
   bench clinic of bench/seed.py (50 practitioners, ~70 % booked).
2. For 10 and 50 practitioners over 28 days, times `available_slots` (both modalities, so
   two slots per free time, as the API asks) and `available_slots_no_preference` (the
   public "no preference" week: one slot per time). Calls alternate between the code of
   this tree and, with --against REF, the same two modules as they were at git REF, so
   the before/after ratio comes from one run on the same loaded machine.
3. The same SQL statements, replayed on a raw cursor, give the bare fetch cost. The Python
   cost is the CPU time of this process during a call minus that of its replay (CPU time,
   not wall time: waiting for PostgreSQL or for a core other work holds is left out, so
   the figure moves little with the load of a shared machine). It is reported in
   microseconds per slot returned, and as the marginal cost per slot: its growth from 10
   to 50 practitioners over the growth of the slots.

With --profile, a cProfile of each 50-practitioner call follows (own time, top 25).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import subprocess
import sys
import time as clock
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DAYS = 28
SIZES = (10, 50)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stance_bench_slot_cost"
        ),
        help="the database to (re)create and use (default: %(default)s)",
    )
    p.add_argument("--reuse-db", action="store_true", help="keep an existing bench database")
    p.add_argument("--repeats", type=int, default=20, help="timed calls per case (default 20)")
    p.add_argument(
        "--against",
        metavar="REF",
        help="also time bookings/slots.py and bookings/selectors.py as they were at git REF",
    )
    p.add_argument("--profile", action="store_true", help="cProfile the 50-practitioner calls")
    return p.parse_args()


def git_show(ref: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def module_from_source(
    name: str, source: str, filename: str, preset: dict[str, Any]
) -> types.ModuleType:
    """A module made from source text (a file as it was at a git ref), for baselines."""
    module = types.ModuleType(name)
    module.__dict__.update(preset)
    sys.modules[name] = module  # dataclasses look their module up while decorating
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102
    return module


def selectors_at(ref: str) -> types.ModuleType:
    """bookings.selectors as it was at `ref`, wired to bookings.slots as it was at `ref`."""
    old_slots = module_from_source(
        "bench_baseline_slots", git_show(ref, "bookings/slots.py"), "slots", {}
    )
    source = git_show(ref, "bookings/selectors.py")
    line = "from bookings import slots\n"
    if line not in source:
        raise SystemExit(f"{ref}:bookings/selectors.py does not import bookings.slots plainly")
    return module_from_source(
        "bench_baseline_selectors",
        source.replace(line, ""),
        f"{ref}:bookings/selectors.py",
        {"slots": old_slots},
    )


@dataclass
class Case:
    label: str
    code: str  # "this tree" or the REF
    practitioners: int
    call: Callable[[], list[Any]]
    statements: list[str]
    slots: int = 0
    totals: list[float] | None = None  # wall time of the call
    cpus: list[float] | None = None  # CPU time of this process during the call
    fetches: list[float] | None = None  # CPU time of replaying its SQL


def main() -> int:
    args = parse_args()
    from bench.run import bench_env, database_recreate

    env = bench_env(args.database_url)
    os.environ.update(env)
    fresh = database_recreate(args.database_url, args.reuse_db)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import seed
    from bench.stats import median
    from bookings import selectors
    from bookings.models import Service

    if fresh:
        call_command("migrate", verbosity=0, interactive=False)
    tz = seed.ZoneInfo(seed.TZ_NAME)
    today = datetime.now(tz).date()
    anchor = today + timedelta(days=7 - today.weekday())
    data = seed.scale_data_get(anchor) or seed.scale_data_seed(anchor)
    now = datetime.combine(anchor - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    last = anchor + timedelta(days=DAYS - 1)

    codes: list[tuple[str, types.ModuleType]] = []
    if args.against:
        codes.append((args.against, selectors_at(args.against)))
    codes.append(("this tree", selectors))

    def both(module: types.ModuleType, service_id: int) -> Callable[[], list[Any]]:
        def call() -> list[Any]:
            service = Service.objects.select_related("clinic").get(pk=service_id)
            return module.available_slots(  # type: ignore[no-any-return]
                service=service, start_date=anchor, end_date=last, now=now
            )

        return call

    def no_preference(module: types.ModuleType, service_id: int) -> Callable[[], list[Any]]:
        def call() -> list[Any]:
            service = Service.objects.select_related("clinic").get(pk=service_id)
            people = list(service.practitioners.filter(is_active=True).order_by("display_name"))
            return module.available_slots_no_preference(  # type: ignore[no-any-return]
                service=service,
                practitioners=people,
                start_date=anchor,
                end_date=last,
                now=now,
                modality="clinic",
            )

        return call

    cases: list[Case] = []
    for size in SIZES:
        for label, make in (
            ("available_slots, both modalities", both),
            ("no preference, clinic", no_preference),
        ):
            for code, module in codes:
                call = make(module, data.service_ids[size])
                with CaptureQueriesContext(connection) as captured:
                    found = call()
                cases.append(
                    Case(
                        label,
                        code,
                        size,
                        call,
                        [q["sql"] for q in captured.captured_queries],
                        slots=len(found),
                        totals=[],
                        cpus=[],
                        fetches=[],
                    )
                )
    # Same answers from both versions of the code, or the comparison means nothing.
    if args.against:
        for a, b in zip(cases[::2], cases[1::2], strict=True):
            if [vars_of(s) for s in a.call()] != [vars_of(s) for s in b.call()]:
                raise SystemExit(f"{a.label} ({a.practitioners}): the two versions disagree")

    def replay(statements: list[str]) -> float:
        c0 = clock.process_time()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
        return clock.process_time() - c0

    load_before = os.getloadavg()[0]
    for case in cases:  # warm-up
        case.call()
        replay(case.statements)
    for _ in range(args.repeats):  # interleaved, so a burst of load hits every case alike
        for case in cases:
            assert case.totals is not None and case.cpus is not None
            assert case.fetches is not None
            gc.collect()
            t0, c0 = clock.perf_counter(), clock.process_time()
            case.call()
            case.cpus.append(clock.process_time() - c0)
            case.totals.append(clock.perf_counter() - t0)
            gc.collect()
            case.fetches.append(replay(case.statements))
    load_after = os.getloadavg()[0]

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "bookings"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"{datetime.now(tz=seed.ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC, commit {commit}"
        f"{' (bookings/ modified)' if dirty else ''}, {args.repeats} timed calls per case, "
        f"{DAYS} days from {anchor}, 1-minute load average {load_before:.2f} before / "
        f"{load_after:.2f} after ({'fresh' if fresh else 'reused'} {args.database_url})\n"
    )
    print(
        "| Call | Code | Practitioners | Slots | Wall median (ms) | CPU median (ms) "
        "| CPU of the SQL replay (ms) | Python (ms) | µs per slot (Python) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    python_by: dict[tuple[str, int, str], float] = {}
    for case in cases:
        assert case.totals is not None and case.cpus is not None and case.fetches is not None
        total, cpu, fetch = median(case.totals), median(case.cpus), median(case.fetches)
        python = max(cpu - fetch, 0.0)
        python_by[(case.label, case.practitioners, case.code)] = python
        print(
            f"| {case.label} | {case.code} | {case.practitioners} | {case.slots} "
            f"| {total * 1000:.2f} | {cpu * 1000:.2f} | {fetch * 1000:.2f} "
            f"| {python * 1000:.2f} | {python / case.slots * 1e6:.2f} |"
        )
    # The marginal cost: the growth of the Python time from 10 to 50 practitioners over
    # the growth of the slots (the engine's output), free of what every call costs once.
    slots_by = {(c.label, c.practitioners, c.code): c.slots for c in cases}
    small, large = SIZES
    print(f"\nMarginal Python cost per slot ({small} to {large} practitioners, µs):")
    for label in dict.fromkeys(c.label for c in cases):
        figures = []
        for code, _ in codes:
            grown = python_by[(label, large, code)] - python_by[(label, small, code)]
            found = slots_by[(label, large, code)] - slots_by[(label, small, code)]
            figures.append((code, grown / found * 1e6 if found else float("nan")))
        text = ", ".join(f"{code} {us:.2f}" for code, us in figures)
        if len(figures) == 2:
            text += f", ratio {figures[1][1] / figures[0][1]:.2f}"
        print(f"- {label}: {text}")
    if args.against:
        print(f"\nPython cost per slot, this tree / {args.against}:")
        for case in cases:
            if case.code == "this tree":
                before = python_by[(case.label, case.practitioners, args.against)]
                after = python_by[(case.label, case.practitioners, case.code)]
                print(f"- {case.label}, {case.practitioners}: {after / before:.2f}")

    if args.profile:
        for target in cases:
            if target.practitioners != 50 or target.code != "this tree":
                continue
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                target.call()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(25)
            print(f"\ncProfile of 5 calls, {target.label}, 50 practitioners, this tree\n")
            print(out.getvalue())
    return 0


def vars_of(slot: Any) -> tuple[Any, ...]:
    """A slot's fields, whatever class holds them."""
    return (slot.start, slot.end, slot.practitioner_id, slot.modality, slot.location_id)


if __name__ == "__main__":
    raise SystemExit(main())
