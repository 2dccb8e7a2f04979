"""`cpin course grade` on fabricated submissions: exact scores, isolation from the course, resumability.

Points of the test assignment: carre 4 (containerisation), saluer 1 (gitops), labels 3 (kubernetes).
"""
from __future__ import annotations

import json

import nbformat
import pytest

from course_helpers import ASSIGNMENT, CARRE, COMPLETE, LABELS, SALUER, answer, insert_after, release_nb, submit
from grader.course import autograde, export, layout

OPTIONS = autograde.Options(workers=2, cell_timeout=3, budget=10)

READER = r'''
import os, pathlib
found = []
here = pathlib.Path.cwd()
for parent in [here, *here.parents]:
    for name in ("source", "gradebook.db", "nbgrader_config.py", "release"):
        if (parent / name).exists():
            found.append(str(parent / name))
for candidate in ("../../source/t1-python/t1-python.ipynb", "../../../source/t1-python/t1-python.ipynb"):
    try:
        found.append(open(candidate).read())
    except OSError:
        pass
print("TROUVÉ:", found)
print("ENV:", sorted(k for k in os.environ if "COURSE" in k or "EXCHANGE" in k or "NBGRADER" in k and k != "NBGRADER_EXECUTION"))
print("HISTORIQUE:", "\n".join(In))
'''

STUBBORN = '''import time
while True:
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass'''


def _damaged(course):
    nb = answer(release_nb(course), COMPLETE)
    for cell in nb.cells:
        cell.metadata = {}                           # every nbgrader metadata gone
    saluer_test = next(i for i, c in enumerate(nb.cells) if "saluer(\"Alice\")" in c.source)
    del nb.cells[saluer_test]                        # a test cell deleted
    labels_test = next(c for c in nb.cells if "_points" in c.source)
    labels_test.source = "3  # j'ai mis la note moi-même"  # a test cell rewritten
    return nb


@pytest.fixture(scope="module")
def graded(course):
    nb = answer(release_nb(course), COMPLETE)
    submit(course, "complete", nb)
    submit(course, "partial", answer(release_nb(course), {
        "carre-reponse": CARRE, "saluer-reponse": "def saluer(nom):\n    return 'Salut'",
        "labels-reponse": "LABELS = {\"app\": \"web\", \"env\": \"test\"}"}))
    submit(course, "blank", release_nb(course))
    submit(course, "floor", answer(release_nb(course), {**COMPLETE, "saluer-reponse": "def saluer(nom):\n    return nom"}))
    submit(course, "damaged", _damaged(course))
    submit(course, "noisy", insert_after(answer(release_nb(course), {
        **COMPLETE, "saluer-reponse": "import sys\ndef saluer(nom):\n    print('trace', file=sys.stderr)\n"
                                      "    return f\"Bonjour {nom} !\""}), "carre-reponse",
        "import sys\nprint('avertissement sans gravité', file=sys.stderr)"))
    submit(course, "reader", insert_after(answer(release_nb(course), COMPLETE), "labels-test", READER))
    submit(course, "looper", insert_after(answer(release_nb(course), COMPLETE), "saluer-test", "while True:\n    pass"))
    submit(course, "stubborn", insert_after(answer(release_nb(course), COMPLETE), "saluer-test", STUBBORN))
    submit(course, "garbage", text="{ceci n'est pas un notebook")
    seen = []
    outcomes = autograde.grade(course, ASSIGNMENT, options=OPTIONS, progress=lambda d, t, o: seen.append((d, t)))
    return {o.student: o for o in outcomes}, seen


def _gradebook_score(course, student):
    with layout.open_gradebook(course) as gb:
        return gb.find_submission(ASSIGNMENT, student).score


@pytest.mark.parametrize("student, expected", [
    ("complete", 8), ("partial", 5), ("blank", 0), ("floor", 7), ("damaged", 8), ("noisy", 7),
    ("reader", 8), ("looper", 8), ("stubborn", 5), ("garbage", 0)])
def test_exact_scores_reach_nbgrader_gradebook(course, graded, student, expected):
    outcomes, _ = graded
    assert outcomes[student].score == expected
    assert outcomes[student].max_score == 8
    assert _gradebook_score(course, student) == expected      # what formgrader and `nbgrader export` show


def test_every_submission_reported_once_with_progress(graded):
    outcomes, seen = graded
    assert len(outcomes) == 10
    assert seen[-1] == (10, 10) and [d for d, _ in seen] == list(range(1, 11))


def test_damaged_metadata_is_rebuilt_from_the_source(course, graded):
    outcomes, _ = graded
    notes = " ".join(outcomes["damaged"].notes)
    assert "reconnue malgré des métadonnées abîmées" in notes
    assert "saluer-test" in notes and "absente" in notes
    autograded = nbformat.read(course.step("autograded") / "damaged" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    sources = [c.source for c in autograded.cells]
    assert any("BEGIN HIDDEN TESTS" in s and "_points" in s for s in sources)   # the real test ran
    assert "3  # j'ai mis la note moi-même" in sources                          # the fake one is a plain cell


def test_runaway_cells_are_stopped_and_scored(graded):
    outcomes, _ = graded
    assert outcomes["looper"].status == "ok"             # interrupted at the cell timeout, the rest ran
    assert outcomes["stubborn"].status == "timeout"      # ignored the interrupt: killed at the budget
    labels = next(c for c in outcomes["stubborn"].scores[ASSIGNMENT] if c["grade_id"] == "labels-test")
    assert labels["score"] == 0 and "non exécutée" in labels["note"]


def test_stderr_in_a_test_cell_scores_zero_only_there(graded):
    scores = {c["grade_id"]: c["score"] for c in graded[0]["noisy"].scores[ASSIGNMENT]}
    assert scores == {"carre-test": 4, "saluer-test": 0, "labels-test": 3}


def test_grading_kernel_cannot_see_the_course(course, graded):
    autograded = nbformat.read(course.step("autograded") / "reader" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    printed = "".join(o.get("text", "") for c in autograded.cells if c.cell_type == "code" for o in c.outputs)
    assert "TROUVÉ: []" in printed
    assert "ENV: []" in printed
    assert "CPIN-HIDDEN-MARKER" in printed      # it did dump the kernel's history: feedback must hide it


def test_unreadable_notebook_is_zero_with_a_reason(graded):
    assert graded[0]["garbage"].status == "ok"
    assert any("illisible" in n for n in graded[0]["garbage"].notes)


def test_second_run_skips_what_is_graded_and_regrades_changes(course, graded):
    again = autograde.grade(course, ASSIGNMENT, students=["complete", "blank"], options=OPTIONS)
    assert [o.status for o in again] == ["skipped", "skipped"]
    assert [o.score for o in again] == [8, 0]
    submit(course, "blank", answer(release_nb(course), {"labels-reponse": LABELS}))   # resubmitted
    autograde.record_path(course, ASSIGNMENT, "complete").unlink()                   # run died before its record
    again = {o.student: o for o in autograde.grade(course, ASSIGNMENT, students=["complete", "blank"], options=OPTIONS)}
    assert again["blank"].status == "ok" and again["blank"].score == 3
    assert again["complete"].status == "ok" and again["complete"].score == 8
    forced = autograde.grade(course, ASSIGNMENT, students=["complete"], options=autograde.Options(workers=1, force=True))
    assert forced[0].status == "ok"
    submit(course, "blank", release_nb(course))                                      # back as it was
    autograde.grade(course, ASSIGNMENT, students=["blank"], options=OPTIONS)


def test_per_check_export(course, graded, tmp_path):
    paths = export.write(course, tmp_path)
    rows = [r for r in json.loads(paths["json"].read_text()) if r["student"] == "partial"]
    assert rows == [
        {"student": "partial", "assignment": ASSIGNMENT, "exercise": "carre", "check": "carre-test",
         "skill": "containerisation", "points": 4.0, "max": 4.0, "source": "notation en direct"},
        {"student": "partial", "assignment": ASSIGNMENT, "exercise": "labels", "check": "labels-test",
         "skill": "kubernetes", "points": 1.0, "max": 3.0, "source": "notation en direct"},
        {"student": "partial", "assignment": ASSIGNMENT, "exercise": "saluer", "check": "saluer-test",
         "skill": "gitops", "points": 0.0, "max": 1.0, "source": "notation en direct"}]
    header = paths["csv"].read_text().splitlines()[0]
    assert header == "student,assignment,exercise,check,skill,points,max,source"


def test_unknown_student_is_a_french_input_error(course):
    from grader.errors import InputError
    with pytest.raises(InputError, match="Pas de copie de personne"):
        autograde.grade(course, ASSIGNMENT, students=["personne"], options=OPTIONS)
