"""Incremental parsing of JSON that arrives in pieces (an LLM streaming structured output).

`PartialJSONParser` keeps its parse state between feeds, so a document fed in any number of
pieces costs time linear in its length, and `value()` after each piece costs about the open
path plus the open string, not everything already parsed. Its partial values never show
something that later changes: an open string is shown as far as received (an escape, a
surrogate pair or, for bytes, a UTF-8 character cut in half is held back), while numbers
and object keys appear only once they are complete (`true`/`false`/`null` with their last
letter, as nothing can extend them), and open lists and dicts are shown closed. Invalid JSON
raises `PartialJSONError` (a `ValueError` with the byte `offset`) as soon as it is seen;
`finish()` returns exactly what `json.loads` returns.

`parse_partial(text)` is the one-shot form for a prefix of a document; it ignores any text
after a complete top-level value.
"""

from ferriscope._core import PartialJSONError, PartialJSONParser, parse_partial

__all__ = ["PartialJSONError", "PartialJSONParser", "parse_partial"]
