"""A batch that survives its submissions: each job in its own forked process, a few at a time.

Not a process pool: in a pool, a worker that dies (killed, out of memory, a crashed interpreter)
breaks the pool and every queued job with it. Here each job has its own process and pipe; a death
costs that job only (`lost(job, reason)`), and the next job starts in a fresh process. Ctrl-C in the
parent (taken only while it waits for the children) stops the children with SIGTERM (their `finally` blocks close namespaces and delete folders),
then SIGKILL after a grace period, and is raised again once they are gone.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing.connection import wait
from typing import Callable, Iterator, TypeVar

J = TypeVar("J")
R = TypeVar("R")
GRACE = 15.0           # seconds a child gets to clean up after SIGTERM


def _context():
    """Fork where available: children start from a parent that already imported the heavy modules."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _stop(signum, frame):  # noqa: ARG001 - signal handler signature
    raise SystemExit(128 + signum)


def _child(work, job, conn) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})   # blocked by the parent around fork
    signal.signal(signal.SIGTERM, _stop)              # the parent's stop: run the cleanups, then exit
    quiet = os.open(os.devnull, os.O_WRONLY)           # what goes wrong is in the result; a stopped
    os.dup2(quiet, 2)                                  # kernel start would only print tracebacks
    try:
        result = work(job)
        conn.send(result)
    finally:
        conn.close()


def run(jobs: list[J], work: Callable[[J], R], *, workers: int, lost: Callable[[J, str], R],
        started: Callable[[J, int], None] | None = None) -> Iterator[tuple[J, R]]:
    """`work(job)` for each job in its own process, at most `workers` at once; (job, result) as each ends.
    `started(job, pid)` is told each child's pid (to clean what a killed child leaves)."""
    ctx = _context()
    pending = list(jobs)
    running: dict[int, tuple] = {}        # sentinel → (process, connection, job)
    # Ctrl-C is let in only while waiting for the children: anywhere else (a fork, a multiprocessing
    # finalizer) it can land in a hook where Python merely prints it, and the batch would go on.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                job = pending.pop(0)
                receive, send = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_child, args=(work, job, send), daemon=True)
                process.start()
                send.close()
                if started:
                    started(job, process.pid)
                running[process.sentinel] = (process, receive, job)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            try:
                ready = wait([*running, *(r[1] for r in running.values())])
            finally:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            for sentinel, (process, receive, job) in list(running.items()):
                if sentinel not in ready and receive not in ready:
                    continue
                result = None
                try:
                    if receive.poll():
                        result = receive.recv()
                except (EOFError, OSError):
                    result = None
                if result is None and process.is_alive():
                    continue                 # pipe closed early but the process is still ending
                process.join(GRACE)
                if process.is_alive():
                    process.kill()
                    process.join()
                receive.close()
                del running[sentinel]
                if result is None:
                    code = process.exitcode
                    reason = (f"tué par le signal {-code}" if code is not None and code < 0
                              else f"sorti avec le code {code}")
                    result = lost(job, f"le processus de notation de cette copie s'est arrêté ({reason}) : "
                                       "copie non notée, relancez la notation pour elle")
                yield job, result
    finally:
        _stop_all([r[0] for r in running.values()])
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _stop_all(processes) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(GRACE)
        if process.is_alive():
            process.kill()
            process.join()
