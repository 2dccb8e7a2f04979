"""Run a notebook with a real kernel and score its graded cells with nbgrader's own rule (tests' helper)."""
from __future__ import annotations


def run(nb, folder):
    from nbclient import NotebookClient
    NotebookClient(nb, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def scores(nb) -> tuple[float, float]:
    """(points, max) over the graded cells; a graded cell that wrote to stderr fails the test."""
    from nbgrader.utils import determine_grade
    total, maximum = 0.0, 0.0
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            assert not any(o.get("name") == "stderr" for o in cell.get("outputs", [])), cell.source
            score, max_score = determine_grade(cell)
            total += score or 0.0
            maximum += max_score
    return total, maximum


def blank(nb):
    """The learner's version: what nbgrader's ClearSolutions makes of the source notebook."""
    from nbgrader.preprocessors import ClearSolutions
    release, _ = ClearSolutions().preprocess(nb, {})
    return release
