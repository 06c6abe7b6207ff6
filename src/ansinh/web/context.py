"""Template context every page gets."""

from __future__ import annotations


def restore_form(request) -> dict:
    """After a session ended mid-form (views.signed_out) and the agent signed in again: on the page they were on,
    ask the browser to fill the form in again (static/ansinh/keep-form.js). Once."""
    session = getattr(request, "session", None)
    if session is None or not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from .views import RESTORE_FORM

    if session.get(RESTORE_FORM) and session[RESTORE_FORM] == request.path:
        session.pop(RESTORE_FORM)
        return {"restore_form": True}
    return {}


def field_kit(request) -> dict:
    """On a field kit (ADR 0027), every page shows how many operations wait to be sent to the office."""
    from django.conf import settings

    if not getattr(settings, "ANSINH_FIELD_KIT", False) or not getattr(
        request.user, "is_authenticated", False
    ):
        return {}
    from ansinh.field.models import JournalEntry

    return {"field_kit": {"pending": JournalEntry.objects.filter(sent_at__isnull=True).count()}}
