from __future__ import annotations

from ninja import Router, Schema

from . import selectors

router = Router(tags=["areas"])


class AreaRef(Schema):
    code: str
    name: str
    level: str


class AreaOut(AreaRef):
    kind: str
    parent: AreaRef | None
    province_code: str
    children: list[AreaRef]
    successors: list[AreaRef]
    predecessors: list[AreaRef]


def _ref(area) -> dict:
    return {"code": area.code, "name": area.name, "level": area.level}


@router.get("/{code}", response=AreaOut)
def area_detail(request, code: str):
    area = selectors.area_get_for_user(user=request.user, code=code)
    return {
        **_ref(area),
        "kind": area.kind,
        "province_code": area.province_code,
        "parent": _ref(area.parent) if area.parent_id else None,
        "children": [_ref(c) for c in selectors.area_children(user=request.user, area=area)],
        "successors": [_ref(s.current) for s in area.successors.select_related("current")],
        "predecessors": [_ref(p.legacy) for p in area.predecessors.select_related("legacy")],
    }
