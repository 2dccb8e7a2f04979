"""End-of-module quiz notebooks: generated from the bank, solution full marks, blank (release) zero.

The solution is the nbgrader source notebook (its session run, shared with tests/notebooks/test_execute.py); the
blank is its release (the learner's version before any click). Both are executed by a real kernel and scored with
nbgrader's own `determine_grade`, as `cpin course grade` does.
"""
from __future__ import annotations

import json
import shutil

import pytest

from grader import questions
from grader.config import REPO_ROOT
from grader.quizzes import ANSWERS_DIR, QUIZ_MODULES, notebook_text
from notebook_content import grade_scores


def _path(module):
    return REPO_ROOT / "notebooks" / module / "quiz.ipynb"


@pytest.mark.parametrize("module", list(QUIZ_MODULES))
def test_quiz_notebook_is_up_to_date_with_the_bank(module):
    assert _path(module).read_text(encoding="utf-8") == notebook_text(module, QUIZ_MODULES[module]), \
        "régénérez les quiz : python -m grader.quizzes"


@pytest.mark.slow
@pytest.mark.parametrize("module", ["00-prise-en-main", "09-eligibilite"])
def test_solution_scores_full_marks_and_blank_scores_zero(module, notebook_runs):
    expected = {q.id for q in questions.for_module(module)}
    solution = notebook_runs.solution(_path(module))
    scores = grade_scores(solution.nb)
    assert len(scores) == len(expected) and set(scores.values()) == {1.0}, scores
    saved = json.loads((solution.work / ANSWERS_DIR / f"{module}.json").read_text(encoding="utf-8"))
    assert set(saved) == expected
    blank = notebook_runs.starter(_path(module))
    assert set(grade_scores(blank.nb).values()) == {0.0}
    assert not (blank.work / ANSWERS_DIR).exists()


def test_clicks_are_what_is_graded(tmp_path):
    """The widget's callbacks write the file the grade cells read: a partly right learner gets partial marks."""
    from grader.quizzes import grade_quiz, quiz
    module = "01-conteneurs"
    q = quiz(module, work_dir=tmp_path, show=False)
    box = q.widget()
    unique = next(x for x in q.questions if x.kind == "unique")
    multiple = next(x for x in q.questions if x.kind == "multiple" and len(x.answers) >= 2)
    index = {x.id: i for i, x in enumerate(q.questions)}
    radio = box.children[index[unique.id]].children[1]
    radio.value = sorted(unique.answers)[0]
    ticks = box.children[index[multiple.id]].children[1:]
    right = sorted(multiple.answers)[0]
    for letter, tick in zip(multiple.letters, ticks):
        tick.value = letter == right
    assert grade_quiz(module, unique.id, work_dir=tmp_path) == 1.0
    assert grade_quiz(module, multiple.id, work_dir=tmp_path) == pytest.approx(1 / len(multiple.answers), abs=1e-4)
    others = [x for x in q.questions if x.id not in (unique.id, multiple.id)]
    assert all(grade_quiz(module, x.id, work_dir=tmp_path) == 0.0 for x in others)
    assert "réponse(s)" in q.correction()


def test_bad_answers_are_refused_in_french_and_lose_nothing(tmp_path):
    from grader.errors import InputError
    from grader.quizzes import quiz
    q = quiz("05-helm", work_dir=tmp_path, show=False)
    first = q.questions[0]
    q.repondre({first.id: sorted(first.answers)[0]})
    before = q.path.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="choix inconnu"):
        q.repondre({first.id: "z"})
    with pytest.raises(InputError, match="ne fait pas partie"):
        q.repondre({"inconnue": "a"})
    assert q.path.read_text(encoding="utf-8") == before


def test_damaged_answers_file_grades_zero_silently(tmp_path):
    from grader.quizzes import answers_path, grade_quiz
    module = "02-kubernetes"
    path = answers_path(module, tmp_path)
    path.parent.mkdir()
    path.write_text("{pas du json", encoding="utf-8")
    qid = questions.for_module(module)[0].id
    assert grade_quiz(module, qid, work_dir=tmp_path) == 0.0
    assert grade_quiz(module, "inconnue", work_dir=tmp_path) == 0.0
    shutil.rmtree(path.parent)
