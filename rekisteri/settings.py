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
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "rekisteri.sqlite3",
        }
    }

# The key store (wrapped data keys, erasure ledger) lives in its own database
# so it can be backed up on its own, shorter schedule (docs/security.md). Default: a
# second SQLite file, or a database named "<main>_keys" on the same PostgreSQL
# server; KEYSTORE_DATABASE_URL chooses another.
_keystore_url = os.environ.get("KEYSTORE_DATABASE_URL")
if _keystore_url:
    DATABASES["keys"] = dj_database_url.parse(_keystore_url, conn_max_age=60)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["keys"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "keys.sqlite3",
    }
else:
    DATABASES["keys"] = {
        **DATABASES["default"],
        "NAME": f"{DATABASES['default']['NAME']}_keys",
    }
for _alias, _db in DATABASES.items():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        _db.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
        _db["TEST"] = {"NAME": None}
        if _alias == "keys":
            # Destroyed keys are overwritten on disk, not left in free pages.
            _db["OPTIONS"]["init_command"] += " PRAGMA secure_delete=ON;"
# DATABASE_REPLICA_URL: a streaming replica of the main database. The
# register's lists, search and the person page read from it; writes, sign-in
# state, the audit chain and the rights engine stay on the primary
# (rekisteri/core/dbrouter.py, docs/operations.md).
_replica_url = os.environ.get("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = [
    "rekisteri.core.dbrouter.ReplicaRouter",
    "rekisteri.keystore.router.KeystoreRouter",
]

# Master key: REKISTERI_MASTER_KEY (+ REKISTERI_INDEX_KEY) or this key file
# (see rekisteri/core/crypto/master.py). Never stored in a database.
REKISTERI_MASTER_KEY_FILE = Path(
    os.environ.get("REKISTERI_MASTER_KEY_FILE", VAR_DIR / "keys" / "master.json")
)

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


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


# Sessions end after REKISTERI_SESSION_IDLE_MINUTES without a request and
# REKISTERI_SESSION_MAX_HOURS after the login, whichever comes first
# (rekisteri.accounts.middleware.SessionTimeoutMiddleware). The cookie itself
# lives no longer than the absolute limit.
REKISTERI_SESSION_IDLE_MINUTES = _env_int("REKISTERI_SESSION_IDLE_MINUTES", 30)
REKISTERI_SESSION_MAX_HOURS = _env_int("REKISTERI_SESSION_MAX_HOURS", 10)
# Role changes and other sensitive actions need a password (and TOTP, when
# enrolled) entered within this many minutes.
REKISTERI_REAUTH_MINUTES = _env_int("REKISTERI_REAUTH_MINUTES", 10)
# Roles that must use a second factor (TOTP) to log in.
REKISTERI_MFA_REQUIRED_ROLES = _env_list("REKISTERI_MFA_REQUIRED_ROLES") or [
    "privacy_officer",
    "administrator",
]
# Roles that take effect only on a second administrator's approval (four
# eyes), and how long the one-time enrolment code shown on approval lasts.
REKISTERI_FOUR_EYES_ROLES = ["privacy_officer", "auditor"]
REKISTERI_ENROLMENT_CODE_HOURS = _env_int("REKISTERI_ENROLMENT_CODE_HOURS", 72)
# Lockout: an account (any user name tried, existing or not) is locked after
# this many failures within the window; a client address after more.
REKISTERI_LOCKOUT_ACCOUNT_FAILURES = _env_int("REKISTERI_LOCKOUT_ACCOUNT_FAILURES", 5)
REKISTERI_LOCKOUT_ADDRESS_FAILURES = _env_int("REKISTERI_LOCKOUT_ADDRESS_FAILURES", 20)
REKISTERI_LOCKOUT_MINUTES = _env_int("REKISTERI_LOCKOUT_MINUTES", 30)
# Closed network: comma-separated CIDRs allowed to reach the staff UI and
# API (empty = no restriction), and the reverse proxies whose
# X-Forwarded-For is believed (parsed from the right).
REKISTERI_STAFF_NETWORKS = _env_list("REKISTERI_STAFF_NETWORKS")
REKISTERI_TRUSTED_PROXIES = _env_list("REKISTERI_TRUSTED_PROXIES")
# Training and confidentiality gate (docs/security.md, Training).
REKISTERI_TRAINING_VALID_MONTHS = _env_int("REKISTERI_TRAINING_VALID_MONTHS", 12)
REKISTERI_CLEARANCE_WARNING_DAYS = _env_int("REKISTERI_CLEARANCE_WARNING_DAYS", 30)
REKISTERI_ATTESTATION_VERSION = os.environ.get("REKISTERI_ATTESTATION_VERSION", "1")
# Accounts without a login for this many days are disabled by
# ``manage.py disable_dormant``.
REKISTERI_DORMANT_DAYS = _env_int("REKISTERI_DORMANT_DAYS", 90)
# A staff member's stored export of a person (docs/rights.md, Stored
# exports) can be downloaded by them for this many days, then the daily job
# removes it.
REKISTERI_STAFF_EXPORT_DAYS = _env_int("REKISTERI_STAFF_EXPORT_DAYS", 7)
# TOTP codes are checked one step (30 s) either side for clock drift.
OTP_TOTP_ISSUER = "Rekisteri"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

SESSION_COOKIE_AGE = REKISTERI_SESSION_MAX_HOURS * 3600
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

# --- Rekisteri ------------------------------------------------------------
# Where the servers are (ISO 3166 alpha-2). Outside the EU/EEA a transfer
# mechanism (adequacy or scc) is required; `manage.py check` enforces it and
# the privacy notice's transfer section states it.
REKISTERI_HOSTING_COUNTRY = os.environ.get("REKISTERI_HOSTING_COUNTRY", "FI")
REKISTERI_HOSTING_TRANSFER_MECHANISM = os.environ.get(
    "REKISTERI_HOSTING_TRANSFER_MECHANISM", "none"
)

REKISTERI = {
    # First customer-number base; numbers are this sequence plus a 7-3-1
    # check digit and are never reused.
    "CUSTOMER_NUMBER_START": int(
        os.environ.get("REKISTERI_CUSTOMER_NUMBER_START", 1000)
    ),
    "PAGE_SIZE": 25,
    "API_TOKEN_DEFAULT_DAYS": 90,
    # Backups (manage.py backup): where archives go (default VAR_DIR/backups)
    # and how long each kind is kept. Key-store archives age out sooner, which
    # bounds how long a shredded key survives in any backup.
    "BACKUP_DIR": os.environ.get("REKISTERI_BACKUP_DIR", ""),
    "BACKUP_RETENTION_DAYS": int(os.environ.get("REKISTERI_BACKUP_DAYS", 90)),
    "BACKUP_KEYS_RETENTION_DAYS": int(os.environ.get("REKISTERI_BACKUP_KEYS_DAYS", 35)),
}

# --- Registry connectors (docs/connectors.md) ----------------------------
# PRH / YTJ open data API v3. Timeouts in seconds; retries back off
# exponentially on 429 and 5xx and honour Retry-After up to RETRY_MAX_WAIT.
REKISTERI_PRH = {
    "BASE_URL": os.environ.get(
        "REKISTERI_PRH_BASE_URL", "https://avoindata.prh.fi/opendata-ytj-api/v3"
    ),
    "TIMEOUT": float(os.environ.get("REKISTERI_PRH_TIMEOUT", 20)),
    "RETRIES": int(os.environ.get("REKISTERI_PRH_RETRIES", 5)),
    "BACKOFF": float(os.environ.get("REKISTERI_PRH_BACKOFF", 1.0)),
    "RETRY_MAX_WAIT": float(os.environ.get("REKISTERI_PRH_RETRY_MAX_WAIT", 60)),
    "MAX_PAGES": int(os.environ.get("REKISTERI_PRH_MAX_PAGES", 1000)),
}

# --- Retention (docs/retention.md) ----------------------------------------
# The financial year ends on the last day of this month (12: calendar year).
REKISTERI_FINANCIAL_YEAR_END_MONTH = int(
    os.environ.get("REKISTERI_FINANCIAL_YEAR_END_MONTH", 12)
)
# The periods of the retention rules that are the controller's choice; the
# Accounting Act's periods are dated data (retention.LegalPeriod).
REKISTERI_RETENTION = {
    # after the end of a person's last role or contract party, or of an
    # organization's customer relationship
    "relationship_grace_months": int(
        os.environ.get("REKISTERI_RETENTION_GRACE_MONTHS", 6)
    ),
    # a prospect's data after the last interaction
    "marketing_months": int(os.environ.get("REKISTERI_RETENTION_MARKETING_MONTHS", 24)),
    # a closed rights-request case
    "privacy_case_years": int(os.environ.get("REKISTERI_RETENTION_CASE_YEARS", 3)),
    # a sweep lock whose holder has not reported for this long is stale
    "lock_stale_minutes": 30,
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

# --- Audit log ------------------------------------------------------------
# The ``audit`` retention rule: ``manage.py audit purge`` removes older events.
REKISTERI_AUDIT_RETENTION_YEARS = int(
    os.environ.get("REKISTERI_AUDIT_RETENTION_YEARS", 5)
)
# Auditing of reads is always on; only the benchmark turns it off, to measure
# its own overhead against a baseline in the same run.
REKISTERI_AUDIT_READS = True

# --- Keys -----------------------------------------------------------------
# How long a process trusts its cached copy of the key ring (which master key
# wraps new data keys) before reading it again; `keys rotate-master` waits
# this long before its final pass.
REKISTERI_KEYRING_CHECK_SECONDS = float(
    os.environ.get("REKISTERI_KEYRING_CHECK_SECONDS", 2)
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
# Portal submissions per hour: per email address and per client address.
REKISTERI_DSR_PER_ADDRESS = int(os.environ.get("REKISTERI_DSR_PER_ADDRESS", 3))
REKISTERI_DSR_PER_CLIENT = int(os.environ.get("REKISTERI_DSR_PER_CLIENT", 20))
