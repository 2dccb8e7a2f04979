"""What the notebook content tests share: a module's notebook and exercises, cell readers, the offline run."""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from grader import exercises as registry
from grader.config import REPO_ROOT
from grader.runner import run

MODULES = ("00-prise-en-main", "01-conteneurs", "02-kubernetes", "03-production", "04-openshift", "05-helm",
           "06-integration-continue", "07-gitops", "08-secrets", "09-eligibilite")
STUB = "# VOTRE RÉPONSE ICI : remplacez cette ligne par votre réponse\n"  # the release stub (course/nbgrader_config.py)


def notebook(module: str) -> Path:
    return REPO_ROOT / "notebooks" / module / f"{module}.ipynb"


def exercises(module: str) -> list:
    return [e for e in registry.all_exercises() if e.module == module]


def cells(module: str) -> list[dict]:
    return json.loads(notebook(module).read_text(encoding="utf-8"))["cells"]


def source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def offline(exercise, work_dir, types):
    """The exercise's checks of the given types, run without a cluster."""
    checks = tuple(c for c in exercise.checks if c.type in types)
    trimmed = registry.Exercise(**{**exercise.__dict__, "checks": checks})
    report, _ = run(trimmed, learner="test", work_dir=work_dir, kube=SimpleNamespace(), capabilities={})
    return report


def stage_and_apply(exercise_id, work_dir, text=None):
    """Reset the exercise, write its solution (or `text`) as the learner's files and apply them."""
    from grader.api import apply, reset
    exercise = registry.get(exercise_id)
    reset(exercise_id, work_dir=work_dir)
    for rel in exercise.learner_files:
        target = work_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        solution = exercise.directory / "solution" / rel.split("/", 1)[1]
        target.write_text(text or solution.read_text(encoding="utf-8"), encoding="utf-8")
        apply(target, exercise=exercise_id)
    return exercise


class Module:
    """One module of the course: its notebook, its exercises and their ids."""

    def __init__(self, name: str):
        self.name = name
        self.notebook = notebook(name)
        self.exercises = exercises(name)
        self.ids = [e.id for e in self.exercises]
        self.full_marks = {f"test_{e.id}": e.points for e in self.exercises}   # by test cell, as grade_scores()

    def cells(self) -> list[dict]:
        return cells(self.name)


def released(nb, stub: str = STUB):
    """What `cpin course release` gives the learner: nbgrader's ClearSolutions with the course's stubs."""
    from nbgrader.preprocessors import ClearSolutions
    release, _ = ClearSolutions(code_stub={"python": stub.rstrip("\n")}, text_stub="VOTRE RÉPONSE ICI").preprocess(nb, {})
    return release


@dataclass
class Executed:
    """A notebook run by a real kernel: the notebook with its outputs, the folder it ran in, its duration."""
    nb: Any
    work: Path
    seconds: float

    def errors(self) -> list[tuple[str, str]]:
        """(cell source, error) of each cell that raised: what nbval would have failed on."""
        return [(source(cell)[:300], f"{o.get('ename')}: {o.get('evalue')}") for cell in self.nb.cells
                for o in cell.get("outputs", []) if o.get("output_type") == "error"]

    def text(self) -> dict[str, str]:
        """Each cell's printed and returned text, by cell id."""
        return {cell.get("id"): "\n".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                                          for o in cell.get("outputs", [])) for cell in self.nb.cells}


def run_notebook(path: Path, work: Path, version: str, env: dict[str, str], *, timeout: int = 900,
                 stub: str = STUB) -> Executed:
    """Copy the notebook's folder to `work` and run it, as the solution (the nbgrader source) or the "starter"
    (its release), by a real kernel that inherits `env`; errors are kept in the outputs. The executed notebook is
    also written to `work/executed.ipynb`, for reading a failure."""
    import nbformat
    from nbclient import NotebookClient

    shutil.copytree(path.parent, work)
    nb = nbformat.read(work / path.name, as_version=4)
    if version == "starter":
        nb = released(nb, stub)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    started = time.monotonic()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    nbformat.write(nb, work / "executed.ipynb")
    return Executed(nb, work, time.monotonic() - started)


def grade_scores(nb) -> dict[str, float | None]:
    """Each graded cell's score by nbgrader's own rule (`determine_grade`, as `cpin course grade` reads it), by
    nbgrader id (`test_<exercise>` for an exercise's test cell)."""
    from nbgrader.utils import determine_grade
    return {nbgrader(cell)["grade_id"]: determine_grade(cell)[0] for cell in nb.cells if nbgrader(cell).get("grade")}
