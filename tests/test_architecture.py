"""The package keeps its layers (docs/architecture.md): a lower layer never imports a higher
one, not even inside a function; module-level imports form no cycle; no module is over 600
lines."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "influence"

#: The layers, lowest first (docs/architecture.md).
ORDER = ["base", "model", "solve", "bayes", "analysis", "io", "facade"]
BASE = {"errors", "messages", "limits", "atomic", "version", "frames", "paths", "progress",
        "parallel"}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "facade"
    if parts[1] in BASE:
        return "base"
    if parts[1] in ("model", "solve", "bayes", "analysis", "io"):
        return parts[1]
    return "facade"  # api, files, testing, the package itself


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, top_level_only: bool) -> list[tuple[str, int]]:
    """The influence modules ``path`` imports (with line numbers)."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if top_level_only:
        nodes = []
        for top in tree.body:
            if isinstance(top, ast.If) and "TYPE_CHECKING" in ast.unparse(top.test):
                continue
            if not isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                nodes.extend(ast.walk(top))
    else:
        nodes = list(ast.walk(tree))
    out = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "influence" or target.startswith("influence."):
                names = ([target] if node.module else
                         [f"{target}.{a.name}" for a in node.names])
                out += [(n, node.lineno) for n in names]
        elif isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.startswith("influence")]
    return out


FILES = sorted(p for p in ROOT.rglob("*.py"))


def test_no_layer_imports_a_higher_one() -> None:
    bad = []
    for path in FILES:
        here = layer(module_name(path))
        for target, line in imports(path, top_level_only=False):
            if target.startswith(("influence.cli", "influence.models")):
                continue
            if ORDER.index(layer(target)) > ORDER.index(here):
                bad.append(f"{path.relative_to(ROOT.parent)}:{line}: {here} imports "
                           f"{layer(target)} ({target})")
    assert not bad, "\n".join(bad)


def _resolve(target: str, modules: set[str]) -> str | None:
    while target and target not in modules:
        target = target.rsplit(".", 1)[0] if "." in target else ""
    return target or None


def test_module_level_imports_form_no_cycle() -> None:
    modules = {module_name(p) for p in FILES}
    graph: dict[str, set[str]] = defaultdict(set)
    for path in FILES:
        here = module_name(path)
        for target, _ in imports(path, top_level_only=True):
            found = _resolve(target, modules)
            if found and found != here and not here.startswith(found + "."):
                graph[here].add(found)
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in seen:
                visit(nxt, path + [nxt])
        seen[node] = 2

    for start in sorted(graph):
        if start not in seen:
            visit(start, [start])


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The layer check is not vacuous: a model module importing the solver is caught."""
    fake = tmp_path / "influence" / "model" / "bad.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..solve.plan import Plan\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path / "influence"
    try:
        (target, _), = imports(fake, top_level_only=False)
        assert layer(module_name(fake)) == "model" and layer(target) == "solve"
    finally:
        ROOT = saved


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_modules_stay_small(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= 600, f"{path.relative_to(ROOT.parent)} has {lines} lines"


def test_the_map_names_every_module() -> None:
    """docs/architecture.md names every module of the package (as `name`)."""
    text = (ROOT.parent / "docs" / "architecture.md").read_text()
    missing = sorted(str(p.relative_to(ROOT.parent)) for p in ROOT.rglob("*.py")
                     if p.stem != "__init__" and f"`{p.stem}`" not in text)
    assert not missing, f"modules missing from docs/architecture.md: {missing}"
