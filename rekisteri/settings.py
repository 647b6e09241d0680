"""Django settings for Rekisteri.

Everything that differs between a laptop and production comes from the
environment (see docs/operations.md). The defaults give a safe local
installation: embedded SQLite under ``var/``, DEBUG off, no personal data in
logs.

Importing this module only reads the environment: it creates no directory
and reads or writes no file. ``var/`` (0700) and the process umask (077,
owner-only files) are set by ``rekisteri.core.files.prepare_process``, which
the entry points call; the local signing key is read (or made) on first use.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import dj_database_url
from django.utils.functional import lazy

from rekisteri.accounts.conf import SETTINGS as _accounts
from rekisteri.core.files import local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REKISTERI_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("REKISTERI_DEBUG")
# Production sets REKISTERI_SECRET_KEY. A local installation keeps a random
# key in var/secret_key (0600) so sessions survive restarts, read (or made)
# the first time something signs.
SECRET_KEY = (
    os.environ.get("REKISTERI_SECRET_KEY")
    or lazy(functools.partial(local_secret_key, VAR_DIR), str)()
)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "REKISTERI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip()
    for o in os.environ.get("REKISTERI_CSRF_TRUSTED_ORIGINS", "").split(",")
    if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rekisteri.core",
    "rekisteri.keystore",
    "rekisteri.accounts",
    "rekisteri.registry",
    "rekisteri.audit",
    "rekisteri.auditlog",
    "rekisteri.access",
    "rekisteri.contracts",
    "rekisteri.billing",
    "rekisteri.messaging",
    "rekisteri.privacy",
    "rekisteri.connectors",
    "rekisteri.rights",
    "rekisteri.restrictions",
    "rekisteri.dsr",
    "rekisteri.retention",
    "rekisteri.jobs",
    "huey.contrib.djhuey",
    # Development only: `manage.py demo_setup` and the demo generators.
    "rekisteri.demo",
]

# Form fields per request. Django's default (1,000) is below what the
# invoice form holds at its limit: 200 lines of 5 inputs plus the header
# and the formset's management fields (docs/billing.md).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Resolves the client address and closes the staff UI and API to
    # addresses outside REKISTERI_STAFF_NETWORKS before anything else runs.
    "rekisteri.accounts.middleware.StaffNetworkMiddleware",
    "rekisteri.core.middleware.KeyScopeMiddleware",
    # Lets the register's read-only views read from a replica, when one is
    # configured (DATABASE_REPLICA_URL, rekisteri/core/dbrouter.py).
    "rekisteri.core.dbrouter.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rekisteri.core.middleware.FinnishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A post over DATA_UPLOAD_MAX_NUMBER_FIELDS: a page that says the limit
    # (or the invoice form again), never a bare 400. Before the CSRF check.
    "rekisteri.core.fieldlimit.FieldLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rekisteri.accounts.middleware.SessionTimeoutMiddleware",
    "rekisteri.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "rekisteri.core.middleware.SecurityHeadersMiddleware",
    # NotFound and Forbidden from services and selectors: the 404 and 403 pages.
    "rekisteri.core.middleware.ServiceErrorMiddleware",
]

ROOT_URLCONF = "rekisteri.urls"
WSGI_APPLICATION = "rekisteri.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "rekisteri.core.template_backend.Templates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "rekisteri" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rekisteri.accounts.context_processors.navigation",
                "rekisteri.accounts.context_processors.account_state",
            ],
            # {% load i18n %}: Django's library, constant translations kept
            # per language (rekisteri/core/templatetags/i18n_constant.py).
            "libraries": {"i18n": "rekisteri.core.templatetags.i18n_constant"},
            # {% url %}: Django's tag, each route's shape reversed once per
            # process (rekisteri/core/templatetags/url_kept.py); {% extends %}:
            # Django's tag, the root template's blocks listed once
            # (rekisteri/core/templatetags/extends_kept.py).
            "builtins": [
                "rekisteri.core.templatetags.url_kept",
                "rekisteri.core.templatetags.extends_kept",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (or another SQLite file); the default is the
# embedded SQLite database in WAL mode.
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
    ),
    "transaction_mode": "IMMEDIATE",
}
# Every SQLite database, the default files' and any given by a URL, runs on
# Django's backend with each statement's placeholders converted once
# (rekisteri/core/sqlite/base.py); below, the databases are described with
# Django's engine name and the loop after them swaps it.
SQLITE_ENGINE = "rekisteri.core.sqlite"
_DJANGO_SQLITE = "django.db.backends.sqlite3"
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url)}
else:
    DATABASES = {
        "default": {"ENGINE": _DJANGO_SQLITE, "NAME": VAR_DIR / "rekisteri.sqlite3"}
    }

# The key store (wrapped data keys, erasure ledger) lives in its own database
# so it can be backed up on its own, shorter schedule (docs/security.md). Default: a
# second SQLite file, or a database named "<main>_keys" on the same PostgreSQL
# server; KEYSTORE_DATABASE_URL chooses another.
_keystore_url = os.environ.get("KEYSTORE_DATABASE_URL")
if _keystore_url:
    DATABASES["keys"] = dj_database_url.parse(_keystore_url)
elif DATABASES["default"]["ENGINE"] == _DJANGO_SQLITE:
    DATABASES["keys"] = {"ENGINE": _DJANGO_SQLITE, "NAME": VAR_DIR / "keys.sqlite3"}
else:
    DATABASES["keys"] = {
        **DATABASES["default"],
        "NAME": f"{DATABASES['default']['NAME']}_keys",
    }
# DATABASE_REPLICA_URL: a streaming replica of the main database. The
# register's lists, search and the person page read from it; writes, sign-in
# state, the audit chain and the rights engine stay on the primary
# (rekisteri/core/dbrouter.py, docs/operations.md).
_replica_url = os.environ.get("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(_replica_url)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _alias, _db in DATABASES.items():
    # Each worker keeps its connection to every database 60 s between
    # requests, the embedded SQLite files' included: opening one per request
    # (its pragmas run again, its converters and prepared statements lost)
    # cost the person page 40 % of its rate over HTTP (docs/benchmarks.md).
    _db["CONN_MAX_AGE"] = 60
    if _db["ENGINE"] == _DJANGO_SQLITE:
        _db["ENGINE"] = SQLITE_ENGINE
        _db.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
        _db.setdefault("TEST", {"NAME": None})
        if _alias == "keys":
            # Destroyed keys are overwritten on disk, not left in free pages.
            _db["OPTIONS"]["init_command"] += " PRAGMA secure_delete=ON;"
DATABASE_ROUTERS = [
    "rekisteri.core.dbrouter.ReplicaRouter",
    "rekisteri.keystore.router.KeystoreRouter",
]

# Master key: REKISTERI_MASTER_KEY (+ REKISTERI_INDEX_KEY) or a key file
# (REKISTERI_MASTER_KEY_FILE, rekisteri/keystore/conf.py; see
# rekisteri/core/crypto/master.py). Never stored in a database.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.StaffUser"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Django's model backend, loading the account's clearance and need-to-know
# with it (rekisteri/accounts/backends.py).
AUTHENTICATION_BACKENDS = ["rekisteri.accounts.backends.StaffBackend"]


# Rekisteri's own settings (REKISTERI_…: sessions, lockout, the closed
# network, training, retention periods, limits) are declared with their
# defaults by the app that reads them, in its conf.py, and read from the
# environment variable of the same name when it is set
# (rekisteri/core/conf.py, docs/operations.md). A deployment's settings
# module may set any of them; this module sets none.

# TOTP codes are checked one step (30 s) either side for clock drift.
OTP_TOTP_ISSUER = "Rekisteri"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# The session cookie lives no longer than the absolute session limit
# (REKISTERI_SESSION_MAX_HOURS), which Django must see here.
SESSION_COOKIE_AGE = _accounts["REKISTERI_SESSION_MAX_HOURS"].from_environment() * 3600
# Django's database sessions, read by a statement compiled once per process.
SESSION_ENGINE = "rekisteri.accounts.session_store"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A missing or forged CSRF token is refused with 403 and audited.
CSRF_FAILURE_VIEW = "rekisteri.accounts.views_auth.csrf_failure"

# Behind TLS (production), cookies are Secure and HSTS is sent.
HTTPS = _env_bool("REKISTERI_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
# Served over TLS only: plain HTTP is redirected (behind a TLS-terminating
# proxy set REKISTERI_BEHIND_PROXY so X-Forwarded-Proto is believed, else
# every request loops), HSTS covers subdomains and asks to be preloaded
# (REKISTERI_HSTS_PRELOAD=0 for a domain that must not be on the preload
# list; docs/security.md, Browser hardening).
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and _env_bool("REKISTERI_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _env_bool("REKISTERI_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Cache: rate limits and flood guards ----------------------------------
# Counters that must be shared by every web worker (the request portal's
# per-address and per-client limits, the closed network's one-event-a-minute
# guard) live in the database, so several processes and several machines see
# one count (docs/operations.md). ``manage.py migrate_all`` creates the table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "rekisteri_cache",
    }
}

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", "Suomi"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "rekisteri" / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "rekisteri" / "static"]
# WhiteNoise serves from the finders in place; it expects the root to exist
# (made by rekisteri.core.files.prepare_process).
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Logging: no personal data --------------------------------------------
# Request logs carry method, path and status only; paths contain opaque UUIDs,
# never names, emails or search terms (search is POST).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.db.backends": {"level": "WARNING", "propagate": True},
        "rekisteri": {"level": os.environ.get("REKISTERI_LOG_LEVEL", "INFO")},
    },
}

# --- Scheduled jobs (docs/operations.md, Scheduled jobs) ---------------------
# Huey runs the daily jobs (rekisteri/jobs/schedule.py): `manage.py run_huey`
# is the worker. Embedded default: SQLite storage under var/. Several workers
# on several machines share a Redis or PostgreSQL queue:
# REKISTERI_HUEY_URL=redis://host:6379/0 or postgresql://user@host/db.
_huey_url = os.environ.get("REKISTERI_HUEY_URL", "")
if _huey_url.startswith(("redis://", "rediss://", "unix://")):
    HUEY = {"huey_class": "huey.RedisHuey", "url": _huey_url}
elif _huey_url.startswith(("postgres://", "postgresql://")):
    HUEY = {"huey_class": "huey.PostgresHuey", "dsn": _huey_url}
else:
    HUEY = {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")}
HUEY.update(
    {
        "name": "rekisteri",
        "immediate": False,
        # Schedules are in local time (TIME_ZONE), as operators read them.
        "utc": False,
        "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
    }
)

# --- Mail and the rights-request portal ----------------------------------
# Letters to requesters go through Django's email framework: the console
# backend in development, SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS) configured by the environment in
# production. Tests use the in-memory outbox.
EMAIL_BACKEND = os.environ.get(
    "REKISTERI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("REKISTERI_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("REKISTERI_EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("REKISTERI_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("REKISTERI_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("REKISTERI_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("REKISTERI_FROM_EMAIL", "tietosuoja@localhost")
