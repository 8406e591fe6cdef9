#!/usr/bin/env python3
"""Seeds rust/fuzz/corpus/<target>/ from the recorded streams in tests/fixtures/streams.

Every fuzz input is `[control][cuts][body]` (see rust/fuzz/src/lib.rs): a control byte of 0
means "no cuts, default options", so a recorded body prefixed with b"\\0" is fed whole.

- provider targets (openai_completions, openai_responses, anthropic, google): each response body
  of the target's wire format, raw (control 0, and with include_thoughts, bit 3) and as the
  structure-aware variant (bit 4: one event data per line; bits 4+5: `name<TAB>data` lines);
  plus a short web-search answer per format, written out below, in the same four forms;
- sse: every response body of every wire format, plus the same with a small line limit
  (bit 3, limit 256) and a few cuts;
- http1: the first six Anthropic response bodies as HTTP/1.1 responses (raw mode: Content-Length,
  chunked and close-delimited, identity and gzip, and a 100 Continue before one), and the same
  bodies as payloads of the structured mode (bit 3, each framing and coding);
- openai_completions also gets `choices` values of the common shapes the skim reads itself
  (escapes of every kind, keys in any order; `CHOICES` below), raw as the whole body (which
  `check_completions_skim` also reads as one `choices` value) and as payloads, one per line;
- partial_json: JSON values from the request bodies (the body and each nested container) and
  from the text of structured outputs and tool-call arguments in the expected turns, compact
  and pretty, plus each one cut in half (a partial document).

Files are named by content hash, so re-running only adds what is new. Usage:

    python3 rust/fuzz/seed_corpus.py            # from the repository root or anywhere
"""

import gzip
import hashlib
import json
import pathlib
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "streams"
CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"

TARGETS = {
    "openai-completions": "openai_completions",
    "openai-responses": "openai_responses",
    "anthropic": "anthropic",
    "google": "google",
}

BIT_THOUGHTS = 1 << 3
BIT_EVENTS = 1 << 4
BIT_NAMED = 1 << 5


def write(target: str, data: bytes) -> None:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def with_cuts(control: int, cuts: list[int], body: bytes) -> bytes:
    control = (control & ~7) | len(cuts)
    return bytes([control]) + b"".join(struct.pack("<H", c & 0xFFFF) for c in cuts) + body


def sse_events(body: str) -> list[tuple[str, str]]:
    """(event name, data) of each event in a recorded body (a simple reading, for seeds)."""
    events = []
    name, data = "", []
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if data:
                events.append((name, "\n".join(data)))
            name, data = "", []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("event:"):
            name = line[6:].removeprefix(" ")
    return events


def json_values(value, out: list) -> None:
    """Every container nested in `value` (the value itself included)."""
    if isinstance(value, (dict, list)):
        out.append(value)
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            json_values(child, out)
    elif isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                json_values(json.loads(text), out)
            except ValueError:
                pass


def web_search_streams() -> dict[str, list[dict]]:
    """Short web-search answers per wire format, written out here: the recorded ones carry
    tens of kilobytes of encrypted search results, slow to mutate. Each has a search call,
    its result and cited text, so the search event types are in every target's corpus."""
    cite = {
        "type": "web_search_result_location",
        "url": "https://t.example",
        "title": "T",
        "cited_text": "7 apples",
        "encrypted_index": "aQ==",
    }
    anthropic = [
        {"type": "message_start", "message": {"usage": {"input_tokens": 9, "output_tokens": 1}}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {
                "type": "server_tool_use",
                "id": "srvtoolu_1",
                "name": "web_search",
                "input": {},
            },
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"query": "app'},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": 'les"}'},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {
                "type": "web_search_tool_result",
                "tool_use_id": "srvtoolu_1",
                "content": [
                    {
                        "type": "web_search_result",
                        "url": "https://t.example",
                        "title": "T",
                        "encrypted_content": "RW5j",
                        "page_age": None,
                    }
                ],
            },
        },
        {"type": "content_block_stop", "index": 1},
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"citations": [], "type": "text", "text": ""},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "citations_delta", "citation": cite},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "text_delta", "text": "There are 7 ap"},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "text_delta", "text": "ples."},
        },
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 12, "server_tool_use": {"web_search_requests": 1}},
        },
        {"type": "message_stop"},
    ]
    search = {
        "id": "ws_1",
        "type": "web_search_call",
        "status": "completed",
        "action": {"type": "search", "query": "apples", "queries": ["apples"]},
    }
    note = {
        "type": "url_citation",
        "start_index": 0,
        "end_index": 5,
        "title": "T",
        "url": "https://t.example",
    }
    message = {
        "id": "msg_1",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "7 ap les", "annotations": [note]}],
    }
    responses = [
        {"type": "response.created", "response": {"id": "resp_1", "output": []}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {
                "id": "ws_1",
                "type": "web_search_call",
                "status": "in_progress",
                "action": {"type": "search"},
            },
        },
        {"type": "response.web_search_call.in_progress", "item_id": "ws_1", "output_index": 0},
        {"type": "response.web_search_call.searching", "item_id": "ws_1", "output_index": 0},
        {"type": "response.web_search_call.completed", "item_id": "ws_1", "output_index": 0},
        {"type": "response.output_item.done", "output_index": 0, "item": search},
        {
            "type": "response.content_part.added",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "part": {"type": "output_text", "text": ""},
        },
        {
            "type": "response.output_text.delta",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "delta": "7 ap",
        },
        {
            "type": "response.output_text.annotation.added",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "annotation_index": 0,
            "annotation": note,
        },
        {
            "type": "response.output_text.delta",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "delta": " les",
        },
        {
            "type": "response.output_text.done",
            "item_id": "msg_1",
            "output_index": 1,
            "content_index": 0,
            "text": "7 ap les",
        },
        {
            "type": "response.completed",
            "response": {
                "id": "resp_1",
                "output": [search, message],
                "usage": {"input_tokens": 5, "output_tokens": 3},
            },
        },
    ]
    grounding = {
        "webSearchQueries": ["apples"],
        "groundingChunks": [{"web": {"uri": "https://t.example", "title": "t.example"}}],
        "groundingSupports": [
            {"segment": {"endIndex": 8, "text": "7 apples"}, "groundingChunkIndices": [0]}
        ],
        "searchEntryPoint": {"renderedContent": "<div></div>"},
    }
    google = [
        {
            "candidates": [
                {"content": {"parts": [{"text": "7 ap"}], "role": "model"}, "groundingMetadata": {}}
            ]
        },
        {
            "candidates": [
                {
                    "content": {"parts": [{"text": "ples"}], "role": "model"},
                    "finishReason": "STOP",
                    "groundingMetadata": grounding,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": 3,
                "candidatesTokenCount": 2,
                "toolUsePromptTokenCount": 4,
            },
        },
    ]
    return {"anthropic": anthropic, "openai_responses": responses, "google": google}


def include_thoughts(case: dict) -> bool:
    thinking = (case.get("call") or {}).get("thinking") or {}
    return bool(thinking.get("include_thoughts"))


def http_response(payload: bytes, framing: str, coding: str = "") -> bytes:
    body = {"gzip": gzip.compress, "deflate": zlib.compress}.get(coding, bytes)(payload)
    head = ["HTTP/1.1 200 OK", "Content-Type: text/event-stream"]
    if coding:
        head.append(f"Content-Encoding: {coding}")
    if framing == "length":
        head.append(f"Content-Length: {len(body)}")
    elif framing == "chunked":
        head.append("Transfer-Encoding: chunked")
        pieces = [body[i : i + 300] for i in range(0, len(body), 300)]
        body = b"".join(b"%x;n=1\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\nX-T: 1\r\n\r\n"
    return "\r\n".join(head).encode() + b"\r\n\r\n" + body


def http1_seeds(raw: bytes) -> list[bytes]:
    seeds = []
    for framing in ("length", "chunked", "close"):
        for coding in ("", "gzip", "deflate"):
            wire = http_response(raw, framing, coding)
            seeds.append(with_cuts(0, [len(wire) // 3, len(wire) // 2], wire))
    seeds.append(b"\0HTTP/1.1 100 Continue\r\n\r\n" + http_response(raw, "length"))
    for framing in range(4):
        for coding in range(4):
            control = BIT_THOUGHTS | (framing << 4) | (coding << 6) | 2
            seeds.append(with_cuts(control, [len(raw) // 4, len(raw) // 2], raw))
    return seeds


# `choices` values of the shapes the skim's common-choices reader answers for, and near misses.
CHOICES = [
    r'[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]',
    r'[{"delta":{"role":"assistant","content":"","refusal":null},"index":0,"logprobs":null}]',
    r'[{"finish_reason":"stop","delta":{},"index":0,"logprobs":null}]',
    r'[{"index":0,"delta":{"content":"a\nb\"c\\d\/e\bf\fg\rh\ti"}}]',
    r'[{"index":0,"delta":{"content":"\u00e9\u00E9\u20ac\ud83d\ude00\u0000"}}]',
    r'[{"index":0,"delta":{"reasoning_content":"x","reasoning":null,"tool_calls":[]}}]',
    r'[{"index":null,"delta":{"reasoning":"\ud800\u0041"},"finish_reason":"length"}]',
    r'[{"index":0,"delta":{"content":"\ud83d"},"finish_reason":null}]',
    "[]",
]


def main() -> None:
    counts: dict[str, int] = {}
    json_docs: list = []

    def add(target: str, data: bytes) -> None:
        write(target, data)
        counts[target] = counts.get(target, 0) + 1

    for path in sorted(FIXTURES.rglob("*.json")):
        case = json.loads(path.read_text())
        target = TARGETS.get(case.get("wire_format"))
        for interaction in case.get("interactions", []):
            request_body = (interaction.get("request") or {}).get("body")
            if request_body is not None:
                json_values(request_body, json_docs)
            body = (interaction.get("response") or {}).get("body")
            if not isinstance(body, str):
                continue
            raw = body.encode()
            add("sse", b"\0" + raw)
            add("sse", with_cuts(BIT_THOUGHTS | (5 << 5), [len(raw) // 3, len(raw) // 2], raw))
            if target == "anthropic" and counts.get("http1", 0) < 6 * 26:
                for seed in http1_seeds(raw):
                    add("http1", seed)
            if target is None:
                continue
            control = BIT_THOUGHTS if include_thoughts(case) else 0
            add(target, bytes([control]) + raw)
            add(target, with_cuts(control, [len(raw) // 2, 7, len(raw) - 1], raw))
            events = sse_events(body)
            lines = "\n".join(data.replace("\n", " ") for _, data in events).encode()
            add(target, bytes([control | BIT_EVENTS]) + lines)
            named = "\n".join(
                f"{name}\t{data}" if name else data.replace("\n", " ") for name, data in events
            ).encode()
            add(target, bytes([control | BIT_EVENTS | BIT_NAMED]) + named)
        for turn in (case.get("expected") or {}).get("assistant_turns") or []:
            for part in turn or []:
                for key in ("text", "args"):
                    text = part.get(key) if isinstance(part, dict) else None
                    if isinstance(text, str) and text.strip()[:1] in ("{", "["):
                        try:
                            json_values(json.loads(text), json_docs)
                        except ValueError:
                            continue
                        add("partial_json", b"\0" + text.encode())
        parsed = (case.get("expected") or {}).get("parsed")
        if parsed is not None:
            json_values(parsed, json_docs)

    for target, events in web_search_streams().items():
        named = [(e["type"] if "type" in e else "", json.dumps(e)) for e in events]
        line_end = "\r\n" if target == "google" else "\n"
        raw = "".join(
            (f"event: {name}{line_end}" if name else "") + f"data: {data}{line_end}{line_end}"
            for name, data in named
        ).encode()
        add(target, b"\0" + raw)
        add(target, with_cuts(0, [len(raw) // 3, len(raw) // 2], raw))
        add(target, bytes([BIT_EVENTS]) + "\n".join(data for _, data in named).encode())
        lines = "\n".join(f"{name}\t{data}" if name else data for name, data in named)
        add(target, bytes([BIT_EVENTS | BIT_NAMED]) + lines.encode())
        add("sse", b"\0" + raw)

    for value in CHOICES:
        add("openai_completions", b"\0" + value.encode())
        lines = [f'{{"id":"c","choices":{value},"usage":null}}', f'{{"choices":{value}}}']
        add("openai_completions", bytes([BIT_EVENTS]) + "\n".join(lines).encode())

    seen = set()
    for value in json_docs:
        for text in (
            json.dumps(value, ensure_ascii=False),
            json.dumps(value, indent=2),
        ):
            if text in seen or len(text) > 16384:
                continue
            seen.add(text)
            doc = text.encode()
            add("partial_json", b"\0" + doc)
            add("partial_json", b"\0" + doc[: len(doc) // 2])
    for target, n in sorted(counts.items()):
        files = len(list((CORPUS / target).iterdir()))
        print(f"{target}: {n} seeds written, {files} files in corpus/{target}")


if __name__ == "__main__":
    main()
