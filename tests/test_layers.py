"""The layering of the Python package, checked statically (docs/architecture.md, "Layers of the
Python package").

Every module of the shipped package is read with `ast` (nothing is imported), its imports of
`ferriscope` modules are resolved, and each import must stay within its layer or go down:
an upward import, a module no layer claims, or an import cycle of more than a few modules
fails here, with the offending file and line, before it becomes a tangle nobody can carry.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ferriscope

PACKAGE_DIR = Path(ferriscope.__file__).resolve().parent

# Layer of each module, by longest matching name prefix; lower layers never import higher
# ones. Keep in step with the table in docs/architecture.md.
LAYERS: dict[str, int] = {
    "ferriscope._core": 0,
    "ferriscope._lazy": 0,
    "ferriscope.sse": 1,
    "ferriscope.partial_json": 1,
    "ferriscope.llm._names": 2,
    "ferriscope.llm._error_kinds": 2,
    "ferriscope.llm.types": 2,
    "ferriscope.llm.exceptions": 2,
    "ferriscope.llm.context": 2,
    "ferriscope.llm.content": 2,
    "ferriscope.llm.messages": 2,
    "ferriscope.llm.tools": 3,
    "ferriscope.llm.formatting": 3,
    "ferriscope.llm.responses": 4,
    "ferriscope.llm.providers": 5,
    "ferriscope.llm.models": 6,
    "ferriscope.llm.calls": 7,
    "ferriscope.llm.prompts": 7,
    "ferriscope.llm.retries": 8,
    "ferriscope.llm": 9,
    "ferriscope.llm.mcp": 9,
    "ferriscope": 10,  # the root package alone: a façade loading its subpackages lazily
    "ferriscope.ops": 10,
    "ferriscope.testing": 10,
    "ferriscope.__main__": 10,
}

# Upward imports made on purpose, each with its reason. Anything else going up is an error.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    ("ferriscope.llm.responses.methods", "ferriscope.llm.models.model"): (
        "`response.model` is `use_model(model_id, **params)` (docs/spec.md §3.4): imported when "
        "the property is read, and named in its annotation"
    ),
}

# Imports deferred into a function to break a loop between two modules of one package, each
# with its reason. Such a loop is not counted as a run-time cycle.
ALLOWED_DEFERRED: dict[tuple[str, str], str] = {
    ("ferriscope.ops.configuration", "ferriscope.ops.instrumentation"): (
        "configure() re-reads the settings into live instrumentation, which reads its settings "
        "from configuration at import"
    ),
}

# The largest import cycle tolerated, counting imports made only for type checking. Small
# cycles between modules of one subpackage are acceptable; a large one means layers merged.
MAX_CYCLE = 5


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    line: int
    kind: str  # "module" (runs at import), "function" (runs when called), "typing"

    def where(self) -> str:
        path = self.importer.replace(".", "/")
        return f"{path}.py:{self.line}: {self.importer} -> {self.target} ({self.kind})"


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = ["ferriscope", *path.relative_to(PACKAGE_DIR).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()
KNOWN = set(MODULES) | {"ferriscope._core"}


def _resolve(name: str) -> str | None:
    """The module an import of `name` loads (its innermost known package for an attribute)."""
    while name and name not in KNOWN:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _lazy_module_target(node: ast.AST) -> str | None:
    """The module of a `lazy_module("name")` call (ferriscope._lazy), else None."""
    if not isinstance(node, ast.Call) or len(node.args) != 1:
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    argument = node.args[0]
    if name == "lazy_module" and isinstance(argument, ast.Constant):
        return str(argument.value)
    return None


def _imports_of(module: str, path: Path) -> Iterator[Import]:
    is_package = path.name == "__init__.py"

    def targets(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
            return
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        for alias in node.names:
            full = f"{source}.{alias.name}"
            yield full if full in KNOWN else source

    def visit(node: ast.AST, kind: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            child_kind = kind
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                yield from visit_block(child.body, "typing")
                yield from visit_block(child.orelse, kind)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                child_kind = "typing" if kind == "typing" else "function"
            stand_in = _lazy_module_target(child)
            if stand_in is not None and stand_in.startswith("ferriscope"):
                # a `lazy_module` stand-in imports its module on first use, like a function
                target = _resolve(stand_in)
                if target is not None and target != module:
                    yield Import(module, target, child.lineno, "function")
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for name in targets(child):
                    if not name.startswith("ferriscope"):
                        continue
                    target = _resolve(name)
                    if target is not None and target != module:
                        yield Import(module, target, child.lineno, child_kind)
            yield from visit(child, child_kind)

    def visit_block(body: list[ast.stmt], kind: str) -> Iterator[Import]:
        for statement in body:
            yield from visit(ast.Module(body=[statement], type_ignores=[]), kind)

    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    yield from visit(tree, "module")


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports_of(module, path)]


def layer_of(module: str) -> int | None:
    name = module
    while name:
        if name in LAYERS and (name != "ferriscope" or module == "ferriscope"):
            return LAYERS[name]
        name = name.rpartition(".")[0]
    return None


def _cycles(edges: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph: dict[str, set[str]] = {module: set() for module in KNOWN}
    for imp in edges:
        graph[imp.importer].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def test_the_scan_sees_the_package() -> None:
    """Guards the other tests against passing vacuously on an empty or misread package."""
    assert len(MODULES) > 100
    assert any(
        imp.importer == "ferriscope.llm.content" and imp.target == "ferriscope._core"
        for imp in IMPORTS
    )
    assert any(imp.kind == "typing" for imp in IMPORTS)
    assert any(imp.kind == "function" for imp in IMPORTS)


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(module for module in KNOWN if layer_of(module) is None)
    assert not unplaced, f"add these modules to LAYERS (and docs/architecture.md): {unplaced}"


def test_no_import_goes_up_a_layer() -> None:
    upward = [
        imp.where()
        for imp in IMPORTS
        if (layer_of(imp.target) or 0) > (layer_of(imp.importer) or 0)
        and (imp.importer, imp.target) not in ALLOWED_UPWARD
    ]
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_allowed_upward_imports_still_exist() -> None:
    """An allowance nobody needs any more is removed, so the list stays short and true."""
    present = {(imp.importer, imp.target) for imp in IMPORTS}
    assert set(ALLOWED_UPWARD) <= present
    deferred = {(imp.importer, imp.target) for imp in IMPORTS if imp.kind == "function"}
    assert set(ALLOWED_DEFERRED) <= deferred


def test_no_cycle_at_run_time() -> None:
    """Only an allowed upward import, deferred into a function, may close a loop."""
    allowed = set(ALLOWED_UPWARD) | set(ALLOWED_DEFERRED)
    runtime = [
        imp for imp in IMPORTS if imp.kind != "typing" and (imp.importer, imp.target) not in allowed
    ]
    assert _cycles(runtime) == []


def test_no_large_cycle_counting_type_imports() -> None:
    large = [cycle for cycle in _cycles(IMPORTS) if len(cycle) > MAX_CYCLE]
    assert not large, f"import cycles of more than {MAX_CYCLE} modules: {large}"


def test_the_checks_catch_what_they_are_for() -> None:
    """The cycle finder and the layer map on a made-up graph: an upward edge and a cycle."""
    a, b, c = "ferriscope.llm.exceptions", "ferriscope.llm.retries", "ferriscope.llm.models"
    edges = [Import(a, b, 1, "typing"), Import(b, c, 1, "module"), Import(c, a, 1, "module")]
    assert _cycles(edges) == [sorted([a, b, c])]
    assert (layer_of(a) or 0) < (layer_of(b) or 0)
    assert layer_of("ferriscope.llm.providers.openai.encoding") == 5
    assert layer_of("ferriscope.llm") == 9
    assert layer_of("ferriscope.unplaced") is None  # the root's layer is not inherited
