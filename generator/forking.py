"""Work shared out to forked processes, done one way for the whole build.

Page generation, similar papers and MkDocs' page rendering each split their
work into independent pieces.  The workers are forked, so they inherit what
the parent set up (module globals filled right before the call) instead of
receiving it pickled; only each piece's result travels back.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any


def can_fork(jobs: int) -> bool:
    """True when ``jobs`` > 1 and this platform can fork workers."""
    return jobs > 1 and "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Around forking workers: the parent's objects are left out of garbage collection.

    A forked worker shares the parent's memory until it writes to a page; the
    cyclic collector writes into every object it scans, so without this each
    worker soon holds its own copy of the whole catalog and MkDocs' file list.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def fork_map(fn: Callable[[Any], Any], items: Iterable[Any], jobs: int, ordered: bool = True) -> Iterator[Any]:
    """``fn`` over ``items``: on ``jobs`` forked processes when can_fork(jobs), else here.

    Results come in the order of ``items``, or as they finish when not ``ordered``.
    """
    if not can_fork(jobs):
        yield from map(fn, items)
        return
    with frozen_heap(), multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from (pool.imap if ordered else pool.imap_unordered)(fn, items)


class Background:
    """``fn`` over ``items`` in one forked process, started at once; ``wait()`` gives the results, in order.

    For work that can start before the parent has finished setting up the
    rest (the search index, while related papers are computed).  The caller
    must ``wait()`` or ``cancel()``.
    """

    def __init__(self, fn: Callable[[Any], Any], items: list[Any]):
        with frozen_heap():  # the worker is forked here and keeps the frozen heap shared
            self._pool = multiprocessing.get_context("fork").Pool(1)
        self._pending = self._pool.map_async(fn, items)

    def wait(self) -> list[Any]:
        """The results, in the order of the items."""
        try:
            return list(self._pending.get())
        finally:
            self.cancel()

    def cancel(self) -> None:
        self._pool.terminate()
        self._pool.join()
