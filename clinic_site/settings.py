"""Settings for the clinic site.

This is the only module that reads the environment. Defaults are safe for
development; production (DJANGO_DEBUG unset) fails fast on anything missing.
Every variable is documented in README.md.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Environment ------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

# Required in production, but only where a key is used: serving the site
# refuses to start without one (clinic_site/wsgi.py), and Django refuses any
# signing with an empty key. Tooling (makemigrations, collectstatic) needs none.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY_MISSING = (
    "DJANGO_SECRET_KEY is not set. Set it to a long random value in production, "
    "or set DJANGO_DEBUG=1 for local development."
)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# The admin lives at an unguessable path in production.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured("DJANGO_ADMIN_URL must look like 'some-path/'.")

# The site's public address, used for links in emails and canonical URLs.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Required in production: serving the site refuses to start without it
# (clinic_site/wsgi.py); tooling (migrate, collectstatic, check) runs without.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_URL_MISSING = (
    "REDIS_URL is not set. Production needs the shared Redis cache: per-machine file "
    "caches break rate limits and page refreshes across machines. Set REDIS_URL "
    "(e.g. redis://cache.internal:6379/0), or set DJANGO_DEBUG=1 for local development."
)

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    # The staff admin, with two-factor login when STAFF_REQUIRE_2FA is on.
    "booking.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "phonenumber_field",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pages",
    "booking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so that its errors (a bad Host header) carry
    # the security headers too.
    "clinic_site.middleware.PermissionsPolicyMiddleware",
    # The language comes from the URL alone (/es/… or English), never from
    # the browser's settings; the page cache below keys on the path.
    "clinic_site.middleware.PathLanguageMiddleware",
    # Cached reading pages are answered here, before sessions and the rest.
    "pages.caching.CachedPageMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "booking.middleware.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic_site.urls"
WSGI_APPLICATION = "clinic_site.wsgi.application"

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
                "booking.context_processors.locations",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------

if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Persistent connections, checked before reuse, so a restarted
            # database server does not need a restarted site.
            conn_max_age=int(os.environ.get("DJANGO_DB_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Anything shared between requests goes through the cache: Redis when there
# is one, otherwise a file cache that every local worker process shares.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "clinic_site.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clinic",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("DJANGO_FILE_CACHE_DIR", BASE_DIR / ".cache"),
        }
    }

# --- Auth and sessions ------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes checks for a lockout before the password is even tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
# Per user name and address: a shared office address cannot lock out the
# whole front desk, and one attacker cannot lock out everyone.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "booking.ratelimit.client_ip"
# Successful logins are in the session table already; keep axes to failures.
AXES_DISABLE_ACCESS_LOG = True

# History is an audit record: no reverting from it (changes go through services).
SIMPLE_HISTORY_REVERT_DISABLED = True

# TOTP two-factor login for the admin; on whenever the site is not in debug.
STAFF_REQUIRE_2FA = env_bool("DJANGO_STAFF_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Ketamine Center of CT staff"
# Staff sessions end after this many idle seconds; the public site's
# sessions (the booking form) keep Django's default.
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("DJANGO_STAFF_SESSION_IDLE_SECONDS", "1800"))

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True

# Production hardening is switched on by DEBUG, not by a second settings file.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
# TLS ends at the load balancer, which says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check is called over plain HTTP by the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Django's built-in CSP. No inline script or style anywhere; bootstrap's
# form controls use small data: SVG images.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names, gzip and Brotli, served by WhiteNoise with far-future caching.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Booking ----------------------------------------------------------------

# Emails are sent by a worker (`manage.py db_worker`), never inside a request.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
PHONENUMBER_DEFAULT_REGION = "US"
# Accepted consultation requests per client IP per hour, and form posts of any kind.
BOOKING_REQUESTS_PER_HOUR = int(os.environ.get("DJANGO_BOOKING_REQUESTS_PER_HOUR", "5"))
BOOKING_POSTS_PER_HOUR = int(os.environ.get("DJANGO_BOOKING_POSTS_PER_HOUR", "60"))
# A person needs more than a few seconds for this form; simple bots do not.
BOOKING_MIN_FILL_SECONDS = int(os.environ.get("DJANGO_BOOKING_MIN_FILL_SECONDS", "4"))
BOOKING_CONFIRMATION_SECONDS = int(os.environ.get("DJANGO_BOOKING_CONFIRMATION_SECONDS", "1800"))
# Where new-request notices go when a location has no front-desk email yet.
FRONT_DESK_FALLBACK_EMAIL = os.environ.get("DJANGO_FRONT_DESK_EMAIL", "")
# How many proxies (load balancers) sit in front of gunicorn and append to
# X-Forwarded-For; 0 means the client talks to gunicorn directly.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# A request still New after this many business hours is marked overdue.
BOOKING_OVERDUE_BUSINESS_HOURS = int(os.environ.get("DJANGO_BOOKING_OVERDUE_BUSINESS_HOURS", "4"))
# "No response" is offered once this many tries to reach the patient failed.
BOOKING_NO_RESPONSE_AFTER_ATTEMPTS = int(
    os.environ.get("DJANGO_BOOKING_NO_RESPONSE_AFTER_ATTEMPTS", "3")
)
# Closed requests are anonymised this many days after closing (`manage.py
# booking_anonymise --apply`), keeping only what statistics need.
BOOKING_RETENTION_DAYS = int(os.environ.get("DJANGO_BOOKING_RETENTION_DAYS", "730"))
# Each process trusts the content version of the cached pages it last read
# for this many seconds: no Redis round trip per page, and staff changes
# show on every machine within this time (clinic_site/public_content.py).
PUBLIC_CONTENT_TRUST_SECONDS = float(os.environ.get("DJANGO_PUBLIC_CONTENT_TRUST_SECONDS", "1"))
# Appointments staff book last this long, unless the office's online
# booking rules give a length for that kind of consultation.
BOOKING_APPOINTMENT_MINUTES = 60
# Reminder emails go this many hours before an appointment ("24,2"); empty: none.
BOOKING_REMINDER_HOURS = [
    int(hours)
    for hours in os.environ.get("DJANGO_BOOKING_REMINDER_HOURS", "24,2").split(",")
    if hours.strip()
]
# A reminder the worker could not send within this many minutes of its
# time is not sent at all (a worker that was down sends no late reminders).
BOOKING_REMINDER_GRACE_MINUTES = int(os.environ.get("DJANGO_BOOKING_REMINDER_GRACE_MINUTES", "30"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ------------------------------------------------------------------

EMAIL_BACKEND_PATH = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("DJANGO_EMAIL_PORT", "587")),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", True),
        "timeout": int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "20")),
    }
elif EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend") and os.environ.get(
    "DJANGO_EMAIL_FILE_PATH"
):
    # The folder the file backend writes to (the launch checks insist on one).
    MAILERS["default"]["OPTIONS"] = {"file_path": os.environ["DJANGO_EMAIL_FILE_PATH"]}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "Ketamine Center of Connecticut <no-reply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------

# English at the site's unprefixed URLs, Spanish under /es/ (clinic_site/urls.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Spanish")]
LOCALE_PATHS = [BASE_DIR / "clinic_site" / "locale"]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

# --- Logging ----------------------------------------------------------------

# Logs go to stdout. Nothing a patient typed is ever logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
