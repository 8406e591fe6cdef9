"""`python -m ferriscope bench`: ferriscope against its peers, in the same run, on the same bytes.

    python -m ferriscope bench                          # sse, decode, partial-json
    python -m ferriscope bench partial-json --json-kb 10,100
    python -m ferriscope bench e2e concurrency          # the pytest suites
    python -m ferriscope bench short-answers            # whole short answers, import time
    python -m ferriscope bench all                      # everything

The harness lives in the repository, not in the wheel: `python -m ferriscope bench` runs it
from a checkout (the one ferriscope is imported from, or the current directory) and says so
anywhere else. One module per job: `reads` (how bytes reach an implementation), `measure`
(an implementation, timed and checked), `sse`, `decode` and `partial_json` (each kind's
implementations and checks), `cases` (what runs, in order), `table` (the printed ratios),
`suites` (the pytest suites it starts) and `cli` (options and exit status). The bodies come
from `ferriscope.testing.synth` (through `benches/streams.py`) and `benches/books.py`.

No pytest needed for the kinds measured here: every case runs a few times under
`time.perf_counter` (or, with `--timer process_time`, CPU time, steadier on a busy machine)
and the best run is reported, with the ratio peer time / ferriscope time. The same
implementations and workloads drive the pytest-benchmark suites in `benches/`, so both
measure exactly the same code paths on the same bytes.

- **sse** (a synthetic ~20 MB body cut into random 1-16 KB reads, see `benches/streams.py`): bytes →
  one event object per SSE event, every event's `event` and `data` read once. ferriscope's
  `SSEDecoder` against httpx-sse (its line decoder and event decoder, driven exactly as
  `EventSource.iter_sse` drives them over `iter_text`), and the SSE decoders of the openai
  and anthropic SDKs (`SSEDecoder.iter_bytes`). The `via httpx` rows run both sides through
  an `httpx.Response` streaming the same pieces.
- **decode** (the same bodies): bytes → typed chunk objects. ferriscope's `StreamDecoder`
  against the SDK typed streams Mirascope 2.8.2 consumes: `openai.Stream[ChatCompletionChunk]`
  and `anthropic.Stream[RawMessageStreamEvent]`, plus `MessageStream`, which Mirascope's
  Anthropic provider wraps around it; its text accumulation is quadratic, so it runs on its
  own 1 MB body (`--message-stream-mb`). Per-item costs are per ferriscope chunk and per SDK
  event.
- **partial-json** (`benches/test_bench_partial_json.py`'s workload): the books document of
  `benches/books.py` (1 KB to 1 MB, `--json-kb`) arrives in 1-8 character pieces and the partial
  value is read after every piece. ferriscope's `PartialJSONParser` feeds each piece once;
  its peers have no incremental API, so they re-parse the whole prefix every time: jiter and
  pydantic-core in trailing-strings partial mode, partial-json-parser and json-repair (each
  skipped with a note when not installed), and one `json.loads` of the whole document is the
  floor. A peer whose full run is estimated to exceed `--peer-budget` seconds re-parses every
  Nth prefix only (spread evenly); its row says "sampled 1/N" and its time is ×N.
- **e2e**, **concurrency**: ferriscope against Mirascope 2.8.2 through the loopback HTTP
  server of `benches/server.py` (text_stream() on 4 providers, structured_stream(), 8
  interleaved tool calls; many async streams and memory). These run
  `benches/test_bench_e2e.py` / `benches/test_bench_concurrency.py` under pytest (with
  pytest-benchmark, the `bench` extra; exit status 2 without it) in a child process.
  Their `FERRISCOPE_E2E_*` / `FERRISCOPE_CONC_*` settings pass through the
  environment; the suites print their own tables and write JSON to the temp directory.
- **short-answers**: the client CPU of one whole streamed answer (request to the end of
  `text_stream()`) at 1, 50 and 300 Chat Completions deltas, sync, async and over TLS:
  ferriscope (default path, and with an explicit `httpx.Client`), Mirascope 2.8.2, the
  openai SDK, httpx with `iter_lines` and `json.loads`, and bare requests that only read the
  body bytes (httpx, httpx2, pyreqwest, aiohttp); then the import time of `from ferriscope
  import llm` against `import pydantic`, and the field (pydantic-ai, litellm) when its venv
  exists. Runs `benches/test_bench_short_answers.py` under pytest, as e2e does
  (`FERRISCOPE_SHORT_*`).

Each run is checked (event count and data size for SSE, the decoded text for decode, the last
partial value against `json.loads` for partial JSON); a mismatch is reported in the table
instead of a time and makes the exit status 1, as does a failing pytest suite.
"""
