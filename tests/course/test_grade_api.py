"""Submissions whose test cells call `grader.grade(id)`: per-check rows from the attempt log, and
grading from the evidence a learner ships (`--from-evidence`) instead of the live state."""
from __future__ import annotations

import shutil
import sqlite3

import nbformat
import pytest

from course_helpers import GOOD, LATEST, answer, release_nb, submit
from course_helpers import writes as _writes
from grader.course import autograde, evidence

T2 = "t2-grade"


def _learner_log(tmp_path, monkeypatch, manifests: list[str], learner: str = "alice"):
    """A learner's own attempt log: `grade()` run at home once per manifest, in order."""
    from grader import api

    home = tmp_path / "maison"
    work = home / "travail"
    work.mkdir(parents=True)
    monkeypatch.setenv("CPIN_DATA", str(home / "donnees"))
    monkeypatch.setenv("CPIN_LEARNER", learner)
    scores = []
    for manifest in manifests:
        (work / "pod.yaml").write_text(manifest)
        scores.append(api.grade("t2-image", work_dir=work))
    return home / "donnees" / "attempts.sqlite", scores


@pytest.fixture(scope="module")
def live(course):
    submit(course, "complet", answer(release_nb(course, T2), {"image-reponse": _writes(GOOD)}), assignment=T2)
    submit(course, "latest", answer(release_nb(course, T2), {"image-reponse": _writes(LATEST)}), assignment=T2)
    submit(course, "vide", release_nb(course, T2), assignment=T2)
    outcomes = autograde.grade(course, T2, options=autograde.Options(workers=2, cell_timeout=60, budget=120))
    return {o.student: o for o in outcomes}


def test_grade_cells_score_with_partial_credit(live):
    assert {s: o.score for s, o in live.items()} == {"complet": 2, "latest": 1, "vide": 0}
    assert all(o.status == "ok" for o in live.values())


def test_per_check_rows_come_from_the_attempt_log(live):
    rows = {r["check"]: (r["points"], r["max"], r["skill"], r["exercise"]) for r in live["latest"].rows}
    assert rows == {"regles/disallow-latest-tag": (0.0, 1.0, "containerisation", "t2-image"),
                    "regles/require-resources": (1.0, 1.0, "containerisation", "t2-image")}
    # hidden checks: the row carries the generic message, never the expectation
    assert all("latest" not in r["message"] for r in live["latest"].rows)


def test_from_evidence_uses_the_best_shipped_attempt(course, live, tmp_path, monkeypatch):
    log, scores = _learner_log(tmp_path, monkeypatch, [LATEST, GOOD, LATEST], learner="preuves")
    assert scores == [1.0, 2.0, 1.0]
    folder = submit(course, "preuves", release_nb(course, T2), assignment=T2)   # blank notebook, good log
    shutil.copy(log, folder / evidence.SHIPPED_LOG)
    before = sorted(p.name for p in folder.iterdir())
    outcome, = autograde.grade(course, T2, students=["preuves"], options=autograde.Options(workers=1, from_evidence=True))
    assert outcome.score == 2 and outcome.mode == "evidence"
    assert {r["check"]: r["points"] for r in outcome.rows} == {"regles/disallow-latest-tag": 1.0,
                                                                "regles/require-resources": 1.0}
    assert sorted(p.name for p in folder.iterdir()) == before           # the shipped log was read from a copy
    graded = nbformat.read(course.step("autograded") / "preuves" / T2 / f"{T2}.ipynb", 4)
    test_cell = next(c for c in graded.cells if c.cell_type == "code" and "grader.grade" in c.source)
    assert [o.data["text/plain"] for o in test_cell.outputs if o.output_type == "execute_result"] == ["2.0"]
    live_outcome, = autograde.grade(course, T2, students=["preuves"], options=autograde.Options(workers=1))
    assert live_outcome.score == 0                                       # the live state says otherwise


def test_tampered_evidence_is_refused(course, live, tmp_path, monkeypatch):
    log, _ = _learner_log(tmp_path, monkeypatch, [LATEST], learner="tricheur")
    db = sqlite3.connect(log)
    with db:
        db.execute("DROP TRIGGER attempts_no_update")
        db.execute("UPDATE attempts SET score = 2.0")
    db.close()
    folder = submit(course, "tricheur", release_nb(course, T2), assignment=T2)
    shutil.copy(log, folder / evidence.SHIPPED_LOG)
    outcome, = autograde.grade(course, T2, students=["tricheur"], options=autograde.Options(workers=1, from_evidence=True))
    assert outcome.score == 0
    assert any("Journal de tentatives refusé" in n for n in outcome.notes)


def test_missing_evidence_scores_zero_with_a_reason(course, live):
    submit(course, "sans-journal", answer(release_nb(course, T2), {"image-reponse": _writes(GOOD)}), assignment=T2)
    outcome, = autograde.grade(course, T2, students=["sans-journal"],
                               options=autograde.Options(workers=1, from_evidence=True))
    assert outcome.score == 0
    assert any("pas de journal" in n for n in outcome.notes)



def test_feedback_shows_the_checklist_but_not_the_hidden_expectations(course, live, capsys):
    from grader import cli

    assert cli.main(["course", "--course", str(course.root), "feedback", T2]) == 0
    page = (course.step("feedback") / "latest" / T2 / f"{T2}.html").read_text()
    assert "Contrôle caché : non réussi." in page and "Contrôle caché : réussi." in page
    assert "disallow-latest-tag" in page                       # the check's title, as the learner saw it
    assert "Donnez un tag de version explicite" not in page      # the hidden rule's remedy (its expectation)
    assert "du conteneur « web »" not in page                   # nor its finding
