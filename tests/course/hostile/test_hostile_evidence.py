"""`--from-evidence`: a log written under someone else's identity is refused; an accepted one is marked
self-reported in the gradebook and in the export (the trainer's live grading stays the reference)."""
from __future__ import annotations

import shutil

import pytest

import hostile_notebooks as nbs
from course_helpers import DATA, build_course, release_nb, submit
from hostile_helpers import T2
from grader import api
from grader.course import autograde, evidence, export, gradebook

pytestmark = pytest.mark.slow
EVIDENCE = autograde.Options(workers=2, from_evidence=True, cell_timeout=30, budget=60)


def _log(tmp_path, monkeypatch, learner: str):
    """A real attempt log: `grade()` run by `learner` at home on a good manifest."""
    work = tmp_path / learner / "travail"
    work.mkdir(parents=True)
    (work / "pod.yaml").write_text(nbs.GOOD)
    with monkeypatch.context() as mp:
        mp.setenv("CPIN_DATA", str(tmp_path / learner / "donnees"))
        mp.setenv("CPIN_LEARNER", learner)
        assert api.grade("t2-image", work_dir=work) == 2.0
    return tmp_path / learner / "donnees" / evidence.LOG_NAME


def test_someone_else_s_log_is_refused_and_an_own_log_is_self_reported(course_env, tmp_path, monkeypatch):
    course = build_course(course_env / "preuves", DATA / "notebooks", [T2])
    alice = _log(tmp_path, monkeypatch, "alice")
    carole = _log(tmp_path, monkeypatch, "carole")
    shutil.copy(alice, submit(course, "bob", release_nb(course, T2), assignment=T2) / evidence.SHIPPED_LOG)
    shutil.copy(carole, submit(course, "carole", release_nb(course, T2), assignment=T2) / evidence.SHIPPED_LOG)
    outcomes = {o.student: o for o in autograde.grade(course, T2, options=EVIDENCE)}
    assert {s: o.score for s, o in outcomes.items()} == {"bob": 0, "carole": 2}
    assert any("« alice »" in n and "« bob »" in n for n in outcomes["bob"].notes)
    assert gradebook.self_reported(course, T2, "carole")
    rows = export.rows(course, assignment=T2)
    assert {r["student"]: r["source"] for r in rows} == {"bob": export.SOURCES["evidence"],
                                                         "carole": export.SOURCES["evidence"]}
    live = {o.student: o.score for o in autograde.grade(course, T2, students=["carole"],
                                                        options=autograde.Options(workers=1, force=True))}
    assert live == {"carole": 0}                          # the live state: a blank notebook
    assert not gradebook.self_reported(course, T2, "carole")
    assert {r["source"] for r in export.rows(course, assignment=T2, student="carole")} == {"notation en direct"}
