"""Townhall settings: every knob comes from a `TOWNHALL_*` environment variable, here only.

The defaults give the embedded mode (SQLite in `var/`, eager jobs, local-memory
cache); production mode (`TOWNHALL_DEBUG=0`) refuses to start without a secret key
and allowed hosts. The README's configuration table lists every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
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
        # failing mid-transaction when two writers meet.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
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
DEMO_FOLLOW_UPS: list[list[str]] = [["identity", "resolve"], ["community", "seed-demo"]]

# --- ingestion -------------------------------------------------------------------------
INGEST_BATCH_SIZE = int(env("INGEST_BATCH_SIZE", "5000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
