"""The "books" document (re-exported from `ferriscope._benchbooks`).

The generator lives in the package so that `python -m ferriscope bench partial-json` works
from an installed wheel and times the same bytes as `benches/test_bench_partial_json.py`.

    python -m benches.books 100000 > books.json
"""

import sys

from ferriscope._benchbooks import book, books_document, byte_pieces, char_pieces

__all__ = ["book", "books_document", "byte_pieces", "char_pieces"]

if __name__ == "__main__":
    sys.stdout.write(books_document(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
