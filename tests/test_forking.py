"""fork_map: the parent works beside jobs - 1 forked workers; results, order and failures."""

from __future__ import annotations

import os
import pickle
import threading
import time

import pytest

from generator.forking import can_fork, fork_map

pytestmark = pytest.mark.skipif(not can_fork(2), reason="needs fork")


def _square_with_pid(x: int) -> tuple[int, int]:
    time.sleep(0.002)  # long enough that neither process takes every item before the other starts
    return x * x, os.getpid()


def test_every_item_once_in_order_with_parent_and_one_worker() -> None:
    out = list(fork_map(_square_with_pid, range(200), jobs=2))
    assert [r for r, _ in out] == [x * x for x in range(200)]
    pids = {pid for _, pid in out}
    assert os.getpid() in pids  # the parent took items itself
    assert len(pids) == 2  # and forked a single worker for jobs=2


def test_unordered_gives_every_result_once() -> None:
    out = list(fork_map(_square_with_pid, range(300), jobs=3, ordered=False))
    assert sorted(r for r, _ in out) == [x * x for x in range(300)]
    assert len({pid for _, pid in out}) <= 3


def _fail_in_worker(x: int) -> int:
    if os.getpid() == _PARENT[0]:
        time.sleep(0.01)  # leave items to the worker
        return x
    raise ValueError(f"bad item {x}")


_PARENT: list[int] = []


def test_a_worker_exception_reaches_the_parent() -> None:
    _PARENT[:] = [os.getpid()]
    before = threading.active_count()
    with pytest.raises(ValueError, match="bad item"):
        list(fork_map(_fail_in_worker, range(50), jobs=2))
    assert threading.active_count() <= before  # the pipe's reader thread has ended too


def _unpicklable(x: int) -> object:
    if os.getpid() == _PARENT[0]:
        time.sleep(0.01)  # leave items to the worker
        return x
    return lambda: x


def test_an_unpicklable_result_is_an_error_not_a_lost_item() -> None:
    _PARENT[:] = [os.getpid()]
    with pytest.raises((pickle.PicklingError, AttributeError)):
        list(fork_map(_unpicklable, range(100), jobs=2))


def _die(x: int) -> int:
    if os.getpid() != _PARENT[0]:
        os._exit(3)
    time.sleep(0.01)  # leave items to the worker
    return x


def test_a_worker_that_dies_is_reported() -> None:
    _PARENT[:] = [os.getpid()]
    with pytest.raises(RuntimeError, match="died"):  # its item would be lost: never silently short
        list(fork_map(_die, range(100), jobs=2))


def test_one_job_runs_here() -> None:
    assert [pid for _, pid in fork_map(_square_with_pid, range(5), jobs=1)] == [os.getpid()] * 5


def test_frozen_heap_blocks_nest_and_the_heap_thaws_at_the_outermost_end():
    """The build freezes the catalog for the whole pages stage, and fork_map freezes again
    inside it: the inner block's end must not thaw the catalog."""
    import gc

    from generator.forking import frozen_heap

    def collectable(obj: object) -> bool:  # frozen objects are in no generation
        return any(o is obj for o in gc.get_objects())

    catalog = {"papers": []}
    assert collectable(catalog)
    with frozen_heap():
        assert not collectable(catalog)
        with frozen_heap():
            pass
        assert not collectable(catalog)
        assert list(fork_map(len, [[1], [1, 2]], jobs=2)) == [1, 2]
        assert not collectable(catalog)
    assert collectable(catalog)
