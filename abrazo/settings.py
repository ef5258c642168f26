"""One settings module, driven by the environment.

ABRAZO_ENV selects the posture: `development` (default: DEBUG, console mail, SQLite under var/),
`test` (set by the test suite) or `production` (HTTPS-only cookies, HSTS, SMTP mail, no DEBUG).
Everything a deployment changes comes from environment variables; nothing secret lives here.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("ABRAZO_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# pytest loads settings before any conftest runs, so the test posture is also inferred from the running
# program: `pytest` and `python -m pytest` both have imported pytest by then (argv[0] alone misses the
# second, whose argv[0] is pytest/__main__.py).
_UNDER_PYTEST = "pytest" in sys.modules or "pytest" in Path(sys.argv[0]).parts[-2:]
ABRAZO_ENV = os.environ.get("ABRAZO_ENV") or ("test" if _UNDER_PYTEST else "development")
PRODUCTION = ABRAZO_ENV == "production"
TESTING = ABRAZO_ENV == "test"

DEBUG = env_bool("DEBUG", default=ABRAZO_ENV == "development")

if PRODUCTION:
    # Fail loudly rather than run production with a guessable key.
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)

# Keys that encrypt clinical note fields (abrazo.core.crypto), newest first; never SECRET_KEY. Outside
# production a public development key stands in when unset; production refuses to start without them.
ABRAZO_FIELD_KEYS = env_list("ABRAZO_FIELD_KEYS")
if PRODUCTION and not ABRAZO_FIELD_KEYS:
    raise RuntimeError("ABRAZO_FIELD_KEYS must be set in production (see `abrazo rotate_field_keys --generate`)")

# Keys that sign backup manifests (abrazo.core.backup), newest first: the first signs, any verifies. When unset,
# SECRET_KEY (and SECRET_KEY_FALLBACKS) sign, so a backup restores wherever the same secret is configured.
ABRAZO_BACKUP_KEYS = env_list("ABRAZO_BACKUP_KEYS")

# A ClamAV daemon every upload is streamed to (abrazo.core.uploads): `unix:/run/clamav/clamd.ctl` or
# `tcp:host:3310`. Empty: only the built-in EICAR test-signature gate runs. When set, the check fails closed.
ABRAZO_CLAMD_ADDRESS = os.environ.get("ABRAZO_CLAMD_ADDRESS", "")
ABRAZO_CLAMD_TIMEOUT = float(os.environ.get("ABRAZO_CLAMD_TIMEOUT", "30"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The demo flag accepts a fixed MFA code so that a newcomer can sign in without an authenticator
# app. It is refused outside DEBUG (allauth enforces that too) and announced on every page.
ABRAZO_DEMO_MFA_CODE = os.environ.get("ABRAZO_DEMO_MFA_CODE", "") if DEBUG else ""

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "abrazo.core",
    "abrazo.accounts",
    "abrazo.audit",
    "abrazo.directory",
    "abrazo.intake",
    "abrazo.matching",
    "abrazo.consultations",
    "abrazo.incidents",
    "abrazo.equity",
    "abrazo.measures",
    "abrazo.workforce",
    "abrazo.library",
    "abrazo.reports",
    "rest_framework",
    "drf_spectacular",
    "abrazo.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "abrazo.core.security_headers.SecurityHeadersMiddleware",
    "abrazo.core.unavailable.DatabaseUnavailableMiddleware",  # a database outage: a clean 503 page
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "abrazo.accounts.middleware.SessionLifetimeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "abrazo.accounts.middleware.UserLanguageMiddleware",
    "abrazo.core.public_language.PublicLanguageMiddleware",
    "abrazo.accounts.middleware.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "abrazo.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "abrazo.urls"
WSGI_APPLICATION = "abrazo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "abrazo.core.context_processors.abrazo",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- Database ---------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'abrazo.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions and rate-limit counters live in the database so that app servers stay stateless.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "abrazo_cache",
        # Rate-limit counters and one-time form keys live here; culling must not drop them early.
        "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 10},
    }
}
if os.environ.get("CACHE_URL"):
    # A remote cache (needs redis-py) with the database cache behind it: throttling holds while it is down
    # (abrazo/core/cache.py).
    CACHES["default"] = {"BACKEND": "abrazo.core.cache.FallbackCache", "OPTIONS": {
        "PRIMARY": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]},
        "FALLBACK": CACHES["default"],
    }}

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
if TESTING:
    # Tests create thousands of users; a slow hash there proves nothing.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    # Abrazo's user has full_name, not Django's first_name/last_name: compare with what it holds.
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Common passwords dressed up, keyboard walks, repeated characters, the person's name (no composition rules).
    {"NAME": "abrazo.accounts.passwords.GuessablePasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "abrazo.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # allauth logs out *other* sessions; this keeps the current one
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Abrazo] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Accounts are created by network staff, never by self sign-up.
ACCOUNT_ALLOW_SIGNUPS = False
# Throttling: at most 5 failed sign-ins per account in 5 minutes and 20 per address a minute.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "20/m/ip,5/300s/key",
    "login": "30/m/ip",
    "reset_password": "10/m/ip,3/m/key",
}
if TESTING:
    ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,5/300s/key"}
# The client address for rate limits and the audit ledger comes from one place, audit.middleware.client_ip
# (AccountAdapter.get_client_ip calls it): REMOTE_ADDR, unless the deployment says how many proxies of its
# own stand in front (then the address the outermost one appended to X-Forwarded-For). The default, 0,
# trusts no forwarded header: a client could write any address there and escape the per-address limit.
ABRAZO_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = ABRAZO_TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None

MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Abrazo"
MFA_TOTP_TOLERANCE = 1
# Our forms keep an accepted TOTP code spent for the whole tolerance window, not only one period.
MFA_FORMS = {
    "authenticate": "abrazo.accounts.adapter.AuthenticateForm",
    "reauthenticate": "abrazo.accounts.adapter.ReauthenticateForm",
}
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
if ABRAZO_DEMO_MFA_CODE:
    MFA_TOTP_INSECURE_BYPASS_CODE = ABRAZO_DEMO_MFA_CODE

USERSESSIONS_TRACK_ACTIVITY = True

# Idle timeout and absolute lifetime of a signed-in session (enforced by SessionLifetimeMiddleware).
ABRAZO_SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
ABRAZO_SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(ABRAZO_SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "abrazo_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Los_Angeles")
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The project-wide stylesheet and logo live in abrazo/static (abrazo itself is not an installed app).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production whitenoise serves straight from the apps' static folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# --- Email ------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Abrazo <no-reply@abrazo.example>")
# The address people open Abrazo at, for links in emails sent by the task queue (no request to ask there).
ABRAZO_SITE_URL = os.environ.get("SITE_URL", "" if PRODUCTION else f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    # Development keeps every message as a file under var/mail so it can be read after the fact.
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Background tasks -------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# --- Security ---------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-abrazo_session"
    CSRF_COOKIE_NAME = "__Host-abrazo_csrf"

# The directory changes rarely; the audit screen pages through millions of rows.
ABRAZO_PAGE_SIZE = 50
# A folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf for certificate PDFs; empty: the usual system folders.
ABRAZO_PDF_FONT_DIR = os.environ.get("ABRAZO_PDF_FONT_DIR", "")
# Exports (abrazo/reports/export_service.py): files of more rows than this are prepared by the task queue and
# announced by email instead of streamed while the person waits; prepared files are deleted after so many days.
ABRAZO_EXPORT_QUEUE_ROWS = int(os.environ.get("ABRAZO_EXPORT_QUEUE_ROWS", "50000"))
ABRAZO_EXPORT_TTL_DAYS = int(os.environ.get("ABRAZO_EXPORT_TTL_DAYS", "7"))
# The resource link checker refuses links to private and local addresses (it runs inside the network's servers);
# an intranet deployment whose library links to internal sites may allow them.
ABRAZO_LINK_CHECK_ALLOW_PRIVATE = env_bool("ABRAZO_LINK_CHECK_ALLOW_PRIVATE", False)
# The network whose public site "/" shows (a slug); empty: the first network by name (a deployment usually has one).
ABRAZO_SITE_NETWORK = os.environ.get("ABRAZO_SITE_NETWORK", "")

# One line per event (abrazo.core.logging.SafeFormatter escapes control characters, so a value from a request
# cannot forge a line); Django's own loggers, the development server's included, write through the same handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "safe": {"()": "abrazo.core.logging.SafeFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "safe"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Never DEBUG, whatever LOG_LEVEL says: at DEBUG the template engine logs every failed variable lookup with
        # the whole context (the child on the page, the search, the CSRF token), and the database backend logs
        # every query with its parameters (DEBUG=True).
        "django.template": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
    },
}

# --- REST API v1 (abrazo.api, issue 8): owned by the API; see docs/api.md -------------------------------------
# Swagger UI's own files, served from this site (the CSP allows nothing else).
INSTALLED_APPS += ["drf_spectacular_sidecar"]
# A session without a second factor gets 403 JSON on /api/v1/ rather than the MFA middleware's redirect.
MIDDLEWARE.insert(
    MIDDLEWARE.index("abrazo.accounts.middleware.MFARequiredMiddleware"), "abrazo.api.middleware.ApiMfaMiddleware"
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "abrazo.api.authentication.TokenAuthentication",
        "abrazo.api.authentication.BrowserSessionAuthentication",
    ],
    # Closed by default: a DRF view that does not use abrazo.api.base still needs a scope to be reached.
    "DEFAULT_PERMISSION_CLASSES": ["abrazo.api.permissions.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": [
        "abrazo.api.throttling.ApiRateThrottle",
        "abrazo.api.throttling.ApiWriteRateThrottle",
    ],
    # Per token (or per signed-in person); "api_write" counts POSTs on top of "api".
    "DEFAULT_THROTTLE_RATES": {
        "api": os.environ.get("API_RATE", "600/min"),
        "api_write": os.environ.get("API_WRITE_RATE", "60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "abrazo.api.pagination.ApiPagination",
    "DEFAULT_SCHEMA_CLASS": "abrazo.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "abrazo.api.errors.api_exception_handler",
    # JSON only: DRF's browsable API needs inline scripts, which the CSP forbids; /api/v1/docs/ replaces it.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Abrazo API",
    "DESCRIPTION": "REST API v1 of Abrazo. Personal tokens carry scopes and expire; every call is checked with "
                   "the same permissions as the web and audited. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "displayOperationId": True},
}
# --- end of the REST API block ------------------------------------------------------------------------------
