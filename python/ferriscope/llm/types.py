"""Shared type aliases."""

from __future__ import annotations

from typing import TypeAlias, Union

Jsonable: TypeAlias = Union[str, int, float, bool, "list[Jsonable]", "dict[str, Jsonable]", None]

__all__ = ["Jsonable"]
