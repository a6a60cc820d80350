"""The house rules of the package: no import circles (type-only imports aside), the media
layer knows no kind, kinds know no CLI or report, and no module grows past ~450 lines."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "manifest_lint"
MAX_LINES = 470


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.add(child.module)
                found.update(f"{child.module}.{a.name}" for a in child.names)
            visit(child)

    visit(tree)
    return {m for m in found if m.startswith("manifest_lint")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _runtime_imports(path) if m in modules and m != name}
            for name, path in modules.items()}


def _parent_packages(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of imports (a package's own ``__init__`` importing below it does not count)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in _parent_packages(node):
                continue  # importing x.y.z runs x/__init__ first; that is not a circle
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := dfs(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := dfs(start)):
            return found
    return None


def test_no_import_circles() -> None:
    cycle = find_cycle(_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_rooms_stand_above_what_they_use() -> None:
    graph = _graph()
    for name, imports in graph.items():
        if name.startswith("manifest_lint.media"):
            bad = {m for m in imports if m.startswith(("manifest_lint.kinds",
                                                        "manifest_lint.engine",
                                                        "manifest_lint.cli"))}
            assert not bad, f"the media layer knows no kind: {name} imports {bad}"
        if name.startswith("manifest_lint.kinds"):
            bad = {m for m in imports if m.startswith(("manifest_lint.cli",
                                                        "manifest_lint.commands",
                                                        "manifest_lint.reporters",
                                                        "manifest_lint.runner"))}
            assert not bad, f"a kind knows no CLI or report: {name} imports {bad}"
        if name.startswith("manifest_lint.kinds.csv"):
            bad = {m for m in imports if m.startswith(("manifest_lint.kinds.lfv",
                                                        "manifest_lint.kinds.cvat"))}
            assert not bad, f"the CSV kind stands below the others: {name} imports {bad}"


def test_no_module_is_too_big_to_read() -> None:
    big = {p.relative_to(PACKAGE.parent).as_posix(): n for p in PACKAGE.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines (split them): {big}"
