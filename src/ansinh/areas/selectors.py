"""Reads of areas, scoped to the user (house rule 3)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ansinh.core.access import not_found, scope_for
from ansinh.core.area_tree import normalize_code as normalize_code
from ansinh.core.area_tree import subtree_q as subtree_q
from ansinh.core.errors import ApplicationError, ErrorCode

from .models import LEGACY_PREFIX, Area, Level


def area_get(*, code: str) -> Area:
    try:
        return Area.objects.get(code=normalize_code(code))
    except Area.DoesNotExist:
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("There is no area with code %(code)s.") % {"code": code}, field="area_code"
        ) from None


def area_get_for_user(*, user, code: str) -> Area:
    """Areas are public knowledge, but a user sees the ones they work in, their ancestors and the legacy units
    that map into them; anything else is 'not found'."""
    area = Area.objects.filter(code=normalize_code(code)).first()
    if area is None or not area_visible(user=user, area=area):
        raise not_found(_("There is no area with code %(code)s.") % {"code": code})
    return area


def area_visible(*, user, area: Area) -> bool:
    scope = scope_for(user)
    if scope.covers_area(area):
        return True
    # An ancestor of one of the user's areas (so they can navigate down to it).
    if any(p.startswith(area.path) for p in scope.paths):
        return True
    if area.is_legacy:
        return Area.objects.filter(scope.areas_q(), predecessors__legacy__path__startswith=area.path).exists()
    return False


def area_children(*, user, area: Area) -> QuerySet[Area]:
    children = Area.objects.filter(parent=area)
    scope = scope_for(user)
    if scope.covers_area(area):
        return children
    return children.filter(scope.areas_q() | Q(path__in=ancestor_paths(scope.paths)))


def ancestor_paths(paths: tuple[str, ...]) -> set[str]:
    """Every path on the way down to each of ``paths`` (the areas above a user's areas, and those areas)."""
    result: set[str] = set()
    for p in paths:
        parts = [x for x in p.split("/") if x]
        for i in range(1, len(parts) + 1):
            result.add("/" + "/".join(parts[:i]) + "/")
    return result


def areas_for_user(*, user) -> QuerySet[Area]:
    return Area.objects.filter(scope_for(user).areas_q())


def area_choices(*, user) -> list[Area]:
    """What a manager may pick to report on, in tree order: the provinces and communes they work in (and the
    provinces above their communes), then the units before 1 July 2025 (provinces, districts, communes) that map
    into them. Villages are reached from a commune (the rows "by village")."""
    scope = scope_for(user)
    current = Area.objects.filter(
        scope.areas_q() | Q(path__in=ancestor_paths(scope.paths)), level__in=[Level.PROVINCE, Level.COMMUNE]
    )
    legacy = Area.objects.filter(
        successors__current__in=Area.objects.filter(scope.areas_q()),
        level__in=[Level.LEGACY_PROVINCE, Level.LEGACY_DISTRICT, Level.LEGACY_COMMUNE],
    )
    return list(current.order_by("path")) + list(legacy.distinct().order_by("path"))


def former_names(*, areas) -> dict[int, list[str]]:
    """The names of the communes before 1 July 2025 that each current commune was made from (the official old →
    new mapping), by the current commune's id: what people in the field may still call it."""
    from .models import AreaSuccession

    names: dict[int, list[str]] = {}
    rows = AreaSuccession.objects.filter(current__in=areas, legacy__level=Level.LEGACY_COMMUNE).order_by(
        "legacy__name"
    )
    for current_id, name in rows.values_list("current_id", "legacy__name"):
        names.setdefault(current_id, []).append(name)
    return names


def communes_for_user(*, user) -> QuerySet[Area]:
    """The communes a user works in, and the communes of the villages they work in (a village's agent registers
    people of their village in its commune)."""
    scope = scope_for(user)
    of_villages = Area.objects.filter(pk__in=scope.village_ids).values("parent_id")
    return Area.objects.filter(scope.areas_q() | Q(pk__in=of_villages), level=Level.COMMUNE).order_by(
        "name_folded"
    )


def villages_of(*, commune: Area, user=None) -> QuerySet[Area]:
    """A commune's villages; given a user who works in some of its villages only, those."""
    villages = Area.objects.filter(parent=commune, level=Level.VILLAGE).order_by("code")  # Tổ 2 before Tổ 10
    if user is not None:
        scope = scope_for(user)
        if not scope.covers_area(commune):
            villages = villages.filter(pk__in=scope.village_ids)
    return villages


def province_choices() -> list[tuple[str, str]]:
    """(code, name) of every current province, by name: the list is public (a province's top-up applies to
    whoever lives there), so it is not scoped."""
    return list(Area.objects.filter(level=Level.PROVINCE).order_by("name_folded").values_list("code", "name"))


def first_area(*, user) -> Area | None:
    """The user's first area in tree order (the province before its communes): what a report opens on."""
    return user.areas.order_by("path").first()


def default_province_code(*, user) -> str:
    """The current province of the user's first area, or '' (no area, or only a legacy one)."""
    area = first_area(user=user)
    return area.province_code if area is not None and not area.code.startswith(LEGACY_PREFIX) else ""


def area_counts() -> dict:
    counts = {row["level"]: row["n"] for row in _count_by_level()}
    return {
        "current": {
            "provinces": counts.get(Level.PROVINCE, 0),
            "communes": counts.get(Level.COMMUNE, 0),
            "villages": counts.get(Level.VILLAGE, 0),
        },
        "legacy": {
            "provinces": counts.get(Level.LEGACY_PROVINCE, 0),
            "districts": counts.get(Level.LEGACY_DISTRICT, 0),
            "communes": counts.get(Level.LEGACY_COMMUNE, 0),
        },
    }


def _count_by_level():
    from django.db.models import Count

    return Area.objects.values("level").annotate(n=Count("id")).order_by()


def facility_get(*, code: str):
    """A facility that takes registrations, by its code (None if unknown or closed)."""
    from .models import HealthFacility

    return HealthFacility.objects.filter(code=(code or "").strip().upper(), is_active=True).first()


def facilities_near(*, commune: Area, limit: int = 40) -> list:
    """The facilities a person of ``commune`` is offered: the commune's own station first, then the hospitals of
    the province (district, provincial, central), then other stations of the province."""
    from .models import FacilityLevel, HealthFacility

    rank: dict[str, int] = {
        FacilityLevel.DISTRICT: 1,
        FacilityLevel.PROVINCIAL: 2,
        FacilityLevel.CENTRAL: 3,
        FacilityLevel.PRIVATE: 4,
    }
    rows = list(
        HealthFacility.objects.filter(province_code=commune.province_code, is_active=True).select_related(
            "area"
        )
    )
    rows.sort(key=lambda f: (f.area_id != commune.pk, rank.get(f.level, 5), f.code))
    return rows[:limit]
