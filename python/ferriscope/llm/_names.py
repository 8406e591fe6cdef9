"""The format-tool rule of docs/spec.md §7.4, for every Python layer that needs it.

The name itself is written once, in Rust (`rust/providers/common.rs`), and read here from the
binding, so the decoders and the Python layers cannot disagree on it. This module imports only
`ferriscope._core`, so any layer of the `llm` package may use it.
"""

from ferriscope._core import FORMAT_TOOL_NAME

__all__ = ["FORMAT_TOOL_NAME", "is_format_tool_name"]


def is_format_tool_name(name: object) -> bool:
    """Whether `name` names the format tool: a string starting with `FORMAT_TOOL_NAME`.

    A prefix test, as Mirascope 2.8.2 makes it everywhere (and as the Rust decoders'
    `is_format_tool` does): a user tool may not take such a name, a call of such a tool is shown
    as text, and a turn holding one is never re-sent raw. Anything but a string is not the
    format tool, so raw provider JSON can be passed as it is.
    """
    return isinstance(name, str) and name.startswith(FORMAT_TOOL_NAME)
