"""The printed table: one row per peer next to the ferriscope row it is compared with."""

from __future__ import annotations

from collections.abc import Sequence

from benches.harness.measure import Measurement

__all__ = ["ITEMS", "fmt_ms", "render"]


def fmt_ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    ms = seconds * 1e3
    return f"{ms:,.1f}" if ms >= 1 else f"{ms:.3f}"


def _fmt_us(us: float | None) -> str:
    return "-" if us is None else f"{us:,.2f}"


def _fmt_ratio(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def render(results: Sequence[Measurement]) -> str:
    """Plain-text table: one row per peer, next to the ferriscope row it is compared with
    (ratio = peer time / ferriscope time)."""
    by_key = {(m.case, m.impl): m for m in results}
    header = (
        "case",
        "ferriscope",
        "ms",
        "items",
        "µs/item",
        "peer",
        "ms",
        "items",
        "µs/item",
        "ratio",
    )
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for m in results:
        if m.note:
            notes.append(f"{m.case} / {m.impl}: {m.note}")
        if m.impl == m.baseline:
            continue
        base = by_key.get((m.case, m.baseline))
        base_best = base.best if base else None
        if m.note.startswith("CHECK FAILED"):
            ratio = "CHECK FAILED"
        elif m.best and base_best:
            ratio = _fmt_ratio(m.best / base_best)
        else:
            ratio = "-"
        rows.append(
            (
                m.case,
                m.baseline,
                fmt_ms(base_best),
                f"{base.items:,}" if base and base.best else "-",
                _fmt_us(base.per_item_us if base else None),
                m.impl,
                fmt_ms(m.best),
                f"{m.items:,}" if m.best else "-",
                _fmt_us(m.per_item_us),
                ratio,
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    left = {0, 1, 5}

    def line(r: Sequence[str]) -> str:
        cells = (
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    if notes:
        out += ["", *notes]
    return "\n".join(out)


ITEMS = {
    "sse": "sse: events",
    "decode": "decode: ferriscope chunks / SDK events",
    "partial-json": "partial-json: pieces fed, each followed by a read of the partial value",
}
