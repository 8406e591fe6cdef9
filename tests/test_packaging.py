"""What the package metadata promises: one version, every third-party module the package
imports declared as a dependency (an undeclared one works here only because something else
happened to install it), and nothing in the wheel that users do not run (the benchmark
harness stays in `benches/`)."""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import ferriscope
from tests.support.paths import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli below 3.11
    import tomli as tomllib

PACKAGE_DIR = Path(ferriscope.__file__).resolve().parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# Import name → distribution name, where they differ.
DISTRIBUTION = {"pydantic_core": "pydantic-core", "opentelemetry": "opentelemetry-api"}
# Imported without being a dependency, and why that is right.
NOT_DEPENDENCIES = {
    "pytest": "imported only by testing/pytest_plugin.py, which pytest itself loads",
    "certifi": "optional: its CA bundle is used when installed (as httpx does), else the system's",
}
# Subpackages that need an optional extra: what only they import is declared in that extra.
EXTRAS = {"llm/mcp/": "mcp", "ops/": "ops"}
# Modules whose imports are not checked, and why.
UNCHECKED: dict[str, str] = {}


def _declared(extra: str | None = None) -> set[str]:
    project = PYPROJECT["project"]
    requirements = (
        project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    )
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match is not None, requirement
        names.add(re.sub(r"[-_.]+", "-", match.group(0)).lower())
    return names


def _third_party_imports(*, all_modules: bool = False) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        relative = path.relative_to(PACKAGE_DIR).as_posix()
        if relative in UNCHECKED and not all_modules:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top != "ferriscope" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(relative)
    return found


def test_the_version_has_one_source() -> None:
    """pyproject.toml takes the version from Cargo.toml, the extension reports the same one,
    and so does the installed distribution's metadata."""
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    cargo = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    package = cargo.split("[package]", 1)[1].split("\n[", 1)[0]
    (version,) = re.findall(r'^version = "([^"]+)"$', package, flags=re.MULTILINE)
    assert ferriscope.__version__ == version
    assert metadata.version("ferriscope") == version


def _extra_of(files: set[str]) -> str | None:
    """The extra every one of `files` belongs to, or None if any is in the core package."""
    extras = {next((e for p, e in EXTRAS.items() if f.startswith(p)), None) for f in files}
    return extras.pop() if len(extras) == 1 else None


def test_every_imported_third_party_module_is_declared() -> None:
    imports = _third_party_imports()
    assert {"pydantic", "httpx", "typing_extensions"} <= set(imports)  # the scan works
    undeclared = {}
    for module, files in imports.items():
        if module in NOT_DEPENDENCIES:
            continue
        extra = _extra_of(files)
        if DISTRIBUTION.get(module, module).replace("_", "-").lower() not in _declared(extra):
            undeclared[module] = (extra or "dependencies", sorted(files))
    assert not undeclared, f"imported but not declared (where it should be): {undeclared}"


def test_modules_that_are_not_dependencies_stay_where_they_belong() -> None:
    imports = _third_party_imports()
    assert imports.get("pytest", set()) <= {"testing/pytest_plugin.py"}
    assert imports.get("certifi", set()) <= {"llm/providers/transport/origin.py"}


def test_every_declared_dependency_is_imported() -> None:
    """A declared runtime dependency nothing imports is weight every user installs."""
    imported = {
        DISTRIBUTION.get(module, module).replace("_", "-").lower()
        for module, files in _third_party_imports(all_modules=True).items()
        if _extra_of(files) is None
    }
    unused = _declared() - imported
    assert not unused, f"declared but never imported: {sorted(unused)}"


def _is_bench_file(path: str) -> bool:
    return re.search(r"(^|/)_?bench", path) is not None


def test_the_benchmark_harness_is_not_shipped() -> None:
    """The package directory (what maturin puts in the wheel) and, when ferriscope was
    installed from a wheel, the installed file list (its RECORD) hold no benchmark code."""
    in_package = [p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("*")]
    assert "__main__.py" in in_package  # the scan works
    assert not [p for p in in_package if _is_bench_file(p)]
    installed = [str(f) for f in metadata.files("ferriscope") or []]
    assert not [f for f in installed if f.startswith("ferriscope/") and _is_bench_file(f)]
    assert _is_bench_file("ferriscope/_bench.py") and _is_bench_file("ferriscope/bench/cli.py")
