"""The OpenAPI entry of an operation that answers a file (a PDF, a workbook, a CSV) rather than JSON: the
documented 200 names its content type, so that a schema check knows what to expect. Apart from api/main.py so that
an app's router may use it without a cycle."""

from __future__ import annotations

from typing import Any

PDF = "application/pdf"


def file_answer(description: str, content_type: str = PDF) -> dict[str, Any]:
    """``openapi_extra`` for an operation whose success is a file of ``content_type``."""
    return {"responses": {200: {"description": description, "content": {content_type: {}}}}}
