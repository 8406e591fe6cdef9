#!/usr/bin/env python3
"""Seeds rust/fuzz/corpus/<target>/ from the recorded streams in tests/fixtures/streams.

Every fuzz input is `[control][cuts][body]` (see rust/fuzz/src/lib.rs): a control byte of 0
means "no cuts, default options", so a recorded body prefixed with b"\\0" is fed whole.

- provider targets (openai_completions, openai_responses, anthropic, google): each response body
  of the target's wire format, raw (control 0, and with include_thoughts, bit 3) and as the
  structure-aware variant (bit 4: one event data per line; bits 4+5: `name<TAB>data` lines);
- sse: every response body of every wire format, plus the same with a small line limit
  (bit 3, limit 256) and a few cuts;
- partial_json: JSON values from the request bodies (the body and each nested container) and
  from the text of structured outputs and tool-call arguments in the expected turns, compact
  and pretty, plus each one cut in half (a partial document).

Files are named by content hash, so re-running only adds what is new. Usage:

    python3 rust/fuzz/seed_corpus.py            # from the repository root or anywhere
"""

import hashlib
import json
import pathlib
import struct

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


def include_thoughts(case: dict) -> bool:
    thinking = (case.get("call") or {}).get("thinking") or {}
    return bool(thinking.get("include_thoughts"))


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
