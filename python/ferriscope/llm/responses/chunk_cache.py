"""The replay cache of a stream response, kept at a few bytes per text chunk.

Every iterator of a response replays its content chunks from the first one (docs/spec.md §3.2), so
none can be dropped. Kept as objects they are most of a long-lived response's memory: a
`TextChunk` and its delta string take ~130 B to carry ~5 characters, characters that the
part's `Text` holds anyway. So runs of text (and thought) chunks are kept as the length of
each delta (1 B each) over the part's text, and chunk objects are made again only when an
iterator replays them: a chunk is `TextChunk(delta=text[a:b])`, equal to the original.

The newest entries stay the original objects (`hot`): an iterator only pulls a batch once it
has read everything, so it reads what it just pulled without copies, and a single pass over a
stream never makes a chunk. The hot list is compacted in bulk, with a few C-level passes
(`bytes(map(len, ...))`, one `join`), once it holds `COMPACT_AT` entries — before the next batch
is applied, when every iterator at the live end has read it — and when the stream ends with
`COMPACT_AT` entries or more still hot; fewer (a short answer's whole cache) wait until a
cursor starts replaying the ended stream, so an answer read once is never compacted.

The same step joins the part's delta pieces into one block, so a streaming `Text` holds a few
strings rather than one per delta, and each character is copied once more than before.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate, islice, pairwise
from typing import Any, overload

from ferriscope._core import (
    TextChunk,
    TextEndChunk,
    TextStartChunk,
    ThoughtEndChunk,
    ThoughtStartChunk,
)
from ferriscope.llm.content.growing import joined

__all__ = ["COMPACT_AT", "REPLAY_SPAN", "ChunkCache"]

COMPACT_AT = 128
"""Hot entries that trigger a compaction before the next batch. Its fixed cost (a few
µs) is spread over this many chunks; an open stream holds up to this many chunk objects
(~130 B each) on top of its compact cache, and so may an ended one that was never replayed."""

REPLAY_SPAN = 256
"""At most this many chunks are re-made at once for a replaying iterator, which bounds the
temporary objects of replaying a long cache."""

_delta = operator.attrgetter("delta")
_STARTS = (TextStartChunk, ThoughtStartChunk)
_ENDS = (TextEndChunk, ThoughtEndChunk)
_BOUNDS = _STARTS + _ENDS
_BOUND_TYPES = frozenset(_BOUNDS)
_TEXT = (TextChunk, TextEndChunk)


_Run = tuple[Any, list[str], int, int, "bytes | array[int]"]
"""Consecutive text or thought chunks of one part: their class, the part's delta pieces (the
list its `Text` joins; `[final text]` once the part is frozen), where the run starts and
stops in that text, and the length of each delta. A tuple: one is made per compaction."""


def _run_text(run: _Run) -> str:
    """The run's part text, at least up to the run's end (joined only if it must be)."""
    pieces = run[1]
    first = pieces[0]
    return first if len(first) >= run[3] else joined(pieces)


def _run_chunks(run: _Run, first: int, stop: int) -> list[Any]:
    """Chunks `first` to `stop` (exclusive) of the run, re-made."""
    cls, _, start, _, lens = run
    text = _run_text(run)
    offsets = list(accumulate(lens[first:stop], initial=start + sum(lens[:first])))
    return [cls(delta=text[a:b]) for a, b in pairwise(offsets)]


def _run_text_from(run: _Run, first: int) -> str:
    """The deltas of chunks `first` to the end of the run, concatenated."""
    return _run_text(run)[run[2] + sum(run[4][:first]) : run[3]]


def _join_tail(pieces: list[str], n: int) -> None:
    """Joins a part's last `n` deltas, all hot, into one block.

    Its pieces are blocks of earlier compactions (its first piece at least: `""` or one) and
    then one piece per delta since. Reading the text joins all pieces into one, so if it was
    read since these deltas began arriving, fewer than `n` pieces follow the first one: those
    are joined instead."""
    if len(pieces) > n:
        if n > 1:
            pieces[-n:] = ["".join(pieces[-n:])]
    elif len(pieces) > 2:
        pieces[1:] = ["".join(pieces[1:])]


def _lengths(deltas: list[str]) -> bytes | array[int]:
    """Each delta's length: one byte each, unless a delta is 256 characters or longer."""
    try:
        return bytes(map(len, deltas))
    except ValueError:
        return array("q", list(map(len, deltas)))


class ChunkCache(Sequence[Any]):
    """A response's content chunks in arrival order: a read-only sequence, as `chunks` is.

    `BaseStreamResponse._apply` appends text and thought chunks of the open part straight to
    `hot`, and every other entry with `add`, which remembers its position. `start_part` is
    told each part's delta pieces in start order, so the compaction knows whose text each
    run is in.
    """

    __slots__ = (
        "_bounds",
        "_offset",
        "_parts",
        "_pieces",
        "_segs",
        "_starts",
        "base",
        "hot",
        "marks",
    )

    def __init__(self) -> None:
        self.hot: list[Any] = []
        """The newest entries, the original objects; `hot[0]` is entry `base`."""
        self.base = 0
        self.marks: list[int] = []
        """Positions in `hot` of the entries that are not a text/thought chunk of a part."""
        self._segs: list[_Run | list[Any]] = []  # compacted: runs and lists of other chunks
        self._starts: list[int] = []  # index of each segment's first entry
        self._parts: list[list[str]] = []  # pieces of parts whose start is still hot
        self._pieces: list[str] | None = None  # pieces of the part being filed
        self._offset = 0  # where its next delta starts in its text
        self._bounds: list[int] = []  # positions in `hot` of part start and end chunks

    # ---- writing (the response's accumulation) ---------------------------------------------

    def add(self, chunk: Any) -> None:
        """Appends an entry that is not a text or thought chunk of the open part."""
        hot = self.hot
        if type(chunk) in _BOUND_TYPES:  # the chunk classes are final
            self._bounds.append(len(hot))
        self.marks.append(len(hot))
        hot.append(chunk)

    def start_part(self, pieces: list[str]) -> None:
        """Registers the delta pieces of a part whose start chunk is about to be added."""
        self._parts.append(pieces)

    def compact(self) -> None:
        """Files the hot entries into compact segments and starts an empty hot list."""
        hot = self.hot
        n = len(hot)
        if not n:
            return
        if self.marks:
            self._compact_mixed()
        else:
            # The usual case: n more deltas of the part being filed. Unless the part's text was
            # read (which joins its pieces) since they arrived, they are its last n pieces
            # (see `_join_tail`).
            pieces = self._pieces
            assert pieces is not None
            if len(pieces) > n:
                deltas = pieces[-n:]
                block = "".join(deltas)
                pieces[-n:] = (block,)
            else:
                deltas = list(map(_delta, hot))
                block = "".join(deltas)
                _join_tail(pieces, n)
            try:
                lens: bytes | array[int] = bytes(map(len, deltas))
            except ValueError:  # a delta of 256 characters or more
                lens = array("q", list(map(len, deltas)))
            start = self._offset
            self._offset = stop = start + len(block)
            self._starts.append(self.base)
            self._segs.append((type(hot[0]), pieces, start, stop, lens))
        self.base += n
        self.hot = []

    def _compact_mixed(self) -> None:
        """Files a hot list that holds entries other than the open part's deltas.

        Those entries (`marks`) are kept as objects. Consecutive ones, such as the argument
        deltas of a tool call, are filed as one slice; only the start and end chunks of text
        and thought parts (`_bounds`) need a look each, as they change whose text the
        following runs are in."""
        hot = self.hot
        marks = self.marks
        bounds = self._bounds
        n = len(hot)
        if n > 2 and marks == bounds == [0, n - 1] and isinstance(hot[0], _STARTS):
            self._compact_part()  # a short answer's usual cache: one whole part
            return
        # Constant along each run of consecutive marks (marks ascend, one entry apart).
        keys = list(map(operator.sub, marks, range(len(marks))))
        i = begin = 0
        while True:
            mark = marks[i] if i < len(marks) else n
            if mark > begin:  # text/thought chunks of the part being filed
                deltas = list(map(_delta, hot[begin:mark]))
                assert self._pieces is not None
                start = self._offset
                self._offset = stop = start + sum(map(len, deltas))
                self._starts.append(self.base + begin)
                run = (type(hot[begin]), self._pieces, start, stop, _lengths(deltas))
                self._segs.append(run)
            if mark == n:
                break
            j = bisect_right(keys, keys[i], lo=i)
            end = mark + j - i
            k = bisect_left(bounds, mark)
            if k < len(bounds) and bounds[k] < end:
                for at in range(mark, end):
                    chunk = hot[at]
                    if isinstance(chunk, _STARTS):
                        self._pieces = self._parts.pop(0)
                        self._offset = 0
                    elif isinstance(chunk, _ENDS):
                        self._merge_runs()
                        self._pieces = None
                    self._file_objects(at, [chunk])
            else:
                self._file_objects(mark, hot[mark:end])
            begin = end
            i = j
        if self._pieces is not None:  # a part still open: join its deltas after the last mark
            _join_tail(self._pieces, n - marks[-1] - 1)
        marks.clear()
        bounds.clear()

    def _compact_part(self) -> None:
        """Files a hot list that is one whole part: its start chunk, its deltas, its end
        chunk (what `_compact_mixed` makes of it, without its general walk)."""
        hot = self.hot
        n = len(hot)
        self._file_objects(0, [hot[0]])
        pieces = self._parts.pop(0)
        deltas = list(map(_delta, hot[1 : n - 1]))
        self._offset = stop = sum(map(len, deltas))
        self._starts.append(self.base + 1)
        self._segs.append((type(hot[1]), pieces, 0, stop, _lengths(deltas)))
        self._file_objects(n - 1, [hot[n - 1]])  # the part ended: no runs to merge
        self._pieces = None
        self.marks.clear()
        self._bounds.clear()

    def _file_objects(self, at: int, chunks: list[Any]) -> None:
        """Files hot entries `at`... (kept as objects) onto the last list segment if they
        continue it, else as a new one."""
        segs = self._segs
        last = segs[-1] if segs else None
        if type(last) is list and self._starts[-1] + len(last) == self.base + at:
            last.extend(chunks)
        else:
            self._starts.append(self.base + at)
            segs.append(chunks)

    def _merge_runs(self) -> None:
        """Makes the ended part's last runs (one per compaction) one run: a run costs ~200 B
        beyond its lengths, ~1.5 B per chunk while a part streams and nothing once it ended."""
        runs: list[_Run] = []
        for seg in reversed(self._segs):
            if isinstance(seg, list) or seg[1] is not self._pieces:
                break
            runs.append(seg)
        if len(runs) < 2:
            return
        runs.reverse()
        lens: bytes | array[int]
        if all(type(run[4]) is bytes for run in runs):
            lens = b"".join(run[4] for run in runs)
        else:
            lens = array("q")
            for run in runs:
                lens.extend(run[4])
        first = len(self._segs) - len(runs)
        self._segs[first:] = [(runs[0][0], runs[0][1], runs[0][2], runs[-1][3], lens)]
        del self._starts[first + 1 :]

    # ---- reading ---------------------------------------------------------------------------

    def span(self, index: int) -> list[Any]:
        """Entries from `index` on, at least one unless `index` is the end: the hot entries as
        they are, or up to REPLAY_SPAN compacted ones re-made."""
        at = index - self.base
        if at >= 0:
            return self.hot[at:]
        k = bisect_right(self._starts, index) - 1
        seg = self._segs[k]
        first = index - self._starts[k]
        if isinstance(seg, list):
            return seg[first : first + REPLAY_SPAN]
        return _run_chunks(seg, first, min(len(seg[4]), first + REPLAY_SPAN))

    def text_span(self, index: int, sep: str) -> tuple[list[str], int]:
        """What `text_stream(sep)` yields for the compacted entries from `index` on, and how
        many entries that is (at least one): the deltas of a text run are slices of its text,
        with no chunk made (~10× cheaper), and a thought run is skipped whole."""
        k = bisect_right(self._starts, index) - 1
        seg = self._segs[k]
        first = index - self._starts[k]
        if isinstance(seg, list):
            entries = seg[first : first + REPLAY_SPAN]
            out = [c.delta if type(c) is TextChunk else sep for c in entries if type(c) in _TEXT]
            return out, len(entries)
        cls, _, start, _, lens = seg
        if cls is not TextChunk:
            return [], len(lens) - first
        stop = min(len(lens), first + REPLAY_SPAN)
        text = _run_text(seg)
        offsets = list(accumulate(lens[first:stop], initial=start + sum(lens[:first])))
        return [text[a:b] for a, b in pairwise(offsets)], stop - first

    def text_since(self, index: int) -> str:
        """The deltas of the `TextChunk`s from entry `index` on, concatenated."""
        out: list[str] = []
        if index < self.base:
            k = bisect_right(self._starts, index) - 1
            first = index - self._starts[k]
            for seg in islice(self._segs, k, None):
                if isinstance(seg, list):
                    out.extend(c.delta for c in seg[first:] if type(c) is TextChunk)
                elif seg[0] is TextChunk:
                    out.append(_run_text_from(seg, first))
                first = 0
        out.extend(c.delta for c in self.hot[max(0, index - self.base) :] if type(c) is TextChunk)
        return "".join(out)

    def __len__(self) -> int:
        return self.base + len(self.hot)

    def __bool__(self) -> bool:
        return bool(self.base or self.hot)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        base = self.base
        if type(index) is int and index >= base:
            return self.hot[index - base]  # IndexError past the end, as a list's
        if isinstance(index, slice):
            wanted = range(*index.indices(len(self)))
            if not wanted:
                return []
            low = min(wanted[0], wanted[-1])
            entries = list(islice(self._iter_from(low), max(wanted[0], wanted[-1]) + 1 - low))
            return [entries[i - low] for i in wanted]
        index = operator.index(index)
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("chunk index out of range")
        if index >= base:
            return self.hot[index - base]
        k = bisect_right(self._starts, index) - 1
        seg = self._segs[k]
        first = index - self._starts[k]
        return seg[first] if isinstance(seg, list) else _run_chunks(seg, first, first + 1)[0]

    def _iter_from(self, index: int) -> Iterator[Any]:
        while True:
            span = self.span(index)
            if not span:
                return
            index += len(span)
            yield from span

    def __iter__(self) -> Iterator[Any]:
        return self._iter_from(0)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (ChunkCache, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))
