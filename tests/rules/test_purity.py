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


def test_legal_parameters_are_read_by_name_only_inside_rules():
    """Issue 16: outside the rules package a legal figure is read through a function of the rules (one place
    that knows the parameter's name), never as params.get("hi.…")."""
    import re
    from pathlib import Path

    import ansinh

    root = Path(ansinh.__file__).parent
    pattern = re.compile(r"""\b(p|params|default\(\))\.(get|parameter|has|family)\(\s*f?["']""")
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if "rules" not in path.relative_to(root).parts[:1]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, f"legal parameters read by name outside rules/: {found}"
