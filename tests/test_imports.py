"""The package's import graph, read from the source (ast): no cycles, and Streamlit only in the glue (nnviz/app)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "nnviz"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def type_checking_only(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` blocks: imports for type hints, never run."""
    return isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING"


def imported(tree: ast.AST, module: str) -> set[str]:
    """Every module `module` imports (at top level or inside a function), but not for type hints alone."""
    found: set[str] = set()
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if type_checking_only(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from nnviz import data`: a module
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    """Module → the nnviz modules it imports (a submodule's import also runs its packages' __init__)."""
    edges = {}
    for module, path in MODULES.items():
        names = imported(ast.parse(path.read_text(encoding="utf-8")), module)
        targets = set()
        for name in names:
            parts = name.split(".")
            targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        edges[module] = {t for t in targets if t in MODULES and t != module and not module.startswith(t + ".")}
    return edges


def test_the_graph_sees_the_imports_it_should():
    """The reader is not blind: known edges are there, and a type-hint-only import is not one."""
    edges = graph()
    assert "nnviz.network" in edges["nnviz.teach"]
    assert "nnviz.app.session" in edges["nnviz.app.model_choice"]
    assert "nnviz.training.trainer" not in edges["nnviz.app.session"]  # under TYPE_CHECKING only


def test_no_module_in_nnviz_is_part_of_an_import_cycle():
    try:
        tuple(graphlib.TopologicalSorter(graph()).static_order())
        cycle = None
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
    assert cycle is None, f"import cycle: {' → '.join(cycle)}"


def test_a_cycle_is_found_when_there_is_one():
    edges = graph() | {"nnviz.network": {"nnviz.teach"}}
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
        found = False
    except graphlib.CycleError:
        found = True
    assert found


def test_only_the_glue_package_imports_streamlit():
    outside = sorted(module for module, path in MODULES.items()
                     if not module.startswith("nnviz.app")
                     and any(name.split(".")[0] == "streamlit"
                             for name in imported(ast.parse(path.read_text(encoding="utf-8")), module)))
    assert outside == []
