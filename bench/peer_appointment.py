"""The peer's side of `make bench-booking`: django-appointment 3.12.0 booking through its
own code, run with the peer's own virtualenv (var/bench-peer/venv, `make bench-peer-env`).

bench/booking.py starts this script as a subprocess with the peer venv's python; it is
not imported by Stance and needs nothing from Stance. It configures a minimal Django
project for django-appointment (the settings its documentation asks for, the middleware
of `django-admin startproject`, e-mail into Django's in-memory backend, debug off), and:

- `serve`: migrates the database it is given (created by bench/booking.py), seeds one
  service, one staff member with working hours every day and one client account, then
  books on request: each line `full N` or `rows N` on stdin books N appointments at
  distinct times and answers the seconds taken, so that bench/booking.py can interleave
  small batches of the peer's bookings with its own. One booking is what the
  peer's two booking views do for a signed-out client whose account exists, without the
  HTTP layer: `AppointmentRequestForm` validates and saves the request,
  `AppointmentForm` and `ClientDataForm` validate the client's details, the request is
  saved again with its payment type, and `appointment.views.create_appointment` creates
  the appointment (`create_and_save_appointment`) and e-mails the staff member with an
  .ics file (`notify_admin_about_appointment`); `rows` stops after
  `create_and_save_appointment` (the rows only, no e-mail).
- `probe`: the trivial view's in-process latency (Django test client, the project's full
  middleware) and the process's resident memory after `get_wsgi_application()`, after one
  request and after the warm-up. Prints JSON.

Usage (normally through bench/booking.py):
    var/bench-peer/venv/bin/python bench/peer_appointment.py serve --setup --database-url URL
    var/bench-peer/venv/bin/python bench/peer_appointment.py probe --database-url URL
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def trivial(request: Any) -> Any:
    """The peer project's trivial page, like Stance's `/healthz`: no database, no template."""
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


_urlpatterns: list[Any] = []


def __getattr__(name: str) -> Any:
    """This module is the project's URLconf, built when Django first asks for it (after
    the settings exist), as Django loads a project's urls.py at the first request."""
    if name != "urlpatterns":
        raise AttributeError(name)
    if not _urlpatterns:
        from django.urls import include, path

        _urlpatterns.extend(
            [path("healthz", trivial), path("appointment/", include("appointment.urls"))]
        )
    return _urlpatterns


def configure(database_url: str) -> None:
    from django.conf import settings

    parts = urlsplit(database_url)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-peer-not-secret-" + "x" * 40,
        ALLOWED_HOSTS=["127.0.0.1", "testserver"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "phonenumber_field",
            "appointment",
        ],
        # As `django-admin startproject` writes it.
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": parts.path.lstrip("/"),
                "USER": parts.username or "postgres",
                "PASSWORD": parts.password or "",
                "HOST": parts.hostname or "127.0.0.1",
                "PORT": str(parts.port or 5432),
            }
        },
        USE_TZ=True,
        TIME_ZONE="UTC",
        STATIC_URL="/static/",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DEFAULT_FROM_EMAIL="clinic@example.org",
        ADMINS=[("Bench Admin", "admin@example.org")],
        APPOINTMENT_WEBSITE_NAME="Bench",
        APPOINTMENT_LEAD_TIME=(0, 0),
        APPOINTMENT_FINISH_TIME=(23, 30),
        LOGGING_CONFIG=None,
    )
    logging.disable(logging.WARNING)  # the peer logs every booking at INFO and WARNING


def seed() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from appointment.models import Service, StaffMember, WorkingHours

    user_model = get_user_model()
    staff_user = user_model.objects.create_user(
        username="bench-staff", email="staff@example.org", first_name="Bench", last_name="Staff"
    )
    service = Service.objects.create(
        name="Bench follow-up", duration=timedelta(minutes=30), price=0
    )
    staff = StaffMember.objects.create(
        user=staff_user, work_on_saturday=True, work_on_sunday=True, slot_duration=30
    )
    staff.services_offered.add(service)
    WorkingHours.objects.bulk_create(
        WorkingHours(
            staff_member=staff, day_of_week=d, start_time=wall_time(6), end_time=wall_time(22)
        )
        for d in range(7)
    )
    client = user_model.objects.create_user(
        username="bench-client", email="client@example.org", first_name="Bench"
    )
    return {"service": service, "staff": staff, "client": client}


def book_one(scene: dict[str, Any], day: date, start: wall_time, *, notify: bool) -> Any:
    """One booking as the peer's `appointment_request_submit` and
    `appointment_client_information` views make it, minus HTTP and sessions."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from appointment.forms import AppointmentForm, AppointmentRequestForm, ClientDataForm
    from appointment.utils.db_helpers import create_and_save_appointment
    from appointment.views import create_appointment

    end = (datetime.combine(day, start) + timedelta(minutes=30)).time()
    form = AppointmentRequestForm(
        {
            "date": day.isoformat(),
            "start_time": start.strftime("%H:%M:%S"),
            "end_time": end.strftime("%H:%M:%S"),
            "service": scene["service"].pk,
            "staff_member": scene["staff"].pk,
        }
    )
    if not form.is_valid():
        raise RuntimeError(f"peer request form: {form.errors.as_json()}")
    ar = form.save()
    appointment_form = AppointmentForm(
        {
            "phone_0": "AU",
            "phone_1": "412345678",
            "want_reminder": "",
            "address": "1 Example Street, Sydney NSW",
            "additional_info": "",
        }
    )
    client_form = ClientDataForm(
        {"name": "Bench Client", "email": "client@example.org"}, user=AnonymousUser()
    )
    if not (appointment_form.is_valid() and client_form.is_valid()):
        raise RuntimeError(
            f"peer forms: {appointment_form.errors.as_json()} {client_form.errors.as_json()}"
        )
    ar.payment_type = "full"
    ar.save()
    request = RequestFactory().post("/appointment/client-info/")
    request.user = AnonymousUser()
    request.session = {}  # the view only stores an entry in it
    if notify:
        return create_appointment(
            request, ar, client_form.cleaned_data, appointment_form.cleaned_data
        )
    return create_and_save_appointment(
        ar, client_form.cleaned_data, appointment_form.cleaned_data, request
    )


def scene_get() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from appointment.models import Service, StaffMember

    user_model = get_user_model()
    return {
        "service": Service.objects.get(name="Bench follow-up"),
        "staff": StaffMember.objects.get(user__username="bench-staff"),
        "client": user_model.objects.get(username="bench-client"),
    }


def command_serve(args: argparse.Namespace) -> None:
    """Book on request: each line on stdin is `full N` or `rows N`; each answer is one
    line `PEERJSON {"seconds": ..., "bookings": N, "emails": ...}`. `quit` ends."""
    import django
    from django.core import mail
    from django.core.management import call_command

    django.setup()
    if args.setup:
        # The package ships no migrations (its documentation has the project run
        # `makemigrations appointment`): Django's own apps first, then its tables from
        # the models as they are (`--run-syncdb`), indexes and constraints included.
        call_command("migrate", verbosity=0, interactive=False)
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
        scene = seed()
    else:
        scene = scene_get()
    from appointment.models import AppointmentRequest

    # Distinct half-hour slots, 6 am to 10 pm, from the day after tomorrow on; a later
    # run on the same database goes on after the requests already made.
    first = datetime.now(UTC).date() + timedelta(days=2)  # the project's zone is UTC
    slot = itertools.islice(
        (
            (first + timedelta(days=d), wall_time(6 + k // 2, 30 * (k % 2)))
            for d in range(100_000)
            for k in range(32)
        ),
        AppointmentRequest.objects.count(),
        None,
    )
    for _ in range(5):  # warm-up: imports, templates, the connection
        day, start = next(slot)
        book_one(scene, day, start, notify=True)
    answer({"ready": True})
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        variant, count = words[0], int(words[1])
        wanted = [next(slot) for _ in range(count)]
        mail.outbox = []
        began = time.perf_counter()
        for day, start in wanted:
            book_one(scene, day, start, notify=variant == "full")
        seconds = time.perf_counter() - began
        answer({"seconds": seconds, "bookings": count, "emails": len(mail.outbox)})


def answer(data: dict[str, Any]) -> None:
    print("PEERJSON " + json.dumps(data), flush=True)


def command_probe(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.wsgi import get_wsgi_application

    rss_start = rss_kib()
    get_wsgi_application()  # what a gunicorn worker loads: django.setup(), the handler
    rss_setup = rss_kib()
    from django.test import Client

    client = Client()
    response = client.get("/healthz")
    if response.status_code != 200:
        raise RuntimeError(f"/healthz answered {response.status_code}")
    rss_one = rss_kib()
    for _ in range(200):
        client.get("/healthz")
    times = []
    for _ in range(args.requests):
        began = time.perf_counter()
        client.get("/healthz")
        times.append(time.perf_counter() - began)
    return {
        "p50_ms": statistics.median(times) * 1000,
        "requests": args.requests,
        "rss_kib_interpreter": rss_start,
        "rss_kib_after_setup": rss_setup,
        "rss_kib_after_one_request": rss_one,
        "rss_kib_after_warmup": rss_kib(),
        "modules": len(sys.modules),
        "django": __import__("django").get_version(),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="book on request from stdin (see command_serve)")
    serve.add_argument("--database-url", required=True)
    serve.add_argument("--setup", action="store_true", help="migrate and seed first")
    probe = sub.add_parser("probe", help="trivial view latency and resident memory")
    probe.add_argument("--database-url", required=True)
    probe.add_argument("--requests", type=int, default=2000)
    args = p.parse_args()
    configure(args.database_url)
    if args.command == "serve":
        command_serve(args)
    else:
        answer(command_probe(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
