"""The house keeps its shape (docs/ARCHITECTURE.md): packages that follow the flow of data,
imports that run one way with no circle, and rooms of a readable size.

These are wiring checks of the code's structure, not rule tests."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

ANALYTICS = ROOT / "analytics"
# The flow: a package may import only from packages before it in this list (and itself).
LAYERS = ["ingest", "access", "insights", "value", "output"]
TOP = {"analytics", "analytics.errors"}  # LensError: every layer may raise it
LIMITS = {"modules_per_folder": 12, "module_lines": 700, "page_lines": 250}


def modules() -> dict[str, Path]:
    found = {}
    for path in ANALYTICS.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(found: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's imports of other analytics modules, wherever they sit in the file."""
    graph = {}
    for name, path in found.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets.add(node.module)
                targets.update(f"{node.module}.{a.name}" for a in node.names)
        graph[name] = {t for t in targets if t in found and t != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_circles_are_found_by_this_check():
    """The check itself: a made-up circle of three is found, a line of three is not."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_import_circle_in_analytics():
    assert circles(imports(modules())) == []


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in LAYERS else None


def test_imports_follow_the_flow_of_data():
    """ingest <- access <- insights <- value <- output <- cli and ui: never backwards."""
    backwards = []
    for name, targets in imports(modules()).items():
        mine = layer(name)
        for target in targets:
            theirs = layer(target)
            if target in TOP or theirs is None:
                if mine is not None and target not in TOP and target != "analytics":
                    backwards.append(f"{name} -> {target} (the top: cli)")
                continue
            if mine is not None and LAYERS.index(theirs) > LAYERS.index(mine):
                backwards.append(f"{name} -> {target}")
    assert backwards == []


def test_every_package_opens_with_a_doorway():
    """Each package's __init__ says what comes in, what goes out, and where to start."""
    for init in ANALYTICS.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        if init.parent == ANALYTICS:
            continue
        assert "In:" in doc and "Out:" in doc and "Start with" in doc, init


def test_rooms_of_a_readable_size():
    too_big = []
    for folder in [ANALYTICS, *(p for p in ANALYTICS.rglob("*") if p.is_dir())]:
        own = [p for p in folder.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
        if len(own) > LIMITS["modules_per_folder"] and folder.name != "__pycache__":
            too_big.append(f"{folder}: {len(own)} modules")
    for path in [*ANALYTICS.rglob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]:
        lines = len(path.read_text().splitlines())
        if lines > LIMITS["module_lines"]:
            too_big.append(f"{path}: {lines} lines")
    for page in (ROOT / "app_pages").glob("*.py"):
        lines = len(page.read_text().splitlines())
        if lines > LIMITS["page_lines"]:
            too_big.append(f"{page}: {lines} lines")
    assert too_big == []
    assert not (ROOT / "pages").exists()  # Streamlit would run a deep link without app.py
