"""What the middleware costs a request: `.venv/bin/python bench/middleware.py` (`--help`).

In one process, several Django WSGI handlers are built, each with its own MIDDLEWARE
list, and called directly with a WSGI environ (as gunicorn calls the application, signals
and all, but without sockets). Rounds of N requests per handler are interleaved, so a burst
of load on the shared machine hits every handler alike; the figures are the median over
the rounds of the mean CPU time of this process per request (what the middleware itself
costs, little moved by other work on the machine) and of the mean wall time.

Handlers: no middleware at all; the MIDDLEWARE of this tree; with --against REF, the
MIDDLEWARE of clinic/settings.py at git REF with clinic/accounts/middleware.py as it was
there; and with --prefixes, the first k middlewares of this tree for every k, whose
differences give each middleware's own cost.

Pages: `/healthz` (the trivial view), the home page `/` anonymous, and `/` signed in as a
patient (a session in the database, as a browser would send), on the demo clinic.
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import statistics
import subprocess
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CUSTOM = "clinic.accounts.middleware."


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_MIDDLEWARE_DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/stance_bench_middleware",
        ),
        help="the database to use; created, migrated and given the demo clinic when missing "
        "(default: %(default)s)",
    )
    p.add_argument("--requests", type=int, default=200, help="requests per round (default 200)")
    p.add_argument("--rounds", type=int, default=15, help="rounds per handler (default 15)")
    p.add_argument("--against", metavar="REF", help="also time the middleware of git REF")
    p.add_argument(
        "--prefixes", action="store_true", help="time the first k middlewares for every k"
    )
    p.add_argument(
        "--trivial-only", action="store_true", help="time /healthz only (quicker with --prefixes)"
    )
    return p.parse_args()


def middleware_at(ref: str) -> list[str]:
    """MIDDLEWARE of clinic/settings.py at `ref`, its own middleware module swapped in."""
    from bench.slot_cost import git_show, module_from_source

    tree = ast.parse(git_show(ref, "clinic/settings.py"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "MIDDLEWARE" for t in node.targets
        ):
            names: list[str] = ast.literal_eval(node.value)
            break
    else:
        raise SystemExit(f"no MIDDLEWARE list in {ref}:clinic/settings.py")
    source = git_show(ref, "clinic/accounts/middleware.py")
    module_from_source(
        "bench_baseline_middleware", source, f"{ref}:clinic/accounts/middleware.py", {}
    )
    return [n.replace(CUSTOM, "bench_baseline_middleware.") for n in names]


def environ(path: str, cookie: str = "") -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


def patient_cookie() -> str:
    """A signed-in patient's session cookie, made the way a login makes it."""
    from django.conf import settings
    from django.test import Client

    from clinic.models import Clinic, Patient, User

    clinic = Clinic.objects.order_by("pk").first()
    assert clinic is not None, "the demo clinic is missing: drop the database and run again"
    email = "bench-middleware-patient@example.org"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=None, role=User.Role.PATIENT, clinic=clinic
        )
        Patient.objects.create(
            clinic=clinic,
            user=user,
            first_name="Bench",
            last_name="Patient",
            date_of_birth=date(1970, 1, 1),
            email=email,
            phone="0400 000 000",
        )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def main() -> int:
    args = parse_args()
    from bench.run import bench_env, database_recreate

    os.environ.update(bench_env(args.database_url))
    fresh = database_recreate(args.database_url, reuse=True)

    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.test import override_settings

    if fresh:
        call_command("migrate", verbosity=0, interactive=False)
        with open(os.devnull, "w") as devnull:
            call_command("seed_demo", stdout=devnull)
    call_command("collectstatic", verbosity=0, interactive=False)

    current = list(settings.MIDDLEWARE)
    configs: list[tuple[str, list[str]]] = [("no middleware", [])]
    if args.against:
        baseline = middleware_at(args.against)
        configs.append((f"{args.against} ({len(baseline)})", baseline))
    configs.append((f"this tree ({len(current)})", current))
    if args.prefixes:
        configs += [(f"first {k}: + {current[k - 1]}", current[:k]) for k in range(1, len(current))]

    handlers: dict[str, WSGIHandler] = {}
    for name, middleware in configs:
        with override_settings(MIDDLEWARE=middleware):
            handlers[name] = WSGIHandler()  # loads its middleware chain now, once

    cookie = patient_cookie()
    pages = [
        ("/healthz", environ("/healthz")),
        ("/ anonymous", environ("/")),
        ("/ signed-in patient", environ("/", cookie)),
    ]
    if args.trivial_only:
        pages = pages[:1]
    statuses: dict[tuple[str, str], str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> Callable[..., None]:
        start_response.status = status  # type: ignore[attr-defined]
        return lambda _: None

    def one_round(handler: WSGIHandler, env: dict[str, Any], n: int) -> tuple[float, float]:
        t0, c0 = clock.perf_counter(), clock.process_time()
        for _ in range(n):
            env["wsgi.input"].seek(0)
            response = handler(dict(env), start_response)
            b"".join(response)
            response.close()
        return (clock.perf_counter() - t0) / n, (clock.process_time() - c0) / n

    for name, handler in handlers.items():  # warm-up, and check every page answers
        for page, env in pages:
            one_round(handler, env, 20)
            statuses[(name, page)] = start_response.status  # type: ignore[attr-defined]

    load_before = os.getloadavg()[0]
    walls: dict[tuple[str, str], list[float]] = {key: [] for key in statuses}
    cpus: dict[tuple[str, str], list[float]] = {key: [] for key in statuses}
    for _ in range(args.rounds):
        for page, env in pages:
            for name, handler in handlers.items():
                wall, cpu = one_round(handler, env, args.requests)
                walls[(name, page)].append(wall)
                cpus[(name, page)].append(cpu)
    load_after = os.getloadavg()[0]

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, {args.rounds} rounds of "
        f"{args.requests} requests per handler and page, in process (WSGI handler called "
        f"directly), 1-minute load average {load_before:.2f} before / {load_after:.2f} after\n"
    )
    for title, times in (
        ("CPU time of this process per request (µs, median of the rounds)", cpus),
        ("Wall time per request (µs, median of the rounds)", walls),
    ):
        medians = {key: statistics.median(values) for key, values in times.items()}
        print(f"{title}:\n")
        print("| Middleware | " + " | ".join(page for page, _ in pages) + " |")
        print("| --- |" + " ---: |" * len(pages))
        for name in handlers:
            cells = [
                f"{medians[(name, page)] * 1e6:.0f} ({statuses[(name, page)].split()[0]})"
                for page, _ in pages
            ]
            print(f"| {name} | " + " | ".join(cells) + " |")
        if args.against:
            before = next(n for n in handlers if n.startswith(args.against))
            after = next(n for n in handlers if n.startswith("this tree"))
            ratios = ", ".join(
                f"{page} {medians[(after, page)] / medians[(before, page)]:.2f}"
                for page, _ in pages
            )
            print(f"\nThis tree / {args.against}: {ratios}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
