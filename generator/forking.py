"""Work shared out to forked processes, done one way for the whole build.

Page generation, similar papers and MkDocs' page rendering each split their
work into independent pieces.  The workers are forked, so they inherit what
the parent set up (module globals filled right before the call) instead of
receiving it pickled; only each piece's result travels back.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import queue
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn


def can_fork(jobs: int) -> bool:
    """True when ``jobs`` > 1 and this platform can fork workers."""
    return jobs > 1 and "fork" in multiprocessing.get_all_start_methods()


_frozen = 0  # how many frozen_heap blocks are open in this process


@contextmanager
def frozen_heap() -> Iterator[None]:
    """The objects that exist now are left out of garbage collection until the block ends.

    Around forking workers: a forked worker shares the parent's memory until it
    writes to a page; the cyclic collector writes into every object it scans, so
    without this each worker soon holds its own copy of the whole catalog and
    MkDocs' file list.  (No collection first, as Python's gc.freeze documentation
    has it: at 10k papers each took 50-130 ms to find a hundred objects.)

    Around a stage that keeps what came before it (the pages keep the catalog):
    the collector's full passes, each over every object of the catalog, took
    0.6 s of an incremental build at 10k papers and found nothing.

    Blocks nest: the heap thaws when the outermost ends."""
    global _frozen
    gc.freeze()
    _frozen += 1
    try:
        yield
    finally:
        _frozen -= 1
        if not _frozen:
            gc.unfreeze()


def fork_map(fn: Callable[[Any], Any], items: Iterable[Any], jobs: int, ordered: bool = True) -> Iterator[Any]:
    """``fn`` over ``items``: on ``jobs`` processes when can_fork(jobs), else here.

    The parent is one of the ``jobs``: it forks ``jobs - 1`` workers and takes
    items from the same counter as they do.  A forked worker ends up with its
    own copy of most of what it inherited (reading an object writes its
    reference count, so the page holding it is copied); a parent that only
    waited would keep a third copy of the catalog beside two workers'.  At
    100k papers that was 1.2 GB of the build's peak.

    Results come in the order of ``items``, or as they finish when not ``ordered``.
    """
    if not can_fork(jobs):
        yield from map(fn, items)
        return
    work = list(items)
    if ordered:
        pending: dict[int, Any] = {}
        want = 0
        for i, result in _shared(fn, work, jobs):
            pending[i] = result
            while want in pending:
                yield pending.pop(want)
                want += 1
    else:
        yield from (result for _i, result in _shared(fn, work, jobs))


class _Failed:
    """A worker's exception, sent back to the parent (as text when it cannot be pickled)."""

    def __init__(self, error: BaseException):
        detail = "".join(traceback.format_exception(error))
        try:
            pickle.dumps(error)
            self.error: BaseException | None = error
        except Exception:
            self.error = None
        self.detail = detail

    def raise_(self) -> NoReturn:
        if self.error is not None:
            raise self.error
        raise RuntimeError(f"a worker process failed:\n{self.detail}")


def _shared(fn: Callable[[Any], Any], items: list[Any], jobs: int) -> Iterator[tuple[int, Any]]:
    """(index, fn(item)) for every item, as they finish, on the parent and ``jobs - 1`` forked workers."""
    mp = multiprocessing.get_context("fork")
    counter = mp.Value("q", 0)  # the next item to take, shared by all

    def take() -> int:
        with counter.get_lock():
            i = int(counter.value)
            counter.value = i + 1
        return i

    def worker(conn: Any) -> None:
        try:
            while (i := take()) < len(items):
                try:
                    conn.send((i, fn(items[i])))  # pickled whole before a byte is sent
                except BaseException as e:
                    conn.send((i, _Failed(e)))
                    return
        finally:
            conn.send(None)
            conn.close()

    results: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def receive(conn: Any, process: Any) -> None:
        try:
            while (message := conn.recv()) is not None:
                results.put(message)
        except (EOFError, OSError):  # killed before it said it was done
            results.put((-1, _Failed(RuntimeError(f"worker process {process.pid} died "
                                                  f"(exit code {process.exitcode})"))))
        finally:
            results.put(None)

    workers = []
    readers: list[threading.Thread] = []
    with frozen_heap():
        for _ in range(jobs - 1):
            here, there = mp.Pipe(duplex=False)
            process = mp.Process(target=worker, args=(there,), daemon=True)
            process.start()
            there.close()
            workers.append((process, here))
        running = len(workers)
        try:
            readers += [threading.Thread(target=receive, args=(conn, process), daemon=True)
                        for process, conn in workers]
            for t in readers:
                t.start()

            def arrived(block: bool) -> Iterator[tuple[int, Any]]:
                nonlocal running
                while running and (block or not results.empty()):
                    message = results.get()
                    if message is None:
                        running -= 1
                    elif isinstance(message[1], _Failed):
                        message[1].raise_()
                    else:
                        yield message

            while (i := take()) < len(items):
                yield i, fn(items[i])
                yield from arrived(block=False)
            yield from arrived(block=True)
        finally:
            for process, _conn in workers:
                if process.is_alive() and running:
                    process.terminate()
                process.join()
            for t in readers:  # each ends at its worker's end of the pipe
                if t.ident is not None:
                    t.join()
            for _process, conn in workers:
                conn.close()


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
