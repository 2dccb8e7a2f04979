"""What the notebook content tests share: a module's notebook and exercises, cell readers, the offline run."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

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

    def cells(self) -> list[dict]:
        return cells(self.name)


def released(nb, stub: str = STUB):
    """What nbgrader's release writes: each solution region replaced by `stub` (the %%writefile line kept)."""
    for cell in nb.cells:
        if nbgrader(cell).get("solution"):
            cell.source = re.sub(r"### BEGIN SOLUTION\n.*?### END SOLUTION", stub.rstrip("\n"), source(cell), flags=re.S)
    return nb


def execute(module: "Module", work: Path, version: str, env: dict[str, str], *, timeout: int = 600, stub: str = STUB):
    """Copy the module's notebook folder to `work` and run its solution (or, for "starter", its released version)
    with `env` set in this process for the kernel; the executed notebook (errors kept in the outputs)."""
    import nbformat
    from nbclient import NotebookClient

    shutil.copytree(module.notebook.parent, work)
    nb = nbformat.read(work / module.notebook.name, as_version=4)
    if version == "starter":
        released(nb, stub)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(work)}}).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def grade_scores(nb) -> dict[str, float | None]:
    """Each graded cell's score (its execute_result), by exercise."""
    scores = {}
    for cell in nb.cells:
        if nbgrader(cell).get("grade"):
            values = [o["data"]["text/plain"] for o in cell.outputs if o.get("output_type") == "execute_result"]
            scores[cell.metadata["cpin"]["exercise"]] = float(values[0]) if values else None
    return scores
