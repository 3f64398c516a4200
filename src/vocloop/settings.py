"""Django settings for vocloop, read from VOCLOOP_* environment variables (see config.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

from vocloop import config
from vocloop.notifications.email_url import django_email_settings

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()

SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("DEBUG", False)
BASE_URL = config.env_url("BASE_URL", "http://127.0.0.1:8000", schemes={"http", "https"}).rstrip(
    "/"
)
_base_host = urlsplit(BASE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = [
    h.strip()
    for h in config.env_str("ALLOWED_HOSTS", f"{_base_host},127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [f"{urlsplit(BASE_URL).scheme}://{urlsplit(BASE_URL).netloc}"]
# Served over https, vocloop stands behind a reverse proxy that ends TLS (waitress speaks
# plain HTTP) and sets X-Forwarded-Proto on every request it passes on (README, "Running
# it for real"). Over http (the embedded set-up, a trial on 127.0.0.1) a secure cookie
# would never come back, and nobody could log in.
if BASE_URL.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "vocloop.admin_apps.VocloopAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # Staff's second factor (accounts/twofactor.py); before accounts, whose admin replaces
    # the one it registers.
    "django_otp",
    "vocloop.accounts.apps.TwoStepLoginConfig",  # django_otp.plugins.otp_totp
    "vocloop.accounts",
    "vocloop.customers",
    "vocloop.listening",
    "vocloop.cases",
    "vocloop.slas",
    "vocloop.notifications",
    "vocloop.metrics",
    "vocloop.insights",
    "vocloop.improvement",
    "vocloop.conductor",
    "vocloop.public",
    "vocloop.dashboards",
    "vocloop.demo",
    "vocloop.server",
    "vocloop.limits",
    "vocloop.audit",
    "vocloop.retention",
]

MIDDLEWARE = [
    "vocloop.server.timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer, no-store on the staff side and the API.
    "vocloop.server.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A form whose text is not Unicode is a 400 before any view would fail to store it.
    "vocloop.server.text_input.TextInputMiddleware",
    # Django's, leaving a session unsaved rather than failing while the database is busy.
    "vocloop.server.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session's login gave a second factor.
    "django_otp.middleware.OTPMiddleware",
    "vocloop.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who read which case, text, drill-down or export (audit/rules.py).
    "vocloop.audit.middleware.ReadAuditMiddleware",
    # Last, so that it is the first to see a view's exception: a busy database is a 503.
    "vocloop.server.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "vocloop.urls"
WSGI_APPLICATION = "vocloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vocloop.accounts.context_processors.user_roles",
                "vocloop.server.context_processors.worker",
            ],
        },
    },
]

DATABASES = {"default": config.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks: in the database by default; VOCLOOP_TASKS_URL=redis://host:6379/0
# moves the queue to Redis (RQ) for workers on several machines.
TASKS_REDIS_URL = config.tasks_redis_url()
if TASKS_REDIS_URL:
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": TASKS_REDIS_URL}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# What every server process must share: the rate limits' counts (limits/counters.py), in
# the database by default; VOCLOOP_CACHE_URL=redis://host:6379/1 moves them, and the
# cache, to Redis.
CACHE_REDIS_URL = config.cache_redis_url()
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}
        if CACHE_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "vocloop"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    # ASVS 2.1.1: at least 12 characters (the demo's and the tests' passwords have more).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:inbox"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = config.env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
# Static files are served from the installed package by WhiteNoise, so `vocloop serve`
# needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
# Staff are logged out after this long without a request (ASVS 3.3.2). An hour: a reply
# drafted slowly, a meeting, a lunch break keep one's place; an unlocked desk left for
# the afternoon does not. Each request renews the session (at most once a minute:
# server/middleware.py). ASVS level 2 asks for 30 minutes.
SESSION_IDLE_MINUTES = config.env_int("SESSION_IDLE_MINUTES", 60, minimum=1, unit="minute")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Messages live in the session, not in a (signed but readable) cookie: one of them
# carries a new API token's secret.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_FAILURE_VIEW = "vocloop.server.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS: served over https, a browser is told to come back over https only, for a year
# by default. VOCLOOP_HSTS_SECONDS=0 turns it off (try a small value first when moving
# a site to https); VOCLOOP_HSTS_INCLUDE_SUBDOMAINS=true extends it to every subdomain
# of vocloop's host. Django's SecurityMiddleware sends it on https requests only.
SECURE_HSTS_SECONDS = (
    config.env_int("HSTS_SECONDS", 365 * 24 * 3600, unit="second")
    if BASE_URL.startswith("https://")
    else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = config.env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
# What `vocloop check --deploy` would warn of, decided here rather than left to warn:
SILENCED_SYSTEM_CHECKS = [
    # W005, HSTS without includeSubDomains: vocloop cannot know whether every host under
    # its own serves https; the operator says so with VOCLOOP_HSTS_INCLUDE_SUBDOMAINS.
    "security.W005",
    # W021, no HSTS preload: a preload listing binds the whole domain, subdomains
    # included, for months beyond any setting; it is the domain owner's decision, made
    # at hstspreload.org, not a web application's.
    "security.W021",
    # W008, no SECURE_SSL_REDIRECT: the proxy that ends TLS listens on port 80 too and
    # redirects there (README). Redirecting here would send monitors and load balancers
    # that ask http://127.0.0.1:8000/health/ a 301, and loop for ever behind a proxy that
    # does not set X-Forwarded-Proto.
    "security.W008",
]

# Public forms: how many submissions one client may make per window before a 429.
PUBLIC_RATE_LIMIT = config.env_int("PUBLIC_RATE_LIMIT", 20, minimum=1)
PUBLIC_RATE_WINDOW_SECONDS = config.env_int("PUBLIC_RATE_WINDOW", 600, minimum=1, unit="second")
# The JSON API: how many requests one token may make per minute before a 429. Enough for
# an integration sending ten a second; a runaway loop meets it within the minute.
API_RATE_LIMIT = config.env_int("API_RATE_LIMIT", 600, minimum=1, unit="request")
# How many reverse proxies in front of vocloop append to X-Forwarded-For. With 0,
# the client is REMOTE_ADDR; with N, the address the N-th proxy saw connecting.
TRUSTED_PROXY_COUNT = config.env_int("TRUSTED_PROXY_COUNT", 0)
# A comment longer than this is refused with a message (form and API alike).
COMMENT_MAX_LENGTH = 5000
# The name customers see on public pages.
ORGANISATION_NAME = config.env_str("ORGANISATION_NAME", "Our company")

# A second factor (a code from an authenticator app) for staff logins: optional, or
# required of everyone before anything else.
REQUIRE_TOTP = config.env_bool("REQUIRE_TOTP", False)
# The name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = f"{ORGANISATION_NAME} vocloop"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Dashboards: below this many responses (or cases) a figure is shown as "not enough
# responses" with its n, never as a bare number.
MIN_RESPONSES = config.env_int("MIN_RESPONSES", 30, minimum=1)
# A per-person view of case handling, for coaching (team leads and quality managers
# only, with intervals and shrinkage). Off by default: vocloop ranks no one.
COACHING_VIEW = config.env_bool("COACHING_VIEW", False)

# Outgoing email and webhooks (notifications/). VOCLOOP_EMAIL_URL: see email_url.py;
# the default writes .eml files into <data dir>/mail/ so that nothing needs a mail server.
globals().update(django_email_settings(config.env_str("EMAIL_URL", "file://"), DATA_DIR))
DEFAULT_FROM_EMAIL = config.env_str("EMAIL_FROM", "vocloop <vocloop@localhost>")
# Attempts before a notification is given up as failed (visible in the settings area).
NOTIFICATIONS_MAX_ATTEMPTS = config.env_int("NOTIFICATIONS_MAX_ATTEMPTS", 8, minimum=1)
# Seconds a worker may hold a claimed notification before another worker may take it:
# longer than the slowest send (SMTP and webhook timeouts are 20 s).
# Keep it longer than the slowest send (webhooks time out after 20 s): a shorter lease
# lets a second worker take over a message still being sent. Short leases are for
# tests that kill a worker and want its messages back quickly.
NOTIFICATIONS_LEASE_SECONDS = config.env_int("NOTIFICATIONS_LEASE", 300, minimum=1, unit="second")
# Internal hosts webhooks may call (loopback, private networks …); none unless listed.
WEBHOOK_ALLOWED_HOSTS = config.webhook_allowed_hosts()
# An escalation that fell due longer ago than this (wall time) is recorded without an
# email: a worker started on old data must not flood the team leads (cases/escalation.py).
ESCALATION_EMAIL_WITHIN = dt.timedelta(
    hours=config.env_int("ESCALATION_EMAIL_WITHIN", 24, minimum=1, unit="hour")
)

# The worker writes a heartbeat every 30 s; staff pages say it has stopped, and
# /health/ answers 503, when none has been seen for this long.
WORKER_STALE_AFTER = dt.timedelta(
    minutes=config.env_int("WORKER_STALE_AFTER", 5, minimum=1, unit="minute")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_brief": {"()": "vocloop.server.logs.ClientErrorsBrief"},
        "secret_paths_redacted": {"()": "vocloop.server.logs.SecretPathsRedacted"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_errors_brief", "secret_paths_redacted"],
        },
        # Django's own for `runserver`'s request lines, with the tracking links redacted.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["secret_paths_redacted"],
        },
    },
    "root": {"handlers": ["console"], "level": config.env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's records reach the console above only: its own handlers for them (a
        # second console while DEBUG, mail to ADMINS, which vocloop does not set) would
        # write the paths unredacted.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
