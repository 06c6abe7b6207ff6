"""The Content-Security-Policy of ansinh's pages (issue 12): scripts only from ansinh's own static files (no inline
script, no CDN, no eval), nothing framed, forms posted only to ansinh. A name or a note that slipped past escaping
could not run. Styles may be inline (the templates' small style blocks and progress bars)."""

from __future__ import annotations

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
