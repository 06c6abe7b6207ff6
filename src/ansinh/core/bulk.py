"""Many new rows at once: on PostgreSQL with ``COPY FROM STDIN``, elsewhere with ``bulk_create`` (ADR 0030).

For the list of a median commune of a 1-million-person province (1,400 households, 1,900 members) COPY took
28 ms where ``bulk_create`` took 150 ms, most of it building and quoting one big statement in Python. Foreign keys
are checked at the commit either way (Django makes them deferrable on PostgreSQL). Services call these inside
their transaction, after their checks; nothing here checks anything."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, models

COPY = True  # tests turn it off to compare COPY with bulk_create


def _raw_cursor(cursor) -> Any | None:
    """psycopg's own cursor when COPY can be used, else None."""
    raw = getattr(cursor, "cursor", None)
    if not COPY or connection.vendor != "postgresql" or not hasattr(raw, "copy"):
        return None
    return raw


def _copy(
    raw, model: type[models.Model], fields: Sequence[models.Field], rows: Iterable[Sequence[Any]]
) -> None:
    qn = connection.ops.quote_name
    # JSON as JSONField writes it: encoded with the field's encoder (one encoder per field, not one per value)
    as_json = [
        (i, (f.encoder or json.JSONEncoder)().encode)
        for i, f in enumerate(fields)
        if isinstance(f, models.JSONField)
    ]
    columns = ", ".join(qn(str(f.column)) for f in fields)
    # psycopg's own cursor raises psycopg's errors: made Django's (IntegrityError, ...) as every query's are
    with (
        connection.wrap_database_errors,
        raw.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        if not as_json:  # most tables: each row as it is
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for i, encode in as_json:
                if values[i] is not None:
                    values[i] = encode(values[i])
            copy.write_row(values)


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Writes many new rows of a model, each given as {attname: value} (the same names in every row). The rows
    get no primary key back."""
    if not rows:
        return
    with connection.cursor() as cursor:
        raw = _raw_cursor(cursor)
        if raw is None:
            model._default_manager.bulk_create([model(**r) for r in rows], batch_size=1000)
            return
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        _copy(raw, model, [by_name[name] for name in rows[0]], (list(r.values()) for r in rows))


def objects_insert(objs: list[Any]) -> None:
    """Writes new instances of one model, as ``bulk_create`` does (defaults, ``auto_now_add``), and gives each its
    primary key: on PostgreSQL the keys are drawn from the table's sequence first, then the rows are copied with
    them."""
    if not objs:
        return
    model = type(objs[0])
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        raw = _raw_cursor(cursor)
        if raw is None:
            model._default_manager.bulk_create(objs, batch_size=500)
            return
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(objs)],
        )
        for obj, (key,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = key
        fields = list(model._meta.concrete_fields)
        _copy(raw, model, fields, _values(fields, objs))
    alias = connection.alias  # read once: each read of ``connection`` finds this thread's connection anew
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def _values(fields: list[models.Field], objs: list[Any]) -> Iterable[list[Any]]:
    """Each instance's values as an INSERT writes them: read for all fields at once, then, for the fields whose
    class has its own ``pre_save`` (the dates' auto_now and auto_now_add, a file), what that returns."""
    own = [(i, f) for i, f in enumerate(fields) if type(f).pre_save is not models.Field.pre_save]
    read = attrgetter(*(f.attname for f in fields))
    for obj in objs:
        values = list(read(obj)) if len(fields) > 1 else [read(obj)]
        for i, f in own:
            values[i] = f.pre_save(obj, True)
        yield values


def statistics_refresh(models_: Sequence[type[models.Model]]) -> None:
    """Tells PostgreSQL's planner how big tables have grown (ANALYZE, which reads a sample): a job that has just
    written many rows would otherwise have its next lookups planned as if the tables were still small (a
    sequential scan of a million rows per chunk), until autovacuum gets to them. Elsewhere nothing: SQLite plans
    without such statistics."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
