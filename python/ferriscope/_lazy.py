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
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


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
