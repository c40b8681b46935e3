"""A progress bar for long ingests, on stderr, out of the way of short ones.

The bar appears at once when stderr is a terminal, and on a log (stderr not a
terminal) only once a run has read ``MANY`` records, updating rarely, so CI
logs and tests of small files stay clean.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
MANY = 20_000


def progress(items: Iterable[T], desc: str = "ingest") -> Iterator[T]:
    """Yield ``items`` unchanged while a tqdm bar on stderr counts them."""
    tty = sys.stderr.isatty()
    bar: tqdm | None = tqdm(desc=desc, unit=" rec", file=sys.stderr, mininterval=0.5) if tty else None
    n = 0
    try:
        for item in items:
            n += 1
            if bar is None and n == MANY:
                bar = tqdm(desc=desc, unit=" rec", file=sys.stderr, mininterval=15, initial=n - 1)
            if bar is not None:
                bar.update()
            yield item
    finally:
        if bar is not None:
            bar.close()
