"""Per-frame work spread over worker processes, results in input order (the CLI's ``--workers``).

Workers are forked from a server process that imported the analysis modules and the engines once, with
OVITO and BLAS on one thread (the server starts no threads, so forking it is safe) and freud on
``cores // workers`` threads: workers start in milliseconds and do not compete for cores. The caller's
process reads the next frames while the workers compute.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice

from anodeflow.errors import AnodeflowError, InputError

#: modules the worker server imports once for all workers, besides the anodeflow modules loaded here
PRELOAD = ["__main__", "numpy", "freud", "ovito.modifiers", "anodeflow.analysis.couple", "anodeflow.analysis.bonds",
           "anodeflow.analysis.dislocations"]
#: environment variables that set the engines' thread counts; read when the engines load
THREAD_VARIABLES = ("OVITO_THREAD_COUNT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # a platform without affinity masks
        return os.cpu_count() or 1


def check_workers(workers: int | None) -> int:
    """The ``--workers`` count: None means every available core; below 1 is an ``InputError``."""
    if workers is None:
        return available_cores()
    if workers < 1:
        raise InputError(f"--workers must be >= 1 (processes analysing frames at once), got {workers}")
    return workers


def start_workers(workers: int) -> None:
    """Start the worker server in the background now (if ``workers`` > 1), so that it imports its modules
    while this process imports and reads; :func:`map_ordered` starts it otherwise."""
    if workers > 1:
        _context()


def map_ordered(fn: Callable, items: Iterable, workers: int = 1, serial_s: float | None = None) -> Iterator:
    """``fn(item)`` for every item, in order.

    With ``workers`` > 1 and at least two items, items go to that many worker processes while this process
    takes the next ones from ``items``; at most ``workers`` + 1 items are in flight, so memory holds a few.
    An error raised in a worker is raised here. With ``serial_s``, this process first works on the items
    itself for that many seconds, then starts the workers and works on until one runs: short jobs never
    start them. ``fn`` and the items must be picklable. Two items are taken before the first result.
    """
    items = iter(items)
    head = list(islice(items, 2 if workers > 1 else 0))
    if len(head) < 2:
        yield from map(fn, chain(head, items))
        return
    items = chain(head, items)
    if serial_s is not None:
        stop = time.perf_counter() + serial_s
        while time.perf_counter() < stop:
            if (item := next(items, _END)) is _END:
                return
            yield fn(item)
        if (item := next(items, _END)) is _END:
            return
        items = chain([item], items)
    threads = max(1, available_cores() // workers)
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_engine_threads, initargs=(threads,))
    starting = threading.Thread(target=_first_task, args=(pool,), daemon=True)
    starting.start()
    try:
        while serial_s is not None and starting.is_alive():
            if (item := next(items, _END)) is _END:
                return
            yield fn(item)
        starting.join()
        yield from _pooled(pool, fn, items, workers)
    finally:
        starting.join()  # a worker being started holds the pool's lock
        pool.shutdown(wait=True, cancel_futures=True)


_END = object()


def _first_task(pool: ProcessPoolExecutor) -> None:
    """Give ``pool`` a task that does nothing; returns once a worker process runs."""
    try:
        pool.submit(_started)
    except Exception:  # noqa: BLE001 - the same error comes back when the frames are submitted
        pass


def _started() -> None:
    """The first task of a pool: the worker runs."""


def _pooled(pool: ProcessPoolExecutor, fn: Callable, items: Iterator, workers: int) -> Iterator:
    """``fn(item)`` in ``pool`` for every item, in order, with at most ``workers`` + 1 items in flight."""
    pending: deque = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise AnodeflowError("a worker process died while analysing frames (out of memory?); "
                             "rerun with fewer --workers") from None


def _context():
    """A forkserver context whose server (started here, once per process, in the background) imports
    ``PRELOAD`` with one engine thread; spawn where there is no forkserver."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    context = multiprocessing.get_context("forkserver")
    main = getattr(sys.modules["__main__"].__spec__, "name", None)  # workers run the main module again
    loaded = sorted(name for name in sys.modules if name.startswith("anodeflow.") and name != main)
    context.set_forkserver_preload(PRELOAD + loaded)
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: "1" for name in THREAD_VARIABLES})
    try:  # the server takes this process's environment when it starts, and keeps it
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return context


def _engine_threads(threads: int) -> None:
    """Worker start: freud on ``threads`` threads, and OVITO and BLAS too where they are not loaded yet
    (spawned workers)."""
    os.environ.update({name: str(threads) for name in THREAD_VARIABLES})
    import freud

    freud.parallel.set_num_threads(threads)
