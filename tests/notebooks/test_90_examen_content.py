"""The mock exam as a notebook: the released subject, untouched, scores 0 on every lab and every QCM skill
(the reference answer's full marks are `test_execute`'s)."""
from __future__ import annotations

import pytest

from grader.config import REPO_ROOT
from notebook_content import grade_scores

NOTEBOOK = REPO_ROOT / "notebooks" / "90-examen-blanc" / "examen.ipynb"


@pytest.mark.slow
def test_untouched_subject_scores_zero(notebook_runs):
    starter = notebook_runs.starter(NOTEBOOK)
    scores = grade_scores(starter.nb)
    assert len(scores) == 8, scores               # three labs, five QCM skills
    assert scores == {cell: 0.0 for cell in scores}
    print(f"examen blanc : copie vierge en {starter.seconds:.0f} s")
