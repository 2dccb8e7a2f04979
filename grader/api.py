"""What notebooks call: `check`, `grade`, `hint`, `reset`, `apply`, `progress`, `quiz`, `grade_quiz` (and, from
`grader.notebook`, `kubectl`, `render_chart` and the provided-file helpers).

A thin entry point: the runner (`grader.runner`) runs the checks and logs the attempt, the models
render themselves through `grader.feedback`.

Imported inside IPython, this module registers a handler so that a `CpinError` shows its French
message and hint instead of a traceback (the cell still ends in error).
"""
from __future__ import annotations

import contextlib
import io
import logging
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from grader import exercises as registry
from grader.config import settings
from grader.errors import CpinError, InputError
from grader.feedback import Applied, Hint, ResetDone
from grader.platform import MANAGED_BY
from grader.results import Report
from grader.runner import record, run, scaled

if TYPE_CHECKING:
    from grader.attempts import Overview

# ---------------------------------------------------------------- notebook API

def check(exercise_id: str, *, work_dir: str | Path | None = None) -> Report:
    """Run the exercise's checks, log the attempt, and return the report (a checklist in a notebook)."""
    exercise = registry.get(exercise_id)
    _not_in_exam(exercise_id)
    learner = settings().learner
    report, evidence = run(exercise, learner=learner, work_dir=Path(work_dir) if work_dir else None)
    try:
        record(exercise, report, evidence, learner, "check")
    except CpinError as error:  # the verdict stands: show it, and say it was not logged
        print(f"⚠ Tentative non enregistrée dans le journal : {error.message_fr}", file=sys.stderr)
    return report


def _not_in_exam(exercise_id: str) -> None:
    """During a mock exam on this machine, its exercises get no check details and no hints."""
    from grader.exam_marker import exercises_in_exam
    if exercise_id in exercises_in_exam():
        raise InputError(f"Examen blanc en cours : pas de contrôle détaillé ni d'indice pour « {exercise_id} ».",
                         hint_fr="Rendez votre copie avec `cpin exam rendre` ; la note vient à la correction.")


@contextlib.contextmanager
def _silenced():
    """No warning, no log line, nothing on stderr (nbgrader gives 0 to a cell that writes to stderr)."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def grade(exercise_id: str, *, work_dir: str | Path | None = None) -> float:
    """The points for nbgrader's partial credit: a bare float in [0, points]; silent; 0.0 on any failure."""
    with _silenced():
        try:
            exercise = registry.get(exercise_id)
            learner = settings().learner
            report, evidence = run(exercise, learner=learner, work_dir=Path(work_dir) if work_dir else None)
        except Exception:  # noqa: BLE001 - a grade cell must yield a number, never a traceback
            return 0.0
        try:
            record(exercise, report, evidence, learner, "grade")
        except Exception:  # noqa: BLE001 - the grade stands even if the log cannot be written
            pass
        return float(scaled(report, exercise.points))


def hint(exercise_id: str, level: int = 1) -> Hint:
    """The exercise's hint of the given level (1: a nudge, 2: closer to the answer)."""
    exercise = registry.get(exercise_id)
    _not_in_exam(exercise_id)
    if not exercise.hints:
        raise InputError(f"L'exercice « {exercise_id} » n'a pas d'indice.")
    if level not in exercise.hints:
        raise InputError(f"Pas d'indice de niveau {level} pour « {exercise_id} ».",
                         hint_fr=f"Niveaux disponibles : {', '.join(map(str, sorted(exercise.hints)))}.")
    return Hint(exercise_id, level, exercise.hints[level], level + 1 in exercise.hints)


def _target(exercise: str | None, namespace: str | None) -> tuple[str, registry.Exercise | None]:
    if exercise:
        found = registry.get(exercise)
        return found.namespace(settings().learner), found
    if namespace:
        return namespace, None
    raise InputError("Indiquez l'exercice : apply(\"fichier.yaml\", exercise=\"identifiant\").")


def apply(path_or_text: str | Path, *, exercise: str | None = None, namespace: str | None = None) -> Applied:
    """Server-side apply of a file or YAML text (or `render_chart`'s output) into the learner's namespace;
    keeps the server's warnings (platform policies, Pod Security) in French."""
    from grader.cluster.envs import provision
    from grader.cluster.lifecycle import connect
    from grader.kube.manifests import apply_objects, load_documents
    _, objects = load_documents(path_or_text, base=Path.cwd())
    target, _ = _target(exercise, namespace)
    kube, _caps = connect()
    if exercise is None:
        existing = kube.get("Namespace", target)
        labels = ((existing or {}).get("metadata") or {}).get("labels") or {}
        if existing is not None and any(labels.get(k) != v for k, v in MANAGED_BY.items()):
            raise InputError(f"L'espace de noms « {target} » n'a pas été créé par le kit : je n'y écris rien.",
                             hint_fr="Utilisez apply(..., exercise=\"identifiant\").")
    provision(kube, target, labels=registry.namespace_labels(target))
    return Applied(target, tuple(apply_objects(kube, objects, target)))


def reset(exercise_id: str, *, timeout: float = 60.0, work_dir: str | Path | None = None) -> ResetDone:
    """Put the exercise's namespace back to its starting state.

    Deletes the objects of `reset.delete` and `setup.delete`, and those declared in the learner's
    files and in the setup manifests, inside the exercise's namespace only (never a cluster-scoped
    object, nor the environment's quota, pull secret and network policies); waits until they are gone;
    then applies the setup manifests. Other exercises' objects in the same namespace are left alone.
    """
    from grader.cluster.envs import managed_objects, provision
    from grader.cluster.lifecycle import connect
    from grader.kube.manifests import apply_objects, delete_refs, load_documents
    exercise = registry.get(exercise_id)
    namespace = exercise.namespace(settings().learner)
    kube, _caps = connect()
    provision(kube, namespace, labels=registry.namespace_labels(namespace))
    refs = [(r.kind, r.apiVersion, r.name, r.labelSelector) for r in (*exercise.reset.delete, *exercise.setup.delete)]
    base = Path(work_dir or Path.cwd())
    setup_objects = [o for path in exercise.setup.apply for o in load_documents(path)[1]]
    for rel in exercise.learner_files:
        try:
            refs += [(o["kind"], o["apiVersion"], o["metadata"]["name"], "") for o in load_documents(base / rel)[1]]
        except CpinError:
            continue  # a missing or broken learner file declares nothing to delete
    refs += [(o["kind"], o["apiVersion"], o["metadata"]["name"], "") for o in setup_objects]
    deleted = delete_refs(kube, namespace, refs, timeout=timeout, protected=managed_objects())
    applied = apply_objects(kube, setup_objects, namespace) if setup_objects else []
    return ResetDone(exercise.id, namespace, tuple(deleted), tuple(a["objet"] for a in applied))


def progress(learner: str | None = None, *, history: bool = True) -> Overview:
    """Progress per skill of the skills matrix, and the attempt history (a chart in a notebook)."""
    from grader import attempts
    return attempts.overview(learner, history=history)


def quiz(module: str, *, work_dir: str | Path | None = None):
    """The end-of-module quiz of `module`: ipywidgets in a notebook, answers saved on every click."""
    from grader.quizzes import quiz as _quiz
    return _quiz(module, work_dir=work_dir)


def grade_quiz(module: str, question_id: str, *, work_dir: str | Path | None = None) -> float:
    """nbgrader's grade cell of one quiz question: a bare float in [0, 1], silent."""
    from grader.quizzes import grade_quiz as _grade_quiz
    return _grade_quiz(module, question_id, work_dir=work_dir)


# ---------------------------------------------------------------- errors in a notebook

def notebook_error(shell, etype, value, tb, tb_offset=None) -> None:
    """IPython custom exception handler: a `CpinError` shows as its French message and hint, no traceback.

    IPython discards what a custom handler returns, so the handler shows the lines itself, as the cell's
    `error` output (`_showtraceback`: what ipykernel sends to the notebook). The cell still ends with status
    `error` (IPython records the exception), so nbgrader and nbval count it as a failed cell."""
    lines = value.render().splitlines() if isinstance(value, CpinError) else [str(value)]
    shell._showtraceback(etype, value, ["\x1b[1;31m" + lines[0] + "\x1b[0m", *lines[1:]])


def _register_notebook_errors() -> None:
    """In IPython (Jupyter), show `CpinError`s through `notebook_error`; elsewhere, do nothing."""
    ipython = sys.modules.get("IPython")  # not imported: not inside IPython (and no import cost)
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((CpinError,), notebook_error)


_register_notebook_errors()
