"""Names shared across packages, kept in a module with no imports so any layer may use them."""

FORMAT_TOOL_NAME = "__mirascope_formatted_output_tool__"
"""The hidden tool through which `tool`-mode structured output arrives (docs/spec.md §7.4)."""
