"""The package's import graph, function-local imports included: no cycle, and data flows one way.

Layers, bottom to top (a module may import only from its own package or from lower layers)::

    interface, _validation
    data -> models -> training -> capture -> storage -> estimators
         -> analysis, bottleneck, ntk -> plots -> report -> run -> experiments, integrations -> cli
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "infoplane"

LAYERS: dict[str, float] = {
    "interface": 0,
    "_validation": 0.5,
    "_progress": 0.5,
    "data": 1,
    "models": 2,
    "training": 3,
    "capture": 4,
    "storage": 5,
    "estimators": 6,
    "analysis": 7,
    "bottleneck": 7,
    "ntk": 7,
    "benchmark": 7,
    "plots": 8,
    "report": 8.5,
    "run": 9,
    "experiments": 10,
    "integrations": 10,
    "cli": 11,
    "__main__": 12,
    "__init__": 12,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in ROOT.rglob("*.py")}


def _graph() -> dict[str, set[str]]:
    """Edges module -> imported module, counting every import statement anywhere in the file."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    keep = parts[: len(parts) - node.level + 1]
                    base = ".".join(keep + ([base] if base else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in mods else base)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in mods and t != mod:
                    graph[mod].add(t)
    return graph


def _top(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_every_top_level_module_has_a_layer() -> None:
    tops = {_top(m) for m in _modules()}
    assert tops - set(LAYERS) == set(), "add the new package to LAYERS (and ARCHITECTURE.md)"


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_imports_flow_one_way() -> None:
    bad = []
    for mod, targets in _graph().items():
        for t in targets:
            src, dst = _top(mod), _top(t)
            if src != dst and LAYERS[dst] >= LAYERS[src] and dst != "__init__":
                bad.append(f"{mod} imports {t}")
    assert bad == []


def test_cycle_detector_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", ["run", "estimators", "capture", "storage"])
def test_package_exists(package: str) -> None:
    assert (ROOT / package / "__init__.py").is_file()
