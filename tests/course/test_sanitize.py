"""Rebuilding graded cells from the source (pure functions, no kernel)."""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from grader.course import sanitize


def _meta(gid, *, grade=False, solution=False, locked=False, points=0):
    return {"nbgrader": {"grade": grade, "grade_id": gid, "locked": locked, "solution": solution, "points": points,
                         "schema_version": 3, "task": False}}


SOURCE = new_notebook(cells=[
    new_code_cell("x = 1  # solution", metadata=_meta("rep", solution=True)),
    new_code_cell("assert x == 1\n### BEGIN HIDDEN TESTS\nassert x > 0\n### END HIDDEN TESTS",
                  metadata=_meta("t1", grade=True, locked=True, points=1)),
    new_code_cell("import grader\ngrader.grade(\"ex-deux\")", metadata=_meta("t2", grade=True, locked=True, points=2)),
], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
RELEASE = new_notebook(cells=[
    new_code_cell("raise NotImplementedError()", metadata=_meta("rep", solution=True)),
    new_code_cell("assert x == 1", metadata=_meta("t1", grade=True, locked=True, points=1)),
    new_code_cell("import grader\ngrader.grade(\"ex-deux\")", metadata=_meta("t2", grade=True, locked=True, points=2)),
])
REF = sanitize.reference(SOURCE, RELEASE)


def _ids(nb):
    return [sanitize.nbgrader_meta(c).get("grade_id") for c in nb.cells]


def test_test_cells_come_back_with_their_hidden_part():
    sub = nbformat.from_dict(nbformat.v4.new_notebook(cells=[
        new_code_cell("x = 1", metadata=_meta("rep", solution=True)),
        new_code_cell("pass  # learner emptied the test", metadata=_meta("t1", grade=True, locked=True, points=9)),
        new_code_cell("import grader\ngrader.grade(\"ex-deux\")", metadata=_meta("t2", grade=True, locked=True, points=2)),
    ]))
    out = sanitize.sanitize(sub, REF)
    assert _ids(out.nb) == ["rep", "t1", "t2"]
    assert "BEGIN HIDDEN TESTS" in out.nb.cells[1].source
    assert out.nb.cells[1].metadata.nbgrader.points == 1            # points from the release, not the learner
    assert out.nb.cells[0].source == "x = 1"                        # answers keep the learner's text
    assert out.nb.metadata.kernelspec.name == "python3"


def test_cells_without_metadata_are_recognised_by_text_or_exercise_id():
    sub = new_notebook(cells=[
        new_code_cell("x = 1"),                                     # answer, metadata gone: plain code
        new_code_cell("assert x == 1"),                             # t1 by its released text
        new_code_cell("grader.grade('ex-deux')  # moved"),          # t2 by the exercise it grades
    ])
    out = sanitize.sanitize(sub, REF)
    assert _ids(out.nb) == [None, "t1", "t2"]
    assert out.nb.cells[2].source == "import grader\ngrader.grade(\"ex-deux\")"
    assert len([n for n in out.notes if "métadonnées abîmées" in n]) == 2


def test_missing_and_duplicated_test_cells():
    sub = new_notebook(cells=[
        new_code_cell("x = 1", metadata=_meta("rep", solution=True)),
        new_code_cell("print('mon code')"),
        new_code_cell("grader.grade(\"ex-deux\")", metadata=_meta("t2", grade=True, locked=True, points=2)),
        new_code_cell("grader.grade(\"ex-deux\")", metadata=_meta("t2", grade=True, locked=True, points=2)),
    ])
    out = sanitize.sanitize(sub, REF)
    # t1 was deleted: put back just before t2 (the next recognised cell), after the learner's code
    assert _ids(out.nb) == ["rep", None, "t1", "t2", None]
    assert any("t1" in n and "absente" in n for n in out.notes)
    assert any("en double" in n for n in out.notes)


def test_broken_metadata_counts_as_absent():
    text = nbformat.writes(new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("assert x == 1")]))
    text = text.replace('"metadata": {}', '"metadata": {"nbgrader": "abîmé"}', 1)
    out = sanitize.sanitize(sanitize.read_submission(text), REF)
    assert _ids(out.nb) == [None, "t1", "t2"]


def test_learner_cannot_grant_itself_a_test_role():
    sub = new_notebook(cells=[new_code_cell("x = 1"),
                              new_code_cell("42", metadata=_meta("inventé", grade=True, locked=True, points=100))])
    out = sanitize.sanitize(sub, REF)
    assert "inventé" not in _ids(out.nb)
    assert sum(1 for c in out.nb.cells if sanitize.is_test(c)) == 2
