"""Production: a real secret is required, cookies are secure when served over HTTPS."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if not os.environ.get("ANSINH_SECRET_KEY"):
    raise ImproperlyConfigured("ANSINH_SECRET_KEY must be set in production")
DEBUG = False
SESSION_COOKIE_SECURE = os.environ.get("ANSINH_HTTPS", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
