"""The import rules of docs/DESIGN.md, read from the source (``ast``; imports inside functions count too):

1. No cycle between top-level packages of ``lianxin`` (a package is ``lianxin/<name>/`` or ``lianxin/<name>.py``).
   The core calls into a module through the hooks the module registers (``lianxin.modules.HOOKS``); a module
   imports the core, never the other way round.
2. The core (``appeals``, ``sla``, ``visits``, ``orgs`` and the top-level helpers) imports no module package.

``EDGE_IMPORTS`` lists the imports of the web and API edges into modules that still close a cycle today (the
staff pages embed module partials; the public ``/stats`` page reads the rollups). It may only shrink: an entry
that is no longer true fails the test, so removing one of those imports means removing its line here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from lianxin.modules import MODULES

ROOT = Path(__file__).resolve().parents[1] / "lianxin"
MODULE_PACKAGES = {name.split(".")[1] for name in MODULES}
CORE = {"appeals", "sla", "visits", "orgs", "clock", "config", "db", "errors", "notify", "logs", "ratelimit"}

# (importer, imported): the web/API edges' imports that still close a cycle with a module's pages or API.
EDGE_IMPORTS = {
    ("web", "api"),  # web mounts the API sub-application; the API's deps share web's session and sign-in
    ("web", "assessment"),  # the appeal page's exclusion partial
    ("web", "dispatch"),  # the appeal page's catalogue suggestions and repeats, intake's repeats box
    ("web", "knowledge"),  # intake's knowledge-base box
    ("web", "routing"),  # intake's category suggestions
    ("web", "stats"),  # the public /stats page and the staff overview read the rollups
    ("web", "open311"),  # the request guard knows the Open311 mount's error format
}


def package_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def import_graph() -> dict[str, dict[str, list[str]]]:
    """{importer: {imported: ["file:line", ...]}} between top-level packages (migrations left out)."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        source = package_of(path)
        if source == "migrations":
            continue
        graph.setdefault(source, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
                if node.module == "lianxin":  # from lianxin import ratelimit
                    names = [f"lianxin.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "lianxin" and len(parts) > 1 and parts[1] != source:
                    where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                    graph[source].setdefault(parts[1], []).append(where)
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def without(graph, edges):
    return {source: {t: w for t, w in targets.items() if (source, t) not in edges} for source, targets in graph.items()}


def test_no_cycle_between_top_level_packages():
    graph = import_graph()
    found = cycles(without(graph, EDGE_IMPORTS))
    detail = [
        "; ".join(f"{a} → {b} ({graph[a][b][0]})" for a in component for b in component if b in graph.get(a, {}))
        for component in found
    ]
    assert not found, "import cycles between packages:\n" + "\n".join(detail)


def test_the_listed_edge_imports_are_still_there():
    """Once an edge stops importing a module, its line in EDGE_IMPORTS goes too (the list only shrinks)."""
    graph = import_graph()
    stale = sorted((a, b) for a, b in EDGE_IMPORTS if b not in graph.get(a, {}))
    assert not stale, f"remove from EDGE_IMPORTS: {stale}"


def test_the_core_imports_no_module_package():
    graph = import_graph()
    offending = {
        f"{core} → {module}": places
        for core in CORE
        for module, places in graph.get(core, {}).items()
        if module in MODULE_PACKAGES
    }
    assert not offending, f"the core imports modules (register a hook instead): {offending}"


def test_appeals_imports_no_dispatch_geo_or_routing():
    imported = set(import_graph()["appeals"])
    assert not imported & {"dispatch", "geo", "routing"}
    assert not imported & MODULE_PACKAGES


def test_the_checker_finds_a_cycle_and_names_it():
    assert cycles({"a": {"b": ["x"]}, "b": {"c": ["y"]}, "c": {"a": ["z"]}, "d": {"a": ["w"]}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": ["x"]}, "b": {}}) == []
