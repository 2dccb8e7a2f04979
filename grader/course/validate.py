"""Self-test of the course: every solution scores full marks, every starter scores zero.

Runs the same pipeline as `cpin course grade` (sanitize, isolated execution, scoring) on the source
notebook (the solution) and on the release notebook (the starter), without touching the gradebook.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from grader.course import autograde
from grader.course.layout import Course


@dataclass(frozen=True)
class Verdict:
    assignment: str
    version: str          # "solution" | "depart"
    score: float
    max_score: float
    expected: float
    status: str
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        complete = self.status == "ok" and self.max_score > 0
        return complete and abs(self.score - self.expected) < 1e-6


def _job(course: Course, assignment: str, version: str, folder: Path, options: autograde.Options) -> autograde.Job:
    step = "source" if version == "solution" else "release"
    target = folder / version
    shutil.copytree(course.step(step) / assignment, target)
    notebooks = tuple(autograde.NotebookPaths(p.stem, p, course.step("release") / assignment / p.name)
                      for p in course.source_notebooks(assignment))
    return autograde.Job(assignment, f"validation-{version}", target, notebooks, "", options)


def validate(course: Course, assignments: list[str], options: autograde.Options) -> list[Verdict]:
    from grader.course import sandbox

    sandbox.require(options.unsafe)
    options = replace(options, from_evidence=False)
    folder = Path(tempfile.mkdtemp(prefix="cpin-validate-"))
    try:
        pairs = [(a, v) for a in assignments for v in ("solution", "depart")]
        jobs = [_job(course, a, v, folder / a, options) for a, v in pairs]
        done = {id(job): outcome for job, outcome in autograde.run_jobs(jobs, options.workers)}
        outcomes = [done[id(job)] for job in jobs]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    verdicts = []
    for job, outcome in zip(jobs, outcomes):
        version = job.student.removeprefix("validation-")
        expected = outcome.max_score if version == "solution" else 0.0
        notes = tuple(outcome.notes) + ((f"statut : {outcome.status}",) if outcome.status != "ok" else ())
        verdicts.append(Verdict(job.assignment, version, outcome.score, outcome.max_score, expected,
                                outcome.status, notes))
    return verdicts
