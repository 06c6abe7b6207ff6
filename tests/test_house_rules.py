"""The house rules that a reading of the source can check (docs/architecture.md, "Rules in force"; issue 16):

- every write runs in one transaction: a public function of a domain app that records an audit event is
  ``transaction.atomic`` (or opens one), so the event commits with the change it describes, or neither does;
- every audit event's action and every error code is a name its app declared (``<app>.models.Audit``,
  ``core.errors.Code`` subclasses) — mypy checks the types; this test checks no string slipped in by a cast.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ansinh"
DOORS = {"web", "api", "config", "demo"}
DOOR_MODULES = {"api.py", "admin.py", "commands.py", "cli.py", "demo.py"}


def _domain_modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if (
            "migrations" in rel.parts
            or rel.parts[0] in DOORS
            or rel.name in DOOR_MODULES
            or len(rel.parts) == 1
        ):
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _called(node: ast.AST) -> set[str]:
    return {
        getattr(n.func, "id", getattr(n.func, "attr", "")) for n in ast.walk(node) if isinstance(n, ast.Call)
    }


def _atomic(fn: ast.FunctionDef) -> bool:
    if any("atomic" in ast.unparse(d) for d in fn.decorator_list):
        return True
    return any(
        isinstance(n, ast.With) and any("atomic" in ast.unparse(i.context_expr) for i in n.items)
        for n in ast.walk(fn)
    )


def test_every_write_that_leaves_an_audit_event_runs_in_a_transaction() -> None:
    loose = [
        f"{rel}:{fn.lineno} {fn.name}"
        for rel, tree in _domain_modules()
        for fn in tree.body
        if isinstance(fn, ast.FunctionDef)
        and not fn.name.startswith("_")
        and "audit_record" in _called(fn)
        and not _atomic(fn)
    ]
    assert not loose, "writes outside a transaction (decorate with @transaction.atomic):\n" + "\n".join(loose)


def test_audit_actions_and_error_codes_are_declared_names_not_strings() -> None:
    strings = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "audit_record":
                values = [k.value for k in node.keywords if k.arg == "action"]
            elif name == "ApplicationError":
                values = node.args[:1] + [k.value for k in node.keywords if k.arg == "code"]
            else:
                continue
            for value in values:
                if isinstance(value, ast.Constant | ast.JoinedStr):
                    strings.append(f"{path.relative_to(SRC)}:{node.lineno} {name}({ast.unparse(value)})")
    assert not strings, "declare these in the app's Audit / Error enum:\n" + "\n".join(strings)
