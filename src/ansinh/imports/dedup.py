"""The same person twice (issue 13, ADR 0015): candidate pairs within an area, scored, queued for review, merged
through the registry's ``person_merge`` (and undone by ``person_merge_undo``).

How pairs are found: deterministic first — the same personal ID or SI number is the same person (a match with
probability 1); two different IDs are two people (never a pair). Then probabilistic: a Fellegi–Sunter model run by
Splink on DuckDB (``linkage.py``): records are compared only within blocks (the same phone; the same name without
tone marks and without the optional middle "Thị"/"Văn"; the same birth year and given name, or the same birth date
and sex, in the same commune; the same birth date and given or family name anywhere), each field gives a level,
each level a weight, and the prior odds plus the weights give the match probability. Vietnamese names: folded to
lower case without tone marks, đ -> d; "Thị"/"Văn" optional; upper case the same; birth dates with day and month
swapped, and year-only or month-only dates compatible with a full one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ansinh.areas.models import Area
from ansinh.core.access import require
from ansinh.core.area_tree import subtree_q
from ansinh.core.audit import audit_record
from ansinh.core.errors import ApplicationError, ErrorCode
from ansinh.core.text import fold
from ansinh.registry.models import Membership, Person, PersonMerge
from ansinh.registry.selectors import persons_for_user
from ansinh.registry.services import person_merge, person_merge_undo

from .models import Audit, DedupPair, PairStatus

REVIEW_THRESHOLD = 0.80  # pairs at or above go to the review queue
AUTO_THRESHOLD = 0.999  # with settings.DEDUP_AUTO_MERGE, pairs at or above are merged without review
OPTIONAL_MIDDLE = {"thi", "van"}
IDENTIFIERS = ("personal_id", "si_number")


@dataclass
class Rec:
    pk: int
    name: str
    folded: str
    core: str
    given: str
    born: Any
    precision: str
    sex: str
    personal_id: str | None
    si_number: str | None
    phone: str
    commune_id: int
    village_id: int | None
    household_id: int | None
    province_code: str


@dataclass
class Pair:
    a: Rec
    b: Rec
    probability: float
    levels: dict[str, str] = field(default_factory=dict)
    rule: str = "probabilistic"


def _names(full_name: str) -> tuple[str, str, str]:
    folded = " ".join(fold(full_name).split())
    tokens = folded.split()
    core = [t for i, t in enumerate(tokens) if not (0 < i < len(tokens) - 1 and t in OPTIONAL_MIDDLE)]
    return folded, " ".join(core), tokens[-1] if tokens else ""


def _records(persons: Iterable[Any]) -> list[Rec]:
    out = []
    for row in persons:
        folded, core, given = _names(row["full_name"])
        out.append(
            Rec(
                row["pk"],
                row["full_name"],
                folded,
                core,
                given,
                row["birth_date"],
                row["birth_date_precision"],
                row["sex"],
                row["personal_id"],
                row["si_number"],
                row["phone"] or "",
                row["commune_id"],
                row["village_id"],
                row.get("household_id"),
                row["province_code"],
            )
        )
    return out


def _linkage_row(r: Rec) -> dict[str, Any]:
    return {
        "unique_id": r.pk,
        "lowered": " ".join(r.name.lower().split()),
        "joined": r.folded.replace(" ", ""),
        "core": r.core,
        "family": r.folded.split(" ", 1)[0],
        "given": r.given,
        "born": r.born.isoformat(),
        "y": r.born.year,
        "m": r.born.month,
        "d": r.born.day,
        "prec": r.precision,
        "sex": r.sex,
        "commune": r.commune_id,
        "village": r.village_id,
        "household": r.household_id,
        "phone": r.phone or None,
    }


def _by_identifier(a: Rec, b: Rec) -> str | bool | None:
    """What the identifiers say, the personal ID first: the name of the one both hold alike (the same person),
    False when the first both hold differs (two people, however alike the rest), None when they share none."""
    for name in IDENTIFIERS:
        x, y = getattr(a, name), getattr(b, name)
        if x and y:
            return name if x == y else False
    return None


def candidates(
    records: list[Rec], threshold: float = REVIEW_THRESHOLD, *, estimate_u: bool = False
) -> list[Pair]:
    """Every pair at or above ``threshold``, each once, the most likely first: the pairs an identifier decides,
    then Splink's (``linkage.probabilistic_pairs``) between records no identifier tells apart."""
    from .linkage import probabilistic_pairs

    by_pk = {r.pk: r for r in records}
    out: dict[tuple[int, int], Pair] = {}
    for name in IDENTIFIERS:
        holders: dict[str, list[Rec]] = defaultdict(list)
        for r in records:
            if getattr(r, name):
                holders[getattr(r, name)].append(r)
        for group in holders.values():
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    key = (min(a.pk, b.pk), max(a.pk, b.pk))
                    if key not in out and _by_identifier(a, b) == name:
                        out[key] = Pair(by_pk[key[0]], by_pk[key[1]], 1.0, {name: "same"}, rule=name)
    rows = [_linkage_row(r) for r in records]
    for x, y, probability, levels in probabilistic_pairs(rows, threshold=threshold, estimate_u=estimate_u):
        key = (min(x, y), max(x, y))
        a, b = by_pk[key[0]], by_pk[key[1]]
        if key not in out and _by_identifier(a, b) is None:
            out[key] = Pair(a, b, probability, levels)
    return sorted(out.values(), key=lambda p: (-p.probability, p.a.pk, p.b.pk))


def _area(code: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such area."), field="area", status=404)
    return area


def area_records(*, user, area_code: str) -> list[Rec]:
    area = _area(area_code)
    from django.db.models import OuterRef, Subquery

    open_membership = Membership.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    rows = (
        persons_for_user(user=user, details=False)
        .filter(subtree_q(area.path, prefix="commune__") | subtree_q(area.path, prefix="village__"))
        .annotate(household_id=Subquery(open_membership.values("household_id")[:1]))
        .values(
            "pk",
            "full_name",
            "birth_date",
            "birth_date_precision",
            "sex",
            "personal_id",
            "si_number",
            "phone",
            "commune_id",
            "village_id",
            "household_id",
            "province_code",
        )
    )
    return _records(rows)


def _evidence(pair: Pair) -> dict[str, Any]:
    return {"rule": pair.rule, "levels": pair.levels}


@transaction.atomic
def dedup_run(*, actor, area_code: str, auto_merge: bool | None = None) -> dict[str, int]:
    """Finds the candidate pairs of an area and queues them for review (a pair marked "not the same" or already
    merged stays as decided); with auto merge (``settings.DEDUP_AUTO_MERGE``) the clear pairs are merged at once.
    Returns {"candidates", "auto_merged", "to_review"}."""
    require(actor, "registry.edit")
    auto = getattr(settings, "DEDUP_AUTO_MERGE", False) if auto_merge is None else auto_merge
    pairs = candidates(area_records(user=actor, area_code=area_code))
    existing = {
        (p.a_id, p.b_id): p
        for p in DedupPair.objects.filter(
            a_id__in=[x.a.pk for x in pairs] or [0], b_id__in=[x.b.pk for x in pairs] or [0]
        )
    }
    merged = 0
    dropped: set[int] = set()
    for pair in pairs:
        a, b = (pair.a, pair.b) if pair.a.pk < pair.b.pk else (pair.b, pair.a)
        row = existing.get((a.pk, b.pk))
        if row is None:
            row = DedupPair.objects.create(
                a_id=a.pk,
                b_id=b.pk,
                probability=pair.probability,
                evidence=_evidence(pair),
                province_code=a.province_code,
            )
        elif row.status == PairStatus.TO_REVIEW:
            row.probability, row.evidence = pair.probability, _evidence(pair)
            row.save(update_fields=["probability", "evidence"])
        if auto and row.status == PairStatus.TO_REVIEW and pair.probability >= AUTO_THRESHOLD:
            if a.pk in dropped or b.pk in dropped:
                continue
            dedup_pair_merge(actor=actor, pair_id=row.pk, keep_id=a.pk)
            dropped.add(b.pk)
            merged += 1
    to_review = DedupPair.objects.filter(
        status=PairStatus.TO_REVIEW, a_id__in=[r.pk for r in area_records(user=actor, area_code=area_code)]
    ).count()
    audit_record(
        actor=actor,
        action=Audit.DEDUP_RUN,
        obj=_area(area_code),
        after={"area": area_code, "candidates": len(pairs), "auto_merged": merged, "to_review": to_review},
    )
    return {"candidates": len(pairs), "auto_merged": merged, "to_review": to_review}


def dedup_pairs(*, user, area_code: str, status: str = PairStatus.TO_REVIEW) -> list[DedupPair]:
    """The queue of an area: pairs whose both records the user may see, the most likely first."""
    ids = [r.pk for r in area_records(user=user, area_code=area_code)]
    return list(
        DedupPair.objects.filter(status=status, a_id__in=ids, b_id__in=ids)
        .select_related("a", "b", "a__commune", "b__commune")
        .order_by("-probability", "pk")
    )


def pair_json(pair: DedupPair) -> dict[str, Any]:
    def side(p: Person) -> dict[str, Any]:
        from .models import Entity, SourceLink

        link = SourceLink.objects.filter(person=p, entity=Entity.PERSON).order_by("pk").first()
        return {
            "id": p.pk,
            "ma_nguon": link.key if link else None,
            "full_name": p.full_name,
            "birth_date": p.birth_date_iso,
            "sex": p.sex,
            "personal_id": p.personal_id,
            "si_number": p.si_number,
            "phone": p.phone,
            "commune": p.commune.name,
        }

    return {
        "id": pair.pk,
        "a": side(pair.a),
        "b": side(pair.b),
        "probability": round(pair.probability, 4),
        "evidence": pair.evidence,
        "status": pair.status,
        "merge_id": pair.merge_id,
    }


def _pair_for(actor, pair_id: int) -> DedupPair:
    pair = DedupPair.objects.select_for_update().filter(pk=pair_id).first()
    visible = (
        persons_for_user(user=actor, details=False).filter(pk__in=[pair.a_id, pair.b_id]).count()
        if pair
        else 0
    )
    if pair is None or visible != 2:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such pair."), status=404)
    if pair.status != PairStatus.TO_REVIEW:
        raise ApplicationError(ErrorCode.CONFLICT, _("This pair was already decided."), field="status")
    return pair


def _refresh_flags(person_ids: list[int]) -> None:
    """What the floors above the registry derive from a person's spans: the coverage periods (ADR 0010) and the
    renewal flags (ADR 0008), for both records."""
    from ansinh.enrollment.participation import participation_flags_refresh
    from ansinh.enrollment.periods import coverage_periods_refresh

    coverage_periods_refresh(persons=list(Person.objects.filter(pk__in=person_ids)))
    participation_flags_refresh(person_ids=person_ids)


@transaction.atomic
def dedup_pair_merge(*, actor, pair_id: int, keep_id: int) -> PersonMerge:
    """The reviewer's "same person": the pair's records merged into ``keep_id`` (one of the two)."""
    pair = _pair_for(actor, pair_id)
    if keep_id not in (pair.a_id, pair.b_id):
        raise ApplicationError(ErrorCode.INVALID, _("Keep one of the two records."), field="keep")
    drop_id = pair.b_id if keep_id == pair.a_id else pair.a_id
    merge = persons_merge(actor=actor, keep_id=keep_id, drop_id=drop_id, reason=f"dedup pair {pair.pk}")
    pair.status, pair.merge, pair.decided_by, pair.decided_at = (
        PairStatus.MERGED,
        merge,
        actor if getattr(actor, "pk", None) else None,
        timezone.now(),
    )
    pair.save(update_fields=["status", "merge", "decided_by", "decided_at"])
    return merge


@transaction.atomic
def dedup_pair_not_same(*, actor, pair_id: int) -> DedupPair:
    require(actor, "registry.edit")
    pair = _pair_for(actor, pair_id)
    pair.status, pair.decided_by, pair.decided_at = (
        PairStatus.NOT_SAME,
        actor if getattr(actor, "pk", None) else None,
        timezone.now(),
    )
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action=Audit.DEDUP_PAIR_NOT_SAME, obj=pair, after={"a": pair.a_id, "b": pair.b_id}
    )
    return pair


@transaction.atomic
def persons_merge(*, actor, keep_id: int, drop_id: int, reason: str = "") -> PersonMerge:
    """``registry.person_merge`` and what follows it on the floors above: the renewal flags of the kept person
    (ADR 0008) read its coverage again."""
    people = {p.pk: p for p in persons_for_user(user=actor, details=False).filter(pk__in=[keep_id, drop_id])}
    if keep_id not in people or drop_id not in people:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("Not found."), status=404)
    merge = person_merge(actor=actor, keep=people[keep_id], drop=people[drop_id], reason=reason)
    _refresh_flags([keep_id, drop_id])
    return merge


@transaction.atomic
def persons_unmerge(*, actor, merge_id: int) -> PersonMerge:
    merge = PersonMerge.objects.filter(pk=merge_id).first()
    if merge is None:
        raise ApplicationError(ErrorCode.NOT_FOUND, _("No such merge."), status=404)
    merge = person_merge_undo(actor=actor, merge=merge)
    DedupPair.objects.filter(merge=merge).update(status=PairStatus.TO_REVIEW, merge=None, decided_at=None)
    _refresh_flags([merge.kept_id, merge.dropped_id])
    return merge
