"""Sightline settings: one module, driven by environment variables.

Every value a deployment must set is read from the environment; see README "Configuration".
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.local_env import FILE_NAME as LOCAL_ENV_FILE_NAME
from config.local_env import read as read_local_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SIGHTLINE_VAR_DIR", BASE_DIR / "var"))
# The local demo's settings, written by `make run` (config/local_env.py): read when the file is
# there, for the values the environment does not set. A deployment has no such file.
LOCAL_ENV = read_local_env(VAR_DIR / LOCAL_ENV_FILE_NAME)
SIGHTLINE_LOCAL_ENV_FILE = str(VAR_DIR / LOCAL_ENV_FILE_NAME) if LOCAL_ENV else ""


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, LOCAL_ENV.get(name))
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_positive_int(name: str, default: int) -> int:
    """A whole number above zero, or Sightline refuses to start: a zero or negative lockout or
    session limit would lock everyone out (or nobody) rather than protect anyone."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number greater than 0, not {raw!r}.")
    return value


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or networks (CIDR), each checked at start-up."""
    import ipaddress

    entries = env_list(name)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks such as 10.0.0.5 or 10.0.0.0/24, "
                f"separated by commas; {entry!r} is neither."
            ) from None
    return entries


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", LOCAL_ENV.get("DJANGO_SECRET_KEY", ""))
if not SECRET_KEY:
    if DEBUG or env_bool("SIGHTLINE_DEMO", False):
        SECRET_KEY = "insecure-local-demo-key-do-not-use-in-production-" + "x" * 20
    else:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set outside the local demo.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Partnership identity shown on every page.
SIGHTLINE_PARTNERSHIP_NAME = os.environ.get(
    "SIGHTLINE_PARTNERSHIP_NAME", "Northvale Safeguarding Children Partnership"
)
SIGHTLINE_SITE_URL = os.environ.get(
    "SIGHTLINE_SITE_URL", LOCAL_ENV.get("SIGHTLINE_SITE_URL", "http://127.0.0.1:8000")
).rstrip("/")
# Two-factor authentication is required of every signed-in user (system administrators too).
# Only the local demo may relax it.
SIGHTLINE_MFA_REQUIRED = env_bool("SIGHTLINE_MFA_REQUIRED", True)
SIGHTLINE_DEMO = env_bool("SIGHTLINE_DEMO", False)
if not SIGHTLINE_MFA_REQUIRED and not (SIGHTLINE_DEMO or DEBUG):
    raise ImproperlyConfigured("SIGHTLINE_MFA_REQUIRED may only be relaxed in the local demo.")

# The benchmark's floor view at /bench/floor (bench/floor.py): only in the local demo.
SIGHTLINE_BENCH_FLOOR = env_bool("SIGHTLINE_BENCH_FLOOR", False)
if SIGHTLINE_BENCH_FLOOR and not (SIGHTLINE_DEMO or DEBUG):
    raise ImproperlyConfigured("SIGHTLINE_BENCH_FLOOR may only be on in the local demo.")

# Sign-in protection (docs/decisions/0019-sign-in-throttle-proxies-and-device-cookies.md).
SIGHTLINE_LOCKOUT_FAILURES = env_positive_int("SIGHTLINE_LOCKOUT_FAILURES", 5)
SIGHTLINE_LOCKOUT_MINUTES = env_positive_int("SIGHTLINE_LOCKOUT_MINUTES", 15)
SIGHTLINE_IP_THROTTLE_FAILURES = env_positive_int("SIGHTLINE_IP_THROTTLE_FAILURES", 50)
SIGHTLINE_SESSION_IDLE_MINUTES = env_positive_int("SIGHTLINE_SESSION_IDLE_MINUTES", 30)
SIGHTLINE_SESSION_ABSOLUTE_HOURS = env_positive_int("SIGHTLINE_SESSION_ABSOLUTE_HOURS", 10)
SIGHTLINE_INVITATION_DAYS = env_positive_int("SIGHTLINE_INVITATION_DAYS", 7)
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks); none by default.
SIGHTLINE_TRUSTED_PROXIES = env_networks("SIGHTLINE_TRUSTED_PROXIES")
# How long a browser that signed in stays known to the sign-in throttle (its device cookie).
SIGHTLINE_DEVICE_COOKIE_DAYS = env_positive_int("SIGHTLINE_DEVICE_COOKIE_DAYS", 180)
# The sign-in lockout above is the one limit on wrong codes: django-otp's own growing delay
# after each wrong code would refuse a right code typed straight after, and would let anyone
# who knows a password keep its owner waiting from every browser.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Documents.
SIGHTLINE_UPLOAD_MAX_BYTES = int(
    os.environ.get("SIGHTLINE_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024))
)
SIGHTLINE_ZIP_MAX_UNCOMPRESSED = int(
    os.environ.get("SIGHTLINE_ZIP_MAX_UNCOMPRESSED", str(200 * 1024 * 1024))
)
SIGHTLINE_ZIP_MAX_ENTRIES = int(os.environ.get("SIGHTLINE_ZIP_MAX_ENTRIES", "2000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Reviews: day 0 of the rapid review clock is the date the notification was sent
# ("notification", Panel guidance) or, as older texts have it, the date of awareness.
SIGHTLINE_RAPID_REVIEW_CLOCK_FROM = os.environ.get(
    "SIGHTLINE_RAPID_REVIEW_CLOCK_FROM", "notification"
)
if SIGHTLINE_RAPID_REVIEW_CLOCK_FROM not in {"notification", "awareness"}:
    raise ImproperlyConfigured(
        "SIGHTLINE_RAPID_REVIEW_CLOCK_FROM must be notification or awareness."
    )
# Virus scanning of uploads through clamd ("host:port" or a unix socket path); empty = off.
SIGHTLINE_CLAMD_ADDRESS = os.environ.get("SIGHTLINE_CLAMD_ADDRESS", "")

# 7-minute briefings: the seven tile headings (a partnership setting; separate with "|"),
# and how many working days agencies have to acknowledge a briefing.
SIGHTLINE_BRIEFING_HEADINGS = [
    h.strip()
    for h in os.environ.get(
        "SIGHTLINE_BRIEFING_HEADINGS",
        "Background|Why it matters|Information|Key learning|Information|Things to remember|"
        "What to do",
    ).split("|")
]
if len(SIGHTLINE_BRIEFING_HEADINGS) != 7:
    raise ImproperlyConfigured("SIGHTLINE_BRIEFING_HEADINGS needs exactly seven headings.")
SIGHTLINE_ACKNOWLEDGE_WORKING_DAYS = int(os.environ.get("SIGHTLINE_ACKNOWLEDGE_WORKING_DAYS", "10"))

# Publication policy: advance copies to the Panel and the Secretary of State at least this
# many working days before publication; the minimum public period in months.
SIGHTLINE_ADVANCE_COPY_WORKING_DAYS = int(
    os.environ.get("SIGHTLINE_ADVANCE_COPY_WORKING_DAYS", "7")
)
SIGHTLINE_MIN_PUBLIC_MONTHS = int(os.environ.get("SIGHTLINE_MIN_PUBLIC_MONTHS", "12"))
SIGHTLINE_NSPCC_REPOSITORY_URL = os.environ.get(
    "SIGHTLINE_NSPCC_REPOSITORY_URL",
    "https://learning.nspcc.org.uk/case-reviews/national-case-review-repository",
)

# The event log's daily checkpoints, appended to a file in this folder (and written to the log).
# In production, put it on write-once or separately permissioned storage.
SIGHTLINE_CHECKPOINT_DIR = Path(os.environ.get("SIGHTLINE_CHECKPOINT_DIR", VAR_DIR / "checkpoints"))

# Reminders.
SIGHTLINE_REMINDER_WORKING_DAYS = int(os.environ.get("SIGHTLINE_REMINDER_WORKING_DAYS", "5"))
SIGHTLINE_HOME_HORIZON_WORKING_DAYS = 10
# Rows a page on every list (sightline/core/paging.py).
SIGHTLINE_PAGE_SIZE = 50

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "sightline.core",
    "sightline.accounts",
    "sightline.actions",
    "sightline.reviews",
    "sightline.learning",
    "sightline.publishing",
    "sightline.api",
    "django.contrib.syndication",
    "rest_framework",
    "drf_spectacular",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sightline.core.middleware.RequestContextMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sightline.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sightline.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sightline.core.context_processors.sightline",
            ],
            "builtins": ["sightline.core.templatetags.govuk"],
        },
    }
]

# Database: SQLite under var/ by default; PostgreSQL through DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SIGHTLINE_SQLITE_PATH", str(VAR_DIR / "sightline.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 25,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=FULL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=25000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "core:home"

# Sessions: database-backed so that sign-out and deactivation end them server-side.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = SIGHTLINE_SESSION_ABSOLUTE_HOURS * 3600
SECURE_COOKIES = env_bool("SIGHTLINE_SECURE_COOKIES", not (DEBUG or SIGHTLINE_DEMO))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "sightline.core.views.csrf_failure"
if SECURE_COOKIES:
    SESSION_COOKIE_NAME = "__Host-sightline_session"
    CSRF_COOKIE_NAME = "__Host-sightline_csrf"
else:
    SESSION_COOKIE_NAME = "sightline_session"
    CSRF_COOKIE_NAME = "sightline_csrf"

# Transport security (a TLS-terminating proxy sits in front in production).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SIGHTLINE_BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SIGHTLINE_SSL_REDIRECT", SECURE_COOKIES)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("SIGHTLINE_HSTS_SECONDS", "31536000" if SECURE_COOKIES else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SIGHTLINE_HSTS_PRELOAD", False)
# security.W021 (HSTS preload) is silenced unless a deployment opts in: preloading commits the
# whole registrable domain (often a council's) to HTTPS in browsers' built-in lists, a decision
# for the domain's owner rather than this application. Nothing else is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# The REST API (sightline/api): JSON only, nothing open unless a view says so, one error shape,
# and an OpenAPI 3.1 description generated from the views and serializers.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sightline.api.exceptions.handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sightline API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Read-only access to the partnership's public learning library: published practice "
        "reviews, 7-minute briefings and items from the back catalogue. No sign-in is needed "
        "for the library. Nothing unpublished or removed is ever returned."
    ),
    "OAS_VERSION": "3.1.0",
    "SERVERS": [{"url": "/"}],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "dist"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "documents")},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if os.environ.get("SIGHTLINE_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["SIGHTLINE_S3_BUCKET"],
            "endpoint_url": os.environ.get("SIGHTLINE_S3_ENDPOINT_URL"),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }

# E-mail: console in the local demo, SMTP elsewhere.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if (DEBUG or SIGHTLINE_DEMO)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sightline@localhost")

# Background work through the tasks API with its database backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("SIGHTLINE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SIGHTLINE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        # Checkpoints anchor the event log outside the database: always logged, whatever the
        # console's level.
        "sightline.events.checkpoint": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
        },
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
