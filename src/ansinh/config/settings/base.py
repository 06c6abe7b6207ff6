"""Settings shared by every environment. Secrets and the database come from the environment (ANSINH_*)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/ansinh
# var/ holds the SQLite file, keys and generated files; by default it sits in the working directory.
VAR_DIR = Path(os.environ.get("ANSINH_VAR_DIR", Path.cwd() / "var")).resolve()

SECRET_KEY = os.environ.get("ANSINH_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = os.environ.get("ANSINH_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ANSINH_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ANSINH_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",  # Swagger UI served from its own static files, not a CDN (offices work offline)
    "axes",
    "django_otp",  # a second factor for the roles ANSINH_2FA_ROLES names (ADR 0021)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ansinh.core",
    "ansinh.areas",
    "ansinh.registry",
    "ansinh.payments",
    "ansinh.enrollment",
    "ansinh.cards",
    "ansinh.campaigns",
    "ansinh.reports",
    "ansinh.outreach",
    "ansinh.imports",
    "ansinh.field",
    "ansinh.web",
]

MIDDLEWARE = [
    "ansinh.web.request_log.RequestLogMiddleware",  # outermost: times and logs every answer, errors included
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ansinh.core.middleware.LanguageMiddleware",
    "ansinh.core.input_guard.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ansinh.web.security.SecondFactorMiddleware",
    "ansinh.web.security.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ansinh.web.security.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ansinh.config.urls"
WSGI_APPLICATION = "ansinh.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ansinh.web.context.restore_form",
                "ansinh.web.context.field_kit",
            ],
        },
    }
]


def database_from_url(url: str) -> dict[str, Any]:
    """One database setting from a URL; SQLite gets WAL, immediate transactions and a busy timeout."""
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles the report queries (their look-back subqueries inflate the cost estimates)
        # for longer than they then run: measured up to 1.5 s lost in one statement (docs/benchmarks.md).
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
        # A connection kept between requests is checked before it is used again: after PostgreSQL drops it
        # (a restart, a failover, pg_terminate_backend) the next request reconnects instead of answering a 500.
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": database_from_url(
        os.environ.get("ANSINH_DATABASE_URL", f"sqlite:///{VAR_DIR / 'ansinh.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Login throttling (django-axes): lock a username+address after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("ANSINH_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
# Behind a reverse proxy every request comes from the proxy's address: name the proxies (ANSINH_TRUSTED_PROXIES,
# comma-separated addresses) and the client's own address is read from X-Forwarded-For, trusted only when the
# request came through one of them — else anyone could lock anyone out, all sharing the proxy's address.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("ANSINH_TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_CLIENT_IP_CALLABLE = "ansinh.web.security.client_ip"
# A missing card-signing key is made on first use on a laptop or a test machine; production refuses instead.
ANSINH_CREATE_SIGNING_KEY = True
# The roles that sign in with a second factor (an authenticator app's code, or a one-time recovery code): none on a
# laptop or in the demo; production asks it of administrators and managers (settings.production, ADR 0021).
ANSINH_2FA_ROLES = [r.strip() for r in os.environ.get("ANSINH_2FA_ROLES", "").split(",") if r.strip()]
OTP_TOTP_ISSUER = "ansinh"
# This machine is a field kit (ADR 0027): `ansinh field …` sets it; the desk's writes are journaled for the office.
ANSINH_FIELD_KIT = os.environ.get("ANSINH_FIELD_KIT", "0") == "1"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# A session ends after this long without a request (each request starts the count again): a laptop left open at a
# village table is not left signed in. The agent who comes back signs in and finds the form as it was.
SESSION_COOKIE_AGE = 60 * int(
    os.environ.get("ANSINH_SESSION_IDLE_MINUTES", "60")
)  # web.security.IdleSession…
# Logs go to standard error (systemd's journal in production, docs/operations.md "Logs"):
# - ``ansinh.requests``: one JSON line per request (web/request_log.py); ANSINH_REQUEST_LOG=off turns it off;
# - ``ansinh.errors``: every 500 with its error id and traceback (the page's and the API's);
# - Django's own "django.request" lines are left out: they repeated each 500 without its id, and each 4xx is in the
#   request log with its status.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "requests": {"class": "logging.StreamHandler", "formatter": "line"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ANSINH_LOG_LEVEL", "WARNING")},
    "loggers": {
        "ansinh.requests": {
            "handlers": ["requests"],
            "level": "INFO" if os.environ.get("ANSINH_REQUEST_LOG", "on") != "off" else "WARNING",
            "propagate": False,
        },
        "django.request": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
