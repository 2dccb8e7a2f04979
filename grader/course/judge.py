"""Scores computed where the learner cannot reach: the kit's checks, run by the grader itself.

A test cell that calls `grade("id")` is never sent to the learner's kernel. When the run reaches it,
the kernel waits and the grader's own process runs the exercise's checks (`grader.runner.run`, the same
checks as the learner's `check()`), on:
- a snapshot of the submission's files at that moment, regular files only: a symlink (to the
  gradebook, a key, another submission) is dropped, never followed; sizes are capped;
- the submission's namespaces, through the grader's own client (the learner's kubeconfig, which the
  kernel could rewrite to point anywhere, is not used).
The verdict is what goes into the gradebook. Whatever the kernel prints, returns, patches in
`sys.modules` or writes in its attempt log counts for nothing.
"""
from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

FILE_MAX = 5 * 1024 ** 2          # a larger learner file is not looked at
TOTAL_MAX = 50 * 1024 ** 2        # nor anything past this many bytes of files
FILES_MAX = 5000
DEPTH_MAX = 20


@dataclass(frozen=True)
class Verdict:
    exercise: str
    share: float                  # earned / possible, in [0, 1]
    results: tuple[dict, ...]     # Result dicts, as the learner's check() would show them
    note: str = ""                # French, for the trainer


def snapshot(workdir: Path, target: Path) -> Path:
    """Copy the regular files of `workdir` into `target` (which the learner cannot reach); the copy.

    The sandbox may still be changing its files meanwhile, so each folder and file is opened relative to
    its parent's descriptor with O_NOFOLLOW and checked with fstat: a file swapped for a symlink or a fifo
    at the last moment is skipped, never followed. Hidden entries (.ipython, .cache) are skipped."""
    target.mkdir(parents=True, exist_ok=True)
    budget = {"bytes": TOTAL_MAX, "files": FILES_MAX}
    top = os.open(workdir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        _copy(top, target, budget, depth=0)
    finally:
        os.close(top)
    return target


def _copy(dir_fd: int, target: Path, budget: dict, depth: int) -> None:
    if depth > DEPTH_MAX:
        return
    for entry in sorted(os.scandir(dir_fd), key=lambda e: e.name):
        if entry.name.startswith(".") or budget["files"] <= 0:
            continue
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(entry.name, flags | (os.O_DIRECTORY if entry.is_dir(follow_symlinks=False) else 0),
                         dir_fd=dir_fd)
        except OSError:
            continue                       # a symlink (ELOOP), gone, or not readable
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                (target / entry.name).mkdir(exist_ok=True)
                _copy(fd, target / entry.name, budget, depth + 1)
            elif stat.S_ISREG(info.st_mode) and info.st_size <= min(FILE_MAX, budget["bytes"]):
                data = os.read(fd, FILE_MAX + 1) if info.st_size else b""
                while info.st_size and len(data) <= FILE_MAX and (chunk := os.read(fd, FILE_MAX + 1 - len(data))):
                    data += chunk
                if len(data) <= FILE_MAX:
                    (target / entry.name).write_bytes(data)
                    budget["bytes"] -= len(data)
                    budget["files"] -= 1
        finally:
            os.close(fd)


def judge(exercise_id: str, *, learner: str, workdir: Path, admin=None,
          capabilities: frozenset[str] = frozenset()) -> Verdict:
    """Run `exercise_id`'s checks for this submission in this (trusted) process."""
    from grader import exercises, runner
    from grader.checks import registry as checks
    from grader.errors import CpinError

    try:
        exercise = exercises.get(exercise_id)
    except CpinError as error:
        return Verdict(exercise_id, 0.0, (), error.message_fr)
    live = any(c.type not in checks.OFFLINE for c in exercise.checks)
    if live and admin is None:
        return Verdict(exercise_id, 0.0, (), "exercice vérifié dans le cluster, noté sans cluster : zéro")
    api_client = None
    try:
        kube = None
        if live:
            from grader.kube.client import Kube
            from grader.cluster import kubeconfig as kc
            api_client = kc.api_client(admin.kubeconfig, admin.context)
            kube = Kube(api_client)
        with tempfile.TemporaryDirectory(prefix="cpin-judge-") as tmp:
            view = snapshot(workdir, Path(tmp) / "copie")
            report, _evidence = runner.run(exercise, learner=learner, work_dir=view, kube=kube,
                                        capabilities={c: True for c in capabilities})
    except CpinError as error:
        return Verdict(exercise_id, 0.0, (), error.message_fr)
    finally:
        if api_client is not None:
            api_client.close()
    share = runner.scaled(report, exercise.points) / exercise.points if exercise.points else 0.0
    return Verdict(exercise_id, round(min(max(share, 0.0), 1.0), 6), tuple(r.to_dict() for r in report.results))


def outputs(score: float) -> list:
    """The judged cell's outputs: the score as nbgrader reads it (the checklist is added by `step_explain`)."""
    from nbformat.v4 import new_output

    return [new_output("execute_result", data={"text/plain": repr(float(score))}, execution_count=None)]
