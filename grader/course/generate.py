"""`notebooks/<module>/` → `course/source/<module>/` → nbgrader `generate_assignment` (release version)."""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.course.layout import Course, nbgrader
from grader.errors import InputError

IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


def modules(notebooks_dir: Path) -> list[str]:
    """Module folders that hold at least one notebook: one assignment each."""
    if not notebooks_dir.is_dir():
        raise InputError(f"Dossier de notebooks introuvable : {notebooks_dir}.")
    return sorted(p.name for p in notebooks_dir.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def generate(course: Course, notebooks_dir: Path, assignments: list[str] | None = None) -> list[str]:
    """Copy each module's source notebooks into the course and build its student version."""
    available = modules(notebooks_dir)
    chosen = assignments or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise InputError(f"Module(s) inconnu(s) : {', '.join(unknown)}.",
                         hint_fr=f"Modules disponibles dans {notebooks_dir} : {', '.join(available) or 'aucun'}.")
    for assignment in chosen:
        target = course.step("source") / assignment
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(notebooks_dir / assignment, target, ignore=IGNORED)
        nbgrader(course, "generate_assignment", assignment, "--force")
    return chosen
