"""Run one notebook in its own kernel: sandboxed, scrubbed environment, time budget, capped outputs.

The kernel runs inside the submission's `sandbox.Jail` (its own uid, filesystem view, limits, pid
namespace) and sees only the environment the sandbox gives it (learner id, data dir, kubeconfig of
its fenced namespaces). Each cell gets at most `cell_timeout` seconds and the whole notebook at most
`budget`: a cell past either is interrupted (an `interrupt_request` message: signals stop at the
sandbox), and if the kernel ignores it, it is killed with everything it started. Cells that did not run
to completion are reported, so that scoring never mistakes "no output" for "passed".

`judges` maps a cell index to a function of the grader's own process: that cell is not sent to the
kernel; the kernel waits while the grader computes the cell's outputs (the kit's checks, see
`grader.course.judge`). Outputs are capped per cell and per notebook.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nbformat import NotebookNode

from grader.course.sandbox import Jail

CELL_OUTPUT_MAX = 100_000          # characters of output kept per cell
NOTEBOOK_OUTPUT_MAX = 1_000_000    # characters of output kept per notebook

# Variables a kernel may inherit from the grader; everything else is dropped (no course path leaks).
INHERITED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT", "VIRTUAL_ENV", "CPIN_CACHE",
             "CPIN_EXERCISES", "CPIN_BACKEND")


@dataclass(frozen=True)
class Sandbox:
    jail: Jail                            # where the kernel runs (jail.home: its cwd and HOME)
    env: dict[str, str] = field(default_factory=dict)   # added to the scrubbed environment (inside paths)

    @property
    def workdir(self) -> Path:
        return self.jail.home

    def environment(self) -> dict[str, str]:
        base = {k: os.environ[k] for k in INHERITED if k in os.environ}
        return {**base, "HOME": self.jail.inside(self.jail.home), "TMPDIR": self.jail.inside(self.jail.tmp),
                "PYTHONDONTWRITEBYTECODE": "1", "NBGRADER_EXECUTION": "autograde", **self.env}


@dataclass
class Execution:
    completed: set[int]         # indices of code cells whose reply status was "ok" or "error"
    failed: set[int]            # indices whose reply was an error (exception in the cell)
    interrupted: set[int] = field(default_factory=set)   # stopped at their time limit
    timed_out: bool = False
    died: bool = False
    seconds: float = 0.0
    truncated: set[int] = field(default_factory=set)     # cells whose output was cut


def kernel_manager_class(jail: Jail, env: dict[str, str]):
    """A kernel manager whose kernel starts inside `jail`, interrupted by message, connection file in jail.run."""
    from jupyter_client.manager import AsyncKernelManager

    class Jailed(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.connection_file = str(jail.run / "kernel.json")

        def write_connection_file(self, **kwargs):
            super().write_connection_file(**kwargs)
            if not jail.unsafe and os.geteuid() == 0:      # written 0600: the sandbox's uid must read it
                os.chown(self.connection_file, jail.uid, jail.uid)

        def format_kernel_cmd(self, extra_arguments=None):
            self.kernel_spec.interrupt_mode = "message"   # SIGINT would stop at bwrap, outside the kernel
            cmd = super().format_kernel_cmd(extra_arguments)
            cmd = [jail.inside(Path(a)) if a == os.path.realpath(self.connection_file) else a for a in cmd]
            return jail.wrap(cmd, env)

    return Jailed


def _client_class():
    from nbclient import NotebookClient
    from nbformat.v4 import new_output

    class Client(NotebookClient):
        """nbclient with judged cells (computed by the grader) and output caps."""

        def setup_judging(self, judges: dict[int, Callable[[], list]], outcome: "Execution") -> None:
            self.judges, self.outcome, self.kept = judges, outcome, {}

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            judge = self.judges.get(cell_index)
            if judge is None or cell.cell_type != "code":
                return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            self.code_cells_executed += 1
            cell.outputs = await asyncio.to_thread(judge)
            cell.execution_count = execution_count
            return cell

        def output(self, outs, msg, display_id, cell_index):
            size = _size(msg.get("content"))
            cell_total = self.kept.get(cell_index, 0)
            notebook_total = sum(self.kept.values())
            if cell_total + size > CELL_OUTPUT_MAX or notebook_total + size > NOTEBOOK_OUTPUT_MAX:
                if cell_index not in self.outcome.truncated:
                    self.outcome.truncated.add(cell_index)
                    outs.append(new_output("stream", name="stdout", text=(
                        f"\n[sortie tronquée : au-delà de {CELL_OUTPUT_MAX // 1000} Ko par cellule "
                        f"ou {NOTEBOOK_OUTPUT_MAX // 1000} Ko par notebook]\n")))
                return None
            self.kept[cell_index] = cell_total + size
            return super().output(outs, msg, display_id, cell_index)

    return Client


def _size(content) -> int:
    """Characters of an output message's payload (text and data), cheaply."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, dict):
        return sum(_size(v) for v in content.values())
    if isinstance(content, (list, tuple)):
        return sum(_size(v) for v in content)
    return 8


def run(nb: NotebookNode, sandbox: Sandbox, *, cell_timeout: float, budget: float,
        kernel_name: str = "python3", judges: dict[int, Callable[[], list]] | None = None) -> Execution:
    """Execute `nb` in place (outputs are written into its cells)."""
    return asyncio.run(_run(nb, sandbox, cell_timeout=cell_timeout, budget=budget, kernel_name=kernel_name,
                            judges=judges or {}))


async def _run(nb, sandbox: Sandbox, *, cell_timeout: float, budget: float, kernel_name: str,
               judges: dict[int, Callable[[], list]]) -> Execution:
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

    env = sandbox.environment()
    client = _client_class()(
        nb, kernel_name=kernel_name, kernel_manager_class=kernel_manager_class(sandbox.jail, env), timeout_func=timeout_for, interrupt_on_timeout=True,
        error_on_timeout={"ename": "TimeoutError", "evalue": "temps dépassé : cellule interrompue",
                          "traceback": []},
        allow_errors=True, record_timing=False, on_cell_executed=executed, shutdown_kernel="immediate",
        resources={"metadata": {"path": str(sandbox.workdir)}})
    client.setup_judging(judges, outcome)
    try:
        await asyncio.wait_for(client.async_execute(env=env, stdout=subprocess.DEVNULL,
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
