"""Stance settings: one module, configured from environment variables.

Every variable is listed in `.env.example`. Production differs from development only
through the environment; bad production configuration fails loudly at start-up.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

import dj_database_url
import django_stubs_ext

# Django's generic classes take type arguments at run time too (ModelAdmin[Patient]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    """A string from the environment, or from the file named by `<NAME>_FILE`."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"Cannot read {name}_FILE: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "django-insecure-stance-development-key-change-me"  # noqa: S105 (public)
"""Used when DJANGO_SECRET_KEY is not set. Commands that sign nothing (makemigrations,
check, collectstatic) run with it; the processes that serve pages or send emails refuse
it unless debug is on (clinic/secret_key.py), and `check --deploy` flags it (W009)."""

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("STANCE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "clinic",
    "clinic.accounts",
    "bookings",
    "prescriptions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Clinical records' history rows name who made each change (django-simple-history's
    # middleware, for the requests that can change something).
    "clinic.accounts.middleware.HistoryOnWritesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "clinic.accounts.middleware.IdleTimeoutMiddleware",
    "clinic.accounts.middleware.ClinicTimeZoneMiddleware",
    "clinic.accounts.middleware.StaffMFAMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"
AUTH_USER_MODEL = "clinic.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.clinic",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (postgres://...); the embedded default is a SQLite file.
# SQLite takes the write lock at the start of every transaction (IMMEDIATE), so the
# booking service's re-check-then-insert is serialised there (reliability.md A.5).
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    # Persistent connections: a new PostgreSQL connection is a new server process with
    # cold catalogue caches, which doubled the booking week page's time under gunicorn
    # (docs/BENCHMARKS.md). Health checks replace a connection the server has closed.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No statement waits more than 5 s for a row lock (a booking queued behind others on
    # one practitioner's time, say): it fails instead of holding a web worker.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c lock_timeout=5s"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and Celery -----------------------------------------------------------------
# Redis is the broker when REDIS_URL is set. Without it (`make run`), the broker is a
# folder of message files (kombu's filesystem transport under var/broker/), shared by the
# web process and the worker that `make run` starts beside it. Reminders never ride the
# broker for long: they are outbox rows (bookings.Notification) that a sweep hands to the
# worker when due, so the broker only ever holds "send row N now" messages.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # Unacknowledged messages come back after an hour; every countdown we use
        # (email retries, at most STANCE_EMAIL_RETRY_MAX_SECONDS) is far shorter.
        "visibility_timeout": 3600,
        # A booking never waits long on a Redis that is down or unreachable.
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    _BROKER_DIR = BASE_DIR / "var" / "broker"
    for _sub in ("queue", "processed"):
        (_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"  # a host name only to quiet a kombu warning
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(_BROKER_DIR),
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task ran, and give the message back if the worker process dies,
# so a killed worker loses nothing; the outbox status makes the redelivery harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A lost broker connection lets running sends finish (cancelling one mid-SMTP could
# send it twice); their late acks fail and the redelivered message finds the row sent.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_TASK_TIME_LIMIT = 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# While the broker is away, a worker tries again (Celery's waits) for as long as it takes;
# on connecting it asks for a sweep (clinic/celery.py), so a backlog goes out then.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# Keep the worker's database connection from task to task (Celery would close it after
# each one); Django's own rules above (CONN_MAX_AGE, health checks) replace it around each
# task as they do around each request (clinic/celery.py).
CELERY_DB_REUSE_MAX = 1000

# --- Email ---------------------------------------------------------------------------
# Django's mailers (MAILERS: Django 6.1's email setting; EMAIL_BACKEND is deprecated).
# With EMAIL_HOST set, mail goes over SMTP (Mailpit in docker-compose); otherwise each
# message is written as a file of its own under var/mail/ where a person can read it.
_EMAIL_HOST = env_str("EMAIL_HOST", "")
if _EMAIL_HOST:
    MAILERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "clinic.mail.OneFilePerEmailBackend",
            "OPTIONS": {"file_path": str(BASE_DIR / "var" / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Stance <bookings@stance.example>")
# Patient email (bookings/notifications.py). A transient failure (connection refused,
# timeout, SMTP 4xx) is retried with exponential backoff and jitter, capped well below the
# broker's visibility timeout; a permanent one (SMTP 5xx) marks the message failed at once.
STANCE_EMAIL_MAX_ATTEMPTS = env_int("STANCE_EMAIL_MAX_ATTEMPTS", 6)
STANCE_EMAIL_RETRY_BASE_SECONDS = 30.0
STANCE_EMAIL_RETRY_MAX_SECONDS = 300.0
# A message handed to the broker, or taken by a worker, this long ago without an outcome
# is handed over again by the sweep (its message or its worker was lost).
STANCE_EMAIL_STALE_CLAIM_MINUTES = 10

# --- Text messages (SMS) ---------------------------------------------------------------
# Reminders by text for patients who choose it (bookings/sms.py). The backend is a dotted
# path like Django's email backends: FileBackend (each message a file under var/sms/),
# ConsoleBackend, LocmemBackend (tests) or TwilioBackend (Twilio's Messages API at
# STANCE_SMS_API_URL with the account SID, auth token and sender number below).
SMS_BACKEND = env_str("STANCE_SMS_BACKEND", "bookings.sms.FileBackend")
SMS_FILE_PATH = env_str("STANCE_SMS_FILE_PATH", str(BASE_DIR / "var" / "sms"))
STANCE_SMS_API_URL = env_str("STANCE_SMS_API_URL", "https://api.twilio.com")
STANCE_SMS_ACCOUNT_SID = env_str("STANCE_SMS_ACCOUNT_SID", "")
STANCE_SMS_AUTH_TOKEN = env_str("STANCE_SMS_AUTH_TOKEN", "")
STANCE_SMS_FROM = env_str("STANCE_SMS_FROM", "")
STANCE_SMS_TIMEOUT_SECONDS = 10.0

# --- Stance ---------------------------------------------------------------------------
TELEHEALTH_BASE_URL = env_str("TELEHEALTH_BASE_URL", "https://meet.jit.si").rstrip("/")
STANCE_BOOKING_RATE_LIMIT = env_str("STANCE_BOOKING_RATE_LIMIT", "20/min")
# How long a signed "manage your appointment" link stays valid after it is issued.
STANCE_MANAGE_LINK_MAX_AGE_DAYS = env_int("STANCE_MANAGE_LINK_MAX_AGE_DAYS", 90)
# Seconds an anonymous visitor's copy of the booking week page is reused (bookings/
# week_cache.py: any change to free times forgets it at once); 0 turns the cache off.
STANCE_WEEK_PAGE_CACHE_SECONDS = env_int("STANCE_WEEK_PAGE_CACHE_SECONDS", 60)
# How long an earlier time offered to the waitlist is held for the patient it was
# offered to before it goes to the next (bookings/waitlist.py).
STANCE_WAITLIST_HOLD_MINUTES = env_int("STANCE_WAITLIST_HOLD_MINUTES", 120)

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out logins before any check
    "django.contrib.auth.backends.ModelBackend",
]
# Passwords (ASVS 6.2): length and a common-password list, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a set-or-reset link works once, for a day
# Requests for a password link, per client address, and emails per address.
STANCE_PASSWORD_RESET_RATE_LIMIT = env_str("STANCE_PASSWORD_RESET_RATE_LIMIT", "10/hour")
STANCE_RESET_EMAILS_PER_ADDRESS = "3/hour"
# New patients' details (the booking flow's details step and the API's bookings, which
# create accounts), per client address: apart from the booking and password-link limits.
STANCE_SIGNUP_RATE_LIMIT = env_str("STANCE_SIGNUP_RATE_LIMIT", "20/hour")
# Login lockout (django-axes): keyed on the address tried AND the client's address, so
# nobody can lock a patient out from elsewhere (ASVS 6.1.1). It lifts after the
# cool-off; a success resets the count.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("STANCE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("STANCE_LOGIN_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "clinic.accounts.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "clinic.accounts.lockout.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "clinic.accounts.views.lockout_response"
# Two-step verification (django-otp: TOTP apps and single-use backup codes). Required
# for staff whenever debug is off, unless STANCE_REQUIRE_STAFF_MFA=0 (the demo stack).
STANCE_REQUIRE_STAFF_MFA = env_bool("STANCE_REQUIRE_STAFF_MFA", not DEBUG)
OTP_TOTP_ISSUER = "Stance"
# Sessions: logged out after this long without a request; staff sessions also end a
# fixed time after login (clinic.accounts.middleware, accounts.signals).
STANCE_STAFF_IDLE_TIMEOUT_MINUTES = env_int("STANCE_STAFF_IDLE_TIMEOUT_MINUTES", 30)
STANCE_PATIENT_IDLE_TIMEOUT_MINUTES = env_int("STANCE_PATIENT_IDLE_TIMEOUT_MINUTES", 24 * 60)
STANCE_STAFF_SESSION_MAX_HOURS = env_int("STANCE_STAFF_SESSION_MAX_HOURS", 10)

# --- I18N and time --------------------------------------------------------------------
LANGUAGE_CODE = "en-au"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Ours, and Bootstrap's CSS under static/vendor/bootstrap/ (scripts/vendor-bootstrap.sh).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # `collectstatic` writes each file under a name with its content's hash, plus gzip and
    # Brotli copies; WhiteNoise serves those compressed, cached for ten years (immutable).
    # So with debug off the web process needs `collectstatic` first (the Dockerfile runs
    # it): a page naming a file missing from the manifest fails. With debug on (`make
    # run`) the names are not hashed and the files of static/ are served as they are.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns when it is missing (before collectstatic)
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# crispy adds a widget's converted class name to its input: the Bootstrap class, not the
# widget's own name ("textinput"). templates/bootstrap5/field.html adds is-invalid.
CRISPY_CLASS_CONVERTERS = {
    **dict.fromkeys(
        ["textinput", "emailinput", "numberinput", "urlinput", "passwordinput", "dateinput"],
        "form-control",
    ),
    **dict.fromkeys(["timeinput", "textarea", "fileinput", "clearablefileinput"], "form-control"),
    "select": "form-select",
    "checkboxinput": "form-check-input",
}

# --- Security -------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    # Production defaults: HTTPS only. The plain-HTTP demo stack turns these off.
    SESSION_COOKIE_SECURE = env_bool("STANCE_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("STANCE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env_int("STANCE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("STANCE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("STANCE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a one-way commitment the operator makes at hstspreload.org,
        # never a default; so its reminder (security.W021) is silenced until they opt in.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a TLS-terminating proxy, name the header it sets to "https" (for example
# X-Forwarded-Proto). Only when the proxy always sets it: clients could forge it.
_PROXY_SSL_HEADER = env_str("STANCE_PROXY_SSL_HEADER", "")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["clinic.parsers.SafeJSONParser"],
    "DEFAULT_THROTTLE_RATES": {
        "booking": None
        if STANCE_BOOKING_RATE_LIMIT.lower() == "off"
        else STANCE_BOOKING_RATE_LIMIT,
    },
    "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stance API",
    "DESCRIPTION": "Online booking for an allied-health clinic.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A cache that is down or slow must cost a request little (rate limits and
            # the week page fall back): give up on it after half a second.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("STANCE_LOG_LEVEL", "INFO")},
}
