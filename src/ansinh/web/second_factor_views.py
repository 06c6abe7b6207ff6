"""The second step of signing in (ADR 0021): the code of the user's authenticator app (or a recovery code, once),
and adding the authenticator the first time — its QR code to scan, its first code to confirm, then the recovery
codes shown once. Only for the roles ANSINH_2FA_ROLES names (security.SecondFactorMiddleware sends them here)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from ansinh.core.errors import ApplicationError
from ansinh.core.selectors import user_get
from ansinh.core.services import (
    second_factor_check,
    second_factor_confirm,
    second_factor_devices,
    second_factor_required,
    second_factor_reset,
    second_factor_start,
)
from ansinh.documents.qr import matrix

from .security import SECOND_FACTOR_CHOSEN
from .views import page, signed_in


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if safe and not target.startswith("/login/") else "/"


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an inline SVG (the authenticator's secret: drawn here, never sent elsewhere)."""
    modules = matrix(text)
    size = len(modules) + 8
    dark = "".join(
        f"M{x + 4} {y + 4}h1v1h-1z" for y, row in enumerate(modules) for x, on in enumerate(row) if on
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="240" height="240" '
        f'shape-rendering="crispEdges" role="img"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{dark}" fill="#000"/></svg>'
    )


@signed_in
def second_factor_code(request):
    user = request.user
    if user.is_verified() or not (second_factor_required(user) or second_factor_devices(user)):
        return redirect(_next(request))
    if not second_factor_devices(user):
        return redirect(f"/login/second-factor/?next={_next(request)}")
    error = None
    if request.method == "POST":
        device = second_factor_check(user=user, code=request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        error = _(
            "This code is not the one the app shows now. Type the six digits again (or a recovery code)."
        )
    return render(request, "web/second_factor_code.html", {"next": _next(request), "error": error})


@signed_in
def second_factor_setup(request):
    user = request.user  # required for some roles, a choice for anyone else (ADR 0021)
    if second_factor_devices(user) and not user.is_verified():  # an authenticator exists: its code first
        return redirect(f"/login/code/?next={_next(request)}")
    if request.method == "POST":
        try:
            device, codes = second_factor_confirm(user=user, code=request.POST.get("code", ""))
        except ApplicationError as e:
            error = e.message
        else:
            otp_login(request, device)
            request.session[SECOND_FACTOR_CHOSEN] = True
            return render(request, "web/second_factor_codes.html", {"codes": codes, "next": _next(request)})
    else:
        error = None
    device = second_factor_start(user=user)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "web/second_factor_setup.html",
        {"qr": qr_svg(device.config_url), "secret": secret, "next": _next(request), "error": error},
    )


@require_POST
@page
def second_factor_reset_view(request, user_id: int):
    target = user_get(user=request.user, user_id=user_id)
    second_factor_reset(actor=request.user, user=target)
    messages.success(request, _("The second factor of %(name)s is reset.") % {"name": target.username})
    return redirect("web:user_edit", user_id=target.pk)
