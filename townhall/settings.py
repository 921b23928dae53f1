"""Townhall settings: every knob comes from a `TOWNHALL_*` environment variable, here only.

The defaults give the embedded mode (SQLite in `var/`, eager jobs, local-memory
cache); production mode (`TOWNHALL_DEBUG=0`) refuses to start without a secret key
and allowed hosts. The README's configuration table lists every variable.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read one `TOWNHALL_<name>` variable."""
    return os.environ.get(f"TOWNHALL_{name}", default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env(name, "1" if default else "0").lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"TOWNHALL_{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}"
    )


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
DATA_DIR = Path(env("DATA_DIR") or BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "townhall-insecure-development-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver", "[::1]"]
else:
    missing = [
        name
        for name, value in [("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS)]
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            "Production mode (TOWNHALL_DEBUG=0) needs "
            + " and ".join(f"TOWNHALL_{name}" for name in missing)
            + ". Set them in the environment, e.g. TOWNHALL_SECRET_KEY=$(openssl rand -hex 32) "
            "TOWNHALL_ALLOWED_HOSTS=community.example.com"
        )
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("TOWNHALL_SECRET_KEY must be at least 32 characters long.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SITE_NAME = env("SITE_NAME", "Townhall")
# The site's public address, for links in emails (no trailing slash).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
BRAND_COLOR = env("BRAND_COLOR", "#4f46e5")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Serves the API docs page's Swagger files itself (no CDN).
    "ninja",
    # Before allauth so the site's account templates win over allauth's own.
    "townhall.web",
    "allauth",
    "allauth.account",
    "townhall.core",
    "townhall.accounts",
    "townhall.connectors",
    "townhall.identity",
    "townhall.groups",
    "townhall.community",
    "townhall.analytics",
    "townhall.crm",
    "townhall.roi",
    "townhall.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "townhall.urls"
WSGI_APPLICATION = "townhall.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "townhall.web.context.site",
                "townhall.community.context.notifications",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'townhall.sqlite3'}"
# Seconds a worker keeps its database connection (0: one per request); behind gunicorn
# with threads, 60 saves a PostgreSQL connection set-up (several ms) on every request.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while an import writes; IMMEDIATE avoids lock upgrades
        # failing mid-transaction when two writers meet. A 64 MiB page cache per
        # connection (the default is 2 MiB) keeps the activity indexes' hot pages in
        # memory during imports: bulk-load ceiling 78,000 → 91,000 rows/s at 1M rows.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; "
            "PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # Tests use a file (not :memory:) so subprocesses (a Celery worker, a killed import)
    # see the same database; one per test process, so parallel runs never share one.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and jobs --------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Signed-out visitors' topic and board pages are cached this long at most (0: never);
# the verbs invalidate them exactly when content changes (townhall/community/pagecache.py).
COMMUNITY_PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "300"))
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Each connection has its own interval; this only looks for the ones that are due.
    "sync-due-connections": {"task": "connectors.sync_due", "schedule": 300.0},
    # Community signals recorded in batches: members' topic views, expired question drafts.
    "community-view-activities": {"task": "community.record_view_activities", "schedule": 300.0},
    "community-deflections": {"task": "community.record_deflections", "schedule": 300.0},
    # Members who chose the daily digest get it once a day at this hour (UTC: Celery's clock).
    "community-daily-digest": {
        "task": "community.send_digests",
        "schedule": crontab(hour=int(env("DIGEST_HOUR", "7")), minute=0),
    },
    # Incremental: copies only new activities into the snapshot, then recomputes.
    "analytics-analyze": {"task": "analytics.analyze", "schedule": 3600.0},
}

# --- auth ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SIGNUP_FORM_CLASS = "townhall.accounts.forms.SignupForm"
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

# --- email -----------------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL")
if EMAIL_URL:
    _email = dj_database_url.parse(EMAIL_URL.replace("smtp://", "postgres://", 1))
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _email["HOST"], int(_email["PORT"] or 25)
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["USER"], _email["PASSWORD"]
    EMAIL_USE_TLS = EMAIL_PORT == 587
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "community@localhost")

# --- i18n, static ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

# Key for connector credentials at rest (Fernet, urlsafe base64 of 32 bytes); derived
# from SECRET_KEY when unset.
CREDENTIALS_KEY = env("CREDENTIALS_KEY")

# Employees: members with an email at these domains (comma-separated) are marked as
# employees by `townhall identity resolve`.
EMPLOYEE_DOMAINS = [d.lower() for d in env_list("EMPLOYEE_DOMAINS")]

# Commands `townhall demo` runs after seeding, in order (apps core cannot import).
DEMO_FOLLOW_UPS: list[list[str]] = [
    ["identity", "resolve"],
    ["community", "seed-demo"],
    ["analyze", "--quiet"],
    ["roi", "demo"],
]

# --- community space -------------------------------------------------------------------
# A member who opened a suggested question from the new-question form and posted nothing
# this many minutes after the last opened suggestion was helped by it ("self-served").
COMMUNITY_DEFLECTION_WINDOW_MINUTES = int(env("DEFLECTION_WINDOW_MINUTES", "30"))
# --- community moderation (docs/community.md, "Moderation") -----------------------------
# Limits for members in their first hours: topics and replies a day, seconds between two
# posts, links in one post. The spam check holds a post for review at this score.
COMMUNITY_NEW_MEMBER_HOURS = int(env("COMMUNITY_NEW_MEMBER_HOURS", "24"))
COMMUNITY_NEW_MEMBER_MAX_TOPICS = int(env("COMMUNITY_NEW_MEMBER_MAX_TOPICS", "3"))
COMMUNITY_NEW_MEMBER_MAX_REPLIES = int(env("COMMUNITY_NEW_MEMBER_MAX_REPLIES", "10"))
COMMUNITY_NEW_MEMBER_MAX_LINKS = int(env("COMMUNITY_NEW_MEMBER_MAX_LINKS", "2"))
COMMUNITY_NEW_MEMBER_POST_INTERVAL = int(env("COMMUNITY_NEW_MEMBER_POST_INTERVAL", "30"))
COMMUNITY_SPAM_HOLD_SCORE = int(env("COMMUNITY_SPAM_HOLD_SCORE", "5"))
# --- community reputation ----------------------------------------------------------------
# Points per action over the defaults (docs/community.md), as JSON: '{"solution_accepted": 20}'.
try:
    REPUTATION_POINTS = json.loads(env("REPUTATION_POINTS") or "{}")
except json.JSONDecodeError as error:
    raise ImproperlyConfigured(
        f"TOWNHALL_REPUTATION_POINTS must be a JSON object of action → points: {error}"
    ) from None
if not isinstance(REPUTATION_POINTS, dict) or not all(
    isinstance(v, int) and not isinstance(v, bool) for v in REPUTATION_POINTS.values()
):
    raise ImproperlyConfigured(
        'TOWNHALL_REPUTATION_POINTS must map actions to whole numbers, e.g. {"reply_liked": 3}'
    )

# --- ingestion -------------------------------------------------------------------------
INGEST_BATCH_SIZE = int(env("INGEST_BATCH_SIZE", "20000"))

# CRM amounts are compared in one currency: the base, and what one unit of each other
# currency is worth in it, e.g. {"EUR": 1.08, "GBP": 1.27}.
TOWNHALL_CRM_CURRENCY = env("CRM_CURRENCY", "USD").upper()
try:
    TOWNHALL_CRM_RATES: dict[str, float] = json.loads(env("CRM_RATES", "{}"))
except json.JSONDecodeError as error:
    raise ImproperlyConfigured(f"TOWNHALL_CRM_RATES is not JSON: {error}") from None
# --- engagement scoring ----------------------------------------------------------------
# A JSON object overriding townhall.analytics.scoring's defaults (docs/scoring.md), e.g.
# TOWNHALL_SCORING='{"half_life_days": 60, "grace_days": 14}'.
try:
    TOWNHALL_SCORING: dict = json.loads(env("SCORING") or "{}")
except json.JSONDecodeError as error:
    raise ImproperlyConfigured(f"TOWNHALL_SCORING must be a JSON object: {error}") from error
if not isinstance(TOWNHALL_SCORING, dict):
    raise ImproperlyConfigured('TOWNHALL_SCORING must be a JSON object, e.g. {"grace_days": 14}')

# How the ROI report sorts accounts into cohorts (townhall/roi/cohorts.py), e.g.
# TOWNHALL_ROI_COHORTS='{"active_level": "Advocate"}' or '{"window_days": 60, "active_threshold": 5}'.
try:
    TOWNHALL_ROI_COHORTS: dict = json.loads(env("ROI_COHORTS") or "{}")
except json.JSONDecodeError as error:
    raise ImproperlyConfigured(f"TOWNHALL_ROI_COHORTS must be a JSON object: {error}") from error
if not isinstance(TOWNHALL_ROI_COHORTS, dict):
    raise ImproperlyConfigured(
        'TOWNHALL_ROI_COHORTS must be a JSON object, e.g. {"active_level": "Advocate"}'
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
