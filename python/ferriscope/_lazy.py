"""Lazy exports for package façades (PEP 562), so importing a package costs only its own body.

`from ferriscope import llm` must stay cheap (docs/architecture.md, "Lazy loading"): the
modules behind the public names build pydantic models, compile tables and pull in asyncio,
and a program pays for them only when it first reads a name that needs them. A package
states where each of its public names lives; `lazy_exports` gives it the module-level
`__getattr__` and `__dir__` that import that module on the first read of one of its names.

What stays as with eager imports: a name read once is stored in the package's namespace, so
later reads are ordinary attribute look-ups and the object is the one its module defines
(`isinstance`, pickling and identity are unchanged); `dir()` lists every public name;
`from package import Name` and `import *` work. Type checkers see the same names through
the package's `if TYPE_CHECKING:` imports, and `tests/test_lazy_imports.py` checks that the
two lists agree.

Inside the layers, `lazy_module` does the same for one module that only some uses of a
module need (the event loop for async calls, pydantic for schemas): the importer holds a
stand-in that imports the real module on its first attribute read.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports", "lazy_module"]


def lazy_exports(
    package: str,
    names: Mapping[str, Iterable[str]],
    submodules: Iterable[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`.

    `names` maps a module, relative to `package` (`"calls"`, `"tools.schema"`), to the names
    the package re-exports from it; `submodules` are the package's own submodules offered
    as attributes (`llm.tools`), imported on first access too.
    """
    where: dict[str, str] = {}
    for module, exported in names.items():
        for name in exported:
            if name in where:
                raise ValueError(f"{package}.{name} is exported from two modules")
            where[name] = f"{package}.{module}"
    lazy_modules = frozenset(submodules)
    public = sorted({*where, *lazy_modules})

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
        elif name in lazy_modules:
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # later reads skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return __getattr__, __dir__


class _LazyModule:
    """Stands in for a module until an attribute is read, then forwards to the real module.

    Nothing is cached here: every read (and write, so `monkeypatch.setattr` on the stand-in
    patches the module itself) goes to the module in `sys.modules`, so the stand-in never
    disagrees with the module. A read costs a dictionary look-up more than a global's.
    """

    __slots__ = ("_lazy_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_lazy_name", name)

    def _lazy_load(self) -> Any:
        name: str = object.__getattribute__(self, "_lazy_name")
        module = sys.modules.get(name)
        return module if module is not None else importlib.import_module(name)

    def __getattr__(self, attr: str) -> Any:
        module = self._lazy_load()
        try:
            return getattr(module, attr)
        except AttributeError:
            if not hasattr(module, "__path__"):
                raise
        # a package's submodule, as after `import package.submodule`
        submodule = f"{module.__name__}.{attr}"
        try:
            return importlib.import_module(submodule)
        except ModuleNotFoundError as error:
            if error.name != submodule:
                raise
            raise AttributeError(f"module {module.__name__!r} has no attribute {attr!r}") from None

    def __setattr__(self, attr: str, value: Any) -> None:
        setattr(self._lazy_load(), attr, value)

    def __delattr__(self, attr: str) -> None:
        delattr(self._lazy_load(), attr)

    def __repr__(self) -> str:
        name = object.__getattribute__(self, "_lazy_name")
        loaded = "loaded" if name in sys.modules else "not loaded yet"
        return f"<lazy module {name!r} ({loaded})>"


def lazy_module(name: str) -> Any:
    """A stand-in for module `name` that imports it on the first read of one of its attributes.

    Used as `if TYPE_CHECKING: import asyncio` / `else: asyncio = lazy_module("asyncio")`, so
    type checkers see the module and the code reads `asyncio.sleep` as usual, while a
    program that never reaches that code never loads the module. Only for modules whose
    attributes are read inside functions: a read at import time loads the module at once.
    A stand-in for a package also imports its submodules when read (`urllib.request`), as
    `import urllib.request` would have.
    """
    return _LazyModule(name)
