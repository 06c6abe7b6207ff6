"""The JSON door: one NinjaAPI under /api/v1, assembled from each app's router (app/api.py).

Pages authenticate by session (with CSRF), programs by ``Authorization: Bearer <token>``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from ansinh.api.auth import BearerToken
from ansinh.core.errors import ApplicationError
from ansinh.rules.errors import RuleError

ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "field"],
    "properties": {
        "code": {
            "type": "string",
            "description": "invalid, not_found, conflict, permission_denied, "
            "unauthenticated, or an app's own code (eligibility.<reason>, facility.*, input.*)",
        },
        "message": {"type": "string", "description": "what is wrong, in the user's language"},
        "field": {"type": ["string", "null"], "description": "the input at fault, where there is one"},
    },
}
# Every operation can answer these, always as {code, message, field} (core/input_guard.py and the handlers below).
ERRORS = {
    "400": "The request cannot be read (a NUL byte or half a character).",
    "401": "Not signed in and no valid API token.",
    "403": "Signed in, but the role may not do this.",
    "404": "Not found, or not in your areas (the same answer).",
    "405": "The method is not allowed here.",
    "409": "A conflict with what is recorded (a double submission with other content, an overlap).",
    "413": "The body is over the size limit.",
    "422": "Invalid input: the message says what, the field where.",
    "500": "An error of ansinh's own: the message carries an error id found in the server's log.",
}


class DocumentedAPI(NinjaAPI):
    """The OpenAPI document also states the errors every operation may answer, with their one shape."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        reference = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERRORS.items():
                    responses.setdefault(status, {"description": description, **reference})
        return schema


api = DocumentedAPI(
    title="ansinh API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(RuleError)
def rule_error(request, exc: RuleError):
    from ansinh.api.rules import rule_error_json

    return api.create_response(request, rule_error_json(exc), status=422)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "query", "path", "payload")]
    field = ".".join(loc) or None
    # pydantic's own words stay in "errors" (English, technical); the message is in the user's language
    message = (
        _("%(field)s has a value that cannot be used.") % {"field": field} if field else _("Invalid input.")
    )
    return api.create_response(
        request,
        {
            "code": "invalid",
            "message": message,
            "field": field,
            "errors": exc.errors,
        },
        status=422,
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": _("Sign in or send a valid API token."), "field": None},
        status=401,
    )


def _register() -> None:
    from ansinh.api.rules import router as rules_router
    from ansinh.areas.api import router as areas_router
    from ansinh.campaigns.api import router as campaigns_router
    from ansinh.cards.api import router as cards_router
    from ansinh.enrollment.api import router as enrollment_router
    from ansinh.field.api import router as field_router
    from ansinh.imports.api import router as imports_router
    from ansinh.outreach.api import router as outreach_router
    from ansinh.payments.api import router as payments_router
    from ansinh.records.api import router as records_router
    from ansinh.registry.api import router as registry_router
    from ansinh.reports.api import router as reports_router

    api.add_router("/", registry_router)
    api.add_router("/areas", areas_router)
    api.add_router("/rules", rules_router)
    api.add_router("/", enrollment_router)
    api.add_router("/", payments_router)
    api.add_router("/cards", cards_router)
    api.add_router("/", campaigns_router)
    api.add_router("/", reports_router)
    api.add_router("/", records_router)
    api.add_router("/", outreach_router)
    api.add_router("/", imports_router)
    api.add_router("/", field_router)


_register()
