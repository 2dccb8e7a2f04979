"""nbgrader's scoring rule per graded cell, made safe, and the per-check rows of a submission.

A test cell scores with nbgrader's own `determine_grade` (partial credit from a numeric last value,
zero on an error or any stderr), but only if it really ran to completion: a cell that was never
reached, timed out or died scores zero instead of nbgrader's "no output means full marks".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from grader.course.sanitize import Reference, nbgrader_meta
from grader.results import Result, Status, score


@dataclass(frozen=True)
class CellScore:
    grade_id: str
    score: float | None      # None: needs a manual grade
    max_score: float
    note: str = ""           # French, for the trainer


@dataclass(frozen=True)
class CheckRow:
    """One line of the per-check export."""
    student: str
    assignment: str
    exercise: str
    check: str
    skill: str
    points: float
    max: float
    status: str = ""
    message: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def cell_scores(nb, ref: Reference, *, completed: set[int], failed: set[int],
                interrupted: frozenset[int] | set[int] = frozenset()) -> list[CellScore]:
    from nbgrader.utils import determine_grade

    scores: dict[str, CellScore] = {}
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if not meta.get("grade") or gid not in ref.source or gid in scores:
            continue
        max_score = float(nbgrader_meta(ref.release[gid]).get("points", 0) or 0)
        if meta.get("solution"):
            score, _ = determine_grade(cell)
            scores[gid] = CellScore(gid, score, max_score)
        elif index not in completed or index in interrupted:
            scores[gid] = CellScore(gid, 0.0, max_score, "non exécutée jusqu'au bout (temps dépassé ou noyau arrêté)")
        elif index in failed:
            scores[gid] = CellScore(gid, 0.0, max_score, "erreur dans la cellule de test")
        else:
            score, _ = determine_grade(cell)
            score = min(max(float(score or 0.0), 0.0), max_score)
            scores[gid] = CellScore(gid, score, max_score)
    for gid in ref.order:
        meta = nbgrader_meta(ref.source[gid])
        if meta.get("grade") and gid not in scores:
            max_score = float(meta.get("points", 0) or 0)
            scores[gid] = CellScore(gid, None if meta.get("solution") else 0.0, max_score, "cellule absente")
    return [scores[gid] for gid in ref.order if gid in scores]


def skill_of(ref: Reference, grade_id: str) -> str:
    """The skill a graded cell counts for: `metadata.cpin.skill` in the source, else the exercise's."""
    cpin = ref.source[grade_id].metadata.get("cpin") or {}
    if isinstance(cpin, dict) and cpin.get("skill"):
        return str(cpin["skill"])
    exercise = ref.exercise(grade_id)
    if exercise:
        try:
            from grader import exercises
            return exercises.get(exercise).skill
        except Exception:  # noqa: BLE001 - unknown exercise: the export says so
            pass
    return "Non classé"


def exercise_name(ref: Reference, grade_id: str) -> str:
    cpin = ref.source[grade_id].metadata.get("cpin") or {}
    if isinstance(cpin, dict) and cpin.get("exercise"):
        return str(cpin["exercise"])
    return ref.exercise(grade_id) or grade_id


def check_rows(student: str, assignment: str, ref: Reference, scores: list[CellScore],
               reports: dict[str, list[dict]]) -> list[CheckRow]:
    """Per-check rows: the checks recorded for the cell's exercise, scaled to the cell's score, else the cell."""
    rows = []
    for cell in scores:
        exercise = exercise_name(ref, cell.grade_id)
        skill = skill_of(ref, cell.grade_id)
        results = [Result.from_dict(r) for r in reports.get(ref.exercise(cell.grade_id) or "", [])]
        earned, total_max = score(results)
        if results and total_max > 0:
            factor = cell.max_score / total_max
            earned *= factor
            # The cell's score is authoritative (stderr or timeout give 0): scale checks down to it.
            ratio = min(1.0, (cell.score or 0.0) / earned) if earned > 0 else 0.0
            for r in results:
                if r.status is Status.SKIPPED and not r.counts:
                    continue
                rows.append(CheckRow(student, assignment, exercise, r.check_id, r.skill or skill,
                                     round(r.points * factor * ratio, 4), round(r.max_points * factor, 4),
                                     r.status.value, r.message))
        else:
            rows.append(CheckRow(student, assignment, exercise, cell.grade_id, skill,
                                 round(cell.score or 0.0, 4), cell.max_score,
                                 "passed" if cell.score == cell.max_score else "failed", cell.note))
    return rows
