"""Every write of the imports app (house rule 1). A file of persons and households goes into the registry through
the registry's own services (person_create / person_update / household_create / household_add_member /
household_move_member; families_register for households and persons wholly new, a batch at a time, ADR 0030),
so every rule and every audit event of the registry applies to imported rows too.

Idempotency (docs/adr/0016-import-encodings-and-source-keys.md): each row is known by its source and source key
(``ma_nguon``; a household by ``ma_ho``) in ``SourceLink``, with the hash of the row as last imported. The same
row again is "unchanged" and writes nothing; a changed row updates the record it is linked to; a new key is
matched to an existing person by personal ID or SI number before a new person is created.

A household's rows succeed or fail together (one savepoint per household); a dry run runs the whole import and
rolls it back, so its counts are exactly those of the real run."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ansinh.areas.models import LEGACY_PREFIX, Area, Level
from ansinh.core.access import require
from ansinh.core.audit import audit_batch, audit_record, snapshot
from ansinh.core.bulk import rows_insert
from ansinh.core.dates import parse_partial_date
from ansinh.core.errors import ApplicationError, ErrorCode, ValidationFailed
from ansinh.core.numbers import parse_whole
from ansinh.core.text import fold
from ansinh.registry.ethnicities import ETHNICITY_ALIASES, ETHNICITY_NAMES
from ansinh.registry.models import Household, Membership, Person, Relation
from ansinh.registry.services import (
    Family,
    families_register,
    household_add_member,
    household_create,
    household_move_member,
    person_create,
    person_update,
)
from ansinh.reports.services import official_population_set

from .headers import map_headers, validate_mapping
from .models import Audit, Entity, ImportRun, Kind, SavedMapping, SourceLink
from .readers import Table, read_table
from .reports import write_error_report

SOURCE_MAX = 100
KEY_MAX = 100

# The registry's field names, by the file's standard header.
REGISTRY_FIELD = {
    "ho_ten": "full_name",
    "ngay_sinh": "birth_date",
    "gioi_tinh": "sex",
    "so_dinh_danh": "personal_id",
    "ma_so_bhxh": "si_number",
    "dien_thoai": "phone",
    "ma_xa": "area_code",
    "thon": "village_id",
    "dan_toc": "ethnicity",
}
FIELD_OF_REGISTRY = {v: k for k, v in REGISTRY_FIELD.items()}

SEX_WORDS = {"nam": "m", "m": "m", "male": "m", "trai": "m", "nu": "f", "f": "f", "female": "f", "gai": "f"}
RELATION_WORDS = {
    "chu ho": Relation.HEAD,
    "chu": Relation.HEAD,
    "head": Relation.HEAD,
    "vo": Relation.SPOUSE,
    "chong": Relation.SPOUSE,
    "vo chong": Relation.SPOUSE,
    "spouse": Relation.SPOUSE,
    "con": Relation.CHILD,
    "con trai": Relation.CHILD,
    "con gai": Relation.CHILD,
    "con de": Relation.CHILD,
    "con nuoi": Relation.CHILD,
    "child": Relation.CHILD,
    "bo": Relation.PARENT,
    "me": Relation.PARENT,
    "cha": Relation.PARENT,
    "bo de": Relation.PARENT,
    "me de": Relation.PARENT,
    "cha de": Relation.PARENT,
    "parent": Relation.PARENT,
    "chau": Relation.GRANDCHILD,
    "chau noi": Relation.GRANDCHILD,
    "chau ngoai": Relation.GRANDCHILD,
    "grandchild": Relation.GRANDCHILD,
    "ong": Relation.GRANDPARENT,
    "ba": Relation.GRANDPARENT,
    "ong noi": Relation.GRANDPARENT,
    "ba noi": Relation.GRANDPARENT,
    "ong ngoai": Relation.GRANDPARENT,
    "ba ngoai": Relation.GRANDPARENT,
    "grandparent": Relation.GRANDPARENT,
    "anh": Relation.SIBLING,
    "chi": Relation.SIBLING,
    "em": Relation.SIBLING,
    "anh trai": Relation.SIBLING,
    "chi gai": Relation.SIBLING,
    "em trai": Relation.SIBLING,
    "em gai": Relation.SIBLING,
    "sibling": Relation.SIBLING,
}
VILLAGE_WORDS = ("thon", "ban", "to dan pho", "to", "xom", "ap", "khu pho", "khu", "lang", "buon", "plei")
FORMULA_START = ("=", "+", "-", "@")
TEXT_FIELDS = ("ma_nguon", "ho_ten", "thon", "ma_ho", "quan_he_chu_ho", "dan_toc")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _key(text: str) -> str:
    return _NON_ALNUM.sub(" ", fold(text)).strip()


ETHNICITY_BY_NAME = {
    _key(name).replace(" ", ""): code
    for code, name in [*ETHNICITY_NAMES.items(), *((c, n) for n, c in ETHNICITY_ALIASES.items())]
}


class RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass
class Row:
    line: int
    cells: list[str]
    values: dict[str, str]  # standard field -> text from the file
    data: dict[str, Any] = field(default_factory=dict)  # registry fields
    relation: str = ""
    result: str = ""  # created | updated | unchanged | rejected
    column: str = ""
    reason: str = ""


@dataclass
class Outcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors_file: str | None = None
    encoding: str = ""
    source: str = ""
    dry_run: bool = False
    import_id: int | None = None
    rejected_rows: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors_file": self.errors_file,
            "encoding": self.encoding,
            "source": self.source,
            "dry_run": self.dry_run,
            "import_id": self.import_id,
            "first_rejected": self.rejected_rows[:10],
        }


# --- one row's values ------------------------------------------------------------------------------------------


def _commune_code(text: str) -> str:
    """A current commune code from 'NNNNN' (leading zeros may be lost by a spreadsheet) or 'legacy:NNNNN', which
    becomes the current commune it merged into (old → new succession); a split commune is refused."""
    text = text.strip()
    if text.lower().startswith(LEGACY_PREFIX):
        digits = text[len(LEGACY_PREFIX) :].strip()
        code = LEGACY_PREFIX + (digits.zfill(5) if digits.isdigit() else digits)
        legacy = Area.objects.filter(code=code, level=Level.LEGACY_COMMUNE).first()
        if legacy is None:
            raise RowError(
                "ma_xa", _("%(code)s is not a commune code of before 1 July 2025.") % {"code": text}
            )
        successors = sorted(legacy.successors.values_list("current__code", flat=True))
        if not successors:
            raise RowError(
                "ma_xa",
                _("No current commune is known for %(code)s; give the current code.") % {"code": text},
            )
        if len(successors) > 1:
            raise RowError(
                "ma_xa",
                _("Commune %(code)s was split into %(codes)s; give the current commune code.")
                % {"code": text, "codes": ", ".join(successors)},
            )
        return successors[0]
    code = text.zfill(5) if text.isdigit() and len(text) <= 5 else text
    if not Area.objects.filter(code=code, level=Level.COMMUNE).exists():
        raise RowError("ma_xa", _("%(code)s is not a commune code.") % {"code": text})
    return code


def _village_id(commune_code: str, text: str) -> int:
    villages = list(
        Area.objects.filter(parent__code=commune_code, level=Level.VILLAGE).values_list("pk", "code", "name")
    )
    wanted = _key(text)
    for pk, code, _name in villages:
        if text == code or text == code.rsplit(".", 1)[-1]:
            return pk
    bare = _strip_village_word(wanted)
    for pk, _code, name in villages:
        key = _key(name)
        if key == wanted or _strip_village_word(key) == bare:
            return pk
    raise RowError(
        "thon", _("There is no village %(name)s in commune %(code)s.") % {"name": text, "code": commune_code}
    )


def _strip_village_word(key: str) -> str:
    for word in VILLAGE_WORDS:
        if key.startswith(word + " "):
            return key[len(word) + 1 :]
    return key


class _Areas:
    """The import's area lookups, each answered once per file (a list repeats its communes and villages)."""

    def __init__(self) -> None:
        self.communes: dict[str, str | RowError] = {}
        self.villages: dict[tuple[str, str], int | RowError] = {}

    def commune(self, text: str) -> str:
        if text not in self.communes:
            try:
                self.communes[text] = _commune_code(text)
            except RowError as e:
                self.communes[text] = e
        return _answer(self.communes[text])

    def village(self, commune: str, text: str) -> int:
        if (commune, text) not in self.villages:
            try:
                self.villages[commune, text] = _village_id(commune, text)
            except RowError as e:
                self.villages[commune, text] = e
        return _answer(self.villages[commune, text])


def _answer(value):
    if isinstance(value, RowError):
        raise RowError(value.column, value.message)
    return value


def _parse_row(row: Row, areas: _Areas) -> None:
    """The row's text in registry terms; a RowError names the column at fault and says why in plain words."""
    v = row.values
    for name in TEXT_FIELDS:
        if v.get(name, "").startswith(FORMULA_START):
            raise RowError(name, _("This cell looks like a spreadsheet formula; write the value itself."))
    key = v.get("ma_nguon", "")
    if not key:
        raise RowError("ma_nguon", _("Give each row its key in the source (ma_nguon)."))
    if len(key) > KEY_MAX:
        raise RowError("ma_nguon", _("A source key has at most %(n)s characters.") % {"n": KEY_MAX})
    data: dict[str, Any] = {}
    if v.get("ho_ten"):
        data["full_name"] = v["ho_ten"]
    else:
        raise RowError("ho_ten", _("Enter the person's full name."))
    if not v.get("ngay_sinh"):
        raise RowError("ngay_sinh", _("Give the date of birth (dd/mm/yyyy, mm/yyyy or yyyy)."))
    data["birth_date"] = v["ngay_sinh"]
    sex = SEX_WORDS.get(_key(v.get("gioi_tinh", "")))
    if sex is None:
        raise RowError("gioi_tinh", _("Write the sex as nam or nữ."))
    data["sex"] = sex
    for name in ("so_dinh_danh", "ma_so_bhxh"):
        text = re.sub(r"[\s.]", "", v.get(name, ""))
        if text:
            data[REGISTRY_FIELD[name]] = text
    if v.get("dien_thoai"):
        data["phone"] = v["dien_thoai"]
    if not v.get("ma_xa"):
        raise RowError("ma_xa", _("Give the commune code (ma_xa)."))
    data["area_code"] = areas.commune(v["ma_xa"])
    if v.get("thon"):
        data["village_id"] = areas.village(data["area_code"], v["thon"])
    if v.get("dan_toc"):
        text = v["dan_toc"].strip()
        code = text.zfill(2) if text.isdigit() else ETHNICITY_BY_NAME.get(_key(text).replace(" ", ""))
        if code not in ETHNICITY_NAMES:
            raise RowError("dan_toc", _("%(name)s is not one of the 54 ethnic groups.") % {"name": text})
        data["ethnicity"] = code
    if v.get("ma_ho"):
        if len(v["ma_ho"]) > KEY_MAX:
            raise RowError("ma_ho", _("A household key has at most %(n)s characters.") % {"n": KEY_MAX})
        words = _key(v.get("quan_he_chu_ho", ""))
        if not words:
            raise RowError(
                "quan_he_chu_ho", _("Give the relation to the head of the household (chủ hộ, vợ, con, ...).")
            )
        row.relation = RELATION_WORDS.get(words, Relation.OTHER)
    row.data = data


def _fingerprint(row: Row) -> str:
    return hashlib.sha256(json.dumps(row.values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- writing ---------------------------------------------------------------------------------------------------


def _registry_error(
    e: ApplicationError, columns: dict[str, str] = FIELD_OF_REGISTRY, default: str = "ma_nguon"
) -> RowError:
    """The registry's refusal as the file's column at fault (``columns``: registry field -> column) and why."""
    errors = e.errors if isinstance(e, ValidationFailed) else {e.field or "": e.message}
    registry_field, message = next(iter(errors.items()))
    return RowError(columns.get(registry_field, default), message)


def _person_for(*, actor, row: Row, source: str, run: ImportRun) -> tuple[Person, str, SourceLink | None]:
    """The row's person, created or updated; and what happened: created, updated or unchanged."""
    key = row.values["ma_nguon"]
    fp = _fingerprint(row)
    link = (
        SourceLink.objects.filter(source=source, entity=Entity.PERSON, key=key)
        .select_related("person__commune")
        .first()
    )
    if link is not None and link.person is not None and link.fingerprint == fp:
        return link.person, "unchanged", link
    person = link.person if link is not None else None
    if person is None:  # a person already known by their ID or SI number is the same person
        for name in ("personal_id", "si_number"):
            if row.data.get(name):
                person = Person.objects.filter(**{name: row.data[name]}).select_related("commune").first()
                if person is not None:
                    break
    try:
        if person is None:
            person = person_create(actor=actor, data=row.data)
            result = "created"
        else:
            data = dict(row.data)
            if "village_id" not in data and person.commune.code != data["area_code"]:
                data["village_id"] = (
                    None  # moved to another commune: the old commune's village no longer holds
                )
            before = snapshot(person)
            person = person_update(actor=actor, person=person, data=data)
            after = snapshot(person)
            changed = {k for k in after if k != "updated_at" and before.get(k) != after.get(k)}
            result = "updated" if changed else "unchanged"
    except ApplicationError as e:
        raise _registry_error(e) from None
    values = {"person": person, "fingerprint": fp, "last_run": run, "province_code": person.province_code}
    if link is None:
        link = _person_link(row, person, source, run)
        link.save(force_insert=True)
    else:
        SourceLink.objects.filter(pk=link.pk).update(**values, updated_at=timezone.now())
    if result != "unchanged":
        _import_event(actor, row, person, source, run, result)
    return person, result, link


def _person_link(row: Row, person: Person, source: str, run: ImportRun) -> SourceLink:
    return SourceLink(
        source=source,
        entity=Entity.PERSON,
        key=row.values["ma_nguon"],
        person=person,
        fingerprint=_fingerprint(row),
        last_run=run,
        province_code=person.province_code,
    )


def _link_row(
    *,
    source: str,
    run: ImportRun,
    now,
    entity: str,
    key: str,
    province_code: str,
    fingerprint: str = "",
    **record: int | None,
) -> dict[str, Any]:
    """A new source link as the row to write, for the writers that write many together; ``record``: the id of
    what the key names (``person_id``, ``household_id``, ``coverage_id``, ``contribution_id``)."""
    ids = {"person_id": None, "household_id": None, "coverage_id": None, "contribution_id": None}
    assert set(record) <= set(ids)
    return {
        "source": source,
        "entity": entity,
        "key": key,
        "province_code": province_code,
        **ids,
        **record,
        "fingerprint": fingerprint,
        "last_run_id": run.pk,
        "updated_at": now,
    }


def _import_event(actor, row: Row, person: Person, source: str, run: ImportRun, result: str) -> None:
    audit_record(
        actor=actor,
        action=Audit.PERSON_IMPORT,
        obj=person,
        after={
            "import_id": run.pk,
            "source": source,
            "ma_nguon": row.values["ma_nguon"],
            "line": row.line,
            "result": result,
        },
    )


def _place(*, actor, person: Person, household: Household, relation: str) -> bool:
    """The person in the household; True if that changed anything."""
    current = Membership.objects.filter(person=person, ended_on__isnull=True).first()
    if current is not None and current.household_id == household.pk:
        return False
    if current is None:
        household_add_member(actor=actor, household=household, person=person, relation=relation)
    else:
        household_move_member(actor=actor, person=person, to=household, relation=relation)
    return True


def _import_group(*, actor, rows: list[Row], source: str, run: ImportRun) -> None:
    """One household's rows (or one row without a household), all or nothing."""
    household_key = rows[0].values.get("ma_ho", "")
    people: list[tuple[Row, Person]] = []
    for row in rows:
        try:
            person, result, _link = _person_for(actor=actor, row=row, source=source, run=run)
        except RowError as e:
            row.column, row.reason = e.column, e.message
            raise
        row.result = result
        people.append((row, person))
    if not household_key:
        return
    link = SourceLink.objects.filter(source=source, entity=Entity.HOUSEHOLD, key=household_key).first()
    household = link.household if link is not None else None
    try:
        if household is None:
            heads = [(r, p) for r, p in people if r.relation == Relation.HEAD]
            if len(heads) != 1:
                row = rows[0]
                row.column = "quan_he_chu_ho"
                row.reason = (
                    _("Household %(key)s has no row for its head (chủ hộ).")
                    if not heads
                    else _("Household %(key)s has more than one head (chủ hộ).")
                ) % {"key": household_key}
                raise RowError(row.column, row.reason)
            head_row, head = heads[0]
            current = (
                Membership.objects.filter(person=head, ended_on__isnull=True)
                .select_related("household")
                .first()
            )
            if current is not None and current.household.head_id == head.pk:
                household = current.household  # the head's household, already in the registry
            else:
                household = household_create(actor=actor, head=head)
                if head_row.result == "unchanged":
                    head_row.result = "updated"
            SourceLink.objects.create(
                source=source,
                entity=Entity.HOUSEHOLD,
                key=household_key,
                household=household,
                province_code=household.province_code,
                last_run=run,
            )
        for row, person in people:
            if person.pk == household.head_id:
                continue
            try:
                moved = _place(
                    actor=actor, person=person, household=household, relation=row.relation or Relation.OTHER
                )
            except ApplicationError as e:
                row.column, row.reason = "quan_he_chu_ho", e.message
                raise RowError(row.column, row.reason) from None
            if moved and row.result == "unchanged":
                row.result = "updated"
    except ApplicationError as e:
        rows[0].column, rows[0].reason = "ma_ho", e.message
        raise RowError("ma_ho", e.message) from None


def _source_name(source: str | None, mapping: str | None, path: Path) -> str:
    name = (source or mapping or path.stem).strip()
    if not name:
        raise ApplicationError(ErrorCode.INVALID, _("Give the source a name."), field="source")
    if len(name) > SOURCE_MAX:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("A source name has at most %(n)s characters.") % {"n": SOURCE_MAX},
            field="source",
        )
    return name


def _saved_columns(mapping: str | None, kind: str) -> dict[str, str] | None:
    if not mapping:
        return None
    saved = SavedMapping.objects.filter(name=mapping).first()
    if saved is None:
        raise ApplicationError(
            ErrorCode.NOT_FOUND,
            _("There is no saved mapping called %(name)s.") % {"name": mapping},
            field="mapping",
        )
    if saved.kind != kind:
        raise ApplicationError(
            ErrorCode.INVALID,
            _("The mapping %(name)s is for another kind of file.") % {"name": mapping},
            field="mapping",
        )
    return dict(saved.columns)


@dataclass
class Plan:
    """A file read and checked, split into units that succeed or fail whole (a household's rows, one row, a chunk
    of card rows). ``apply(unit, run)`` writes one unit inside the caller's transaction and sets each row's
    result; a rejected row gets its column and reason. The same plan runs at once or as a job (ADR 0014)."""

    kind: str
    source: str
    table: Table
    columns: dict[str, int]
    units: list[list[Row]]
    rejected: list[Row]
    apply: Callable[[list[Row], ImportRun], None]
    # several units at once, where the kind writes them faster together (persons: ADR 0030)
    apply_many: Callable[[list[list[Row]], ImportRun], None] | None = None
    chunk_units: int = 50  # units per transaction in a job: a killed job loses at most this much work

    def write(self, units: list[list[Row]], run: ImportRun) -> None:
        """Writes the units, in order, inside the caller's transaction."""
        if self.apply_many is not None:
            self.apply_many(units, run)
            return
        for unit in units:
            self.apply(unit, run)


def file_open(
    *,
    actor,
    capability: str,
    kind: str,
    path: Path,
    encoding: str,
    mapping: str | None,
    source: str | None,
    edited: dict[str, str] | None,
) -> tuple[str, Table, dict[str, int]]:
    """What every kind of import does first: the actor's right, the source's name, the file read, its columns
    mapped (as edited on the page, else as saved under the mapping's name)."""
    require(actor, capability)
    name = _source_name(source, mapping, path)
    table = read_table(path, encoding=encoding)
    return name, table, map_headers(table.header, kind=kind, saved=edited or _saved_columns(mapping, kind))


def _plan_persons(
    *,
    actor,
    path: Path,
    encoding: str,
    mapping: str | None,
    source: str | None,
    edited: dict[str, str] | None = None,
) -> Plan:
    name, table, columns = file_open(
        actor=actor,
        capability="registry.edit",
        kind=Kind.PERSONS,
        path=path,
        encoding=encoding,
        mapping=mapping,
        source=source,
        edited=edited,
    )
    rejected = _problems(table)
    rows = _rows(table, columns, rejected)

    def apply(group: list[Row], run: ImportRun) -> None:
        try:
            with transaction.atomic(), audit_batch():
                _import_group(actor=actor, rows=group, source=name, run=run)
        except RowError as e:
            _reject_group(group, e)
        except IntegrityError:  # the same key linked meanwhile by another import of this source
            message = _(
                "Another import of the same source wrote this row at the same time; import the file again."
            )
            _reject_group(group, RowError("ma_nguon", message))

    def apply_many(groups: list[list[Row]], run: ImportRun) -> None:
        _import_groups(actor=actor, groups=groups, source=name, run=run, one=apply)

    return Plan(
        Kind.PERSONS,
        name,
        table,
        columns,
        _groups(rows),
        rejected,
        apply,
        apply_many=apply_many,
        chunk_units=PERSON_CHUNK.get(connection.vendor, PERSON_CHUNK_ELSEWHERE),
    )


# Households (or single rows) per transaction and per families_register batch. Each chunk pays its reads, its
# household codes and a dozen writes once, so bigger is faster (a 100,000-row file on PostgreSQL: 47.2 s at 500,
# 42.6 s at 2,000); but a chunk holds its tables' locks while it writes, and SQLite has one writer for the whole
# database: there a desk waits for the chunk, so it stays short.
PERSON_CHUNK = {"postgresql": 2000}
PERSON_CHUNK_ELSEWHERE = 500


class _Known:
    """What a chunk of rows already has in the registry, read in a few queries: the source's links of its keys,
    the current household of the persons linked, and which of its IDs and SI numbers are taken."""

    def __init__(self, groups: list[list[Row]], source: str) -> None:
        rows = [r for g in groups for r in g]
        links = SourceLink.objects.filter(
            source=source, entity=Entity.PERSON, key__any=[r.values["ma_nguon"] for r in rows]
        )
        self.persons = {key: (pk, fp) for key, pk, fp in links.values_list("key", "person_id", "fingerprint")}
        keys = {g[0].values.get("ma_ho", "") for g in groups} - {""}
        self.households = dict(
            SourceLink.objects.filter(source=source, entity=Entity.HOUSEHOLD, key__any=keys).values_list(
                "key", "household_id"
            )
        )
        linked = [pk for pk, _fp in self.persons.values() if pk is not None]
        self.homes = dict(
            Membership.objects.filter(person_id__any=linked, ended_on__isnull=True).values_list(
                "person_id", "household_id"
            )
        )
        self.ids: dict[str, set[str]] = {}
        for name in ("personal_id", "si_number"):
            values = {r.data[name] for r in rows if r.data.get(name)}
            self.ids[name] = set(
                Person.objects.filter(**{f"{name}__any": values}).values_list(name, flat=True)
            )

    def unchanged(self, group: list[Row]) -> bool:
        """Every row as last imported, every person still in the household the source names."""
        household = self.households.get(group[0].values.get("ma_ho", ""))
        for row in group:
            pk, fp = self.persons.get(row.values["ma_nguon"], (None, None))
            if pk is None or fp != _fingerprint(row):
                return False
            if row.values.get("ma_ho") and (household is None or self.homes.get(pk) != household):
                return False
        return True

    def new(self, group: list[Row]) -> bool:
        """No row of the group known to the source or the registry, and a household with one head: what
        families_register takes. The group's IDs are then counted as taken for the groups after it."""
        if any(r.values["ma_nguon"] in self.persons for r in group):
            return False
        key = group[0].values.get("ma_ho", "")
        if key and (key in self.households or sum(r.relation == Relation.HEAD for r in group) != 1):
            return False
        for name in ("personal_id", "si_number"):
            given = [r.data[name] for r in group if r.data.get(name)]
            if len(set(given)) != len(given) or any(v in self.ids[name] for v in given):
                return False
        self.claim(group)
        return True

    def claim(self, group: list[Row]) -> None:
        """The group's IDs and SI numbers are taken from now on: a later row with one of them is that person."""
        for name in ("personal_id", "si_number"):
            self.ids[name].update(r.data[name] for r in group if r.data.get(name))


def _import_groups(
    *,
    actor,
    groups: list[list[Row]],
    source: str,
    run: ImportRun,
    one: Callable[[list[Row], ImportRun], None],
) -> None:
    """A chunk of households and single rows: those as last imported are unchanged without a write; the wholly
    new ones are registered together (families_register); then each other group, in file order, goes through
    ``one`` (_import_group: match, update, move, one service call at a time).

    Registering the new ones first changes no outcome: a group is new only if none of its keys, IDs and SI
    numbers is known to the source, the registry or an earlier group of the file (``_Known.new``), so no other
    group of the chunk can be about the same person or household. A row that repeats someone of a new group by
    their ID (the same person in another list) then finds them registered, wherever it stands in the chunk. One
    batch a chunk, not one per run of new groups: its reads, household codes and writes are paid once."""
    known = _Known(groups, source)
    batch: list[list[Row]] = []
    others: list[list[Row]] = []
    for group in groups:
        if known.unchanged(group):
            for row in group:
                row.result = "unchanged"
        elif known.new(group):
            batch.append(group)
        else:
            others.append(group)
            known.claim(group)
    _register_new(actor=actor, groups=batch, source=source, run=run, one=one)
    for group in others:
        one(group, run)


def _register_new(
    *,
    actor,
    groups: list[list[Row]],
    source: str,
    run: ImportRun,
    one: Callable[[list[Row], ImportRun], None],
) -> None:
    if not groups:
        return
    families = [
        Family(
            members=[(r.data, (r.relation or Relation.OTHER) if r.values.get("ma_ho") else None) for r in g]
        )
        for g in groups
    ]
    try:
        with transaction.atomic(), audit_batch():
            results = families_register(actor=actor, families=families)
            links: list[dict[str, Any]] = []  # rows, not instances: a first import writes one per person
            now = timezone.now()
            for group, result in zip(groups, results, strict=True):
                if result.refused is not None:
                    at_fault = group[result.at]
                    error = _registry_error(result.refused)
                    at_fault.column, at_fault.reason = error.column, error.message
                    _reject_group(group, error)
                    continue
                for row, person in zip(group, result.persons, strict=True):
                    row.result = "created"
                    links.append(
                        _link_row(
                            source=source,
                            run=run,
                            now=now,
                            entity=Entity.PERSON,
                            key=row.values["ma_nguon"],
                            province_code=person.province_code,
                            fingerprint=_fingerprint(row),
                            person_id=person.pk,
                        )
                    )
                    _import_event(actor, row, person, source, run, "created")
                if result.household is not None:
                    household = result.household
                    links.append(
                        _link_row(
                            source=source,
                            run=run,
                            now=now,
                            entity=Entity.HOUSEHOLD,
                            key=group[0].values["ma_ho"],
                            province_code=household.province_code,
                            household_id=household.pk,
                        )
                    )
            rows_insert(SourceLink, links)
    except IntegrityError:  # an ID or a key written meanwhile by someone else: one group at a time, as before
        for group in groups:
            for row in group:
                row.result, row.column, row.reason = "", "", ""
            one(group, run)


def _problems(table: Table) -> list[Row]:
    return [Row(line=ln, cells=c, values={}, result="rejected", reason=m) for ln, m, c in table.problems]


def _new_run(*, actor, plan: Plan, path: Path, mapping: str | None, **extra) -> ImportRun:
    return ImportRun.objects.create(
        kind=plan.kind,
        source=plan.source,
        file_name=path.name[:300],
        file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        encoding=plan.table.encoding,
        mapping=mapping or "",
        created_by=actor if getattr(actor, "pk", None) else None,
        **extra,
    )


def _run_direct(
    *, actor, plan: Plan, path: Path, mapping: str | None, dry_run: bool, errors_dir: Path | None
) -> Outcome:
    """The whole plan in one transaction (rolled back for a dry run, whose counts are then the real run's)."""
    outcome = Outcome(source=plan.source, encoding=plan.table.encoding, dry_run=dry_run)
    with transaction.atomic():
        run = _new_run(actor=actor, plan=plan, path=path, mapping=mapping)
        for first in range(0, len(plan.units), plan.chunk_units):
            plan.write(plan.units[first : first + plan.chunk_units], run)
        rows = [r for unit in plan.units for r in unit]
        done = [r for r in rows if r.result != "rejected"]
        rejected = plan.rejected + [r for r in rows if r.result == "rejected"]
        _finish(
            outcome,
            run,
            plan.table,
            plan.columns,
            done,
            rejected,
            actor=actor,
            path=path,
            errors_dir=errors_dir,
        )
    return outcome


def import_persons(
    *,
    actor,
    path: Path,
    encoding: str = "auto",
    mapping: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    errors_dir: Path | None = None,
    columns: dict[str, str] | None = None,
) -> Outcome:
    """Persons and households from a CSV or XLSX file (issue 13). Valid rows are kept, rejected rows are listed
    in an XLSX error report (rejected row as it was, the column at fault, the reason)."""
    plan = _plan_persons(
        actor=actor, path=path, encoding=encoding, mapping=mapping, source=source, edited=columns
    )
    return _run_direct(
        actor=actor, plan=plan, path=path, mapping=mapping, dry_run=dry_run, errors_dir=errors_dir
    )


def _column_label(header: list[str], columns: dict[str, int], name: str) -> str:
    return header[columns[name]] if name in columns else name


def _rows(table: Table, columns: dict[str, int], rejected: list[Row]) -> list[Row]:
    rows: list[Row] = []
    seen: dict[str, int] = {}
    areas = _Areas()
    for line, cells in table.rows:
        row = Row(line=line, cells=cells, values={f: cells[i].strip() for f, i in columns.items()})
        try:
            _parse_row(row, areas)
            key = row.values["ma_nguon"]
            if key in seen:
                raise RowError(
                    "ma_nguon",
                    _("The key %(key)s is already on line %(line)s.") % {"key": key, "line": seen[key]},
                )
            seen[key] = line
        except RowError as e:
            row.result, row.column, row.reason = "rejected", e.column, e.message
            rejected.append(row)
            continue
        rows.append(row)
    return rows


def _groups(rows: list[Row]) -> list[list[Row]]:
    """Rows without a household alone; a household's rows together, in the order of their first row."""
    groups: list[list[Row]] = []
    by_household: dict[str, list[Row]] = {}
    for row in rows:
        key = row.values.get("ma_ho", "")
        if not key:
            groups.append([row])
        elif key in by_household:
            by_household[key].append(row)
        else:
            by_household[key] = [row]
            groups.append(by_household[key])
    return groups


def _reject_group(group: list[Row], error: RowError) -> None:
    """A household's rows fail together: the row at fault says why, the others name it."""
    at_fault = next((r for r in group if r.reason), group[0])
    if not at_fault.reason:
        at_fault.column, at_fault.reason = error.column, error.message
    for row in group:
        row.result = "rejected"
        if row is not at_fault:
            row.column = "ma_ho"
            row.reason = _("Not imported: line %(line)s of the same household was rejected.") % {
                "line": at_fault.line
            }


@transaction.atomic
def mapping_save(*, actor, name: str, kind: str, columns: dict[str, str]) -> SavedMapping:
    """A named mapping (file header -> standard field) for next month's file; saving a name again replaces it."""
    require(actor, "registry.edit")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError(
            ErrorCode.INVALID, _("Give the mapping a name of at most 100 characters."), field="name"
        )
    if kind not in Kind.values:
        raise ApplicationError(
            ErrorCode.INVALID, _("Unknown kind of file: %(kind)s.") % {"kind": kind}, field="kind"
        )
    clean = validate_mapping(columns, kind=kind)
    saved = SavedMapping.objects.select_for_update().filter(name=name).first()
    before = {"kind": saved.kind, "columns": saved.columns} if saved else None
    if saved is None:
        saved = SavedMapping.objects.create(
            name=name, kind=kind, columns=clean, created_by=actor if getattr(actor, "pk", None) else None
        )
    else:
        saved.kind, saved.columns = kind, clean
        saved.save(update_fields=["kind", "columns", "updated_at"])
    audit_record(
        actor=actor,
        action=Audit.IMPORT_MAPPING_SAVE,
        obj=saved,
        before=before,
        after={"kind": kind, "columns": clean},
    )
    return saved


# --- official population ---------------------------------------------------------------------------------------


def _population_row(row: Row, areas: _Areas, source: str) -> tuple[Area, dt.date, int, str]:
    v = row.values
    for name in ("thon", "nguon", "ma_xa"):
        if v.get(name, "").startswith(FORMULA_START):
            raise RowError(name, _("This cell looks like a spreadsheet formula; write the value itself."))
    code = v.get("ma_xa", "")
    if not code:
        raise RowError("ma_xa", _("Give the commune code (ma_xa)."))
    if code.lower().startswith(LEGACY_PREFIX):
        raise RowError(
            "ma_xa",
            _(
                "Give the current commune code: the population of a commune before 1 July 2025 is not that of the "
                "commune it became part of."
            ),
        )
    commune_code = areas.commune(code)
    area_id = areas.village(commune_code, v["thon"]) if v.get("thon") else None
    area = Area.objects.get(pk=area_id) if area_id else Area.objects.get(code=commune_code)
    try:
        day, precision = parse_partial_date(v.get("ngay", ""), field="ngay")
    except ApplicationError as e:
        raise RowError("ngay", e.message) from None
    if precision != "d":
        raise RowError("ngay", _("Give the date of the figure as dd/mm/yyyy."))
    text = v.get("dan_so", "").strip()
    if text.startswith("-") and parse_whole(text[1:]) is not None:
        raise RowError("dan_so", _("A population cannot be below zero."))
    number = parse_whole(text)
    if number is None or number > 2_000_000_000:
        raise RowError("dan_so", _("Write the population as a whole number."))
    return area, day, number, (v.get("nguon") or source).strip()


def _plan_population(
    *,
    actor,
    path: Path,
    encoding: str,
    mapping: str | None,
    source: str | None,
    edited: dict[str, str] | None = None,
) -> Plan:
    name, table, columns = file_open(
        actor=actor,
        capability="areas.edit",
        kind=Kind.POPULATION,
        path=path,
        encoding=encoding,
        mapping=mapping,
        source=source,
        edited=edited,
    )
    areas = _Areas()
    seen: dict[tuple[int, dt.date], int] = {}
    units = [
        [Row(line=line, cells=cells, values={f: cells[i].strip() for f, i in columns.items()})]
        for line, cells in table.rows
    ]

    def apply(unit: list[Row], run: ImportRun) -> None:
        row = unit[0]
        try:
            area, day, number, figure_source = _population_row(row, areas, name)
            if (area.pk, day) in seen and seen[area.pk, day] != row.line:
                raise RowError(
                    "ngay",
                    _("This area's figure for this date is already on line %(line)s.")
                    % {"line": seen[area.pk, day]},
                )
            seen[area.pk, day] = row.line
            with transaction.atomic():
                _figure, row.result = official_population_set(
                    actor=actor, area=area, on=day, population=number, source=figure_source
                )
        except RowError as e:
            row.result, row.column, row.reason = "rejected", e.column, e.message
        except ApplicationError as e:
            field = {"area_code": "ma_xa", "population": "dan_so", "source": "nguon"}.get(
                e.field or "", "ma_xa"
            )
            row.result, row.column, row.reason = "rejected", field, e.message

    return Plan(Kind.POPULATION, name, table, columns, units, _problems(table), apply)


def import_population(
    *,
    actor,
    path: Path,
    encoding: str = "auto",
    mapping: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    errors_dir: Path | None = None,
    columns: dict[str, str] | None = None,
) -> Outcome:
    """Official population by commune or village and date (columns ma_xa, thon, ngay, dan_so, nguon). One figure
    per area and date: the same file again changes nothing, a new figure for a date replaces the old one. The
    coverage figures divide by them where loaded (reports.coverage, ADR 0017)."""
    plan = _plan_population(
        actor=actor, path=path, encoding=encoding, mapping=mapping, source=source, edited=columns
    )
    return _run_direct(
        actor=actor, plan=plan, path=path, mapping=mapping, dry_run=dry_run, errors_dir=errors_dir
    )


def _finish(outcome, run, table, columns, done, rejected, *, actor, path, errors_dir) -> None:
    """Counts, the error report, and for a real run the run's totals and its audit event; a dry run rolls back."""
    outcome.rows = len(table.rows) + len(table.problems)
    outcome.created = sum(1 for r in done if r.result == "created")
    outcome.updated = sum(1 for r in done if r.result == "updated")
    outcome.unchanged = sum(1 for r in done if r.result == "unchanged")
    outcome.rejected = len(rejected)
    rejected.sort(key=lambda r: r.line)
    if rejected:
        outcome.errors_file = str(
            write_error_report(
                header=table.header,
                columns=columns,
                rows=rejected,
                directory=errors_dir or Path(settings.VAR_DIR) / "imports",
                stem=f"{'dry-run-' if outcome.dry_run else ''}{path.stem}",
            )
        )
    outcome.rejected_rows = [
        {"line": r.line, "column": _column_label(table.header, columns, r.column), "reason": r.reason}
        for r in rejected
    ]
    if outcome.dry_run:
        transaction.set_rollback(True)  # the counts are the real run's; nothing is written
        return
    ImportRun.objects.filter(pk=run.pk).update(
        rows=outcome.rows,
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        rejected=outcome.rejected,
        errors_file=outcome.errors_file or "",
    )
    outcome.import_id = run.pk
    audit_record(actor=actor, action=Audit.IMPORT_RUN, obj=run, after=outcome.as_dict())


# --- health-insurance cards and pension recipients ---------------------------------------------------------------

CARD_UNIT = 100  # card rows recorded in one call of the enrollment's service
CARD_FIELD = {  # the service's field names, by the file's standard header
    "person_id": "so_dinh_danh",
    "valid_from": "gia_tri_tu",
    "valid_to": "gia_tri_den",
    "group": "nhom",
    "facility_code": "noi_kcb",
    "source": "ma_nguon",
}
_SPAN_FIELD = re.compile(r"^spans\[(\d+)\]\.(\w+)$")
_CARD_CODE = re.compile(r"^[A-Z]{2}\d{13}$")
PAYOUT_WORDS = {
    "tien mat": "cash",
    "tm": "cash",
    "cash": "cash",
    "tai khoan": "account",
    "chuyen khoan": "account",
    "tai khoan ngan hang": "account",
    "qua tai khoan": "account",
    "atm": "account",
    "account": "account",
    "": "",
}
YES_WORDS = {"co": True, "x": True, "1": True, "yes": True, "dang huong": True, "": True}
NO_WORDS = {"khong": False, "0": False, "no": False, "thoi huong": False, "da thoi": False}


def _formula_check(row: Row) -> None:
    for name, text in row.values.items():
        if text.startswith(FORMULA_START) and name not in ("gia_tri_tu", "gia_tri_den"):
            raise RowError(name, _("This cell looks like a spreadsheet formula; write the value itself."))


def _source_key(row: Row, seen: dict[str, int]) -> str:
    key = row.values.get("ma_nguon", "")
    if not key:
        raise RowError("ma_nguon", _("Give each row its key in the source (ma_nguon)."))
    if len(key) > KEY_MAX:
        raise RowError("ma_nguon", _("A source key has at most %(n)s characters.") % {"n": KEY_MAX})
    if key in seen:
        raise RowError(
            "ma_nguon", _("The key %(key)s is already on line %(line)s.") % {"key": key, "line": seen[key]}
        )
    seen[key] = row.line
    return key


def _day(row: Row, name: str) -> dt.date:
    text = row.values.get(name, "")
    if not text:
        raise RowError(name, _("Give the date as dd/mm/yyyy."))
    try:
        day, precision = parse_partial_date(text, field=name)
    except ApplicationError as e:
        raise RowError(name, e.message) from None
    if precision != "d":
        raise RowError(name, _("Give the date as dd/mm/yyyy."))
    return day


def _group_of_code(code: str, on: dt.date) -> str | None:
    """The group a card's two letters stand for on a day (the rules' card codes); None if no group has them or
    several do."""
    from ansinh.enrollment.external import external_groups
    from ansinh.rules import cards as card_rules

    found = {g for g in external_groups() if card_rules.card_code(g, on)[0] == code}
    if len(found) > 1:
        found -= {"other"}
    return found.pop() if len(found) == 1 else None


def _parse_card(row: Row) -> None:
    """Dates, group and card code of a card row; the person is found when it is written."""
    from ansinh.enrollment.external import external_groups

    _formula_check(row)
    v = row.values
    data: dict[str, Any] = {"valid_from": _day(row, "gia_tri_tu"), "valid_to": _day(row, "gia_tri_den")}
    if data["valid_to"] < data["valid_from"]:
        raise RowError("gia_tri_den", _("The card ends before it starts."))
    card = re.sub(r"[\s.\-]", "", v.get("ma_the", "")).upper()
    if card and not _CARD_CODE.match(card):
        raise RowError("ma_the", _("A card code has 2 letters and 13 digits, e.g. HG4010123456789."))
    data["card"] = card
    group = v.get("nhom", "").strip()
    if group:
        group = group if group in external_groups() else _group_by_label(get_language()).get(_key(group), "")
        if not group:
            raise RowError("nhom", _("%(name)s is not a health-insurance group.") % {"name": v["nhom"]})
    elif card:
        group = _group_of_code(card[:2], data["valid_from"]) or ""
        if not group:
            raise RowError(
                "ma_the",
                _("The card code's letters %(code)s name no single group; add a column nhom.")
                % {"code": card[:2]},
            )
    else:
        raise RowError("nhom", _("Give the card code (ma_the) or the group (nhom)."))
    data["group"] = group
    facility = v.get("noi_kcb", "").strip()
    data["facility_code"] = facility or None
    if not (v.get("so_dinh_danh") or v.get("ma_so_bhxh") or v.get("ma_nguon_nguoi") or card):
        raise RowError("so_dinh_danh", _("Give the person's personal ID, SI number or card code."))
    row.data = data


@functools.cache
def _group_by_label(language: str | None) -> dict[str, str]:
    """The health-insurance groups by their label as the language writes it (keyed as _key folds it), made once
    per language rather than once per row."""
    from ansinh.core.group_names import HI_GROUP_LABELS

    return {_key(str(label)): code for code, label in HI_GROUP_LABELS.items()}


class _PersonReads:
    """How _find_person reads the registry: one query per identifier of one row (a pension row)."""

    def __init__(self, actor, source: str) -> None:
        from ansinh.registry.selectors import persons_for_user

        self.persons = persons_for_user(user=actor, details=False)
        self.source = source

    def by(self, field: str, value: str) -> Person | None:
        """The person in the actor's areas with this personal_id or si_number."""
        return self.persons.filter(**{field: value}).first()

    def by_key(self, key: str) -> Person | None:
        """The person the source's key names, if in the actor's areas."""
        link = SourceLink.objects.filter(source=self.source, entity=Entity.PERSON, key=key).first()
        return self.persons.filter(pk=link.person_id).first() if link and link.person_id else None


class _UnitReads(_PersonReads):
    """_PersonReads for a unit of card or payment rows, read before any of them is written: each kind of
    identifier looked up once for the whole unit, and the unit's own source links (``entity``) by key."""

    def __init__(self, actor, source: str, rows: list[Row], entity: str) -> None:
        super().__init__(actor, source)
        wanted: dict[str, set[str]] = {"personal_id": set(), "si_number": set()}
        for row in rows:
            wanted["personal_id"].add(_compact(row.values.get("so_dinh_danh", "")))
            wanted["si_number"].add(_compact(row.values.get("ma_so_bhxh", "")))
            wanted["si_number"].add(row.data.get("card", "")[-10:])
        self.found = {
            field: {getattr(p, field): p for p in self.persons.filter(**{f"{field}__any": values - {""}})}
            for field, values in wanted.items()
        }
        keys = {row.values.get("ma_nguon_nguoi", "") for row in rows} - {""}
        linked = dict(
            SourceLink.objects.filter(source=source, entity=Entity.PERSON, key__any=keys).values_list(
                "key", "person_id"
            )
        )
        by_pk = {p.pk: p for p in self.persons.filter(pk__any=[pk for pk in linked.values() if pk])}
        self.keyed = {key: by_pk.get(pk) for key, pk in linked.items() if pk}
        self.links = {
            link.key: link
            for link in SourceLink.objects.filter(
                source=source, entity=entity, key__any=[row.values["ma_nguon"] for row in rows]
            )
        }

    def by(self, field: str, value: str) -> Person | None:
        return self.found[field].get(value)

    def by_key(self, key: str) -> Person | None:
        return self.keyed.get(key)


def _compact(text: str) -> str:
    """An identifier as typed, without its spaces and dots."""
    return re.sub(r"[\s.]", "", text)


def _find_person(
    *, actor, row: Row, source: str, card: str = "", reads: _PersonReads | None = None
) -> Person:
    """The row's person by personal ID, SI number, the person's key in the same source, or the SI number in the
    card code; each given identifier must name the same person, and the person must be in the actor's areas."""
    reads = reads or _PersonReads(actor, source)
    v = row.values
    found: list[tuple[str, Person | None]] = []
    pid = _compact(v.get("so_dinh_danh", ""))
    if pid:
        found.append(("so_dinh_danh", reads.by("personal_id", pid)))
    si = _compact(v.get("ma_so_bhxh", ""))
    if si:
        found.append(("ma_so_bhxh", reads.by("si_number", si)))
    if v.get("ma_nguon_nguoi"):
        found.append(("ma_nguon_nguoi", reads.by_key(v["ma_nguon_nguoi"])))
    if card and not found:
        found.append(("ma_the", reads.by("si_number", card[-10:])))
    for column, person in found:
        if person is None:
            raise RowError(column, _("No person with this identifier in the registry of your areas."))
    people = {p.pk for _c, p in found if p is not None}
    if len(people) > 1:
        raise RowError(found[1][0], _("The identifiers of this row name different persons."))
    person = found[0][1]
    assert person is not None
    return person


def _card_eligible(row: Row, person: Person) -> None:
    """A household-scheme card is one the person could have bought: the eligibility rule (ADR 0013) on the card's
    first day. Other groups come from the agency's own lists, which the register cannot second-guess."""
    from ansinh.core.rule_errors import eligibility_message
    from ansinh.enrollment.selectors import eligibility

    if row.data["group"] != "household":
        return
    decision = eligibility(person=person, on=row.data["valid_from"], coverage_end=None).hi_household
    if not decision.allowed:
        raise RowError(
            "nhom",
            eligibility_message(
                person.full_name, "hi_household", decision.reason, decision.covered_by, decision.limit
            ),
        )


def _keyed_rows(
    table: Table, columns: dict[str, int], parse: Callable[[Row], None]
) -> tuple[list[Row], list[Row]]:
    """The file's rows, each with its source key and parsed by ``parse``: (kept, rejected with the reason)."""
    rejected = _problems(table)
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for line, cells in table.rows:
        row = Row(line=line, cells=cells, values={f: cells[i].strip() for f, i in columns.items()})
        try:
            _source_key(row, seen)
            parse(row)
        except RowError as e:
            _reject(row, e.column, e.message)
            rejected.append(row)
            continue
        rows.append(row)
    return rows, rejected


def _batched_plan(
    *,
    kind: str,
    capability: str,
    parse: Callable[[Row], None],
    write: Callable[..., None],
    order=None,
    **opened,
) -> Plan:
    """The plan of a file whose rows an enrollment service records a batch at a time (cards, voluntary-SI
    payments): its keyed rows, parsed by ``parse``, in ``order`` if given, in units of CARD_UNIT rows written by
    ``write(actor, rows, source, run)``."""
    actor = opened["actor"]
    name, table, columns = file_open(capability=capability, kind=kind, **{"edited": None, **opened})
    rows, rejected = _keyed_rows(table, columns, parse)
    if order is not None:
        rows.sort(key=order)

    def apply(unit: list[Row], run: ImportRun) -> None:
        write(actor=actor, rows=unit, source=name, run=run)

    units = [rows[i : i + CARD_UNIT] for i in range(0, len(rows), CARD_UNIT)]
    return Plan(kind, name, table, columns, units, rejected, apply)


def _plan_cards(**opened) -> Plan:
    return _batched_plan(
        kind=Kind.CARDS, capability="enrollment.create", parse=_parse_card, write=_apply_cards, **opened
    )


def _reject(row: Row, column: str, reason: str) -> None:
    row.result, row.column, row.reason = "rejected", column, reason


def _apply_cards(*, actor, rows: list[Row], source: str, run: ImportRun) -> None:
    """Card rows through ``enrollment.external.coverages_record_external`` (the desk's checks: scope, group, no
    overlap, facility), all or none per call: a refused span names its index, that row is rejected with the
    service's reason and the others are recorded again without it."""
    from ansinh.enrollment.external import ExternalSpan, coverages_record_external
    from ansinh.enrollment.models import CoverageSource

    pending: list[tuple[Row, ExternalSpan, SourceLink | None, str]] = []
    reads = _UnitReads(actor, source, rows, Entity.CARD)
    for row in rows:
        key = row.values["ma_nguon"]
        fp = _fingerprint(row)
        link = reads.links.get(key)
        if link is not None and link.coverage_id is not None:
            if link.fingerprint == fp:
                row.result = "unchanged"
            else:
                _reject(
                    row,
                    "ma_nguon",
                    _(
                        "This card (%(key)s) was recorded before with other values; a recorded card is corrected "
                        "at the desk, not by a new file."
                    )
                    % {"key": key},
                )
            continue
        try:
            person = _find_person(actor=actor, row=row, source=source, card=row.data["card"], reads=reads)
            _card_eligible(row, person)
        except RowError as e:
            _reject(row, e.column, e.message)
            continue
        span = ExternalSpan(
            person.pk,
            row.data["valid_from"],
            row.data["valid_to"],
            row.data["group"],
            row.data["facility_code"],
        )
        pending.append((row, span, link, fp))
    _record_rows(
        pending,
        record=lambda spans: coverages_record_external(
            actor=actor, spans=spans, source=CoverageSource.IMPORT
        ),
        actor=actor,
        source=source,
        run=run,
        entity=Entity.CARD,
        link_field="coverage",
        action=Audit.COVERAGE_IMPORT,
        pattern=_SPAN_FIELD,
        columns=CARD_FIELD,
    )


def _record_rows(
    pending, *, record, actor, source, run, entity, link_field, action, pattern, columns
) -> None:
    """Rows written by one call of an enrollment service that records all or none (``record``), each with its
    source link and an audit event naming the import. A refusal names the index of the item at fault
    (``pattern``: ``spans[i].field``): that row is rejected with the service's reason and the others are recorded
    again without it; a refusal of the whole call rejects every row. ``pending``: (row, item, link, fingerprint)."""
    while pending:
        try:
            with transaction.atomic(), audit_batch():
                written = record([p[1] for p in pending])
                new: list[dict[str, Any]] = []  # written together, after the loop
                now = timezone.now()
                for (row, _item, link, fp), obj in zip(pending, written, strict=True):
                    if link is None:
                        new.append(
                            _link_row(
                                source=source,
                                run=run,
                                now=now,
                                entity=entity,
                                key=row.values["ma_nguon"],
                                province_code=obj.province_code,
                                fingerprint=fp,
                                person_id=obj.person_id,
                                **{f"{link_field}_id": obj.pk},
                            )
                        )
                    else:
                        SourceLink.objects.filter(pk=link.pk).update(
                            **{link_field: obj},
                            person_id=obj.person_id,
                            fingerprint=fp,
                            last_run=run,
                            province_code=obj.province_code,
                            updated_at=now,
                        )
                    audit_record(
                        actor=actor,
                        action=action,
                        obj=obj,
                        after={"import_id": run.pk, "source": source, "ma_nguon": row.values["ma_nguon"]},
                    )
                    row.result = "created"
                rows_insert(SourceLink, new)
            return
        except ApplicationError as e:
            m = pattern.match(e.field or "")
            if m is None and len(pending) > 1:  # refused whole: every row gets the reason
                for row, *_rest in pending:
                    _reject(row, columns.get(e.field or "", "ma_nguon"), e.message)
                return
            index, name = (int(m.group(1)), m.group(2)) if m else (0, e.field or "")
            row = pending.pop(index)[0]
            _reject(row, columns.get(name, "ma_nguon"), e.message)


def import_cards(
    *,
    actor,
    path: Path,
    encoding: str = "auto",
    mapping: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    errors_dir: Path | None = None,
    columns: dict[str, str] | None = None,
) -> Outcome:
    """Health-insurance cards held through the agency's lists (ma_nguon, so_dinh_danh / ma_so_bhxh /
    ma_nguon_nguoi, ma_the, nhom, gia_tri_tu, gia_tri_den, noi_kcb), recorded by the enrollment's
    ``coverages_record_external``: an overlapping card, an unknown facility, a person outside the actor's areas
    is a rejected row with its reason; the same file again changes nothing."""
    plan = _plan_cards(
        actor=actor, path=path, encoding=encoding, mapping=mapping, source=source, edited=columns
    )
    return _run_direct(
        actor=actor, plan=plan, path=path, mapping=mapping, dry_run=dry_run, errors_dir=errors_dir
    )


VSI_FIELD = {  # the service's field names, by the file's standard header
    "person_id": "so_dinh_danh",
    "first_month": "tu_thang",
    "months": "so_thang",
    "income": "muc_thu_nhap",
    "amount": "so_tien",
    "paid_on": "ngay_nop",
}
_RUN_FIELD = re.compile(r"^runs\[(\d+)\]\.(\w+)$")


def _whole(row: Row, name: str, *, required: bool) -> int | None:
    text = row.values.get(name, "")
    if not text:
        if required:
            raise RowError(name, _("Give a whole number."))
        return None
    value = parse_whole(text)
    if value is None:
        raise RowError(name, _("Write a whole number, such as 1.500.000."))
    return value


def _parse_vsi(row: Row) -> None:
    """The months, income, amount and payment day of a voluntary-SI row; the person is found when it is written."""
    _formula_check(row)
    v = row.values
    text = v.get("tu_thang", "")
    try:
        first, precision = parse_partial_date(text, field="tu_thang") if text else (None, "")
    except ApplicationError as e:
        raise RowError("tu_thang", e.message) from None
    if first is None or precision not in ("m", "d"):
        raise RowError("tu_thang", _("Give the first month paid as mm/yyyy."))
    first = first.replace(day=1)
    months = _whole(row, "so_thang", required=True)
    income = _whole(row, "muc_thu_nhap", required=True)
    amount = _whole(row, "so_tien", required=False)
    paid_on = _day(row, "ngay_nop") if v.get("ngay_nop") else first
    if not (v.get("so_dinh_danh") or v.get("ma_so_bhxh") or v.get("ma_nguon_nguoi")):
        raise RowError("so_dinh_danh", _("Give the person's personal ID, SI number or key (ma_nguon_nguoi)."))
    row.data = {
        "first_month": first,
        "months": months,
        "income": income,
        "amount": amount,
        "paid_on": paid_on,
    }


def _plan_vsi(**opened) -> Plan:
    return _batched_plan(
        kind=Kind.VSI,
        capability="enrollment.create",
        parse=_parse_vsi,
        write=_apply_vsi,
        # in the order they were paid: the months of state support a person has used so far count the earlier ones
        order=lambda r: (r.data["paid_on"], r.data["first_month"], r.line),
        **opened,
    )


def _apply_vsi(*, actor, rows: list[Row], source: str, run: ImportRun) -> None:
    """Voluntary-SI rows through ``enrollment.external.contributions_record_external`` (the desk's checks and the
    rules' prices), all or none per call: a refused run names its index, that row is rejected with the service's
    reason and the others are recorded again without it."""
    from ansinh.enrollment.external import ExternalContribution, contributions_record_external
    from ansinh.enrollment.models import CoverageSource

    pending: list[tuple[Row, ExternalContribution, SourceLink | None, str]] = []
    reads = _UnitReads(actor, source, rows, Entity.CONTRIBUTION)
    for row in rows:
        key = row.values["ma_nguon"]
        fp = _fingerprint(row)
        link = reads.links.get(key)
        if link is not None and link.contribution_id is not None:
            if link.fingerprint == fp:
                row.result = "unchanged"
            else:
                _reject(
                    row,
                    "ma_nguon",
                    _(
                        "This payment (%(key)s) was recorded before with other values; a recorded payment is "
                        "corrected at the office, not by a new file."
                    )
                    % {"key": key},
                )
            continue
        try:
            person = _find_person(actor=actor, row=row, source=source, reads=reads)
        except RowError as e:
            _reject(row, e.column, e.message)
            continue
        pending.append((row, ExternalContribution(person_id=person.pk, **row.data), link, fp))
    _record_rows(
        pending,
        record=lambda runs: contributions_record_external(
            actor=actor, runs=runs, source=CoverageSource.IMPORT
        ),
        actor=actor,
        source=source,
        run=run,
        entity=Entity.CONTRIBUTION,
        link_field="contribution",
        action=Audit.CONTRIBUTION_IMPORT,
        pattern=_RUN_FIELD,
        columns=VSI_FIELD,
    )


def import_vsi(
    *,
    actor,
    path: Path,
    encoding: str = "auto",
    mapping: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    errors_dir: Path | None = None,
    columns: dict[str, str] | None = None,
) -> Outcome:
    """Voluntary-SI payments made before ansinh (ma_nguon, so_dinh_danh / ma_so_bhxh / ma_nguon_nguoi, tu_thang,
    so_thang, muc_thu_nhap, so_tien, ngay_nop), recorded by the enrollment's ``contributions_record_external``:
    priced by the rules of the payment day, a month paid twice or a person the law places elsewhere is a rejected
    row with its reason; the same file again changes nothing."""
    plan = _plan_vsi(
        actor=actor, path=path, encoding=encoding, mapping=mapping, source=source, edited=columns
    )
    return _run_direct(
        actor=actor, plan=plan, path=path, mapping=mapping, dry_run=dry_run, errors_dir=errors_dir
    )


def _parse_pension(row: Row) -> None:
    _formula_check(row)
    v = row.values
    words = _key(v.get("huong_luong_huu", ""))
    if words in YES_WORDS:
        recipient = YES_WORDS[words]
    elif words in NO_WORDS:
        recipient = False
    else:
        raise RowError("huong_luong_huu", _("Write có or không."))
    payout = PAYOUT_WORDS.get(_key(v.get("hinh_thuc_nhan", "")))
    if payout is None:
        raise RowError("hinh_thuc_nhan", _("Write the payout method as tiền mặt or tài khoản."))
    if payout and not recipient:
        raise RowError("hinh_thuc_nhan", _("Only a pension or benefit recipient has a payout method."))
    if not (v.get("so_dinh_danh") or v.get("ma_so_bhxh") or v.get("ma_nguon_nguoi")):
        raise RowError("so_dinh_danh", _("Give the person's personal ID or SI number."))
    row.data = {"pension_recipient": recipient, "payout_method": payout}
    if v.get("tu_ngay"):
        row.data["statuses_from"] = v["tu_ngay"]  # a change in life from that day (ADR 0031)


def _plan_pensions(
    *,
    actor,
    path: Path,
    encoding: str,
    mapping: str | None,
    source: str | None,
    edited: dict[str, str] | None = None,
) -> Plan:
    name, table, columns = file_open(
        actor=actor,
        capability="registry.edit",
        kind=Kind.PENSIONS,
        path=path,
        encoding=encoding,
        mapping=mapping,
        source=source,
        edited=edited,
    )
    rows, rejected = _keyed_rows(table, columns, _parse_pension)
    units = [[row] for row in rows]

    def apply(unit: list[Row], run: ImportRun) -> None:
        row = unit[0]
        try:
            with transaction.atomic(), audit_batch():
                _apply_pension(actor=actor, row=row, source=name, run=run)
        except RowError as e:
            _reject(row, e.column, e.message)
        except ApplicationError as e:
            error = _registry_error(e, PENSION_COLUMNS, "huong_luong_huu")
            _reject(row, error.column, error.message)

    return Plan(Kind.PENSIONS, name, table, columns, units, rejected, apply)


PENSION_COLUMNS = {"payout_method": "hinh_thuc_nhan", "statuses_from": "tu_ngay"}


def _apply_pension(*, actor, row: Row, source: str, run: ImportRun) -> None:
    """One person's pension status and payout method through the registry's ``person_update``."""
    key = row.values["ma_nguon"]
    fp = _fingerprint(row)
    link = SourceLink.objects.filter(source=source, entity=Entity.PENSION, key=key).first()
    if link is not None and link.fingerprint == fp:
        row.result = "unchanged"
        return
    person = _find_person(actor=actor, row=row, source=source)
    before = (person.pension_recipient, person.payout_method)
    person = person_update(actor=actor, person=person, data=row.data)
    changed = before != (person.pension_recipient, person.payout_method)
    values = {"person": person, "fingerprint": fp, "last_run": run, "province_code": person.province_code}
    if link is None:
        SourceLink.objects.create(source=source, entity=Entity.PENSION, key=key, **values)
    else:
        SourceLink.objects.filter(pk=link.pk).update(**values, updated_at=timezone.now())
    row.result = ("updated" if link is not None else "created") if changed else "unchanged"
    if changed:
        audit_record(
            actor=actor,
            action=Audit.PENSION_IMPORT,
            obj=person,
            after={"import_id": run.pk, "source": source, "ma_nguon": key, **row.data},
        )


def import_pensions(
    *,
    actor,
    path: Path,
    encoding: str = "auto",
    mapping: str | None = None,
    source: str | None = None,
    dry_run: bool = False,
    errors_dir: Path | None = None,
    columns: dict[str, str] | None = None,
) -> Outcome:
    """Pension and benefit recipients and how they are paid (ma_nguon, so_dinh_danh / ma_so_bhxh /
    ma_nguon_nguoi, huong_luong_huu có/không, hinh_thuc_nhan tiền mặt/tài khoản), through the registry's
    ``person_update``; a recipient is then refused voluntary SI by the eligibility rule."""
    plan = _plan_pensions(
        actor=actor, path=path, encoding=encoding, mapping=mapping, source=source, edited=columns
    )
    return _run_direct(
        actor=actor, plan=plan, path=path, mapping=mapping, dry_run=dry_run, errors_dir=errors_dir
    )


PLANS: dict[str, Callable[..., Plan]] = {
    Kind.PERSONS: _plan_persons,
    Kind.CARDS: _plan_cards,
    Kind.VSI: _plan_vsi,
    Kind.PENSIONS: _plan_pensions,
    Kind.POPULATION: _plan_population,
}
IMPORTS: dict[str, Callable[..., Outcome]] = {
    Kind.PERSONS: import_persons,
    Kind.CARDS: import_cards,
    Kind.VSI: import_vsi,
    Kind.PENSIONS: import_pensions,
    Kind.POPULATION: import_population,
}
