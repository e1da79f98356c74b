"""The core never imports a backend: everything under snn2hw/ except the backends themselves
reaches them through snn2hw.registry (imports for type checking only are allowed)."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "snn2hw"


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Modules imported outside ``if TYPE_CHECKING:`` blocks."""
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.extend([node.module] + [f"{node.module}.{a.name}" for a in node.names])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def test_the_core_imports_no_backend():
    offenders = {}
    for path in CORE.rglob("*.py"):
        if path.relative_to(CORE).parts[0] == "backends":
            continue
        bad = [n for n in _runtime_imports(ast.parse(path.read_text()))
               if n == "snn2hw.backends" or n.startswith("snn2hw.backends.")]
        if bad:
            offenders[str(path.relative_to(CORE))] = bad
    assert offenders == {}


def test_the_check_sees_a_backend_import():
    tree = ast.parse("def f():\n    from snn2hw.backends.reference import simulate\n")
    assert _runtime_imports(tree) == ["snn2hw.backends.reference",
                                      "snn2hw.backends.reference.simulate"]
