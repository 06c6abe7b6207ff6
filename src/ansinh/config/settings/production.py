"""Production (docs/operations.md): a real secret is required; HTTPS is the only way in (redirect, HSTS, secure
cookies) unless ANSINH_HTTPS=0 says a trusted network serves plain HTTP; behind a reverse proxy the client's
address and scheme come from the proxy's headers, trusted only from the proxies named; the card-signing key must
be installed (`ansinh keys init`) — it is never made silently."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import TRUSTED_PROXIES

if not os.environ.get("ANSINH_SECRET_KEY"):
    raise ImproperlyConfigured("ANSINH_SECRET_KEY must be set in production")
DEBUG = False
HTTPS = os.environ.get("ANSINH_HTTPS", "1") == "1"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("ANSINH_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("ANSINH_HSTS_SUBDOMAINS", "0") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("ANSINH_HSTS_PRELOAD", "0") == "1"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if TRUSTED_PROXIES:  # the proxy says whether the browser came in over HTTPS
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS for the office's own name only unless asked (its sister sites may not all be HTTPS yet), and no preload list.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]
SILENCED_SYSTEM_CHECKS += [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if not HTTPS:  # a closed network served over plain HTTP, said so by ANSINH_HTTPS=0
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]
ANSINH_CREATE_SIGNING_KEY = False

# Administrators and managers sign in with a second factor (ADR 0021); ANSINH_2FA_ROLES="" turns it off.
ANSINH_2FA_ROLES = [
    r.strip() for r in os.environ.get("ANSINH_2FA_ROLES", "administrator,manager").split(",") if r.strip()
]
