"""One JSON line per request (issue 12; docs/operations.md "Logs"): what an operator greps when an agent says
"it said error 3f9a…" — the time, the method and path, the status, the duration, who asked (user name, or none),
from where (the client's address, behind a trusted proxy the real one) and, for a failure of ansinh's own, the error
id that the page or the API answer showed. Written to the ``ansinh.requests`` logger; static files are not logged.

Nothing personal beyond the user name and address: no query string (it can carry a name or a personal ID being
searched), no body."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

from django.conf import settings

from .security import client_ip

logger = logging.getLogger("ansinh.requests")


def _user_name(request) -> str | None:
    # only a user already loaded (by the session or a token): the log never adds a query of its own
    user = getattr(request, "_cached_user", None)
    if user is None and "user" in request.__dict__ and not hasattr(request.__dict__["user"], "_wrapped"):
        user = request.__dict__["user"]
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.get_username()


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static = settings.STATIC_URL or "/static/"

    def __call__(self, request):
        if request.path.startswith(self.static):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        if logger.isEnabledFor(logging.INFO):
            line = {
                "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user": _user_name(request),
                "ip": client_ip(request),
                "error_id": getattr(request, "error_id", None),
            }
            logger.info(json.dumps(line, ensure_ascii=False))
        return response
