"""Writes of areas: loading the official lists, creating villages (house rule 1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record, snapshot
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.text import clean_name, fold

from . import sources
from .models import LEGACY_PREFIX, Area, AreaSuccession, Level

Progress = Callable[[str, int], None]


def _upsert(rows: list[Area]) -> None:
    Area.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "name_folded", "kind", "parent", "path", "province_code", "level"],
    )


def _ids(level: str) -> dict[str, tuple[int, str]]:
    return {
        code: (pk, path)
        for code, pk, path in Area.objects.filter(level=level).values_list("code", "id", "path")
    }


@transaction.atomic
def areas_load_official(*, progress: Progress | None = None) -> dict:
    """Loads (or refreshes) the official units and the old→new mapping from the packaged official lists.
    Idempotent: running it again updates names and adds what is missing; villages are untouched."""
    step = progress or (lambda label, n: None)

    provinces = [
        Area(
            code=p["code"],
            name=p["name"],
            name_folded=fold(p["name"]),
            kind=p["kind"],
            level=Level.PROVINCE,
            path=f"/{p['code']}/",
            province_code=p["code"],
        )
        for p in sources.current_provinces()
    ]
    _upsert(provinces)
    step("current provinces", len(provinces))
    prov = _ids(Level.PROVINCE)
    communes = [
        Area(
            code=c["code"],
            name=c["name"],
            name_folded=fold(c["name"]),
            kind=c["kind"],
            level=Level.COMMUNE,
            parent_id=prov[c["province_code"]][0],
            path=f"{prov[c['province_code']][1]}{c['code']}/",
            province_code=c["province_code"],
        )
        for c in sources.current_communes()
    ]
    _upsert(communes)
    step("current communes", len(communes))

    lp = [
        Area(
            code=LEGACY_PREFIX + p["code"],
            name=p["name"],
            name_folded=fold(p["name"]),
            kind=p["kind"],
            level=Level.LEGACY_PROVINCE,
            path=f"/{LEGACY_PREFIX}{p['code']}/",
            province_code=LEGACY_PREFIX + p["code"],
        )
        for p in sources.legacy_provinces()
    ]
    _upsert(lp)
    step("legacy provinces", len(lp))
    lprov = _ids(Level.LEGACY_PROVINCE)
    ld = []
    for d in sources.legacy_districts():
        parent_id, parent_path = lprov[LEGACY_PREFIX + d["province_code"]]
        code = LEGACY_PREFIX + d["code"]
        ld.append(
            Area(
                code=code,
                name=d["name"],
                name_folded=fold(d["name"]),
                kind=d["kind"],
                level=Level.LEGACY_DISTRICT,
                parent_id=parent_id,
                path=f"{parent_path}{code}/",
                province_code=LEGACY_PREFIX + d["province_code"],
            )
        )
    _upsert(ld)
    step("legacy districts", len(ld))
    ldist = _ids(Level.LEGACY_DISTRICT)
    lc = []
    for c in sources.legacy_communes():
        parent_id, parent_path = ldist[LEGACY_PREFIX + c["district_code"]]
        code = LEGACY_PREFIX + c["code"]
        lc.append(
            Area(
                code=code,
                name=c["name"],
                name_folded=fold(c["name"]),
                kind=c["kind"],
                level=Level.LEGACY_COMMUNE,
                parent_id=parent_id,
                path=f"{parent_path}{code}/",
                province_code=LEGACY_PREFIX + c["province_code"],
            )
        )
    _upsert(lc)
    step("legacy communes", len(lc))

    ids = dict(Area.objects.values_list("code", "id"))
    links = [
        AreaSuccession(legacy_id=ids[LEGACY_PREFIX + old], current_id=ids[new])
        for old, new in _known_pairs(sources.province_succession(), ids)
    ] + [
        AreaSuccession(legacy_id=ids[LEGACY_PREFIX + old], current_id=ids[new])
        for old, new in _known_pairs(sources.commune_succession(), ids)
    ]
    AreaSuccession.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    step("old → new mapping", len(links))
    return {"succession_links": len(links)}


def _known_pairs(pairs: Iterable[tuple[str, str]], ids: dict[str, int]) -> list[tuple[str, str]]:
    return [(old, new) for old, new in pairs if LEGACY_PREFIX + old in ids and new in ids]


@transaction.atomic
def village_create(*, actor, commune: Area, name: str, kind: str = "thon", code: str | None = None) -> Area:
    """A village (thôn, bản, tổ dân phố) under a current commune the actor works in."""
    require(actor, "areas.edit")
    if commune.level != Level.COMMUNE:
        raise ApplicationError(ErrorCode.INVALID, _("Villages belong to a commune."), field="commune")
    if not scope_for(actor).covers_area(commune):
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("There is no such commune in your areas."), field="commune"
        )
    name = clean_name(name)
    if not name:
        raise ApplicationError(ErrorCode.INVALID, _("A village needs a name."), field="name")
    # Lock the commune row so that two users adding villages at once do not take the same number.
    Area.objects.select_for_update().filter(pk=commune.pk).first()
    if Area.objects.filter(parent=commune, level=Level.VILLAGE, name_folded=fold(name)).exists():
        raise ApplicationError(
            ErrorCode.CONFLICT,
            _("This commune already has a village called %(name)s.") % {"name": name},
            field="name",
        )
    if code is None:
        n = Area.objects.filter(parent=commune, level=Level.VILLAGE).count() + 1
        code = f"{commune.code}.{n:03d}"
        while Area.objects.filter(code=code).exists():
            n += 1
            code = f"{commune.code}.{n:03d}"
    village = Area.objects.create(
        code=code,
        name=name,
        name_folded=fold(name),
        kind=kind,
        level=Level.VILLAGE,
        parent=commune,
        path=f"{commune.path}{code}/",
        province_code=commune.province_code,
    )
    audit_record(actor=actor, action="village_create", obj=village, after=snapshot(village))
    return village
