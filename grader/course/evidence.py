"""The attempt log (`grader.attempts`) as grading evidence.

Two uses: the per-check rows of a live grading come from the attempts that `grade()` logged in the
submission's own data dir; with `--from-evidence`, each exercise scores from the best attempt in the log
the learner shipped with the submission (their `$CPIN_DATA/attempts.sqlite`, copied into the assignment
folder as `SHIPPED_LOG`), once its hash chain verifies. A broken chain is refused, never half-trusted.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.errors import CpinError

SHIPPED_LOG = "attempts.sqlite"
LOG_NAME = "attempts.sqlite"


@dataclass(frozen=True)
class Best:
    exercise: str
    share: float          # earned / possible on the exercise's scale, in [0, 1]
    when: str
    results: list         # Result dicts of that attempt


def shipped_log(submission: Path) -> Path | None:
    path = submission / SHIPPED_LOG
    return path if path.is_file() else None


def _attempts(path: Path) -> list:
    from grader import attempts as progress

    status = progress.verify_chain(path)
    if not status:
        raise CpinError(f"Journal de tentatives refusé : {status.reason_fr}.",
                        hint_fr="Le journal joint à la copie a été modifié ; notez-la sur l'état réel (sans "
                                "--from-evidence).")
    return progress.attempts(path=path)


def reports(data_dir: Path) -> dict[str, list[dict]]:
    """Exercise id → results of its last logged attempt in `data_dir` (empty if nothing was logged)."""
    path = data_dir / LOG_NAME
    if not path.is_file():
        return {}
    from grader import attempts as progress

    latest: dict[str, list[dict]] = {}
    for attempt in progress.attempts(path=path):
        latest[attempt.exercise] = list(attempt.results)
    return latest


SELF_REPORTED_FR = ("Note auto-déclarée : calculée d'après le journal de tentatives joint par l'apprenant "
                    "(--from-evidence), non vérifiée sur l'état réel ; la notation en direct fait foi.")


def identity_problem(attempts: list, student: str, learner: str) -> str | None:
    """Why a shipped log is not this student's (French), or None: every attempt must be logged under the
    student's nbgrader id or the learner id the grader gives them (pure)."""
    others = sorted({a.learner for a in attempts} - {student, learner})
    if others:
        return (f"il a été écrit sous l'identité « {', '.join(others)} », pas sous celle de « {student} » "
                "(CPIN_LEARNER doit être l'identifiant de l'étudiant)")
    return None


def best_attempts(log: Path, *, student: str | None = None, learner: str | None = None) -> dict[str, Best]:
    """Exercise id → best attempt of a shipped log; read from a copy (SQLite would touch the original).
    With `student`, a log written under another identity is refused."""
    with tempfile.TemporaryDirectory(prefix="cpin-evidence-") as tmp:
        copy = Path(tmp) / LOG_NAME
        shutil.copy(log, copy)
        wal = log.with_name(log.name + "-wal")      # attempts not yet checkpointed into the main file
        if wal.is_file():
            shutil.copy(wal, copy.with_name(copy.name + "-wal"))
        best: dict[str, Best] = {}
        attempts = _attempts(copy)
        problem = identity_problem(attempts, student, learner or student) if student is not None else None
        if problem:
            raise CpinError(f"Journal de tentatives refusé : {problem}.",
                            hint_fr="Notez cette copie en direct (sans --from-evidence).")
        for attempt in attempts:
            share = attempt.score / attempt.exercise_points if attempt.exercise_points else 0.0
            if attempt.exercise not in best or share > best[attempt.exercise].share:
                best[attempt.exercise] = Best(attempt.exercise, round(min(max(share, 0.0), 1.0), 6),
                                              attempt.at, list(attempt.results))
        return best
