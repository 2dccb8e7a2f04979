"""Scores go where formgrader reads them: nbgrader's gradebook. Only the main process writes here."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.course.layout import Course, open_gradebook
from grader.course.scoring import CellScore


def read_timestamp(submission_dir: Path):
    from nbgrader.utils import parse_utc

    stamp = submission_dir / "timestamp.txt"
    if not stamp.is_file():
        return None
    try:
        return parse_utc(stamp.read_text().strip())
    except Exception:  # noqa: BLE001 - an unreadable timestamp is treated as none, like nbgrader
        return None


def save(course: Course, assignment: str, student: str, scores: dict[str, list[CellScore]],
         unchanged: dict[str, set[str]], timestamp=None, *, self_reported: bool = False) -> None:
    """Record the auto scores of one submission (notebook → cell scores); manual grades are kept.
    `self_reported` (graded from the learner's own log): every comment of the submission says so."""
    from grader.course.evidence import SELF_REPORTED_FR

    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own autoflush notices
    with open_gradebook(course) as gb:
        gb.update_or_create_student(student)
        if timestamp is not None:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
        for notebook in gb.find_assignment(assignment).notebooks:
            cells = {c.grade_id: c for c in scores.get(notebook.name, [])}
            submission = gb.find_submission_notebook(notebook.name, assignment, student)
            for grade in submission.grades:
                cell = cells.get(grade.name)
                grade.auto_score = cell.score if cell else 0.0
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            for comment in submission.comments:
                blank = "No response." if comment.name in unchanged.get(notebook.name, set()) else None
                comment.auto_comment = " ".join(filter(None, (SELF_REPORTED_FR if self_reported else None, blank))) \
                    or None
        gb.db.commit()


@dataclass(frozen=True)
class GradedCell:
    assignment: str
    notebook: str
    grade_id: str
    score: float          # manual score if any, else auto score (nbgrader's rule)
    max_score: float


def cells_of(course: Course, student: str) -> list[GradedCell]:
    """Every graded cell of every assignment for `student`, as the gradebook scores it now (manual
    grades win; an assignment not handed in scores zero)."""
    from nbgrader.api import MissingEntry

    out = []
    with open_gradebook(course) as gb:
        try:
            gb.find_student(student)
        except MissingEntry:
            return []
        for assignment in gb.assignments:
            try:
                submission = gb.find_submission(assignment.name, student)
            except MissingEntry:           # nothing handed in: every point of the assignment is lost
                out += [GradedCell(assignment.name, notebook.name, cell.name, 0.0, float(cell.max_score or 0.0))
                        for notebook in assignment.notebooks for cell in notebook.grade_cells]
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    out.append(GradedCell(assignment.name, notebook.name, grade.name,
                                          float(grade.score or 0.0), float(grade.max_score or 0.0)))
    return out


def self_reported(course: Course, assignment: str, student: str) -> bool:
    """Whether the gradebook marks this submission's score as self-reported (`save(self_reported=True)`)."""
    from grader.course.evidence import SELF_REPORTED_FR

    with open_gradebook(course) as gb:
        submission = gb.find_submission(assignment, student)
        comments = [c for nb in submission.notebooks for c in nb.comments]
        return bool(comments) and all(SELF_REPORTED_FR in (c.auto_comment or "") for c in comments)


def assignments(course: Course) -> list[str]:
    with open_gradebook(course) as gb:
        return [a.name for a in gb.assignments]
