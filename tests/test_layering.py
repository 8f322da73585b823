"""Knowledge flows forward only: source -> front end -> IR -> passes -> lowering -> targets.

Read from the source (ast), so a lazy import inside a function counts as much as one at the
top, except for import cycles, which only module-level imports can make.
"""

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules():
    """{dotted module name: path} of every module in irc/ and passes/."""
    modules = {}
    for package in ("irc", "passes"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = _modules()


def _statements(tree, module_level_only):
    """The import statements; with module_level_only, not those in function bodies (which
    run when called, not when the module is imported)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif not (module_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))):
            stack.extend(ast.iter_child_nodes(node))


def _targets(module, node):
    """The modules of irc/ and passes/ an import statement loads (`from pkg import name`:
    pkg.name when that is a module, else pkg)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    base = node.module or ""
    if node.level:
        package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}".rstrip(".")
    found = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    if len(found) < len(node.names) and base in MODULES:
        found.append(base)
    return found


def imports(module, module_level_only=False):
    tree = ast.parse(MODULES[module].read_text(), str(MODULES[module]))
    return {target for node in _statements(tree, module_level_only) for target in _targets(module, node)}


def _within(module, prefixes):
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


# (importers, what they must not import)
FORBIDDEN = [
    (("irc.frontend",), ("irc.lower", "irc.targets", "passes", "irc.check", "irc.bundle")),
    (("irc.ir",), ("irc.frontend", "irc.lower", "irc.targets", "passes")),
    (("irc.lower",), ("irc.targets", "irc.frontend")),
    (("passes",), ("irc.lower", "irc.targets", "irc.frontend")),
]


@pytest.mark.parametrize("importers, forbidden", FORBIDDEN, ids=lambda v: "+".join(v))
def test_layer_does_not_import_later_layers(importers, forbidden):
    wrong = sorted(f"{module} imports {target}" for module in MODULES if _within(module, importers)
                   for target in imports(module) if _within(target, forbidden))
    assert wrong == []


def test_keras_semantics_knows_only_the_ir():
    allowed = ("irc.keras_semantics", "irc.ir", "irc.errors")
    wrong = sorted(f"{module} imports {target}" for module in MODULES if _within(module, ("irc.keras_semantics",))
                   for target in imports(module) if not _within(target, allowed))
    assert wrong == []


def test_no_import_cycles():
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    graph.add_edges_from((module, target) for module in MODULES for target in imports(module, module_level_only=True)
                         if target != module)
    assert sorted(sorted(cycle) for cycle in nx.simple_cycles(graph)) == []


def test_relative_and_submodule_imports_resolve():
    assert "irc.lower.rules" in imports("irc.lower.lower")               # from irc.lower import rules
    assert "irc.lower.registry" in imports("irc.lower.lower")            # from irc.lower.registry import RULES
