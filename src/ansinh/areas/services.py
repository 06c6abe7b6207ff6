"""Writes of areas: loading the official lists, creating villages (house rule 1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ansinh.core.access import require, scope_for
from ansinh.core.audit import audit_record, snapshot
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.text import clean_name, clean_text, fold, has_invisible

from . import sources
from .models import LEGACY_PREFIX, Area, AreaSuccession, Audit, FacilityLevel, HealthFacility, Level

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


def _unit_name(name: str, missing: str) -> str:
    """A unit's name as typed, cleaned; refused when empty (``missing`` says so) or holding invisible characters."""
    name = clean_name(name)
    if has_invisible(name):
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The text holds invisible or control characters; type it again."),
            field="name",
        )
    if not name:
        raise ApplicationError(ErrorCode.INVALID, missing, field="name")
    return name


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
    name = _unit_name(name, _("A village needs a name."))
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
    audit_record(actor=actor, action=Audit.VILLAGE_CREATE, obj=village, after=snapshot(village))
    return village


@transaction.atomic
def area_rename(*, actor, area: Area, name: str, kind: str | None = None) -> Area:
    """A unit's name (and kind) corrected by an administrator: the folded name follows, an audit event keeps the
    old and the new. Codes, levels and the tree are the official lists' and never edited."""
    require(actor, "areas.edit")
    if not scope_for(actor).covers_area(area):
        raise ApplicationError(ErrorCode.NOT_FOUND, _("There is no such area in your areas."), field="area")
    name = _unit_name(name, _("An area needs a name."))
    before = snapshot(area, ["name", "kind"])
    area.name, area.name_folded = name, fold(name)
    if kind is not None:
        area.kind = kind.strip()[:30]
    area.save(update_fields=["name", "name_folded", "kind"])
    audit_record(
        actor=actor, action=Audit.AREA_RENAME, obj=area, before=before, after=snapshot(area, ["name", "kind"])
    )
    return area


# ---- health facilities (nơi đăng ký khám chữa bệnh ban đầu) ------------------------------------------------

FACILITY_FIELDS = ["code", "name", "level", "area"]


@transaction.atomic
def facility_upsert(*, actor, code: str, name: str, level: str, area_code: str) -> tuple[HealthFacility, str]:
    """Creates or corrects one health facility; returns it and "created", "updated" or "unchanged". The code is
    the agency's (letters and digits, at most 10); the area is a current province or commune the actor works in."""
    require(actor, "areas.edit")
    code = (code or "").strip().upper()
    name = clean_text(name or "")
    if not code or len(code) > 10 or not code.isascii() or not code.isalnum():
        raise ApplicationError(
            ErrorCode.INVALID, _("A facility code is 1 to 10 letters or digits."), field="code"
        )
    if not name or len(name) > 200 or has_invisible(name):
        raise ApplicationError(
            ErrorCode.INVALID, _("A facility needs a name of at most 200 characters."), field="name"
        )
    if level not in FacilityLevel.values:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown facility level %(level)s.") % {"level": level}, field="level"
        )
    area = Area.objects.filter(
        code=(area_code or "").strip(), level__in=(Level.PROVINCE, Level.COMMUNE)
    ).first()
    if area is None or not scope_for(actor).covers_area(area):
        raise ApplicationError(
            ErrorCode.NOT_FOUND, _("There is no such province or commune in your areas."), field="area_code"
        )
    facility = HealthFacility.objects.select_for_update().filter(code=code).first()
    if facility is None:
        facility = HealthFacility.objects.create(
            code=code, name=name, level=level, area=area, province_code=area.province_code
        )
        audit_record(
            actor=actor, action=Audit.FACILITY_CREATE, obj=facility, after=snapshot(facility, FACILITY_FIELDS)
        )
        return facility, "created"
    before = snapshot(facility, FACILITY_FIELDS)
    facility.name, facility.level, facility.area, facility.province_code = (
        name,
        level,
        area,
        area.province_code,
    )
    after = snapshot(facility, FACILITY_FIELDS)
    if after == before:
        return facility, "unchanged"
    facility.save()
    audit_record(actor=actor, action=Audit.FACILITY_UPDATE, obj=facility, before=before, after=after)
    return facility, "updated"


def facilities_load(*, actor, rows: Iterable[dict]) -> dict:
    """Loads the office's list of facilities (rows with code, name, level, area_code): each row on its own, a bad
    row reported with its line and kept out, the good ones kept."""
    counts: dict[str, Any] = {"created": 0, "updated": 0, "unchanged": 0, "rejected": []}
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            _f, outcome = facility_upsert(
                actor=actor,
                code=str(row.get("code", "")),
                name=str(row.get("name", "")),
                level=str(row.get("level", "")).strip(),
                area_code=str(row.get("area_code", "")),
            )
        except ApplicationError as e:
            counts["rejected"].append({"line": line, "field": e.field, "message": e.message})
            continue
        counts[outcome] += 1
    return counts


def facilities_seed_demo(*, actor, province: Area) -> int:
    """The demo province's facilities: the provincial general hospital, one medical centre for each legacy
    district, and one health station per current commune (synthetic codes: province + serial)."""
    if HealthFacility.objects.filter(province_code=province.code).exists():
        return 0
    serial = 0

    def add(name: str, level: str, area: Area) -> None:
        nonlocal serial
        serial += 1
        facility_upsert(
            actor=actor, code=f"{province.code}{serial:03d}", name=name, level=level, area_code=area.code
        )

    add(_("%(province)s General Hospital") % {"province": province.name}, FacilityLevel.PROVINCIAL, province)
    legacy = Area.objects.filter(
        level=Level.LEGACY_DISTRICT, successors__current__province_code=province.code
    )
    for district in legacy.distinct().order_by("code")[:30]:
        add(_("%(district)s Medical Centre") % {"district": district.name}, FacilityLevel.DISTRICT, province)
    for commune in Area.objects.filter(level=Level.COMMUNE, parent=province).order_by("code"):
        if serial >= 999:
            break
        add(_("%(commune)s Health Station") % {"commune": commune.name}, FacilityLevel.COMMUNE, commune)
    return serial
