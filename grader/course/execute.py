"""Run one notebook in its own kernel: own working copy, scrubbed environment, time budget.

The kernel sees only the submission's files (a fresh directory), no path of the course, and the
environment the sandbox gives it (learner id, data dir, kubeconfig of its fenced namespaces).
Each cell gets at most `cell_timeout` seconds and the whole notebook at most `budget`: a cell past
either is interrupted, and if the kernel ignores the interrupt it is killed. Cells that did not run to
completion are reported, so that scoring never mistakes "no output" for "passed".
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

# Variables a kernel may inherit from the grader; everything else is dropped (no course path leaks).
INHERITED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "VIRTUAL_ENV", "CPIN_CACHE",
             "CPIN_EXERCISES", "CPIN_BACKEND")


@dataclass(frozen=True)
class Sandbox:
    workdir: Path                         # the kernel's cwd and HOME: a copy of the submission's files
    env: dict[str, str] = field(default_factory=dict)   # added to the scrubbed environment

    def environment(self) -> dict[str, str]:
        base = {k: os.environ[k] for k in INHERITED if k in os.environ}
        tmp = self.workdir / ".tmp"
        tmp.mkdir(exist_ok=True)
        return {**base, "HOME": str(self.workdir), "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1",
                "NBGRADER_EXECUTION": "autograde", **self.env}


@dataclass
class Execution:
    completed: set[int]         # indices of code cells whose reply status was "ok" or "error"
    failed: set[int]            # indices whose reply was an error (exception in the cell)
    interrupted: set[int] = field(default_factory=set)   # stopped at their time limit
    timed_out: bool = False
    died: bool = False
    seconds: float = 0.0


def run(nb: NotebookNode, sandbox: Sandbox, *, cell_timeout: float, budget: float,
        kernel_name: str = "python3") -> Execution:
    """Execute `nb` in place (outputs are written into its cells)."""
    return asyncio.run(_run(nb, sandbox, cell_timeout=cell_timeout, budget=budget, kernel_name=kernel_name))


async def _run(nb, sandbox: Sandbox, *, cell_timeout: float, budget: float, kernel_name: str) -> Execution:
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    start = time.monotonic()
    deadline = start + budget
    outcome = Execution(completed=set(), failed=set())

    def timeout_for(cell) -> int:
        return max(1, int(min(cell_timeout, deadline - time.monotonic()) + 0.999))

    def executed(cell, cell_index, execute_reply) -> None:
        status = (execute_reply or {}).get("content", {}).get("status")
        if status == "ok":
            outcome.completed.add(cell_index)
        elif status == "error":
            outcome.completed.add(cell_index)
            outcome.failed.add(cell_index)
            if "header" not in execute_reply:      # nbclient's stand-in reply when a cell times out
                outcome.interrupted.add(cell_index)

    client = NotebookClient(
        nb, kernel_name=kernel_name, timeout_func=timeout_for, interrupt_on_timeout=True,
        error_on_timeout={"ename": "TimeoutError", "evalue": "temps dépassé : cellule interrompue",
                          "traceback": []},
        allow_errors=True, record_timing=False, on_cell_executed=executed, shutdown_kernel="immediate",
        resources={"metadata": {"path": str(sandbox.workdir)}})
    try:
        await asyncio.wait_for(client.async_execute(env=sandbox.environment(), stdout=subprocess.DEVNULL,
                                                    stderr=subprocess.DEVNULL), timeout=budget + 10)
    except (asyncio.TimeoutError, TimeoutError):
        outcome.timed_out = True
    except DeadKernelError:
        outcome.died = True
    finally:
        if client.km is not None:
            try:
                await client._async_cleanup_kernel()
            except Exception:  # noqa: BLE001 - the kernel may already be gone
                pass
    outcome.seconds = time.monotonic() - start
    if time.monotonic() >= deadline:
        outcome.timed_out = True
    return outcome
