"""The Content-Security-Policy of ansinh's pages (issue 12): scripts only from ansinh's own static files (no inline
script, no CDN, no eval), nothing framed, forms posted only to ansinh. A name or a note that slipped past escaping
could not run. Styles may be inline (the templates' small style blocks and progress bars)."""

from __future__ import annotations

import time

from django.conf import settings

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI (django-ninja's, served locally) builds its page with its own bundle: it keeps its own rules.
EXEMPT = ("/api/v1/docs",)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "ANSINH_CSP", POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        if html and self.policy and not request.path.startswith(EXEMPT):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


def client_ip(request) -> str:
    """The client's address (django-axes' AXES_CLIENT_IP_CALLABLE). Behind the reverse proxies named in
    ANSINH_TRUSTED_PROXIES, the right-most address of X-Forwarded-For that is not one of them — what the last
    trusted proxy saw; the header is believed only when the request came from a trusted proxy, so a client cannot
    pretend to be someone else by sending it."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(getattr(settings, "TRUSTED_PROXIES", []) or [])
    if remote not in trusted:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if address not in trusted:
            return address
    return remote


class IdleSessionMiddleware:
    """A session ends after SESSION_COOKIE_AGE without a request: each request renews it, written at most once every
    five minutes (a write on every request — every htmx poll — fought with the day's other writes for the
    database, and a session write that lost was a "Bad Request")."""

    RENEW_SECONDS = 300

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - int(session.get("_renewed", 0)) >= self.RENEW_SECONDS:
                session["_renewed"] = now  # saved with the response, with a new expiry
        return self.get_response(request)


# Set in the session at sign-in for a user who added an authenticator by choice (their role does not need one):
# their next pages ask its code too, without a query on every request.
SECOND_FACTOR_CHOSEN = "ansinh_second_factor"
# The pages a user whose role needs a second factor may open before giving it.
SECOND_FACTOR_OPEN = ("/login/", "/logout/", "/static/", "/i18n/", "/healthz", "/readyz", "/verify/")


class SecondFactorMiddleware:
    """A signed-in user whose role signs in with a second factor (ANSINH_2FA_ROLES, ADR 0021) and has not given it
    in this session is sent to give it — or, with no authenticator yet, to add one — before any page; the JSON API
    answers 401 ``second_factor_required`` to such a session (API tokens are a credential of their own)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from ansinh.core.services import second_factor_devices, second_factor_required

        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or user.is_verified()
            or not (second_factor_required(user) or request.session.get(SECOND_FACTOR_CHOSEN))
        ):
            return self.get_response(request)
        if request.path.startswith(SECOND_FACTOR_OPEN):
            # the code step itself: its page shows no menu (every link would lead back here)
            request.second_factor_pending = True
            return self.get_response(request)
        if request.path.startswith("/api/"):
            from django.http import JsonResponse
            from django.utils.translation import gettext as _

            return JsonResponse(
                {
                    "code": "second_factor_required",
                    "message": _("Give the code of your authenticator app first (sign in again)."),
                    "field": None,
                },
                status=401,
            )
        from urllib.parse import urlencode

        from django.shortcuts import redirect

        step = "/login/code/" if second_factor_devices(user) else "/login/second-factor/"
        return redirect(f"{step}?{urlencode({'next': request.get_full_path()})}")
