"""Typed application errors (house rule 7): a code, a translatable message, and the field at fault."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """An error code of the API (``{code, message, field}``): the four shared ones below (``ErrorCode``), and the
    codes an app adds for a refusal a client acts on, listed as a subclass in that app (for example
    ``enrollment.models.Error``). ``ApplicationError`` takes nothing else, so every code is declared once."""


class ErrorCode(Code):
    INVALID = "invalid"
    NOT_FOUND = "not_found"  # also used for "not permitted" so that the registry does not leak
    CONFLICT = "conflict"
    PERMISSION_DENIED = "permission_denied"


class ApplicationError(Exception):
    """An error the user can act on. ``message`` is already translated (gettext) where it is raised."""

    def __init__(self, code: Code, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = str(code)
        self.message = str(message)
        self.field = field
        self.status = status or {
            ErrorCode.NOT_FOUND: 404,
            ErrorCode.CONFLICT: 409,
            ErrorCode.PERMISSION_DENIED: 403,
        }.get(self.code, 422)  # type: ignore[call-overload]

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class ValidationFailed(ApplicationError):
    """Several field errors at once, so a form can show them all."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(ErrorCode.INVALID, first_message, field=first_field)
        self.errors = errors

    def as_dict(self) -> dict:
        return {**super().as_dict(), "errors": self.errors}
