"""The house is one-way (docs/architecture.md, "Floors"; ADR 0020): a module imports only from its own floor or
from the floors below it, and no imports go round in a circle, between modules or between apps.

The imports are read from the source with ``ast`` (no import is run), including those made inside functions:
a function-level import is an arrow like any other, only deferred. Django's lazy references by string
(``ForeignKey("areas.Area")``, ``include("ansinh.web.urls")``) are not imports and are not seen here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ansinh"

# The floors, lowest first. An app imports from its own floor and the floors below, never from above.
FLOORS: tuple[tuple[str, ...], ...] = (
    ("rules",),  # pure Python, never imports Django
    ("core", "documents"),  # users, access, audit, errors, money, dates; the document library
    ("areas",),
    ("registry",),
    ("campaigns",),  # campaigns, activities, goals and the outcomes the desk records; its figures are reports'
    ("cards",),  # a card prints a coverage span it is handed; the desk calls down to issue it
    ("enrollment", "payments"),  # the desk
    ("reports", "outreach"),
    ("imports", "field", "demo", "records"),  # they call services and selectors only; records reads them all
    ("web", "api", "cli", "admin", "config"),  # the doors
)
FLOOR = {app: i for i, apps in enumerate(FLOORS) for app in apps}

# A door kept inside an app belongs to its door, and an app's demo generator to the demo floor:
# <app>/api.py is the app's JSON router (api/main.py mounts it), <app>/commands.py and rules/cli.py its commands
# (cli.py adds them), <app>/admin.py its Django admin, <app>/demo.py its part of the demo province.
ROLES = {"api": "api", "commands": "cli", "cli": "cli", "admin": "admin", "demo": "demo"}

# Arrows that break the layering today and are not fixed yet. This list may only shrink: each entry must still
# exist (test_the_allow_list_is_true), so a fixed arrow has to leave it. (source module, imported module).
ALLOWED: dict[tuple[str, str], str] = {
    # empty since issue 16's second session: campaigns and cards below the desk, the coverage periods in the
    # registry (each entry was an arrow running up, with its reason; a new one needs an ADR)
}


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_arrows(root: Path = SRC) -> dict[tuple[str, str], list[int]]:
    """{(importer, imported): [line, ...]} between the modules of the package at ``root``, every import
    statement counted wherever it stands (module level, in a function, under ``if TYPE_CHECKING``)."""
    modules = _modules(root)
    package_name = root.name

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    arrows: dict[tuple[str, str], list[int]] = defaultdict(list)
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    origin = ".".join(base + ([node.module] if node.module else []))
                else:
                    origin = node.module or ""
                # ``from x import y``: y is a module of x (``from . import pdf``) or a name defined in x
                names = [
                    f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in modules else origin
                    for alias in node.names
                ]
            else:
                continue
            targets = {resolve(n) for n in names if n == package_name or n.startswith(package_name + ".")}
            for target in targets - {None, module}:
                assert target is not None
                lines = arrows[(_short(module), _short(target))]
                if node.lineno not in lines:
                    lines.append(node.lineno)
    return dict(arrows)


def _short(module: str) -> str:
    return module.partition(".")[2] or "ansinh"


def unit(module: str) -> str:
    """The app (or door) a module belongs to: ``registry.services`` -> registry, ``registry.api`` -> api,
    ``campaigns.demo`` -> demo, ``cli`` -> cli."""
    parts = module.split(".")
    if parts[0] in ("ansinh", "cli"):
        return "cli"
    if len(parts) == 2 and parts[1] in ROLES and FLOOR.get(parts[0], 0) < FLOOR["web"]:
        return ROLES[parts[1]]
    return parts[0]


def floor(module: str) -> int:
    return FLOOR[unit(module)]


def cycles(arrows) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in arrows:
        graph[a].add(b)
        graph[b]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def upward(arrows) -> list[tuple[str, str]]:
    return sorted((a, b) for a, b in arrows if floor(b) > floor(a))


def app_arrows(arrows) -> set[tuple[str, str]]:
    return {(unit(a), unit(b)) for a, b in arrows if unit(a) != unit(b)}


def report(arrows: dict) -> dict:
    """The counts written in docs/architecture.md: arrows between modules, between apps, upward, and cycles."""
    return {
        "module arrows": len(arrows),
        "module arrows between apps": sum(1 for a, b in arrows if unit(a) != unit(b)),
        "app arrows": len(app_arrows(arrows)),
        "upward arrows": len(upward(arrows)),
        "module cycles": len(cycles(arrows)),
        "app cycles": len(cycles(app_arrows(arrows))),
    }


ARROWS = import_arrows()
CHECKED = {arrow: lines for arrow, lines in ARROWS.items() if arrow not in ALLOWED}


def _where(arrow: tuple[str, str]) -> str:
    return f"{arrow[0]} -> {arrow[1]} (line {', '.join(map(str, ARROWS[arrow]))})"


def test_every_app_stands_on_a_floor() -> None:
    unplaced = sorted({unit(m) for arrow in ARROWS for m in arrow} - set(FLOOR))
    unplaced += sorted(
        {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - set(FLOOR)
    )
    assert not unplaced, f"put these on a floor in FLOORS and docs/architecture.md: {unplaced}"


def test_no_import_runs_up_a_floor() -> None:
    up = upward(CHECKED)
    assert not up, "imports that run up a floor:\n" + "\n".join(_where(a) for a in up)


def test_no_cycle_between_modules() -> None:
    assert cycles(CHECKED) == []


def test_no_cycle_between_apps() -> None:
    found = cycles(app_arrows(CHECKED))
    detail = [_where(a) for a in sorted(CHECKED) for c in found if unit(a[0]) in c and unit(a[1]) in c]
    assert not found, f"apps that import each other: {found}\n" + "\n".join(detail)


def test_pages_live_in_web() -> None:
    """One rule for pages (ADR 0020): every page view, its route and its template are in web/."""
    elsewhere = sorted(
        str(p.relative_to(SRC))
        for p in [
            *SRC.glob("*/views.py"),
            *SRC.glob("*/*_views.py"),
            *SRC.glob("*/urls.py"),
            *SRC.glob("*/templates"),
        ]
        if p.parent.name not in ("web", "config")
    )
    assert not elsewhere, f"pages belong in web/: {elsewhere}"


def test_rules_never_import_django() -> None:
    """The lowest floor is pure Python: the rules run without Django (house rule; rules/README.md)."""
    found = []
    for path in sorted((SRC / "rules").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            found += [f"{path.relative_to(SRC)}:{node.lineno}" for n in names if n.split(".")[0] == "django"]
    assert not found, f"rules/ imports Django: {found}"


def test_the_allow_list_is_true() -> None:
    gone = sorted(set(ALLOWED) - set(ARROWS))
    assert not gone, f"these arrows are gone: take them off ALLOWED in tests/test_layering.py: {gone}"


def test_the_walk_sees_imports_in_functions_and_relative_imports(tmp_path: Path) -> None:
    """The walk itself: an upward import hidden in a function and a cycle through relative imports are found."""
    pkg = tmp_path / "ansinh"
    for app in ("core", "registry"):
        (pkg / app).mkdir(parents=True)
        (pkg / app / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "access.py").write_text("def f():\n    from ansinh.registry.models import Person\n")
    (pkg / "registry" / "models.py").write_text("from ansinh.core import access\n")
    (pkg / "registry" / "selectors.py").write_text("from . import services\n")
    (pkg / "registry" / "services.py").write_text("from .selectors import x\nfrom . import models\n")
    arrows = import_arrows(pkg)
    assert arrows[("core.access", "registry.models")] == [2]
    assert upward(arrows) == [("core.access", "registry.models")]
    assert cycles(arrows) == [["core.access", "registry.models"], ["registry.selectors", "registry.services"]]
    assert cycles(app_arrows(arrows)) == [["core", "registry"]]


@pytest.mark.parametrize("module", ["registry.api", "cards.commands", "rules.cli", "campaigns.demo", "cli"])
def test_doors_kept_in_apps_belong_to_their_door(module: str) -> None:
    assert floor(module) >= FLOOR["demo"]
