"""Dependencies between the parts of `grader` point one way: no import cycle between its sub-packages and
top-level modules (function-local imports included: hiding an import inside a function does not remove
the dependency), and the Kubernetes client layer imports nothing of the kit but its errors and bounded readers."""
from __future__ import annotations

import ast
from pathlib import Path

import grader

ROOT = Path(grader.__file__).parent


def _unit(module: str) -> str:
    """`grader.checks.match` → `checks`; `grader.api` → `api`; `grader` → `grader`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of import nodes under `if TYPE_CHECKING:` (no runtime dependency)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return skipped


def import_graph() -> dict[str, dict[str, str]]:
    """unit → {imported unit: where (first occurrence)}."""
    graph: dict[str, dict[str, str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        source = _unit(".".join(parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [f"grader.{a.name}" for a in node.names] if node.module == "grader" else [node.module]
            else:
                continue
            for target in targets:
                if target.startswith("grader.") and _unit(target) != source and source != "grader":
                    graph.setdefault(source, {}).setdefault(_unit(target), f"{path.relative_to(ROOT.parent)}:"
                                                                           f"{node.lineno}")
    return graph


def cycles(graph: dict[str, dict[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_a_cycle():
    assert cycles({"a": {"b": "x"}, "b": {"c": "y"}, "c": {"a": "z"}, "d": {"a": "w"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": "x"}, "b": {}}) == []


def test_no_import_cycle_between_grader_parts():
    graph = import_graph()
    assert "checks" in graph and "cluster" in graph  # the graph is really read
    problems = [" ↔ ".join(component) + " : " + "; ".join(
        f"{a} → {b} ({graph[a][b]})" for a in component for b in graph.get(a, {}) if b in component)
        for component in cycles(graph)]
    assert problems == []


def test_the_kubernetes_client_layer_depends_only_on_leaf_modules():
    """errors, and the bounded readers every layer shares (files, yamlload), which import only errors."""
    graph = import_graph()
    assert set(graph.get("kube", {})) <= {"errors", "files", "yamlload"}
    for leaf in ("files", "yamlload"):
        assert set(graph.get(leaf, {})) <= {"errors"}, leaf
