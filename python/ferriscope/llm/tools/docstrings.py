"""Parameter descriptions from docstrings in the ReST, Google, NumPy and Epydoc styles.

Tool schemas describe each parameter to the model, and most code already documents its
parameters in the docstring, so the schema reads them from there (an `Annotated` `Field`
description wins, see `schema.py`). The style is not declared anywhere, so every style is
tried and the reading that recognises the most fields wins (ties go to ReST, Google, NumPy,
Epydoc, in that order). This reproduces the choices the `docstring_parser` package makes for
Mirascope, so the schemas match the reference without depending on that package.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from textwrap import dedent

__all__ = ["param_descriptions"]

_PARAM_KEYWORDS = frozenset(
    {"param", "parameter", "arg", "argument", "attribute", "key", "keyword"}
)
_RETURN_KEYWORDS = frozenset({"return", "returns", "yield", "yields"})
_RAISE_KEYWORDS = frozenset({"raises", "raise", "except", "exception"})


class _Malformed(Exception):
    """This docstring cannot be read in the style being tried."""


@dataclass
class _Reading:
    """What one style made of a docstring: how many fields it saw, and the parameters."""

    fields: int = 0
    params: list[tuple[str, str | None]] = field(default_factory=list)


def _join_continuation(desc: str) -> str:
    """Keeps a description's first line as written and dedents its continuation lines."""
    if "\n" not in desc:
        return desc
    first, rest = desc.split("\n", 1)
    return first + "\n" + inspect.cleandoc(rest)


# ---- ReST: `:param name: text` ----------------------------------------------------------------


def _read_rest(text: str) -> _Reading:
    reading = _Reading()
    start = re.search(r"^:", text, flags=re.M)
    if start is None:
        return reading
    has_returns = False
    has_rtype = False
    for match in re.finditer(r"(^:.*?)(?=^:|\Z)", text[start.start() :], flags=re.S | re.M):
        chunk = match.group(0)
        if not chunk:
            continue
        head, sep, desc = chunk.lstrip(":").partition(":")
        if not sep:
            raise _Malformed(chunk)
        args = head.split()
        desc = _join_continuation(desc.strip())
        if not args:
            reading.fields += 1
            continue
        key = args[0]
        if key == "type" and len(args) == 2:
            continue
        if key == "rtype" and len(args) in (1, 2):
            has_rtype = True
            continue
        if key in _PARAM_KEYWORDS:
            if len(args) not in (2, 3):
                raise _Malformed(chunk)
            reading.params.append((args[-1], desc))
        elif key in _RETURN_KEYWORDS or key in _RAISE_KEYWORDS:
            if len(args) > 2:
                raise _Malformed(chunk)
            has_returns = has_returns or key in _RETURN_KEYWORDS
        reading.fields += 1
    if has_rtype and not has_returns:
        reading.fields += 1
    return reading


# ---- Google: `Args:` then `name (type): text` ---------------------------------------------------

_GOOGLE_SECTIONS: dict[str, str] = {
    "Arguments": "param",
    "Args": "param",
    "Parameters": "param",
    "Params": "param",
    "Raises": "raises",
    "Exceptions": "raises",
    "Except": "raises",
    "Attributes": "attribute",
    "Example": "single",
    "Examples": "single",
    "Returns": "single",
    "Yields": "single",
}
_GOOGLE_TITLE = re.compile(
    "^(" + "|".join(f"({title})" for title in _GOOGLE_SECTIONS) + "):[ \t\r\f\v]*$", flags=re.M
)
_GOOGLE_TYPED_NAME = re.compile(r"\s*(.+?)\s*\(\s*(.*[^\s]+)\s*\)")


def _read_google(text: str) -> _Reading:
    reading = _Reading()
    titles = list(_GOOGLE_TITLE.finditer(text))
    if not titles:
        return reading
    sections: dict[str, str] = {}
    for index, heading in enumerate(titles):
        end = titles[index + 1].start() if index + 1 < len(titles) else len(text)
        body = text[heading.end() : end]
        unindented = re.search(r"\n\S", body)  # an unknown heading ends the section
        if unindented is not None:
            body = body[: unindented.start()]
        sections[heading.group(1)] = body.strip("\n")
    for title, body in sections.items():
        kind = _GOOGLE_SECTIONS[title]
        if kind == "single":
            reading.fields += 1
            continue
        indent = re.match(r"^\s*", body)
        entries = list(
            re.finditer("^" + (indent.group() if indent else "") + r"(?=\S)", body, re.M)
        )
        if not entries:
            raise _Malformed(body)
        for index, entry in enumerate(entries):
            end = entries[index + 1].start() if index + 1 < len(entries) else len(body)
            item = body[entry.end() : end].strip("\n")
            before, sep, desc = item.partition(":")
            if not sep:
                raise _Malformed(item)
            reading.fields += 1
            if kind == "raises":
                continue
            if "\n" in before:
                first, rest = before.split("\n", 1)
                before = first + inspect.cleandoc(rest)
            if desc:
                desc = desc[1:] if desc[0] == " " else desc
                desc = _join_continuation(desc).strip("\n")
            typed = _GOOGLE_TYPED_NAME.match(before)
            reading.params.append((typed.group(1) if typed else before, desc))
    return reading


# ---- NumPy: `Parameters` over a dashed rule, then `name : type` and indented text ---------------

_NUMPY_SECTIONS: dict[str, str] = {
    "Parameters": "param",
    "Params": "param",
    "Arguments": "param",
    "Args": "param",
    "Other Parameters": "param",
    "Other Params": "param",
    "Other Arguments": "param",
    "Other Args": "param",
    "Receives": "param",
    "Receive": "param",
    "Raises": "entries",
    "Raise": "entries",
    "Warns": "entries",
    "Warn": "entries",
    "Attributes": "param",
    "Attribute": "param",
    "Returns": "entries",
    "Return": "entries",
    "Yields": "entries",
    "Yield": "entries",
    "Examples": "examples",
    "Example": "examples",
    "Warnings": "single",
    "Warning": "single",
    "See Also": "single",
    "Related": "single",
    "Notes": "single",
    "Note": "single",
    "References": "single",
    "Reference": "single",
}
_NUMPY_TITLE = re.compile(
    "|".join(
        [rf"^({title})\s*?\n{'-' * len(title)}\s*$" for title in _NUMPY_SECTIONS]
        + [r"^\.\.\s*(deprecated)\s*::"]
    ),
    flags=re.M,
)
_NUMPY_KEY = re.compile(r"^[^\s].*$", flags=re.M)
_NUMPY_PARAM_NAME = re.compile(r"^(?P<name>.*?)(?:\s*:\s*(?P<type>.*?))?$")


def _count_examples(body: str) -> int:
    lines = dedent(body).strip().splitlines()
    groups = 0
    while lines:
        while lines and lines[0].startswith(">>>"):
            lines.pop(0)
        while lines and not lines[0].startswith(">>>"):
            lines.pop(0)
        groups += 1
    return groups


def _read_numpy(text: str) -> _Reading:
    reading = _Reading()
    titles = list(_NUMPY_TITLE.finditer(text))
    for index, title in enumerate(titles):
        name = next(group for group in title.groups() if group is not None)
        end = titles[index + 1].start() if index + 1 < len(titles) else len(text)
        body = text[title.end() : end]
        kind = _NUMPY_SECTIONS.get(name, "single")
        if kind == "single":
            reading.fields += 1
        elif kind == "examples":
            reading.fields += _count_examples(body)
        else:
            keys = list(_NUMPY_KEY.finditer(body))
            for key_index, key in enumerate(keys):
                reading.fields += 1
                if kind != "param":
                    continue
                stop = keys[key_index + 1].start() if key_index + 1 < len(keys) else len(body)
                desc = inspect.cleandoc(body[key.end() : stop]).strip()
                named = _NUMPY_PARAM_NAME.match(key.group())
                if named is not None:
                    reading.params.append((named.group("name"), desc or None))
    return reading


# ---- Epydoc: `@param name: text` ----------------------------------------------------------------

_EPY_PARAM = re.compile(r"(param|keyword|type)(\s+[_A-z][_A-z0-9]*\??):")
_EPY_ATTRIBUTE = re.compile(r"(ivar|cvar|var)(\s+[_A-z][_A-z0-9]*\??):")
_EPY_RAISE = re.compile(r"(raise)(\s+[_A-z][_A-z0-9]*\??)?:")
_EPY_RETURN = re.compile(r"(return|rtype|yield|ytype):")
_EPY_OTHER = re.compile(r"([_A-z][_A-z0-9]+)((\s+[_A-z][_A-z0-9]*\??)*):")
_EPY_RESERVED = frozenset(
    {"param", "ivar", "cvar", "var", "keyword", "type", "return", "rtype", "yield", "ytype"}
)


def _read_epydoc(text: str) -> _Reading:
    reading = _Reading()
    start = re.search(r"^@", text, flags=re.M)
    if start is None:
        return reading
    named: dict[str, dict[str, str]] = {}  # name -> {"description"/"type_name": text}
    order: list[tuple[str, str, str]] = []  # (kind, key, name) in docstring order
    for match in re.finditer(r"(^@.*?)(?=^@|\Z)", text[start.start() :], flags=re.S | re.M):
        chunk = match.group(0)
        if not chunk:
            continue
        for kind, pattern in (  # noqa: B007 (the matching kind is used after the loop)
            ("param", _EPY_PARAM),
            ("attribute", _EPY_ATTRIBUTE),
            ("raise", _EPY_RAISE),
            ("return", _EPY_RETURN),
            ("other", _EPY_OTHER),
        ):
            found = pattern.search(chunk)
            if found is not None:
                break
        else:
            raise _Malformed(chunk)
        key = found.group(1)
        if kind == "other" and key in _EPY_RESERVED:
            raise _Malformed(chunk)
        desc = _join_continuation(chunk[found.end() :].strip())
        if kind in ("param", "attribute"):
            name = found.group(2).strip()
        elif kind == "return":
            name = "return"
        else:
            name = ""
        if kind in ("param", "attribute", "return"):
            named.setdefault(name, {})["type_name" if "type" in key else "description"] = desc
        order.append((kind, key, name))
    done: set[str] = set()
    for kind, _key, name in order:
        if kind in ("param", "attribute", "return"):
            if name in done:
                continue
            done.add(name)
            if kind != "return":
                reading.params.append((name, named[name].get("description")))
        reading.fields += 1
    return reading


_STYLES: tuple[Callable[[str], _Reading], ...] = (
    _read_rest,
    _read_google,
    _read_numpy,
    _read_epydoc,
)


def param_descriptions(docstring: str | None) -> dict[str, str]:
    """Maps parameter names to their docstring descriptions (first mention wins, blanks skipped)."""
    if not docstring:
        return {}
    text = inspect.cleandoc(docstring)
    best: _Reading | None = None
    for read in _STYLES:
        try:
            reading = read(text)
        except _Malformed:
            continue
        if best is None or reading.fields > best.fields:
            best = reading
    descriptions: dict[str, str] = {}
    for name, desc in best.params if best is not None else ():
        if desc and name not in descriptions:
            descriptions[name] = desc
    return descriptions
