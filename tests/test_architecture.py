"""The layout of DESIGN.md §7, kept: read from the package's own source, as a newcomer would.

A folder per stage (source, compute, render, engine), the parts at the side
(history, feeds, commands) importing the stages and never imported by them, no
import circle, small modules, no module reaching into another's private names,
and one home each for the status vocabulary and for date and number parsing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "site_builder"
MAX_LINES = 450
STAGES = ("source", "compute", "render", "engine")
SIDE = ("history", "feeds", "commands", "report", "editing")
STATUS_WORDS = {"achieved", "on_track", "at_risk", "off_track", "missed", "no_data"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if "scaffold" in rel.parts:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import, lazy ones included."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                # `from site_builder.render import charts` imports a module, not a name
                if f"{base}.{alias.name}" in MODULES:
                    found.append((f"{base}.{alias.name}", [], node.lineno))
                else:
                    found.append((base, [alias.name], node.lineno))
    return [(module, names, line) for module, names, line in found if module.split(".")[0] == "site_builder"]


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES + SIDE) else "shared"


def test_every_module_is_small():
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: split them by what they hold"


def test_there_is_no_import_circle():
    graph = {name: {m for m, _, _ in _imports(name, path) if m in MODULES and m != name}
             for name, path in MODULES.items()}
    # A package's __init__ is imported before any of its modules: count it as an edge too.
    for name in list(graph):
        parent = name.rpartition(".")[0]
        if parent in graph:
            graph[name].add(parent)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_stages_never_import_the_parts_at_the_side():
    wrong = []
    for name, path in MODULES.items():
        if _part(name) not in STAGES:
            continue
        for module, _, line in _imports(name, path):
            if _part(module) in SIDE:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    assert wrong == []


def test_no_module_takes_another_modules_private_names():
    wrong = []
    for name, path in MODULES.items():
        for module, names, line in _imports(name, path):
            for taken in names:
                if taken.startswith("_") and not taken.startswith("__") and module != name:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} takes {module}.{taken}")
    assert wrong == []


def _string_collections(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        else:
            continue
        yield node, {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}


def test_the_status_vocabulary_is_written_once():
    """Only compute/status.py lists the statuses (the catalogs translate them, by key)."""
    home = {"site_builder.compute.status", "site_builder.render.messages"}
    wrong = []
    for name, path in MODULES.items():
        if name in home:
            continue
        for node, words in _string_collections(ast.parse(path.read_text("utf-8"))):
            if len(words & STATUS_WORDS) >= 3:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert wrong == [], "take the statuses from site_builder.compute.status"


@pytest.mark.parametrize("pattern", [r"\d{4}-\d{2}-\d{2}", r"[eE][-+]?\d+"])
def test_dates_and_numbers_are_parsed_in_one_place(pattern):
    """The date and number grammar is written only in source/values.py."""
    wrong = [str(path.relative_to(PACKAGE.parent)) for name, path in MODULES.items()
             if name != "site_builder.source.values" and pattern in path.read_text("utf-8")]
    assert wrong == []


def test_the_checks_find_what_they_look_for(tmp_path):
    """The walks above see lazy imports, `from package import module`, and literal collections."""
    tree = ast.parse("def f():\n    from site_builder.feeds import run\n    x = ('on_track', 'at_risk', 'missed')\n")
    path = tmp_path / "probe.py"
    path.write_text(ast.unparse(tree))
    assert [m for m, _, _ in _imports("site_builder.render.probe", path)] == (
        ["site_builder.feeds.run"] if "site_builder.feeds.run" in MODULES else ["site_builder.feeds"])
    assert any(len(words & STATUS_WORDS) == 3 for _, words in _string_collections(tree))
    assert "site_builder.source.values" in MODULES and "site_builder.compute.status" in MODULES
