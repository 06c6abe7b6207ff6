"""The replica a kit carries (ADR 0027): the rows of its communes, read at the office and written on the kit.

``replica_rows(kit)`` (office) answers ``{table label: [row, ...]}`` with every row the kit's desk reads: the
area tree and facilities, the kit's point with its agents, the persons and households of its areas with their
memberships, enrollments, coverage, contribution months, cards, payments and receipts, the day closes of its
point and the campaign activities held in its areas. A foreign key to a row the replica does not carry is
emptied where it may be (a person's "created by"), and a row that needs one is left out (an enrollment of a
household that lives elsewhere): the kit's database stays whole, which SQLite checks when the load commits.

``replica_load(rows)`` (kit) replaces the replicated tables in one transaction. Rows keep their office ids; rows
the kit writes get ids from ``LOCAL_BASE`` up, so an id tells which side made it (journal.ref).

What changed since the kit's last pull (ADR 0027): the kit sends a digest of each range of ``BUCKET`` ids of each
table as it holds it (``kit_digests``); the office answers the ranges whose rows differ from its own
(``replica_changes``), and the kit replaces those ranges (``replica_apply``). Rows the kit made (ids from
``LOCAL_BASE``) are in ranges the office does not have: they are dropped, and come back under office ids. Unlike a
cursor over the office's writes, a comparison cannot miss a row whose transaction committed late.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import AutoField, BigAutoField, Q

from ansinh.core.access import scope_for

LOCAL_BASE = 10**12
BUCKET = 512  # ids per range compared by digest
AutoFieldTypes = (AutoField, BigAutoField)

# (label, model path or (model path, m2m field)), in an order that loads parents first
TABLES: tuple[tuple[str, str | tuple[str, str]], ...] = (
    ("area", "areas.Area"),
    ("succession", "areas.AreaSuccession"),
    ("facility", "areas.HealthFacility"),
    ("user", "core.User"),
    ("user_areas", ("core.User", "areas")),
    ("point", "payments.CollectionPoint"),
    ("point_agents", ("payments.CollectionPoint", "agents")),
    ("book", "payments.ReceiptBook"),
    ("person", "registry.Person"),
    ("status_change", "registry.StatusChange"),
    ("household", "registry.Household"),
    ("membership", "registry.Membership"),
    ("si_sequence", "registry.SINumberSequence"),
    ("enrollment", "enrollment.Enrollment"),
    ("member", "enrollment.EnrollmentMember"),
    ("coverage", "enrollment.HICoverage"),
    ("contribution", "enrollment.VSIContribution"),
    ("payment", "payments.Payment"),
    ("receipt", "payments.Receipt"),
    ("card", "cards.Card"),
    ("day_close", "payments.DayClose"),
    ("partner", "campaigns.Partner"),
    ("campaign", "campaigns.Campaign"),
    ("campaign_areas", ("campaigns.Campaign", "areas")),
    ("activity", "campaigns.Activity"),
    ("outcome", "campaigns.Outcome"),
)
# Rows the kit derives or keeps for itself, emptied with the replica (they point at replicated rows).
DERIVED = ("registry.CoveragePeriod", "enrollment.Quote", "core.ApiToken")


def model_of(spec: str | tuple[str, str]) -> Any:
    if isinstance(spec, tuple):
        return getattr(apps.get_model(spec[0]), spec[1]).through
    return apps.get_model(spec)


def _querysets(kit) -> dict[str, Any]:
    from ansinh.campaigns.models import Activity, Campaign, Outcome, Partner
    from ansinh.cards.models import Card
    from ansinh.core.models import User
    from ansinh.enrollment.models import Enrollment, EnrollmentMember, HICoverage, VSIContribution
    from ansinh.payments.models import CollectionPoint, DayClose, Payment, Receipt, ReceiptBook
    from ansinh.registry.models import Household, Membership, Person, StatusChange

    scope = scope_for(kit.account)
    persons = Person.objects.filter(scope.residents_q(), merged_into__isnull=True)
    person_ids = persons.values("pk")
    enrollment_ids = EnrollmentMember.objects.filter(person_id__in=person_ids).values("enrollment_id")
    users = User.objects.filter(Q(pk=kit.account_id) | Q(collection_points=kit.point_id)).distinct()
    activities = Activity.objects.filter(scope.areas_q("area__"))
    m2m = {label: model_of(spec) for label, spec in TABLES if isinstance(spec, tuple)}
    # the kit's province, and the units before July 2025 that became part of it (records name them)
    successions = apps.get_model("areas.AreaSuccession").objects.filter(
        current__province_code=kit.province_code
    )
    areas = apps.get_model("areas.Area").objects.filter(
        Q(province_code=kit.province_code) | Q(pk__in=successions.values("legacy_id"))
    )
    return {
        "area": areas,
        "succession": successions,
        "facility": apps.get_model("areas.HealthFacility").objects.filter(province_code=kit.province_code),
        "user": users,
        "user_areas": m2m["user_areas"].objects.filter(user_id__in=users.values("pk")),
        "point": CollectionPoint.objects.filter(province_code=kit.province_code),
        "point_agents": m2m["point_agents"].objects.filter(collectionpoint_id=kit.point_id),
        "book": ReceiptBook.objects.filter(
            Q(pk=kit.book_id) | Q(receipts__enrollment_id__in=enrollment_ids)
        ).distinct(),
        "person": persons,
        "status_change": StatusChange.objects.filter(person_id__in=person_ids),
        "household": Household.objects.filter(scope.residents_q()),
        "membership": Membership.objects.filter(person_id__in=person_ids),
        "si_sequence": apps.get_model("registry.SINumberSequence").objects.none(),
        "enrollment": Enrollment.objects.filter(pk__in=enrollment_ids),
        "member": EnrollmentMember.objects.filter(enrollment_id__in=enrollment_ids, person_id__in=person_ids),
        "coverage": HICoverage.objects.filter(person_id__in=person_ids),
        "contribution": VSIContribution.objects.filter(person_id__in=person_ids),
        "payment": Payment.objects.filter(enrollment_id__in=enrollment_ids),
        "receipt": Receipt.objects.filter(enrollment_id__in=enrollment_ids),
        "card": Card.objects.filter(coverage__person_id__in=person_ids),
        "day_close": DayClose.objects.filter(point_id=kit.point_id),
        "partner": Partner.objects.filter(pk__in=activities.values("partner_id")),
        "campaign": Campaign.objects.filter(pk__in=activities.values("campaign_id")),
        "campaign_areas": m2m["campaign_areas"].objects.filter(
            campaign_id__in=activities.values("campaign_id")
        ),
        "activity": activities,
        "outcome": Outcome.objects.filter(activity__in=activities, person_id__in=person_ids),
    }


def _columns(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def replica_rows(kit) -> dict[str, list[dict]]:
    """What the kit carries, as plain rows (office side; the kit's account decides the areas)."""
    querysets = _querysets(kit)
    rows = {label: list(querysets[label].values(*_columns(model_of(spec)))) for label, spec in TABLES}
    for book in rows["book"]:  # the kit numbers from its own book only
        if book["id"] != kit.book_id:
            book["closed_at"] = book["closed_at"] or book["opened_at"]
        else:
            book["held_by_kit"] = None
    rows["si_sequence"] = [
        {"province_code": kit.province_code[-2:].zfill(2), "next_serial": _next_si_serial(kit)}
    ]
    _close_references(rows)
    return rows


def _next_si_serial(kit) -> int:
    """The kit's next SI serial: after the last one of its block already given (a refresh must not give it again)."""
    from ansinh.registry.models import Person

    prefix = kit.province_code[-2:].zfill(2)
    given = (
        Person.objects.filter(
            si_number__gte=f"{prefix}{kit.si_first:08d}", si_number__lte=f"{prefix}{kit.si_last:08d}"
        )
        .order_by("-si_number")
        .values_list("si_number", flat=True)
        .first()
    )
    return int(given[2:]) + 1 if given else kit.si_first


def _close_references(rows: dict[str, list[dict]]) -> None:
    """Empties (or drops the row of) every foreign key to a row the replica does not carry, until none is left."""
    labels = {model_of(spec)._meta.label_lower: label for label, spec in TABLES}
    while True:
        ids = {label: {r[model_of(spec)._meta.pk.attname] for r in rows[label]} for label, spec in TABLES}
        changed = False
        for label, spec in TABLES:
            model = model_of(spec)
            links = [
                (
                    f.attname,
                    f.null,
                    labels.get(f.related_model._meta.label_lower) if f.related_model else None,
                )
                for f in model._meta.concrete_fields
                if f.is_relation and f.many_to_one or f.one_to_one
            ]
            if not links:
                continue
            kept = []
            for row in rows[label]:
                keep = True
                for attname, nullable, target in links:
                    value = row[attname]
                    if value is None or (target is not None and value in ids[target]):
                        continue
                    if nullable:
                        row[attname] = None
                        changed = True
                    else:
                        keep = False
                        break
                if keep:
                    kept.append(row)
                else:
                    changed = True
            rows[label] = kept
        if not changed:
            return


class _Sent(DjangoJSONEncoder):
    """Datetimes always with their milliseconds (".000" too), so that a value read back on the kit encodes the same."""

    def default(self, o):
        if isinstance(o, dt.datetime) and o.tzinfo is not None:
            text = o.astimezone(dt.UTC).isoformat(timespec="milliseconds")
            return text.removesuffix("+00:00") + "Z"
        return super().default(o)


def as_sent(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Rows as they travel (JSON: datetimes to the millisecond, dates as text): what both sides digest."""
    return json.loads(json.dumps(rows, cls=_Sent))


def _bucket(model: Any, row: dict) -> str:
    pk = row[model._meta.pk.attname]
    return str(pk // BUCKET) if isinstance(pk, int) else "0"


def digests(rows: dict[str, list[dict]]) -> dict[str, dict[str, str]]:
    """{table: {range: digest}} of rows as sent (``as_sent``)."""
    out: dict[str, dict[str, str]] = {}
    for label, spec in TABLES:
        model = model_of(spec)
        ranges: dict[str, list[dict]] = {}
        for row in rows.get(label, []):
            ranges.setdefault(_bucket(model, row), []).append(row)
        key = model._meta.pk.attname
        out[label] = {
            b: hashlib.sha256(
                json.dumps(sorted(g, key=lambda r: str(r[key])), sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()[:32]
            for b, g in ranges.items()
        }
    return out


def kit_digests() -> dict[str, dict[str, str]]:
    """The kit's side: the digests of the replicated tables as it holds them now."""
    rows = {label: list(model_of(spec).objects.values(*_columns(model_of(spec)))) for label, spec in TABLES}
    return digests(as_sent(rows))


def replica_changes(kit, theirs: dict[str, dict[str, str]]) -> dict:
    """The office's side: the ranges whose rows differ from the kit's digests, with the office's rows of them."""
    rows = as_sent(replica_rows(kit))
    mine = digests(rows)
    out: dict[str, Any] = {"rows": {}, "ranges": {}}
    for label, spec in TABLES:
        model = model_of(spec)
        ours, kits = mine.get(label, {}), theirs.get(label, {}) if isinstance(theirs.get(label), dict) else {}
        changed = {b for b in set(ours) | set(kits) if ours.get(b) != kits.get(b)}
        out["ranges"][label] = sorted(changed, key=lambda b: int(b) if b.isdigit() else 0)
        out["rows"][label] = [r for r in rows[label] if _bucket(model, r) in changed]
    return out


@transaction.atomic
def replica_apply(changes: dict) -> int:
    """The kit's side: each changed range replaced by the office's rows of it; returns the rows written."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for path in DERIVED:
            cursor.execute(f"DELETE FROM {qn(apps.get_model(path)._meta.db_table)}")  # noqa: S608
        for label, spec in reversed(TABLES):
            model = model_of(spec)
            table, key = qn(model._meta.db_table), qn(str(model._meta.pk.column))
            for b in changes["ranges"].get(label, []):
                if not str(b).isdigit() or not isinstance(model._meta.pk, AutoFieldTypes):
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a table keyed by text: one range)
                    continue
                low = int(b) * BUCKET
                cursor.execute(
                    f"DELETE FROM {table} WHERE {key} >= %s AND {key} < %s",  # noqa: S608
                    [low, low + BUCKET],
                )
    return _insert_rows(changes["rows"])


def replica_count(rows: dict[str, list[dict]]) -> int:
    return sum(len(v) for v in rows.values())


@transaction.atomic
def replica_load(rows: dict[str, list[dict]]) -> int:
    """Replaces the replicated tables with ``rows`` (kit side, SQLite) and returns how many rows it wrote."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for path in DERIVED:
            cursor.execute(f"DELETE FROM {qn(apps.get_model(path)._meta.db_table)}")  # noqa: S608
        for _label, spec in reversed(TABLES):
            cursor.execute(f"DELETE FROM {qn(model_of(spec)._meta.db_table)}")  # noqa: S608
    return _insert_rows(rows)


def _insert_rows(rows: dict[str, list[dict]]) -> int:
    """Writes rows of the replicated tables with their ids (inside the caller's transaction)."""
    qn = connection.ops.quote_name
    written = 0
    with connection.cursor() as cursor:
        for label, spec in TABLES:
            model = model_of(spec)
            fields = model._meta.concrete_fields
            batch = [
                [f.get_db_prep_save(f.to_python(row[f.attname]), connection) for f in fields]
                for row in rows.get(label, [])
            ]
            if not batch:
                continue
            columns = ", ".join(qn(str(f.column)) for f in fields)
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})",  # noqa: S608
                batch,
            )
            written += len(batch)
        _local_ids_from_base(cursor)
    return written


def _local_ids_from_base(cursor) -> None:
    """Rows written on the kit get ids from LOCAL_BASE up (SQLite's AUTOINCREMENT keeps the highest id it gave)."""
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        if found is None:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, LOCAL_BASE])
        elif found[0] < LOCAL_BASE:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [LOCAL_BASE, table])
