"""Stance's booking benchmarks: `make bench` (or `.venv/bin/python bench/run.py`).

1. Creates a fresh PostgreSQL database (`stance_bench` by default), migrates it, collects
   the static files (debug is off), loads the demo (`seed_demo`) and the scaling data set
   (bench/seed.py: 50 practitioners, ~70 % booked).
2. Slot computation (bench/slots.py): `available_slots` for 1, 10 and 50 practitioners
   over 7 and 28 days: median and p95 time, query count, ratios. Exits non-zero when the
   query count depends on the size.
3. Week page (bench/week_page.py): gunicorn serving the trivial view `/healthz`, the
   public week page (demo clinic, and the 10-practitioner bench service) and, for
   reference, the home page `/`; one client, then concurrency 8, by wrk when it is
   installed or a Python load generator; p50/p95, requests/s and the ratio week / trivial
   (target: 3x or less). Then an in-process breakdown (SQL, slots, template) and, when
   the ratio misses its target (or with --profile), a cProfile of the week page.

Everything binds to 127.0.0.1; the script stops what it starts by PID. Figures go into
docs/BENCHMARKS.md by hand; the Markdown tables printed at the end are ready to paste.
Results are also written as JSON to var/bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import time as clock
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # Django is set up inside main(), after the environment
    from bench.seed import ScaleData
    from bookings.models import Service

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_REDIS_URL = "redis://127.0.0.1:6379/14"
WEEK_TARGET = 3.0  # week page p50 within 3x the trivial view's p50


def log(message: str = "") -> None:
    print(message, flush=True)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stance_bench"
        ),
        help="the database to (re)create and use (default: %(default)s)",
    )
    p.add_argument("--reuse-db", action="store_true", help="keep an existing bench database")
    p.add_argument("--repeats", type=int, default=3, help="load runs per page (default 3)")
    p.add_argument("--seconds", type=float, default=8, help="seconds per load run (default 8)")
    p.add_argument("--warmup", type=float, default=3, help="warm-up seconds per page")
    p.add_argument(
        "--single-seconds", type=float, default=5, help="seconds of one-client load per page"
    )
    p.add_argument("--connections", type=int, default=8, help="concurrency (default 8)")
    p.add_argument("--slot-repeats", type=int, default=25, help="timed calls per slot scenario")
    p.add_argument("--skip-slots", action="store_true")
    p.add_argument("--skip-http", action="store_true")
    p.add_argument("--profile", action="store_true", help="always cProfile the week page")
    p.add_argument(
        "--load-tool",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk when installed (auto, the default) or the Python one",
    )
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for the 1-minute load average to fall below 1 first",
    )
    p.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 repeat of 3 s, 5 slot repeats"
    )
    args = p.parse_args()
    if args.quick:
        args.repeats, args.seconds, args.warmup, args.slot_repeats = 1, 3, 1, 5
        args.single_seconds = 2
    return args


def bench_env(database_url: str) -> dict[str, str]:
    """The environment of this process and of gunicorn: production-like settings."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            # Redis as in production (cache, broker): a database of the benchmark's own,
            # emptied before and after the run.
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", BENCH_REDIS_URL),
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "STANCE_BOOKING_RATE_LIMIT": "off",
            # Plain HTTP on 127.0.0.1: no redirect to https, cookies sent without TLS.
            "STANCE_SSL_REDIRECT": "0",
            "STANCE_SECURE_COOKIES": "0",
            "STANCE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def redis_flush(url: str) -> None:
    """Empty the benchmark's own Redis database (cached pages, unsent task messages)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def postgres_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 1):
            return True
    except OSError:
        return False


def database_recreate(url: str, reuse: bool) -> bool:
    """Drop and create the bench database; True when it was created afresh."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return False
        if exists:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def machine(load_tool: str) -> dict[str, str]:
    import django
    from django.db import connection

    import psycopg

    from bench import week_page

    cpu = "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]

    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except OSError:
            return "missing"
        lines = (out.stdout or out.stderr).strip().splitlines()
        return lines[0] if lines else ""

    dirty = first_line(["git", "-C", str(ROOT), "status", "--porcelain"])
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "psycopg": psycopg.__version__,
        "gunicorn": first_line([str(ROOT / ".venv/bin/gunicorn"), "--version"]),
        "load generator": week_page.load_tool_name(load_tool),
        "commit": first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "uncommitted changes": "missing git" if dirty == "missing" else ("yes" if dirty else "no"),
    }


def main() -> int:
    args = parse_args()
    started = clock.monotonic()
    if not postgres_answers(args.database_url):
        log(f"PostgreSQL does not answer at {args.database_url}; start it first.")
        return 2
    if args.wait_quiet:
        deadline = clock.monotonic() + args.wait_quiet
        while os.getloadavg()[0] >= 1 and clock.monotonic() < deadline:
            clock.sleep(5)
    load_before = os.getloadavg()[0]
    if load_before >= 1:
        log(
            f"WARNING: the 1-minute load average is {load_before:.2f} before the run: other "
            "work shares these cores, so absolute figures will be slow and noisy."
        )
    env = bench_env(args.database_url)
    os.environ.update(env)
    redis_flush(env["REDIS_URL"])
    fresh = database_recreate(args.database_url, args.reuse_db)

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import seed, week_page
    from bookings.models import Service

    log(f"== Stance benchmarks on {args.database_url} ({'fresh' if fresh else 'reused'})")
    t0 = clock.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    # Debug is off, as in production: pages name the hashed files of the manifest.
    call_command("collectstatic", verbosity=0, interactive=False)
    with open(os.devnull, "w") as devnull:
        call_command("seed_demo", stdout=devnull)
    demo_service = Service.objects.select_related("clinic").get(
        clinic__slug="harbourside", name="Follow-up"
    )
    anchor = week_page.next_monday(timezone.now().astimezone(demo_service.clinic.tz).date())
    data = seed.scale_data_get(anchor) or seed.scale_data_seed(anchor)
    seeded = (
        f"{data.utilisation:.0%} of working time held from {anchor} for 28 days"
        if data.utilisation == data.utilisation  # not NaN: seeded in this run
        else "reused from an earlier run"
    )
    log(
        f"Seeded in {clock.monotonic() - t0:.1f} s: bench clinic with {seed.PRACTITIONERS} "
        f"practitioners, {data.appointments} active + {data.cancelled} cancelled appointments, "
        f"{data.time_off} time-off rows; {seeded}."
    )
    info = machine(args.load_tool)
    results: dict[str, object] = {
        "machine": info,
        "anchor": anchor.isoformat(),
        "args": vars(args),
        "seed": asdict(data),
    }
    summary: list[str] = []
    exit_code = 0
    if not args.skip_slots:
        exit_code |= slot_benchmark(data, args, results, summary)
    if not args.skip_http:
        exit_code |= page_benchmark(data, demo_service, anchor, env, args, results, summary)

    redis_flush(env["REDIS_URL"])
    info["load average (1 min) before / after"] = f"{load_before:.2f} / {os.getloadavg()[0]:.2f}"
    out = ROOT / "var" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    log("\n== Markdown summary (paste into docs/BENCHMARKS.md)\n")
    log("| Machine | |\n| --- | --- |")
    for key, value in info.items():
        log(f"| {key} | {value} |")
    for block in summary:
        log("")
        log(block)
    log(
        f"\nRaw results in {out.relative_to(ROOT)}; the whole run took "
        f"{clock.monotonic() - started:.0f} s; exit status {exit_code}."
    )
    return exit_code


def slot_benchmark(
    data: ScaleData, args: argparse.Namespace, results: dict[str, object], summary: list[str]
) -> int:
    from bench import slots

    log("\n== Slot computation (available_slots, modality clinic)")
    slot_results = slots.run(data, repeats=args.slot_repeats)
    table = slots.markdown(slot_results)
    log(table)
    counts = sorted({r.queries for r in slot_results})
    problem = slots.check_query_counts(slot_results)
    if problem:
        verdict = f"Query count constant in practitioners and days: **FAILED**, {problem}."
    else:
        verdict = (
            f"Query count constant in practitioners and days: **MET** ({counts[0]} queries "
            "for every size)."
        )
    log("\n" + verdict)
    results["slots"] = [asdict(r) for r in slot_results]
    summary.append(f"Slot computation ({args.slot_repeats} timed calls each):\n\n{table}")
    summary.append(verdict)
    return 1 if problem else 0


def page_benchmark(
    data: ScaleData,
    demo_service: Service,
    anchor: date,
    env: dict[str, str],
    args: argparse.Namespace,
    results: dict[str, object],
    summary: list[str],
) -> int:
    from django.db import connection

    from bench import week_page
    from bench.stats import ms
    from bookings.models import Service as ServiceModel

    log("\n== Week page against /healthz (gunicorn gthread -w 2 --threads 4)")
    week_path = week_page.week_page_path(str(demo_service.code), "clinic", anchor)
    bench_code = ServiceModel.objects.get(pk=data.service_ids[10]).code
    bench_path = week_page.week_page_path(str(bench_code), "clinic", anchor)
    if week_path is None or bench_path is None:
        log("FAIL: reverse('bookings:slot-list', args=[code, modality]) does not resolve.")
        return 1
    scenarios = [
        week_page.Scenario("trivial", "Trivial view `/healthz`", "/healthz"),
        week_page.Scenario("week", "Week page, demo clinic (3 practitioners)", week_path),
        week_page.Scenario("week-10", "Week page, 10 practitioners ~70 % booked", bench_path),
        week_page.Scenario("home", "Reference: home page `/` (1 query, base layout)", "/"),
    ]
    # The same pages from a second server with the week-page cache off: what the first
    # visitor after a change to free times waits (bookings/week_cache.py).
    cold_env = {**env, "STANCE_WEEK_PAGE_CACHE_SECONDS": "0"}
    off = {"STANCE_WEEK_PAGE_CACHE_SECONDS": 0}
    cold = [
        week_page.Scenario("week-cold", "Week page, demo clinic, cache off", week_path, None, off),
        week_page.Scenario(
            "week-10-cold", "Week page, 10 practitioners, cache off", bench_path, None, off
        ),
    ]
    connection.close()  # gunicorn's workers open their own
    with week_page.gunicorn(env) as server, week_page.gunicorn(cold_env) as cold_server:
        for sc in cold:
            sc.base = cold_server.base
        scenarios += cold
        week_page.wait_for(
            lambda: week_page.fetch(server.base + "/healthz")[0] == 200, 30, "/healthz"
        )
        for sc in scenarios:
            status, body = week_page.fetch(sc.url(server))
            sc.body_bytes = len(body)
            log(f"GET {sc.path} -> {status}, {len(body)} bytes")
            if status != 200:
                log(f"FAIL: {sc.path} answered {status}; see {server.log}")
                return 1
        week_page.run_load(
            server,
            scenarios,
            seconds=args.seconds,
            warmup=args.warmup,
            repeats=args.repeats,
            connections=args.connections,
            single_seconds=args.single_seconds,
            tool=args.load_tool,
            log=log,
        )
        rss = [week_page.rss_kib(pid) for pid in week_page.worker_pids(server.pid)]
    loaded = week_page.markdown(scenarios)
    single = week_page.single_markdown(scenarios)
    raw = week_page.raw_runs(scenarios)
    rss_line = "gunicorn worker RSS after the run: " + ", ".join(
        f"{kib / 1024:.0f} MiB" for kib in rss
    )
    for block in (single, loaded, raw, rss_line):
        log("")
        log(block)
    exit_code = 0
    failed = [sc.label for sc in scenarios if any(r.errors for r in sc.runs)]
    if failed:
        log(f"FAIL: errors or HTTP statuses >= 400 under load: {', '.join(failed)}")
        exit_code = 1
    by_key = {sc.key: sc for sc in scenarios}
    trivial, page, home = by_key["trivial"], by_key["week"], by_key["home"]
    ratio = page.med("p50") / trivial.med("p50")
    assert page.single is not None and trivial.single is not None
    single_ratio = page.single.p50 / trivial.single.p50
    verdict = (
        f"{page.label}, p50 at concurrency {args.connections}: {ms(page.med('p50'))} ms / "
        f"trivial {ms(trivial.med('p50'))} ms = **{ratio:.1f}x** (one client: "
        f"{single_ratio:.1f}x); target <= {WEEK_TARGET:g}x: "
        + ("**MET**" if ratio <= WEEK_TARGET else "**MISSED**")
        + f". For scale, the home page is {home.med('p50') / trivial.med('p50'):.1f}x."
    )
    cold_page = by_key["week-cold"]
    cold_ratio = cold_page.med("p50") / trivial.med("p50")
    verdict += (
        f" With the cache off (every request computed, as for the first visitor after a "
        f"change), the same page is {cold_ratio:.1f}x ({ms(cold_page.med('p50'))} ms)."
    )
    log("\n" + verdict)
    results["http"] = {
        sc.key: {
            "label": sc.label,
            "path": sc.path,
            "bytes": sc.body_bytes,
            "runs": [asdict(r) for r in sc.runs],
            "single": asdict(sc.single) if sc.single else None,
            "single_rounds": [asdict(r) for r in sc.singles],
        }
        for sc in scenarios
    }
    results["ratio_p50"] = ratio
    results["ratio_p50_one_client"] = single_ratio
    results["ratio_p50_cache_off"] = cold_ratio
    results["worker_rss_kib"] = rss

    log("\n== In-process breakdown (Django test client, same settings), medians")
    lines = [
        "| Page | Total ms | DB connect ms | SQL ms | Queries "
        "| available_slots ms (incl. its SQL) | Template render ms | Status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    breakdowns = {}
    for sc in scenarios:
        b = week_page.breakdown(sc.path, overrides=sc.overrides)
        breakdowns[sc.key] = asdict(b)
        lines.append(
            f"| {sc.label} | {ms(b.total)} | {ms(b.connect)} | {ms(b.sql)} | {b.queries} "
            f"| {ms(b.slots)} | {ms(b.render)} | {b.status} |"
        )
    breakdown = "\n".join(lines)
    log(breakdown)
    results["breakdown"] = breakdowns
    summary.append(
        f"One client ({args.single_seconds:g} s per page in rounds of about 1 s, interleaved; "
        f"medians of the rounds), gunicorn:\n\n{single}"
    )
    summary.append(
        f"Concurrency {args.connections} ({args.repeats} runs of {args.seconds:g} s per page, "
        f"interleaved; medians of the runs):\n\n{loaded}\n\n{raw}\n\n{rss_line}"
    )
    summary.append(f"In-process breakdown, medians of 40 requests:\n\n{breakdown}")
    summary.append(verdict)
    if args.profile or ratio > WEEK_TARGET:
        log("\n== cProfile of the week page (the ratio misses its target, or --profile)")
        text = week_page.profile(page.path)
        log(text)
        results["profile"] = text
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
