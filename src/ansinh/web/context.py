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
