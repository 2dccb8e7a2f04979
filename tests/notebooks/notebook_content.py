"""What the notebook content tests share: a module's notebook and exercises, cell readers, the offline run."""
from __future__ import annotations

import json
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
