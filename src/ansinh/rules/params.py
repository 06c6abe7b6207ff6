"""Strict loader for the dated legal parameters in ``parameters/``.

Each YAML file holds one legal figure, or a small family of figures under ``parameters:``. The name of a
parameter is its path under ``parameters/`` with dots (``hi/rate.yaml`` -> ``hi.rate``; a family member
``poor`` of ``hi/state_support.yaml`` -> ``hi.state_support.poor``). See README.md beside this file.

Values are exact: integers stay integers, decimals and percentages (``"4.5%"``) become `Fraction`; a float is
never produced. Anything unexpected — a bad date, an unknown key, a duplicate key, a value without a
reference, an unconfirmed value without a note — is a `ParameterError` naming the file and line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ._util import pct
from .errors import ParameterError, RuleError, RuleErrorCode

PARAMETERS_DIR = Path(__file__).with_name("parameters")

_FILE_KEYS = {"description", "unit", "last_checked", "values", "parameters", "note"}
_MEMBER_KEYS = {"description", "unit", "last_checked", "values", "note"}
_ENTRY_KEYS = {"value", "reference", "unconfirmed", "note"}
_REFERENCE_KEYS = {"title", "href"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERCENT = re.compile(r"^-?\d+(\.\d+)?%$")
_NAME = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Reference:
    title: str
    href: str | None = None


@dataclass(frozen=True)
class DatedValue:
    since: date
    value: Any
    references: tuple[Reference, ...]
    unconfirmed: bool = False
    note: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Value:
    """The value of one parameter on one date, with where it comes from."""

    name: str
    value: Any
    since: date
    references: tuple[Reference, ...]
    unconfirmed: bool = False
    note: str | None = None

    def reference_json(self) -> dict[str, Any]:
        """The entry this value contributes to an output's ``references`` list."""
        out: dict[str, Any] = {
            "parameter": self.name,
            "since": self.since.isoformat(),
            "title": "; ".join(r.title for r in self.references),
            "unconfirmed": self.unconfirmed,
        }
        hrefs = [r.href for r in self.references if r.href]
        if hrefs:
            out["href"] = hrefs[0] if len(hrefs) == 1 else hrefs
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Parameter:
    name: str
    unit: str
    last_checked: date
    values: tuple[DatedValue, ...]
    description: str = ""
    note: str | None = None
    file: str = ""

    @cached_property
    def _dates(self) -> list[date]:
        return [v.since for v in self.values]

    def at(self, on: date) -> Value:
        i = bisect_right(self._dates, on) - 1
        if i < 0:
            first = self.values[0].since if self.values else None
            raise RuleError(
                RuleErrorCode.PARAMETER_NOT_IN_FORCE,
                f"{self.name} has no value on {on.isoformat()}: its first value applies from "
                f"{first.isoformat() if first else '(none)'}",
                field="on",
                limit=first.isoformat() if first else None,
            )
        dv = self.values[i]
        if dv.value is None:
            raise RuleError(
                RuleErrorCode.PARAMETER_ENDED,
                f"{self.name} ended on {dv.since.isoformat()} and has no value on {on.isoformat()}",
                field="on",
                limit=dv.since.isoformat(),
            )
        return Value(self.name, dv.value, dv.since, dv.references, dv.unconfirmed, dv.note)

    def first_date(self) -> date | None:
        return self.values[0].since if self.values else None

    def in_force(self, on: date) -> bool:
        """Whether ``at(on)`` has a value (asked for every group of every person on every day: no error raised)."""
        i = bisect_right(self._dates, on) - 1
        return i >= 0 and self.values[i].value is not None


@dataclass(frozen=True)
class Parameters:
    """A set of parameters by name; immutable, safe to share."""

    by_name: Mapping[str, Parameter] = field(default_factory=dict)
    _families: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def get(self, name: str, on: date) -> Value:
        try:
            p = self.by_name[name]
        except KeyError:
            raise RuleError(
                RuleErrorCode.PARAMETER_UNKNOWN, f"unknown parameter {name!r}", field="parameter"
            ) from None
        return p.at(on)

    def parameter(self, name: str) -> Parameter:
        return self.by_name[name]

    def has(self, name: str) -> bool:
        return name in self.by_name

    def names(self) -> list[str]:
        return sorted(self.by_name)

    def family(self, prefix: str) -> list[str]:
        """Member names (the last component) of the family ``prefix``."""
        if prefix not in self._families:  # the names never change: asked for every decision, worked out once
            p = prefix + "."
            names = sorted(n[len(p) :] for n in self.by_name if n.startswith(p) and "." not in n[len(p) :])
            self._families[prefix] = names
        return list(self._families[prefix])

    def overlay(self, other: Parameters) -> Parameters:
        """These parameters with ``other``'s dated values added (``other`` wins on the same date)."""
        merged = dict(self.by_name)
        for name, p in other.by_name.items():
            if name in merged:
                base = {v.since: v for v in merged[name].values}
                base.update({v.since: v for v in p.values})
                merged[name] = Parameter(
                    name,
                    p.unit,
                    p.last_checked,
                    tuple(base[d] for d in sorted(base)),
                    p.description or merged[name].description,
                    p.note,
                    p.file,
                )
            else:
                merged[name] = p
        return Parameters(merged)


# --------------------------------------------------------------------------------------------------------
# YAML -> checked Python, node by node (so that every error knows its line)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def err(self, node: Node | None, message: str) -> ParameterError:
        line = node.start_mark.line + 1 if node is not None else None
        return ParameterError(self.file, line, message)

    def mapping(self, node: Node, what: str) -> list[tuple[str, ScalarNode, Node]]:
        if not isinstance(node, MappingNode):
            raise self.err(node, f"{what} must be a mapping")
        seen: dict[str, int] = {}
        out = []
        for k, v in node.value:
            if not isinstance(k, ScalarNode):
                raise self.err(k, f"{what}: keys must be plain scalars")
            key = k.value
            if key in seen:
                raise self.err(k, f"duplicate key {key!r} in {what} (first at line {seen[key]})")
            seen[key] = k.start_mark.line + 1
            out.append((key, k, v))
        return out

    def check_keys(self, pairs: list[tuple[str, ScalarNode, Node]], allowed: set[str], what: str) -> None:
        for key, knode, _ in pairs:
            if key not in allowed:
                raise self.err(knode, f"unknown key {key!r} in {what}; allowed: {', '.join(sorted(allowed))}")

    def date(self, node: Node, what: str) -> date:
        if not isinstance(node, ScalarNode) or not _ISO_DATE.match(node.value):
            raise self.err(
                node, f"{what} must be an ISO date YYYY-MM-DD, got {getattr(node, 'value', '?')!r}"
            )
        try:
            return date.fromisoformat(node.value)
        except ValueError as e:
            raise self.err(node, f"{what}: bad date {node.value!r} ({e})") from None

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str" or not node.value.strip():
            raise self.err(node, f"{what} must be a non-empty string")
        return node.value

    def scalar(self, node: ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            return text.lower() in ("true", "yes", "on")
        if tag == "tag:yaml.org,2002:int":
            try:
                return int(text.replace("_", ""), 10)
            except ValueError:
                raise self.err(node, f"bad integer {text!r}") from None
        if tag == "tag:yaml.org,2002:float":
            try:
                return Fraction(text.replace("_", ""))
            except ValueError:
                raise self.err(node, f"bad number {text!r} (write exact decimals)") from None
        if _PERCENT.match(text):
            return Fraction(text[:-1]) / 100
        return text

    def data(self, node: Node) -> Any:
        """Any value: scalars, lists, mappings (with int or string keys), recursively."""
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            return [self.data(n) for n in node.value]
        out: dict[Any, Any] = {}
        for _key, knode, vnode in self.mapping(node, "value"):
            k = self.scalar(knode)
            if not isinstance(k, int | str) or isinstance(k, bool):
                raise self.err(knode, f"mapping keys inside a value must be integers or strings, got {k!r}")
            out[k] = self.data(vnode)
        return out

    def reference(self, node: Node) -> tuple[Reference, ...]:
        nodes = node.value if isinstance(node, SequenceNode) else [node]
        if not nodes:
            raise self.err(node, "reference must not be empty")
        refs = []
        for n in nodes:
            pairs = self.mapping(n, "reference")
            self.check_keys(pairs, _REFERENCE_KEYS, "reference")
            d = {k: v for k, _, v in pairs}
            if "title" not in d:
                raise self.err(n, "reference needs a title")
            refs.append(
                Reference(
                    self.text(d["title"], "reference title"),
                    self.text(d["href"], "reference href") if "href" in d else None,
                )
            )
        return tuple(refs)

    def values(self, node: Node) -> tuple[DatedValue, ...]:
        out = []
        for _key, knode, vnode in self.mapping(node, "values"):
            since = self.date(knode, "a values key")
            pairs = self.mapping(vnode, f"value of {knode.value}")
            self.check_keys(pairs, _ENTRY_KEYS, f"value of {knode.value}")
            d = {k: (kn, v) for k, kn, v in pairs}
            if "value" not in d:
                raise self.err(vnode, f"value of {knode.value} has no 'value'")
            if "reference" not in d:
                raise self.err(vnode, f"value of {knode.value} has no 'reference' (every value needs one)")
            unconfirmed = False
            if "unconfirmed" in d:
                u = d["unconfirmed"][1]
                if not (isinstance(u, ScalarNode) and u.tag == "tag:yaml.org,2002:bool"):
                    raise self.err(u, "unconfirmed must be true or false")
                unconfirmed = bool(self.scalar(u))
            note = self.text(d["note"][1], "note") if "note" in d else None
            if unconfirmed and not note:
                raise self.err(vnode, f"value of {knode.value} is unconfirmed and needs a 'note' saying why")
            out.append(
                DatedValue(
                    since,
                    self.data(d["value"][1]),
                    self.reference(d["reference"][1]),
                    unconfirmed,
                    note,
                    knode.start_mark.line + 1,
                )
            )
        if not out:
            raise self.err(node, "values must not be empty")
        out.sort(key=lambda v: v.since)
        return tuple(out)

    def parameter(
        self, name: str, pairs: list[tuple[str, ScalarNode, Node]], inherited: dict[str, Any], node: Node
    ) -> Parameter:
        d = {k: v for k, _, v in pairs}
        unit = self.text(d["unit"], "unit") if "unit" in d else inherited.get("unit")
        last_checked = (
            self.date(d["last_checked"], "last_checked")
            if "last_checked" in d
            else inherited.get("last_checked")
        )
        if unit is None:
            raise self.err(node, f"{name}: 'unit' is required")
        if last_checked is None:
            raise self.err(node, f"{name}: 'last_checked' is required")
        if "values" not in d:
            raise self.err(node, f"{name}: 'values' is required")
        desc = self.text(d["description"], "description") if "description" in d else ""
        note = self.text(d["note"], "note") if "note" in d else None
        return Parameter(name, unit, last_checked, self.values(d["values"]), desc, note, self.file)


def _compose(path: Path) -> Node:
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ParameterError(str(path), mark.line + 1 if mark else None, f"YAML syntax error: {e}") from None
    if node is None:
        raise ParameterError(str(path), 1, "empty parameter file")
    return node


def load_file(path: Path, name: str) -> list[Parameter]:
    """Load one parameter file whose parameter (or family) is called ``name``."""
    r = _Reader(str(path))
    node = _compose(path)
    pairs = r.mapping(node, "file")
    r.check_keys(pairs, _FILE_KEYS, "file")
    d = {k: v for k, _, v in pairs}
    if "parameters" in d and "values" in d:
        raise r.err(node, "a file has either 'values' (one parameter) or 'parameters' (a family), not both")
    if "parameters" not in d:
        return [r.parameter(name, pairs, {}, node)]
    inherited = {
        "unit": r.text(d["unit"], "unit") if "unit" in d else None,
        "last_checked": r.date(d["last_checked"], "last_checked") if "last_checked" in d else None,
    }
    fam = d["parameters"]
    if isinstance(fam, ScalarNode) and fam.tag == "tag:yaml.org,2002:null":
        return []
    out = []
    for member, knode, mnode in r.mapping(fam, "parameters"):
        if not _NAME.match(member):
            raise r.err(knode, f"bad parameter name {member!r} (letters, digits, underscore)")
        mpairs = r.mapping(mnode, f"parameter {member}")
        r.check_keys(mpairs, _MEMBER_KEYS, f"parameter {member}")
        out.append(r.parameter(f"{name}.{member}", mpairs, inherited, mnode))
    return out


def load_dir(directory: Path | str, prefix: str = "") -> Parameters:
    """Load every ``*.yaml`` under ``directory``; names come from the relative paths."""
    directory = Path(directory)
    by_name: dict[str, Parameter] = {}
    for path in sorted(directory.rglob("*.yaml")):
        rel = path.relative_to(directory).with_suffix("")
        name = prefix + ".".join(rel.parts)
        for p in load_file(path, name):
            if p.name in by_name:
                raise ParameterError(
                    str(path), None, f"parameter {p.name} is also defined in {by_name[p.name].file}"
                )
            by_name[p.name] = p
    return Parameters(by_name)


def load_reform(path: Path | str) -> Parameters:
    """A reform file: ``parameters: {full.name: {values: {...}}}`` — dated values to add to the law's."""
    path = Path(path)
    r = _Reader(str(path))
    node = _compose(path)
    pairs = r.mapping(node, "reform file")
    r.check_keys(pairs, {"description", "unit", "last_checked", "parameters"}, "reform file")
    d = {k: v for k, _, v in pairs}
    if "parameters" not in d:
        raise r.err(node, "a reform file needs 'parameters'")
    inherited = {
        "unit": r.text(d["unit"], "unit") if "unit" in d else "-",
        "last_checked": r.date(d["last_checked"], "last_checked") if "last_checked" in d else date.today(),
    }
    out: dict[str, Parameter] = {}
    for pname, _knode, pnode in r.mapping(d["parameters"], "parameters"):
        mpairs = r.mapping(pnode, f"parameter {pname}")
        r.check_keys(mpairs, _MEMBER_KEYS, f"parameter {pname}")
        out[pname] = r.parameter(pname, mpairs, inherited, pnode)
    return Parameters(out)


@lru_cache(maxsize=1)
def default() -> Parameters:
    """The law as shipped in ``parameters/`` (loaded once)."""
    return load_dir(PARAMETERS_DIR)


def params_or_default(params: Parameters | None) -> Parameters:
    """The parameters given, or the law as shipped."""
    return params if params is not None else default()


def get(name: str, on: date, params: Parameters | None = None) -> Value:
    return (params or default()).get(name, on)


def references_json(values: Iterable[Value]) -> list[dict[str, Any]]:
    """Deduplicated ``references`` list for an output, in first-use order."""
    seen: set[tuple[str, date]] = set()
    out = []
    for v in values:
        key = (v.name, v.since)
        if key not in seen:
            seen.add(key)
            out.append(v.reference_json())
    return out


# values as JSON (the API's parameters and the rules page)


def _decimal(x: Fraction) -> str:
    """An exact decimal string when the fraction has one (3/2 -> "1.5"), else "n/d"."""
    d = x.denominator
    for prime in (2, 5):
        while d % prime == 0:
            d //= prime
    if d != 1:
        return f"{x.numerator}/{x.denominator}"
    text = format(Decimal(x.numerator) / Decimal(x.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_json(value: Any, unit: str) -> Any:
    """A parameter value as JSON, exactly: shares of a rate as percent strings ("4.5%"), other fractions as
    decimal strings, integers as integers."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Fraction):
        if "rate" in unit:
            return pct(value)
        if value.denominator == 1:
            return value.numerator
        return _decimal(value)
    if isinstance(value, dict):
        return {str(k): value_json(v, unit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [value_json(v, unit) for v in value]
    return str(value)
