"""Writes for users and API tokens (house rule 1)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import area_table, forget_scope, require
from .area_tree import Level, normalize_code
from .audit import audit_record
from .errors import ApplicationError, ErrorCode
from .models import ApiToken, Audit, Role, User

TOKEN_PREFIX = "ans_"


def _areas_from_codes(codes: list[str]):
    normalized = [normalize_code(c) for c in codes]
    areas = list(
        area_table().objects.filter(
            code__in=normalized, level__in=[Level.PROVINCE, Level.COMMUNE, Level.VILLAGE]
        )
    )
    missing = sorted(set(normalized) - {a.code for a in areas})
    if missing:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("There is no current area with code %(code)s.") % {"code": missing[0]},
            field="areas",
        )
    return areas


def _user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "role": user.role,
        "is_active": user.is_active,
        "areas": sorted(user.areas.values_list("code", flat=True)),
    }


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    role: str,
    area_codes: list[str],
    password: str | None = None,
    full_name: str = "",
    email: str = "",
) -> User:
    """Creates a user working in the given areas. ``actor=None`` is the command line run by the operator."""
    if actor is not None:
        require(actor, "users.manage")
    username = (username or "").strip()
    if not username:
        raise ApplicationError(ErrorCode.INVALID, _("Enter a username."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(ErrorCode.CONFLICT, _("This username is taken."), field="username")
    if role not in Role.values or role == Role.FIELD_KIT:
        raise ApplicationError(ErrorCode.INVALID, _("Unknown role %(role)s.") % {"role": role}, field="role")
    areas = _areas_from_codes(area_codes)
    if not areas:
        raise ApplicationError(ErrorCode.INVALID, _("A user works in at least one area."), field="areas")
    user = User(username=username, role=role, email=email)
    if full_name:
        first, _sep, last = full_name.rpartition(" ")
        user.first_name, user.last_name = last, first
    if password:
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise ApplicationError(ErrorCode.INVALID, " ".join(e.messages), field="password") from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
    user.save()
    user.areas.set(areas)
    audit_record(actor=actor, action=Audit.USER_CREATE, obj=user, after=_user_snapshot(user))
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    role: str | None = None,
    area_codes: list[str] | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    if actor is not None:
        require(actor, "users.manage")
    before = _user_snapshot(user)
    if role is not None:
        if role not in Role.values or role == Role.FIELD_KIT:
            raise ApplicationError(
                ErrorCode.INVALID, _("Unknown role %(role)s.") % {"role": role}, field="role"
            )
        user.role = role
        user.is_staff = user.is_superuser = role == Role.ADMINISTRATOR
    if is_active is not None:
        if actor is not None and user.pk == actor.pk and not is_active:
            raise ApplicationError(ErrorCode.INVALID, _("You cannot deactivate yourself."), field="is_active")
        user.is_active = is_active
    if password:
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise ApplicationError(ErrorCode.INVALID, " ".join(e.messages), field="password") from None
        user.set_password(password)
    user.save()
    if area_codes is not None:
        areas = _areas_from_codes(area_codes)
        if not areas:
            raise ApplicationError(ErrorCode.INVALID, _("A user works in at least one area."), field="areas")
        user.areas.set(areas)
    forget_scope(user)
    after = _user_snapshot(user)
    audit_record(actor=actor, action=Audit.USER_UPDATE, obj=user, before=before, after=after)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Returns the token row and the token itself, which is never stored and cannot be shown again."""
    if actor is not None and actor.pk != user.pk:
        require(actor, "users.manage")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], digest=_digest(raw))
    audit_record(
        actor=actor,
        action=Audit.TOKEN_CREATE,
        obj=token,
        after={"user": user.username, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if actor is not None and actor.pk != token.user_id:
        require(actor, "users.manage")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=Audit.TOKEN_REVOKE, obj=token, after={"prefix": token.prefix})
    return token


# How stale ``ApiToken.last_used_at`` may be: writing it on every request would add a write and a commit to every
# API call (a program at the desk sends several a second); to the minute is what the admin list needs.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def token_authenticate(raw: str) -> User | None:
    """The user of a valid, unrevoked token, or None. The token is looked up on every request (a revocation or
    a deactivated user takes effect at once); its ``last_used_at`` is kept to the minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user").filter(digest=_digest(raw), revoked_at__isnull=True).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- the second factor (ADR 0021) -------------------------------------------------------------------------------

RECOVERY_CODES = 8


def second_factor_required(user) -> bool:
    """Whether the user's role signs in with a second factor (settings.ANSINH_2FA_ROLES)."""
    from django.conf import settings

    return getattr(user, "role", None) in set(getattr(settings, "ANSINH_2FA_ROLES", []) or [])


def second_factor_devices(user, *, confirmed: bool = True) -> list:
    from django_otp import devices_for_user

    return list(devices_for_user(user, confirmed=confirmed))


@transaction.atomic
def second_factor_start(*, user: User):
    """The authenticator the user is about to add: a new secret, not yet confirmed (shown as a QR code)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="ansinh", confirmed=False)


@transaction.atomic
def second_factor_confirm(*, user: User, code: str) -> tuple[object, list[str]]:
    """The first code from the new authenticator confirms it; returns (the device, recovery codes shown once)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise ApplicationError(ErrorCode.CONFLICT, _("Start again: scan the new code."), field="code")
    if not device.verify_token((code or "").strip().replace(" ", "")):
        raise ApplicationError(
            ErrorCode.INVALID, _("This code is not the one the app shows now."), field="code"
        )
    TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).delete()  # one authenticator: a new phone replaces it
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    audit_record(
        actor=user, action=Audit.SECOND_FACTOR_ENROL, obj=user, after={"recovery_codes": RECOVERY_CODES}
    )
    return device, codes


def second_factor_check(*, user: User, code: str):
    """The confirmed device (authenticator, or a recovery code used once) that accepts ``code``, or None."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return None
    for device in second_factor_devices(user):
        if device.verify_token(code):
            return device
    return None


@transaction.atomic
def second_factor_reset(*, actor, user: User) -> User:
    """A lost phone: the administrator removes the user's devices; the user adds a new one at the next sign-in."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    require(actor, "users.manage")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action=Audit.SECOND_FACTOR_RESET, obj=user, after={"devices": 0})
    return user
