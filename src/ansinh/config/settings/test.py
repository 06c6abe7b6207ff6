"""Tests: SQLite by default; ANSINH_TEST_DATABASE_URL selects PostgreSQL (pytest-django creates test_<name>)."""

import os

from .base import *  # noqa: F403
from .base import database_from_url

DATABASES = {
    "default": database_from_url(
        os.environ.get("ANSINH_TEST_DATABASE_URL", "sqlite:///" + str(VAR_DIR / "test.sqlite3"))  # noqa: F405
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, as in production (WAL, a busy timeout), not Django's shared in-memory database: there a reader
    # meets a writer's table lock at once ("database table is locked"), so a page read while the import thread
    # wrote answered a 500 that no office on a file database would see. One file per test process.
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405 (a fresh clone has no var/ yet)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; production uses Argon2
AXES_FAILURE_LIMIT = 3
ALLOWED_HOSTS = ["*"]
# One JSON line a request would fill the test output: the request log's own tests turn it on.
LOGGING["loggers"]["ansinh.requests"]["level"] = "WARNING"  # noqa: F405
