"""Who may do what, and where (house rule 3).

A user works in one or more areas (provinces or communes). Every selector filters by ``scope_for(user)`` and
every service checks it; an object outside the user's areas is reported exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.translation import gettext as _

from .area_tree import Level, subtree_q
from .errors import ApplicationError, ErrorCode
from .models import Role

# Capabilities by role. A capability names an action; the area check is separate.
# participation.view: a person's whole record (cards, payments, receipts, VSI months; records/history.py) is read
# by those who serve the person at the desk and the office; viewers and communication officers do not (ADR 0025).
_DESK = {
    "enrollment.create",
    "receipt.void_own",
    "dayclose.create",
    "outcomes.record",
    "outreach.record",
    "participation.view",
}
_CAMPAIGNS = {"campaigns.manage", "outcomes.record", "campaigns.view", "outreach.manage", "outreach.record"}
_OFFICE = {"enrollment.backdate", "receipt.void", "payments.manage", "payments.reconcile"}
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: frozenset(
        {"registry.view", "registry.edit", "areas.edit", "users.manage", "personal_id.view", "audit.view"}
        | _DESK
        | _OFFICE
        | _CAMPAIGNS
    ),
    Role.MANAGER: frozenset(
        {"registry.view", "registry.edit", "areas.edit", "personal_id.view", "audit.view"}
        | _DESK
        | _OFFICE
        | _CAMPAIGNS
    ),
    Role.COMMUNICATION_OFFICER: frozenset({"registry.view", "personal_id.view"} | _CAMPAIGNS),
    Role.COLLECTION_AGENT: frozenset(
        {"registry.view", "registry.edit", "personal_id.view", "audit.view", "campaigns.view"} | _DESK
    ),
    Role.VIEWER: frozenset({"registry.view", "campaigns.view"}),
    # A field kit's account (ADR 0027): its operations reach the office days later (backdated) and it voids only
    # the receipts of its own book (field.apply checks).
    Role.FIELD_KIT: frozenset(
        {
            "registry.view",
            "registry.edit",
            "personal_id.view",
            "campaigns.view",
            "enrollment.backdate",
            "receipt.void",
        }
        | _DESK
    ),
}


def has_capability(user, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return capability in CAPABILITIES.get(user.role, frozenset())


def require(user, capability: str) -> None:
    if not has_capability(user, capability):
        raise ApplicationError(
            ErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."), status=403
        )


@dataclass(frozen=True)
class AreaScope:
    """The areas a user works in, as path prefixes and codes."""

    paths: tuple[str, ...]
    province_codes: frozenset[str]
    commune_ids: frozenset[int]
    village_ids: frozenset[int]

    @property
    def empty(self) -> bool:
        return not self.paths

    def areas_q(self, prefix: str = "") -> Q:
        """Areas inside the scope (an area and everything under it)."""
        if self.empty:
            return Q(pk__in=[])
        return reduce(or_, (subtree_q(p, prefix) for p in self.paths))

    def residents_q(self, prefix: str = "") -> Q:
        """Rows that carry ``province_code``, ``commune`` and ``village`` (persons, households)."""
        parts = []
        if self.province_codes:
            parts.append(Q(**{f"{prefix}province_code__in": self.province_codes}))
        if self.commune_ids:
            parts.append(Q(**{f"{prefix}commune_id__in": self.commune_ids}))
        if self.village_ids:
            parts.append(Q(**{f"{prefix}village_id__in": self.village_ids}))
        return reduce(or_, parts) if parts else Q(pk__in=[])

    def covers_area(self, area) -> bool:
        return area.path.startswith(self.paths)  # paths is a tuple: any of them

    def covers_resident(self, row) -> bool:
        """Whether a person or household (a row with ``province_code``, ``commune_id``, ``village_id``) lives in
        the user's areas: the same test as ``residents_q``, so that whoever reads a record may also act on it
        (a user of one village included)."""
        return (
            row.province_code in self.province_codes
            or row.commune_id in self.commune_ids
            or (row.village_id is not None and row.village_id in self.village_ids)
        )


def scope_for(user) -> AreaScope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return AreaScope((), frozenset(), frozenset(), frozenset())
    cached = getattr(user, "_ansinh_scope", None)  # computed once per user object (a request, a job)
    if cached is not None:
        return cached
    if getattr(user, "is_system", False):
        scope = _system_scope()
    else:
        areas = list(user.areas.all().only("id", "path", "code", "level"))
        scope = AreaScope(
            paths=tuple(a.path for a in areas),
            province_codes=frozenset(a.code for a in areas if a.level == Level.PROVINCE),
            commune_ids=frozenset(a.id for a in areas if a.level == Level.COMMUNE),
            village_ids=frozenset(a.id for a in areas if a.level == Level.VILLAGE),
        )
    user._ansinh_scope = scope
    return scope


def forget_scope(user) -> None:
    """After the user's areas change, the next read computes the scope again."""
    user.__dict__.pop("_ansinh_scope", None)


def not_found(what: str | None = None) -> ApplicationError:
    """The one answer for 'missing' and 'not yours' (the registry must not reveal who is in it)."""
    return ApplicationError(ErrorCode.NOT_FOUND, what or _("Not found."), status=404)


def mask_personal_id(user, value: str | None) -> str | None:
    if not value or has_capability(user, "personal_id.view"):
        return value
    return value[:3] + "•" * 6 + value[-3:]


def mask_phone(user, value: str | None) -> str | None:
    """A phone number as a viewer sees it (ADR 0022): the first three and last three digits, like a personal ID."""
    if not value or has_capability(user, "personal_id.view"):
        return value
    return value[:3] + "•" * max(0, len(value) - 6) + value[-3:]


class SystemActor:
    """The operator at the command line: works everywhere, audited as 'system' (actor = None)."""

    is_authenticated = True
    is_active = True
    is_system = True
    pk = None
    id = None
    role = "administrator"
    username = "system"

    def __str__(self) -> str:
        return "system"


def area_table():
    """The area table, reached through the users' ``areas`` relation: core stands below the areas app and
    imports none of it (ADR 0020)."""
    from .models import User

    return User._meta.get_field("areas").related_model


def _system_scope() -> AreaScope:
    provinces = list(area_table().objects.filter(level=Level.PROVINCE).values_list("code", "path"))
    return AreaScope(
        paths=tuple(p for _c, p in provinces),
        province_codes=frozenset(c for c, _p in provinces),
        commune_ids=frozenset(),
        village_ids=frozenset(),
    )
