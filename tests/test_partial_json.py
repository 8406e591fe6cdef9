"""`ferriscope.partial_json` from Python: `json.loads` parity, prefix semantics, errors, depth.

The tokenizer's states are unit- and property-tested in Rust; these tests check what Python
sees: the objects built (types, big ints, floats, key order), str vs bytes input, and the
exceptions.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ferriscope.partial_json import PartialJSONError, PartialJSONParser, parse_partial


def same(a: Any, b: Any) -> bool:
    """Equality that also compares types, dict key order and the sign of zero."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


def grows_into(a: Any, b: Any) -> bool:
    """Whether partial value `a` may still become `b`: everything shown is final except the
    last element or member, which may itself be partial, and an open string, which may grow."""
    if isinstance(a, str) and isinstance(b, str):
        return b.startswith(a)
    if isinstance(a, list) and isinstance(b, list):
        if len(a) > len(b):
            return False
        return not a or (
            all(same(x, y) for x, y in zip(a[:-1], b[: len(a) - 1], strict=True))
            and grows_into(a[-1], b[len(a) - 1])
        )
    if isinstance(a, dict) and isinstance(b, dict):
        ka, kb = list(a), list(b)
        if ka != kb[: len(ka)]:
            return False
        return not ka or (
            all(same(a[k], b[k]) for k in ka[:-1]) and grows_into(a[ka[-1]], b[ka[-1]])
        )
    return same(a, b)


def feed_all(pieces: Iterable[str | bytes], max_depth: int = 512) -> Any:
    parser = PartialJSONParser(max_depth)
    for piece in pieces:
        parser.feed(piece)
    return parser.finish()


def cut(text: Any, cuts: list[int]) -> list[Any]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    bounds = [0, *points, len(text)]
    return [text[i:j] for i, j in itertools.pairwise(bounds)]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)


@st.composite
def json_documents(draw: st.DrawFn) -> str:
    value = draw(json_values)
    return json.dumps(
        value,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 0, 2, "\t"])),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )


cut_points = st.lists(st.integers(min_value=0, max_value=10**6), max_size=12)
fuzz = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- parity with json.loads ----------------------------------------------------------------


@fuzz
@given(doc=json_documents(), cuts=cut_points)
def test_any_str_split_gives_json_loads_value(doc: str, cuts: list[int]) -> None:
    assert same(feed_all(cut(doc, cuts)), json.loads(doc))


@fuzz
@given(doc=json_documents(), cuts=cut_points)
def test_any_bytes_split_gives_json_loads_value(doc: str, cuts: list[int]) -> None:
    # Byte pieces are cut anywhere, inside UTF-8 sequences too.
    data = doc.encode()
    assert same(feed_all(cut(data, cuts)), json.loads(data))


@fuzz
@given(doc=json_documents(), cuts=cut_points, leading=st.sampled_from(["", " ", "\n\t "]))
def test_whitespace_around_the_value(doc: str, cuts: list[int], leading: str) -> None:
    text = leading + doc + leading
    assert same(feed_all(cut(text, cuts)), json.loads(text))


@settings(max_examples=500, deadline=None)
@given(
    st.from_regex(r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,40})?([eE][+-]?[0-9]{1,4})?", fullmatch=True)
)
def test_numbers_match_json_loads(text: str) -> None:
    # Floats are correctly rounded like float() (with inf past the range), ints any size.
    assert same(feed_all([text]), json.loads(text))
    assert same(parse_partial(f"[{text}]"), [json.loads(text)])


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("-0", 0),
        ("-0.0", -0.0),
        ("0e0", 0.0),
        ("1e400", math.inf),
        ("-1e400", -math.inf),
        ("1e-400", 0.0),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("-9223372036854775809", -9223372036854775809),
        ("9223372036854775807", 9223372036854775807),
        ("2.2250738585072011e-308", 2.2250738585072011e-308),
        ("9007199254740993", 9007199254740993),
        ("9007199254740993.0", 9007199254740992.0),
        ("0.1", 0.1),
        ("1E+2", 100.0),
    ],
)
def test_finish_matches_json_loads_on_edge_numbers(doc: str, expected: Any) -> None:
    assert same(feed_all([doc]), expected)
    assert same(json.loads(doc), expected)


def test_duplicate_keys_keep_the_last_value_in_the_first_position() -> None:
    doc = '{"a": 1, "b": 2, "a": [3], "c": {"x": 0, "x": 1}}'
    result = feed_all([doc])
    assert same(result, json.loads(doc))
    assert list(result.items()) == [("a", [3]), ("b", 2), ("c", {"x": 1})]


def test_huge_int_past_the_str_digits_limit_raises_like_json_loads() -> None:
    doc = "1" * 5000
    with pytest.raises(ValueError, match="4300"):
        json.loads(doc)
    with pytest.raises(PartialJSONError, match="4300") as info:
        feed_all([doc])
    assert isinstance(info.value.__cause__, ValueError)


# ---- str and bytes input ----------------------------------------------------------------------


def test_lone_surrogates_are_kept_like_json_loads() -> None:
    for doc in [
        r'"\ud800"',
        r'"\udc00x"',
        r'"\ud800\u0041"',
        r'"\ud800\ud83d\ude00"',
        r'["\ud83d", "\ude00"]',
        '"\ud800"',  # a literal surrogate in the str itself
        '"\\ud83d\ude00"',  # escaped high + literal low: not joined, as in json.loads
    ]:
        assert same(feed_all([doc]), json.loads(doc)), doc
        assert same(feed_all(list(doc)), json.loads(doc)), doc


def test_surrogate_pair_escapes_join() -> None:
    assert feed_all([r'"\ud83d\ude00"']) == "\U0001f600"
    assert feed_all([r'"\uD83D', r"\uDE00", '"']) == "\U0001f600"


def test_bytes_must_be_utf8() -> None:
    for data, offset in [
        (b'"\xff"', 1),
        (b'"a\xc3("', 2),
        (b'"\xed\xa0\x80"', 1),  # an encoded surrogate is not UTF-8
        (b'"\xf4\x90\x80\x80"', 1),  # past U+10FFFF
        (b'"\xc0\xaf"', 1),  # overlong
    ]:
        with pytest.raises(PartialJSONError, match="invalid UTF-8") as info:
            feed_all([data])
        assert info.value.offset == offset, data


def test_a_cut_code_point_is_held_back() -> None:
    parser = PartialJSONParser()
    parser.feed(b'["caf')
    parser.feed(b"\xc3")
    assert parser.value() == ["caf"]
    parser.feed(b"\xa9 \xf0\x9f")
    assert parser.value() == ["café "]
    parser.feed(b"\x98\x80")
    assert parser.value() == ["café \U0001f600"]


def test_bom_is_skipped_in_bytes_only_like_json_loads() -> None:
    assert feed_all([b"\xef", b"\xbb\xbf[1]"]) == [1] == json.loads(b"\xef\xbb\xbf[1]")
    with pytest.raises(ValueError):
        json.loads("\ufeff[1]")
    with pytest.raises(PartialJSONError, match="U\\+FEFF"):
        feed_all(["\ufeff[1]"])


def test_str_and_bytes_pieces_mix() -> None:
    assert feed_all(['{"k": "é', b"\xc3\xa9", '"}']) == {"k": "éé"}
    # A code point cut in bytes cannot be completed by str input.
    with pytest.raises(PartialJSONError, match="invalid UTF-8"):
        feed_all([b'"\xc3', '\xa9"'])


def test_feed_rejects_other_types() -> None:
    parser = PartialJSONParser()
    with pytest.raises(TypeError, match="str or bytes"):
        parser.feed(bytearray(b"[]"))  # type: ignore[arg-type]


# ---- partial semantics --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("", None),
        ("  \n", None),
        ("[", []),
        ("{", {}),
        ('"ab', "ab"),
        ('"ab\\', "ab"),
        ('"ab\\u00', "ab"),
        ('"ab\\u00e9', "abé"),
        ('"ab\\ud83d', "ab"),
        ('"ab\\ud83d\\', "ab"),
        ('"ab\\ud83d\\ude0', "ab"),
        ('"ab\\ud83d\\ude00', "ab\U0001f600"),
        ('"ab\\ud83d"', "ab\ud83d"),
        ("12", None),
        ("-", None),
        ("tru", None),
        ("true", True),
        ("[1", []),
        ("[1.", []),
        ("[1.5", []),
        ("[1.5e", []),
        ("[1.5e-", []),
        ("[1.5e-3", []),
        ("[1.5e-3 ", [0.0015]),
        ("[tru", []),
        ("[true", [True]),
        ("[true,", [True]),
        ('{"k":true', {"k": True}),
        ('{"k":fals', {}),
        ('{"k":false', {"k": False}),
        ('{"k":nul', {}),
        ('{"k":null', {"k": None}),
        ("[null]", [None]),
        ('{"a', {}),
        ('{"a"', {}),
        ('{"a":', {}),
        ('{"a": ', {}),
        ('{"a": 1', {}),
        ('{"a": 1,', {"a": 1}),
        ('{"a": f', {}),
        ('{"a": "', {"a": ""}),
        ('{"a": "x', {"a": "x"}),
        ('{"a": [', {"a": []}),
        ('{"a": {', {"a": {}}),
        ('{"a": {"b": [1, {"c": "d', {"a": {"b": [1, {"c": "d"}]}}),
        ("[[], [[]], {}", [[], [[]], {}]),
        ('[{"a": 1}, "x", 2', [{"a": 1}, "x"]),
        ('{"a": 1, "a": [2', {"a": []}),
        ("[1] trailing text", [1]),
        ('{"a": 1}\n```', {"a": 1}),
    ],
)
def test_prefix_values(prefix: str, expected: Any) -> None:
    assert same(parse_partial(prefix), expected)
    assert same(parse_partial(prefix.encode()), expected)


@fuzz
@given(doc=json_documents(), cuts=cut_points, as_bytes=st.booleans())
def test_every_piece_shows_a_value_that_only_grows(
    doc: str, cuts: list[int], as_bytes: bool
) -> None:
    final = json.loads(doc)
    text: Any = doc.encode() if as_bytes else doc
    parser = PartialJSONParser()
    previous: Any = None
    for piece in cut(text, cuts + list(range(0, len(text), 7))):
        parser.feed(piece)
        now = copy.deepcopy(parser.value())  # the parser updates its containers in place
        if previous is not None:
            assert now is not None
            assert grows_into(previous, now), (previous, now)
        if now is not None:
            assert grows_into(now, final), (now, final)
        if parser.is_complete:
            assert same(now, final)
        previous = now
    assert same(parser.finish(), final)


@fuzz
@given(doc=json_documents(), at=st.integers(min_value=0))
def test_parse_partial_equals_the_incremental_value(doc: str, at: int) -> None:
    prefix = doc[: at % (len(doc) + 1)]
    parser = PartialJSONParser()
    for char in prefix:
        parser.feed(char)
    assert same(parse_partial(prefix), parser.value())


def test_value_reuses_and_updates_containers_in_place() -> None:
    parser = PartialJSONParser()
    parser.feed('{"items": [{"a": 1}, ')
    first = parser.value()
    inner = first["items"][0]
    parser.feed('{"b": "x')
    second = parser.value()
    assert second is first
    assert second["items"][0] is inner
    assert second == {"items": [{"a": 1}, {"b": "x"}]}
    parser.feed('yz"}]}')
    assert parser.finish() is first
    assert first == {"items": [{"a": 1}, {"b": "xyz"}]}


def test_value_can_be_read_repeatedly() -> None:
    parser = PartialJSONParser()
    parser.feed('["ab')
    assert parser.value() == ["ab"]
    assert parser.value() == ["ab"]
    parser.feed("c")
    assert parser.value() == ["abc"]
    parser.feed('"')
    assert parser.value() == ["abc"]
    parser.feed(', "')
    assert parser.value() == ["abc", ""]
    parser.feed('"]')
    assert parser.finish() == ["abc", ""]


def test_top_level_string_grows() -> None:
    parser = PartialJSONParser()
    assert parser.value() is None
    parser.feed('  "')
    assert parser.value() == ""
    parser.feed("hi")
    assert parser.value() == "hi"
    parser.feed('"')
    assert parser.is_complete
    assert parser.finish() == "hi"


def test_is_complete() -> None:
    parser = PartialJSONParser()
    parser.feed('{"a": [1]')
    assert not parser.is_complete
    parser.feed("}")
    assert parser.is_complete
    parser.feed("  \n")
    assert parser.is_complete
    # A bare top-level number may still grow: complete only at whitespace or finish().
    parser = PartialJSONParser()
    parser.feed("42")
    assert (parser.is_complete, parser.value()) == (False, None)
    assert parser.finish() == 42
    assert parser.is_complete
    # Nothing can extend a whole `true`/`false`/`null`: complete with its last letter.
    parser = PartialJSONParser()
    parser.feed("fals")
    assert (parser.is_complete, parser.value()) == (False, None)
    parser.feed("e")
    assert (parser.is_complete, parser.value()) == (True, False)
    parser = PartialJSONParser()
    parser.feed("null ")
    assert parser.is_complete
    assert parser.value() is None
    assert parser.finish() is None


# ---- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "message", "offset"),
    [
        ("", "incomplete JSON document: no JSON value at byte 0", 0),
        ("[1,]", "trailing comma before ']' at byte 3", 3),
        ('{"a": 1,}', "trailing comma before '}' at byte 8", 8),
        ("[1 2]", "expected ',' or ']' after an array element, found '2' at byte 3", 3),
        ('{"a" 1}', "expected ':' after an object key, found '1' at byte 5", 5),
        ("{'a': 1}", "expected an object key in double quotes, found '\\'' at byte 1", 1),
        ("NaN", "expected a JSON value, found 'N' at byte 0", 0),
        ("[-Infinity]", "invalid number: expected a digit, found 'I' at byte 2", 2),
        ("[01]", "invalid number: leading zero at byte 2", 2),
        ("[tru]", "invalid literal (expected `true`), found ']' at byte 4", 4),
        (
            '"a\tb"',
            "invalid control character U+0009 in a string (it must be escaped) at byte 2",
            2,
        ),
        ('"\\x"', "invalid escape sequence in a string: backslash followed by 'x' at byte 2", 2),
        ('"\\u12G4"', "invalid \\uXXXX escape: expected a hex digit, found 'G' at byte 5", 5),
        ("[1] x", "extra data after the JSON value: 'x' at byte 4", 4),
        ('["abc', "incomplete JSON document: unterminated string at byte 5", 5),
        ('{"a": [', "incomplete JSON document: unclosed array at byte 7", 7),
        ('["é", x]', "expected a JSON value, found 'x' at byte 7", 7),  # offsets count bytes
        ("[é]", "expected a JSON value, found 'é' at byte 1", 1),
    ],
)
def test_error_messages_and_offsets(doc: str, message: str, offset: int) -> None:
    with pytest.raises(PartialJSONError) as info:
        feed_all([doc])
    assert str(info.value) == message
    assert info.value.offset == offset
    assert isinstance(info.value, ValueError)


def test_errors_are_raised_as_soon_as_seen_and_stick() -> None:
    parser = PartialJSONParser()
    parser.feed('{"a": [1, 2')
    with pytest.raises(PartialJSONError, match="trailing comma") as info:
        parser.feed(", ]")  # a trailing comma: no later text could make this valid
    assert info.value.offset == 13
    with pytest.raises(PartialJSONError, match="trailing comma"):
        parser.feed("3]}")
    with pytest.raises(PartialJSONError, match="trailing comma"):
        parser.finish()
    assert parser.value() == {"a": [1, 2]}  # what was parsed before the error


def test_finish_on_an_incomplete_document_can_be_retried() -> None:
    parser = PartialJSONParser()
    parser.feed('{"a": "b')
    with pytest.raises(PartialJSONError, match="unterminated string") as info:
        parser.finish()
    assert info.value.offset == 8
    parser.feed('"}')
    assert parser.finish() == {"a": "b"}
    assert parser.finish() == {"a": "b"}
    with pytest.raises(PartialJSONError, match="extra data"):
        parser.feed("{}")


def test_ignore_trailing() -> None:
    parser = PartialJSONParser(ignore_trailing=True)
    parser.feed('{"a": 1}\n```\n')
    parser.feed("and { more")
    assert parser.finish() == {"a": 1}


# ---- depth -------------------------------------------------------------------------------------


def test_depth_limit_on_a_100000_deep_document() -> None:
    doc = "[" * 100_000 + "]" * 100_000
    with pytest.raises(PartialJSONError, match=r"deeper than max_depth \(512\)") as info:
        feed_all([doc])
    assert info.value.offset == 512
    with pytest.raises(PartialJSONError) as info:
        parse_partial('{"a":' * 100_000)
    assert info.value.offset == 512 * 5
    assert feed_all(["[" * 512 + "]" * 512]) == json.loads("[" * 512 + "]" * 512)


def test_a_raised_limit_parses_deep_documents_without_recursion() -> None:
    depth = 100_000
    parser = PartialJSONParser(max_depth=depth)
    for _ in range(depth):
        parser.feed("[")
    parser.feed("]" * depth)
    value = parser.finish()
    for _ in range(depth - 1):
        (value,) = value
    assert value == []
    assert PartialJSONParser(max_depth=depth).max_depth == depth


def test_a_negative_depth_limit_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="max_depth must be 0 or more, got -1"):
        PartialJSONParser(max_depth=-1)


# ---- JSONTestSuite-style cases (written for this suite) -----------------------------------------

# y_: RFC 8259 requires these to parse; finish() must equal json.loads.
Y_CASES = {
    "y_array_empty": "[]",
    "y_array_nested_empty": "[[[]]]",
    "y_array_mixed": '[1, "a", null, true, false, 1.5, {}, []]',
    "y_array_whitespace_everywhere": " \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n",
    "y_object_empty": "{}",
    "y_object_empty_key": '{"": 1}',
    "y_object_nested": '{"a": {"b": {"c": []}}}',
    "y_object_duplicate_keys": '{"a": 1, "a": 2}',
    "y_object_escaped_key": '{"\\u0061\\n": 1}',
    "y_object_long_key": '{"' + "k" * 300 + '": 1}',
    "y_number_zero": "0",
    "y_number_negative_zero": "-0",
    "y_number_negative_zero_float": "-0.0",
    "y_number_int": "123",
    "y_number_negative_int": "-123",
    "y_number_fraction": "1.25",
    "y_number_exponent": "1e3",
    "y_number_capital_exponent": "1E3",
    "y_number_exponent_plus": "1e+3",
    "y_number_exponent_minus": "1e-3",
    "y_number_fraction_exponent": "-1.5E-10",
    "y_number_zero_exponent": "0e10",
    "y_number_exponent_leading_zeros": "1e007",
    "y_number_huge_exponent": "1e999",
    "y_number_tiny": "1e-999",
    "y_number_big_int": "1" + "0" * 100,
    "y_number_min_i64": "-9223372036854775808",
    "y_number_max_u64": "18446744073709551615",
    "y_number_many_digits_float": "0." + "3" * 200,
    "y_number_in_array": "[0]",
    "y_string_empty": '""',
    "y_string_simple_escapes": '"\\" \\\\ \\/ \\b \\f \\n \\r \\t"',
    "y_string_unicode_escape": '"\\u00e9\\u4e2d\\uFFFF"',
    "y_string_escaped_nul": '"\\u0000"',
    "y_string_surrogate_pair": '"\\ud834\\udd1e"',
    "y_string_raw_utf8": '"é中😀"',
    "y_string_del_char": '"\x7f"',
    "y_string_noncharacter": '"\ufdd0\uffff"',
    "y_string_u2028": '"\u2028\u2029"',
    "y_string_only_escape_slash": '"\\/"',
    "y_string_backslash_quote_end": '"\\\\"',
    "y_literal_true": "true",
    "y_literal_false": "false",
    "y_literal_null": "null",
    "y_literal_in_array": "[true,false,null]",
    "y_structure_trailing_newline": '{"a": 1}\n',
    "y_structure_leading_space": "  1",
    "y_structure_deep_mix": '[{"a": [{"b": [{"c": null}]}]}]',
    "y_string_comment_like": '"/* not a comment */"',
}

# i_: implementation-defined; these follow json.loads.
I_CASES = {
    "i_string_lone_high_surrogate": '"\\ud800"',
    "i_string_lone_low_surrogate": '"\\udc00"',
    "i_string_reversed_pair": '"\\udc00\\ud800"',
    "i_string_high_then_char": '"\\ud800abc"',
    "i_string_two_highs": '"\\ud800\\ud800"',
    "i_number_overflow_to_inf": "[1.0e400, -1e400]",
    "i_number_underflow": "[4.9e-325]",
}

# n_: RFC 8259 rejects these; feed() or finish() must raise.
N_CASES = {
    "n_empty": "",
    "n_whitespace_only": " \n ",
    "n_array_trailing_comma": "[1,]",
    "n_array_only_comma": "[,]",
    "n_array_double_comma": "[1,,2]",
    "n_array_leading_comma": "[,1]",
    "n_array_unclosed": "[1",
    "n_array_unclosed_empty": "[",
    "n_array_missing_comma": "[1 2]",
    "n_array_colon": "[1:2]",
    "n_array_closed_by_brace": "[1}",
    "n_array_extra_close": "[1]]",
    "n_object_trailing_comma": '{"a": 1,}',
    "n_object_unquoted_key": "{a: 1}",
    "n_object_single_quoted_key": "{'a': 1}",
    "n_object_number_key": "{1: 1}",
    "n_object_missing_colon": '{"a" 1}',
    "n_object_missing_value": '{"a":}',
    "n_object_double_colon": '{"a"::1}',
    "n_object_comma_instead_of_colon": '{"a", 1}',
    "n_object_closed_by_bracket": '{"a": 1]',
    "n_object_unclosed": '{"a": 1',
    "n_object_key_only": '{"a"}',
    "n_object_leading_comma": '{,"a": 1}',
    "n_number_leading_zero": "01",
    "n_number_leading_zero_in_array": "[00]",
    "n_number_plus": "+1",
    "n_number_leading_dot": ".5",
    "n_number_trailing_dot": "1.",
    "n_number_dot_exponent": "1.e3",
    "n_number_empty_exponent": "1e",
    "n_number_exponent_sign_only": "1e+",
    "n_number_minus_only": "-",
    "n_number_minus_space": "- 1",
    "n_number_hex": "0x1F",
    "n_number_nan": "NaN",
    "n_number_infinity": "Infinity",
    "n_number_minus_infinity": "-Infinity",
    "n_number_nan_in_array": "[NaN]",
    "n_number_infinity_in_array": "[Infinity]",
    "n_number_double_minus": "--1",
    "n_number_trailing_letter": "[1x]",
    "n_number_fullwidth_digit": "[１]",
    "n_number_underscore": "1_000",
    "n_literal_capital_true": "True",
    "n_literal_truncated": "tru",
    "n_literal_extra_letter": "truee",
    "n_literal_nul": "nul",
    "n_literal_none": "None",
    "n_string_unterminated": '"abc',
    "n_string_single_quotes": "'abc'",
    "n_string_raw_newline": '"a\nb"',
    "n_string_raw_tab": '"a\tb"',
    "n_string_raw_nul": '"\x00"',
    "n_string_invalid_escape": '"\\a"',
    "n_string_escaped_apostrophe": '"\\\'"',
    "n_string_escape_x": '"\\x41"',
    "n_string_short_unicode_escape": '"\\u12"',
    "n_string_bad_unicode_escape": '"\\uGGGG"',
    "n_string_escape_at_end": '"\\',
    "n_string_pair_bad_hex": '"\\ud800\\uzzzz"',
    "n_string_unescaped_quote": '"a"b"',
    "n_structure_two_values": "[] []",
    "n_structure_value_then_garbage": "1 x",
    "n_structure_comment": "[1] // c",
    "n_structure_block_comment": "/* c */ [1]",
    "n_structure_trailing_comma_top": "1,",
    "n_structure_str_bom": "\ufeff[]",
    "n_structure_nbsp_whitespace": "[\u00a01]",
    "n_structure_vertical_tab": "[\x0b1]",
    "n_structure_form_feed": "[\x0c1]",
    "n_structure_close_only": "]",
    "n_structure_colon_only": ":",
    "n_structure_angle": "<1>",
}

# json.loads accepts these non-standard forms; the RFC (and this parser) does not.
JSON_LOADS_LENIENT = {
    "n_number_nan",
    "n_number_infinity",
    "n_number_minus_infinity",
    "n_number_nan_in_array",
    "n_number_infinity_in_array",
}


@pytest.mark.parametrize("name", sorted({**Y_CASES, **I_CASES}))
def test_y_and_i_cases_parse_like_json_loads(name: str) -> None:
    doc = {**Y_CASES, **I_CASES}[name]
    expected = json.loads(doc)
    assert same(feed_all([doc]), expected)
    assert same(feed_all(list(doc)), expected)
    if "\\ud8" not in doc and "\\udc" not in doc:
        assert same(feed_all(cut(doc.encode(), [1, 3, 4, 7])), expected)


@pytest.mark.parametrize("name", sorted(N_CASES))
def test_n_cases_are_rejected(name: str) -> None:
    doc = N_CASES[name]
    with pytest.raises(PartialJSONError):
        feed_all([doc])
    with pytest.raises(PartialJSONError):
        feed_all(list(doc))
    if name not in JSON_LOADS_LENIENT:
        with pytest.raises(ValueError):
            json.loads(doc)


@pytest.mark.parametrize(
    "data",
    [b"\x80", b'"\x80"', b'"\xc3"', b'["\xe2\x82"]', b'"\xf5\x80\x80\x80"', b"\xfe\xff[]"],
)
def test_n_invalid_utf8_bytes(data: bytes) -> None:
    with pytest.raises(PartialJSONError):
        feed_all([data])
    with pytest.raises(PartialJSONError):
        feed_all([data[i : i + 1] for i in range(len(data))])
