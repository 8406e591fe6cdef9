"""Reading structured output back out of a response's text (docs/spec.md §7.3).

Models often wrap JSON in prose or a ```json fence, and may keep talking after it, so the
JSON is located rather than assumed: text before a ```json marker is dropped, the value
starts at the first `{`, and ends at its matching `}` (braces inside strings, and escaped
characters, do not count). The functions hold no state; a streaming response keeps one
`stream_partial_parser` so that each partial costs the change, not the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from ferriscope._lazy import lazy_module
from ferriscope.llm.exceptions import ParseError
from ferriscope.llm.formatting.format import Format
from ferriscope.llm.formatting.output_parser import is_output_parser
from ferriscope.llm.formatting.partial import Partial
from ferriscope.llm.formatting.primitives import is_primitive_type
from ferriscope.llm.formatting.types import FormattableT

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ferriscope.llm.formatting import partial_build, wrappers
else:  # pydantic on the first parse (docs/architecture.md, "Lazy loading")
    partial_build = lazy_module("ferriscope.llm.formatting.partial_build")
    wrappers = lazy_module("ferriscope.llm.formatting.wrappers")

__all__ = [
    "extract_json_text",
    "parse",
    "parse_partial",
    "stream_partial_parser",
    "strip_json_preamble",
]

_FENCE = "```json"
_JSON_SPECIAL = re.compile(r'[{}"\\]')


def strip_json_preamble(text: str) -> str | None:
    """`text` from the first `{` (after a ```json marker, if any); None if no `{` yet.

    The fence takes precedence so that braces in prose before it are not mistaken for
    the output. But when the text is bare JSON (starts with `{`), a "```json" inside that
    object (in one of its strings, say a markdown field) is content: Mirascope 2.8.2 would
    cut the object there and fail. Streaming parsers feed what this returns: trailing text
    is theirs to ignore.
    """
    stripped = text.lstrip()
    if stripped.startswith("{"):
        fence = stripped.find(_FENCE)
        if fence == -1:
            return stripped
        end = _object_end(stripped)
        if end is None or fence < end:
            return stripped  # the fence is inside the object (in one of its strings)
    fence = text.find(_FENCE)
    if fence > -1:
        text = text[fence:]
    start = text.find("{")
    return None if start == -1 else text[start:]


def _object_end(stripped: str) -> int | None:
    """The index just past the `}` closing the object `stripped` starts with; None if open."""
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _JSON_SPECIAL.finditer(stripped):
        index = match.start()
        if index == escaped_at:
            continue
        char = match.group()
        if char == "\\":
            escaped_at = index + 1
        elif char == '"':
            in_string = not in_string
        elif not in_string:
            if char == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return index + 1
    return None


def extract_json_text(text: str) -> str:
    """The JSON object in `text` (see the module docstring), for a JSON parser to read.

    While the object is still open (a stream in progress) this is everything from its `{`
    on, so an incremental parser can be fed it; once closed, trailing text is cut off.
    Raises `json.JSONDecodeError` when there is no `{` at all.
    """
    stripped = strip_json_preamble(text)
    if stripped is None:
        raise json.JSONDecodeError("No JSON object found: missing '{'", text, 0)
    end = _object_end(stripped)
    return stripped if end is None else stripped[:end]


def _complete_json_text(text: str) -> str:
    """Like `extract_json_text`, but an object that never closes is an error."""
    stripped = strip_json_preamble(text)
    if stripped is None:
        raise json.JSONDecodeError("No JSON object found: missing '{'", text, 0)
    end = _object_end(stripped)
    if end is None:
        raise json.JSONDecodeError("No JSON object found: missing '}'", text, len(text))
    return stripped[:end]


def parse(format: Format[FormattableT] | None, text: str, *, response: Any = None) -> Any:
    """The value of `text` (a response's `text("")`) under `format`; None without a format.

    A primitive format is validated through its wrapper and returned unwrapped. An
    `OutputParser` gets `response` instead of the text. Every failure is a `ParseError`
    whose `original_exception` says what went wrong (it drives `retry_message()`).
    """
    if format is None:
        return None
    formattable: Any = format.formattable
    if is_output_parser(formattable):
        if response is None:
            raise ValueError("An OutputParser format needs the response to parse")
        try:
            return formattable(response)
        except Exception as exc:
            raise ParseError(f"OutputParser failed: {exc}", original_exception=exc) from exc
    if formattable is None or formattable is type(None):
        return None
    try:
        json_text = _complete_json_text(text)
        if is_primitive_type(formattable):
            return wrappers.create_wrapper_model(formattable).model_validate_json(json_text).output
        return cast("type[BaseModel]", formattable).model_validate_json(json_text)
    except Exception as exc:
        raise ParseError(f"Failed to parse response: {exc}", original_exception=exc) from exc


def parse_partial(format: Format[FormattableT] | None, partial_value: Any) -> Any:
    """The `Partial` reading of an incomplete JSON value, or None if nothing validates yet.

    `partial_value` is what an incremental JSON parser made of the stripped text so far (a
    dict once the object has started). Primitive formats return the unwrapped `output`.
    """
    if format is None:
        return None
    formattable: Any = format.formattable
    if is_output_parser(formattable):
        raise NotImplementedError(
            "parse(partial=True) not supported with OutputParser. Use BaseModel or primitive types."
        )
    if partial_value is None or formattable is None or formattable is type(None):
        return None
    primitive = is_primitive_type(formattable)
    target: Any = wrappers.create_wrapper_model(formattable) if primitive else formattable
    try:
        instance = cast("type[BaseModel]", Partial[target]).model_validate(partial_value)
    except Exception:
        return None
    return instance.output if primitive else instance  # type: ignore[attr-defined]


def stream_partial_parser(format: Format[FormattableT]) -> Callable[[Any], Any]:
    """`parse_partial(format, ·)` for the successive values of one incremental JSON parser.

    `parse_partial` validates the whole value every time, which over a stream is quadratic in
    the document. The function returned keeps a `PartialBuilder` across calls instead, so each
    call costs what changed since the previous one. Give it one parser's live value only.
    """
    formattable: Any = format.formattable
    if is_output_parser(formattable):
        raise NotImplementedError(
            "parse(partial=True) not supported with OutputParser. Use BaseModel or primitive types."
        )
    if formattable is None or formattable is type(None):
        return lambda partial_value: None
    primitive = is_primitive_type(formattable)
    target: Any = wrappers.create_wrapper_model(formattable) if primitive else formattable
    build = partial_build.PartialBuilder(cast("type[BaseModel]", Partial[target])).build
    if not primitive:
        return build

    def unwrapped(partial_value: Any) -> Any:
        instance = build(partial_value)
        return None if instance is None else instance.output  # type: ignore[attr-defined]

    return unwrapped
