"""Every answer of /api/v1 is documented with its shape, so that a schema-checking fuzzer (schemathesis) can hold
each answer to its schema: a JSON answer is a typed schema (a ninja Schema, or a list of one), never a bare
``dict``; a file download states its content type. And no two schemas share a name, since the OpenAPI document
names its components by class name and keeps only one of two namesakes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

FILE_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
}


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def untyped(schema: dict[str, Any], spec: dict[str, Any], where: str = "$") -> list[str]:
    """Where the top of a response schema says nothing of its shape: an object with no properties and no schema
    for its values (what ``response=dict`` gives), or no schema at all (``Any``). Lists and unions are looked
    through; the fields inside a typed object may be free-form (an audit event's ``data``)."""
    schema = _resolve(schema, spec)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return [p for i, member in enumerate(schema[key]) for p in untyped(member, spec, f"{where}|{i}")]
    kind = schema.get("type")
    if kind == "array":
        return untyped(schema.get("items", {}), spec, f"{where}[]")
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        values = schema.get("additionalProperties")
        if schema.get("properties") or (isinstance(values, dict) and values):
            return []
        return [f"{where}: an object of any shape"]
    if kind is None:
        return [f"{where}: no type"]
    return []


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_success_answer_has_a_typed_schema_or_is_a_file(spec):
    loose = []
    operations = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operations += 1
            name = f"{method.upper()} {path}"
            successes = {s: r for s, r in operation["responses"].items() if str(s).startswith("2")}
            assert successes, f"{name}: no success answer documented"
            for status, answer in successes.items():
                content = answer.get("content")
                if not content:
                    loose.append(f"{name} {status}: no content type documented")
                    continue
                for media_type, body in content.items():
                    if media_type == "application/json":
                        if "schema" not in body:
                            loose.append(f"{name} {status}: JSON without a schema")
                        else:
                            loose += [f"{name} {status} {p}" for p in untyped(body["schema"], spec)]
                    elif media_type not in FILE_TYPES:
                        loose.append(f"{name} {status}: unexpected content type {media_type}")
    assert operations > 50
    assert not loose, "answers without a typed schema:\n" + "\n".join(loose)


def test_the_check_finds_a_bare_object_and_looks_through_lists_and_unions():
    spec: dict[str, Any] = {
        "components": {"schemas": {"Typed": {"type": "object", "properties": {"id": {"type": "integer"}}}}}
    }
    typed = {"$ref": "#/components/schemas/Typed"}
    assert untyped(typed, spec) == []
    assert untyped({"type": "array", "items": typed}, spec) == []
    assert untyped({"type": "object", "additionalProperties": {"type": "integer"}}, spec) == []
    assert untyped({"type": "object"}, spec) == ["$: an object of any shape"]
    assert untyped({"type": "object", "additionalProperties": True}, spec) == ["$: an object of any shape"]
    assert untyped({"type": "array", "items": {"type": "object"}}, spec) == ["$[]: an object of any shape"]
    assert untyped({"anyOf": [typed, {}]}, spec) == ["$|1: no type"]


def test_no_two_schemas_of_the_api_share_a_name():
    from ninja import Schema

    from ansinh.api.main import api  # every router, so every schema class, is imported

    assert api is not None
    seen: dict[str, set[str]] = defaultdict(set)
    found: dict[str, list[str]] = defaultdict(list)
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("ansinh."):
            continue
        shape = repr((cls.model_json_schema(mode="validation"), cls.model_json_schema(mode="serialization")))
        seen[cls.__name__].add(shape)
        found[cls.__name__].append(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {name: sorted(found[name]) for name, shapes in seen.items() if len(shapes) > 1}
    assert not clashes, f"schemas of one name and two shapes (the OpenAPI document keeps one): {clashes}"
