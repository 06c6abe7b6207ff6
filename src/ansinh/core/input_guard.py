"""Bad input gets a clear error, never a 500 (issue 12).

``InputGuardMiddleware`` stands in front of every door:

- text that no database can store — a NUL character, or a lone UTF-16 surrogate (half of a character: ``\\ud800``)
  — in the query string, a form or a JSON body is refused before any view runs: 422 ``{code, message, field}`` on
  the API, a 400 page elsewhere (PostgreSQL refuses NUL and the encoder a lone surrogate, which answered 500);
- an integer beyond 64 bits in a JSON body (``"person_ids": [99999999999999999999]``) is refused the same way: no
  column holds it, and the database's overflow answered 500;
- a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused with 413 before it is read;
- under ``/api/`` every answer that is not a success carries the API's ``{code, message, field}`` body — Django's
  404 page, a 405, a CSRF refusal, a body that is not JSON — and an unexpected error is a 500 with an error id that
  the log line carries too."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger("ansinh.errors")

API_PREFIX = "/api/"


def _bad(text: str) -> bool:
    return "\x00" in text or any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def _first(value: Any, wrong: Callable[[Any], bool], path: str = "") -> str | None:
    """The first field (dotted path) of a parsed body whose value — or, for text, whose key — is ``wrong``, else
    None; "body" when it is the body itself."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and wrong(key):
                return path or "body"
            found = _first(item, wrong, f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    if isinstance(value, list):
        for item in value:
            found = _first(item, wrong, path)
            if found:
                return found
        return None
    return (path or "body") if wrong(value) else None


def _bad_field(value: Any) -> str | None:
    """The first field whose text cannot be stored (a NUL or half a character)."""
    return _first(value, lambda v: isinstance(v, str) and _bad(v))


# No column of any database holds an integer beyond 64 bits (an id, an amount, a count): refused as input, where
# the database would have answered an overflow (a 500).
LARGEST = 2**63 - 1


def _huge_number(value: Any) -> str | None:
    """The first field holding an integer beyond 64 bits."""
    return _first(value, lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) > LARGEST)


def error_id_for(request) -> str:
    """The id of this request's failure, made once: the answer (API body or 500 page) shows it and the request's log
    line (web/request_log.py) carries it, so what a user reads out leads to the traceback."""
    found = getattr(request, "error_id", None)
    if not found:
        found = uuid.uuid4().hex[:12]
        request.error_id = found
    return found


def _error(status: int, code: str, message: str, field: str | None = None, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "field": field, **extra}, status=status)


STATUS_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
}


def _message_for(status: int) -> str:
    return {
        400: _("The request cannot be read: send JSON as the documentation shows."),
        401: _("Sign in or send a valid API token."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This address does not take this method."),
        413: _("The request is too large."),
    }.get(status, _("The request cannot be used."))


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith(API_PREFIX)
        length = request.META.get("CONTENT_LENGTH") or ""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length.isdigit() and int(length) > limit and not request.FILES:
            if api:
                return _error(413, "too_large", _message_for(413))
            return HttpResponse(_message_for(413), status=413, content_type="text/plain; charset=utf-8")
        refused = self._bad_input(request)
        if refused is not None:
            field, message = refused
            if api:
                return _error(422, "invalid", message, field=field)
            return render(request, "web/refused.html", {"message": message}, status=400)
        response = self.get_response(request)
        if api and response.status_code >= 400:
            return self._as_api_error(response)
        return response

    def _bad_input(self, request) -> tuple[str, str] | None:
        """The first input that cannot be used, as (field, message), else None."""
        unstorable = _("The text contains characters that cannot be stored (a NUL or half of a character).")
        for key, values in request.GET.lists():
            if _bad(key) or any(_bad(v) for v in values):
                return (key if not _bad(key) else "query"), unstorable
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if content_type.startswith("application/json"):
                try:
                    body = json.loads(request.body or b"null")
                except (ValueError, UnicodeDecodeError):
                    return None  # not JSON at all: the API answers that itself
                field = _bad_field(body)
                if field is not None:
                    return field, unstorable
                field = _huge_number(body)
                if field is not None:
                    return field, _("%(field)s is too large a number.") % {"field": field}
                return None
            if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                for key, values in request.POST.lists():
                    if _bad(key) or any(_bad(v) for v in values):
                        return (key if not _bad(key) else "form"), unstorable
        return None

    @staticmethod
    def _as_api_error(response):
        """Every failure under /api/ in the API's own shape (the API's handlers already answer so: kept)."""
        if response.get("Content-Type", "").startswith("application/json"):
            try:
                body = json.loads(response.content or b"null")
            except ValueError:
                body = None
            if isinstance(body, dict) and "code" in body and "message" in body:
                return response
        status = response.status_code
        if status >= 500:
            return response  # made by process_exception, or a server error page: see there
        return _error(status, STATUS_CODES.get(status, "invalid"), _message_for(status))

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None  # the page's 500 handler
        error_id = error_id_for(request)
        logger.exception("error %s on %s %s", error_id, request.method, request.path)
        return _error(
            500,
            "server_error",
            _("Something went wrong on the server; nothing was saved. Tell the office this number: %(id)s.")
            % {"id": error_id},
            error_id=error_id,
        )
