"""The sweep's worker processes: each loads the scenario once and plays the chunks of runs it is sent.

They are this package's own rather than a concurrent.futures pool so that an interrupt or a failure
ends them at once: a pool plays every chunk already queued before it shuts down.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, NamedTuple

from simulator.sweep.runs import Progress, RunFailed, Runner, RunRecord, SweepError, problem

# How long a stopping worker gets to exit before it is killed, and how often an idle worker checks
# that its parent is still there.
JOIN_SECONDS = 2.0
PARENT_CHECK_SECONDS = 1.0


def _worker_main(conn: Connection, initargs: tuple[Any, ...], parent: int) -> None:
    """A worker process: load the scenario once, then play each chunk the parent sends until told to stop.

    Replies are ("done", records), ("failed", RunFailed) or ("broken", problem) when the worker could
    not even load the scenario.
    """
    # Ctrl-C reaches the whole process group; only the parent acts on it (it ends the workers), so a
    # worker neither plays on nor prints a traceback of its own. SIGINT was blocked across the fork,
    # so it cannot arrive before this line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    runner: Runner | None = None
    broken = ""
    try:
        runner = Runner(*initargs)
    except Exception as exc:
        broken = problem(exc)
    try:
        while True:
            while not conn.poll(PARENT_CHECK_SECONDS):
                if os.getppid() != parent:
                    return  # the parent died without ending us (SIGKILL): nobody is left to want the results
            task = conn.recv()
            if task is None:
                return
            if runner is None:
                conn.send(("broken", broken))
                return
            start, stop = task
            try:
                conn.send(("done", runner.run_chunk(start, stop)))
            except RunFailed as exc:
                conn.send(("failed", exc))
    except (EOFError, OSError):
        return  # the parent closed its end: it is stopping
    finally:
        conn.close()


class _Worker(NamedTuple):
    process: Any  # a multiprocessing Process of whichever start method
    conn: Connection


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold Ctrl-C back for a moment: a SIGINT that arrives meanwhile is delivered afterwards, not lost."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_workers(jobs: int, initargs: tuple[Any, ...], workers: list[_Worker]) -> None:
    context = _pool_context()
    # Blocked across the fork so no worker starts life with Python's Ctrl-C handler still in place.
    with _sigint_blocked():
        for n in range(jobs):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_worker_main, args=(theirs, initargs, os.getpid()), name=f"tabletop-sweep-{n}", daemon=True
            )
            process.start()
            # Only the worker holds its end now, so its death reads as end-of-file here.
            theirs.close()
            workers.append(_Worker(process, ours))


def _stop_workers(workers: list[_Worker], *, now: bool) -> None:
    """End the workers: politely when the sweep is complete, at once when it is interrupted or has failed.

    No worker is left behind either way: each is joined, and killed if it does not exit in time.
    """
    # A second Ctrl-C while stopping must not abandon the workers half-way; it is delivered after.
    with _sigint_blocked():
        for worker in workers:
            if now:
                worker.process.terminate()
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    worker.process.terminate()
        for worker in workers:
            worker.process.join(JOIN_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def _lost(worker: _Worker) -> SweepError:
    """The error for a worker that died on its own (killed from outside, out of memory, a crash)."""
    worker.process.join(JOIN_SECONDS)
    code = worker.process.exitcode
    if code is None:
        how = "still running but not answering"
    elif code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit status {code}"
    return SweepError(f"a worker process stopped unexpectedly ({how})")


def play_in_workers(
    initargs: tuple[Any, ...],
    ranges: list[tuple[int, int]],
    jobs: int,
    records: list[RunRecord | None],
    progress: Progress | None,
) -> None:
    """Play the chunks in `jobs` worker processes, each fed one chunk at a time, filling `records`.

    The workers are this module's own rather than a concurrent.futures pool so that an interrupt or a
    failure can end them at once: a pool plays every chunk already queued before it shuts down.
    """
    total = len(records)
    workers: list[_Worker] = []
    try:
        _start_workers(jobs, initargs, workers)
        todo = deque(ranges)
        idle = list(workers)
        busy: dict[Connection, tuple[_Worker, int]] = {}
        failure: RunFailed | None = None
        done = 0
        while True:
            # Chunks go out in run order. After a failure only chunks starting before it are still
            # worth playing: they alone can hold an earlier failure, and the earliest is reported so
            # the error does not depend on which worker happened to finish first.
            while idle and todo and (failure is None or todo[0][0] < failure.index):
                worker = idle.pop()
                start, stop = todo.popleft()
                try:
                    worker.conn.send((start, stop))
                except OSError as exc:
                    raise _lost(worker) from exc
                busy[worker.conn] = (worker, start)
            if failure is not None:
                busy = {conn: job for conn, job in busy.items() if job[1] < failure.index}
            if not busy:
                break
            ready = wait([*busy, *(worker.process.sentinel for worker in workers)])
            for conn in [c for c in ready if isinstance(c, Connection) and c in busy]:
                worker, _ = busy.pop(conn)
                try:
                    kind, payload = conn.recv()
                except (EOFError, OSError) as exc:
                    raise _lost(worker) from exc
                if kind == "broken":
                    raise SweepError(f"a worker process could not load the scenario: {payload}")
                idle.append(worker)
                if kind == "failed":
                    if failure is None or payload.index < failure.index:
                        failure = payload
                    continue
                for record in payload:
                    records[record.index] = record
                done += len(payload)
                if progress:
                    progress(done, total)
            for worker in workers:
                # Workers exit only when told to, so a sentinel that fires means one died on its own.
                if worker.process.sentinel in ready and not worker.process.is_alive():
                    raise _lost(worker)
        if failure is not None:
            raise failure
    except BaseException:
        _stop_workers(workers, now=True)
        raise
    _stop_workers(workers, now=False)


def _pool_context() -> Any:
    # Forked workers inherit the imported engine and start in milliseconds; a fresh interpreter
    # would spend longer importing pydantic than a small sweep takes to run.
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
