"""The rules package is pure Python: no module of it imports Django."""

import ast
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "src" / "ansinh" / "rules"


def test_no_rules_module_imports_django() -> None:
    for f in RULES.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "django" for n in names), f"{f.name} imports django"
