"""Checks `ferriscope.sse.SSEDecoder` against the WHATWG event-stream rules (not run in CI).

Usage::

    PYTHONPATH=python python benches/conformance_sse.py [DIR ...] [--random N] [--seed S]

The reference below is a literal, whole-stream reading of the "event stream interpretation"
section of the HTML standard: decode the whole body as UTF-8 (one leading BOM dropped,
invalid bytes as U+FFFD), split it into lines at CRLF, LF or CR, drop the unterminated last
line, and run the field rules and the dispatch steps line by line. The decoder under test is
fed the same bytes whole, one byte at a time, and in random reads, and must give the same
events, the same `last_event_id` (the last event ID *string*: set when a block is
dispatched, kept across streams) and the same `retry`.

Inputs: every file under each DIR (a raw `text/event-stream` body, e.g. saved responses or
a suite's fixtures), then N random streams built from SSE-shaped pieces (CR/LF/CRLF, BOMs,
field names with and without colons and spaces, NUL, cut UTF-8, ...), each also run as two
streams in a row through one decoder (`finish()` in between). Prints every mismatch and a
pass count; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ferriscope.sse import SSEDecoder

Event = tuple[str, str, str, int | None]  # event, data, id, retry of its block


@dataclass
class Reference:
    """The spec's parser state, kept across streams like an EventSource across reconnects."""

    last_event_id: str = ""  # the EventSource's last event ID string
    retry: int | None = None  # the reconnection time
    events: list[Event] = field(default_factory=list)

    def stream(self, body: bytes) -> None:
        text = body.decode("utf-8", "replace")
        text = text.removeprefix("\ufeff")
        *lines, _unterminated = re.split("\r\n|\r|\n", text)
        data, event_type, id_buffer = "", "", self.last_event_id
        block_retry: int | None = None
        for line in lines:
            if not line:
                self.last_event_id = id_buffer
                if data:
                    self.events.append(
                        (event_type or "message", data.removesuffix("\n"), id_buffer, block_retry)
                    )
                data, event_type, block_retry = "", "", None
                continue
            if line.startswith(":"):
                continue
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "event":
                event_type = value
            elif name == "data":
                data += value + "\n"
            elif name == "id" and "\0" not in value:
                id_buffer = value
            elif name == "retry" and value and all("0" <= c <= "9" for c in value):
                block_retry = self.retry = min(int(value), 2**64 - 1)


def decode(bodies: list[list[bytes]]) -> tuple[list[Event], str, int | None]:
    """Runs one decoder over streams given as lists of reads."""
    decoder = SSEDecoder()
    events = []
    for reads in bodies:
        for read in reads:
            events += decoder.feed(read)
        events += decoder.finish()
    found = [(e.event, e.data, e.id, e.retry) for e in events]
    return found, decoder.last_event_id, decoder.retry


def expected(bodies: list[bytes]) -> tuple[list[Event], str, int | None]:
    ref = Reference()
    for body in bodies:
        ref.stream(body)
    return ref.events, ref.last_event_id, ref.retry


def splits(body: bytes, rng: random.Random) -> list[tuple[str, list[bytes]]]:
    ways = [("whole", [body]), ("bytewise", [body[i : i + 1] for i in range(len(body))])]
    for n in range(3):
        cuts = sorted(rng.randrange(len(body) + 1) for _ in range(rng.randint(1, 6)))
        bounds = [0, *cuts, len(body)]
        ways.append((f"random {n}", [body[i:j] for i, j in itertools.pairwise(bounds)]))
    return ways


PIECES = [
    b"data", b"data:", b"data: ", b"data:  ", b"event", b"event:", b"event: ", b"id", b"id:",
    b"id: ", b"retry", b"retry:", b"retry: ", b":", b": c", b"Data:", b"dat", b"\n", b"\r",
    b"\r\n", b"\n\n", b"\r\r", b"\xef\xbb\xbf", b"\xef\xbb", b"\0", b" ", b"\t", b"x", b"42",
    b"007", b"1x", "é".encode(), "🎉".encode(), "🎉".encode()[:2], b"\xff", b"\xc3", b"\x80",
]  # fmt: skip


def random_stream(rng: random.Random) -> bytes:
    return b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40)))


def check(label: str, bodies: list[bytes], rng: random.Random) -> bool:
    want = expected(bodies)
    for how in range(5):
        reads = [splits(body, rng)[how] for body in bodies]
        got = decode([r for _, r in reads])
        if got != want:
            print(f"FAIL {label} ({reads[0][0]}): {bodies!r:.200}")
            print(f"     got      {got!r:.300}")
            print(f"     expected {want!r:.300}")
            return False
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", type=Path, help="directories of raw event-stream bodies")
    ap.add_argument("--random", type=int, default=5000, help="random streams to run")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    passed = total = 0
    for directory in args.dirs:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            total += 1
            passed += check(str(path), [path.read_bytes()], rng)
    for n in range(args.random):
        bodies = [random_stream(rng)] if n % 2 else [random_stream(rng), random_stream(rng)]
        total += 1
        passed += check(f"random #{n}", bodies, rng)
    print(f"{passed}/{total} passed")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
