"""Module 09 « Éligibilité »: the self-assessment report, the two graded exercises, the notebook end to end."""
from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from grader import eligibility
from grader import exercises as registry
from grader.config import REPO_ROOT
from grader.errors import InputError
from grader.runner import scaled
from notebook_content import grade_scores, offline, source

MODULE = "09-eligibilite"
NOTEBOOK = REPO_ROOT / "notebooks" / MODULE / f"{MODULE}.ipynb"
FILES = {"elig-image": "Dockerfile", "elig-manifestes": "deploiement.yaml"}


def test_every_item_names_a_module_and_a_real_source():
    for item in eligibility.items():
        assert item.module in eligibility.MODULES
        assert re.fullmatch(r"règle ([1-9]|[1-3][0-9]|4[0-2])|§[1-9](\.[1-9])?", item.source), item.source
    factors = " ".join(i.factor for i in eligibility.items())
    for numeral in ("I.", "II.", "III.", "IV.", "V.", "VI.", "VII.", "VIII.", "IX", "X.", "XI.", "XII."):
        assert numeral in factors


def test_the_report_says_what_blocks_what_to_change_and_where_to_learn_it():
    answers = {i.id: "oui" for i in eligibility.items()}
    assert eligibility.evaluate(answers).verdict == "prérequis remplis d'après vos réponses"
    answers.update({"linux": "non", "journaux": "non", "admin": "?"})
    report = eligibility.evaluate(answers, application="annuaire")
    assert [i.id for i in report.blocking] == ["linux"]
    assert [i.id for i in report.to_change] == ["journaux"]
    assert [i.id for i in report.to_check] == ["admin"]
    text = report.markdown()
    assert "pas éligible en l'état" in text
    assert "Module 01 — Conteneurs" in text and "Module 09 — Éligibilité" in text
    assert "Ce qui bloque (1)" in text and "Ce qu'il faut vérifier (1)" in text
    assert eligibility.evaluate({}).verdict == "éligibilité à confirmer"


def test_bad_answers_are_refused_in_french():
    with pytest.raises(InputError, match=r"répondez « oui », « non » ou « \? »"):
        eligibility.evaluate({"linux": "peut-être"})
    with pytest.raises(InputError, match="inconnue"):
        eligibility.evaluate({"windows": "oui"})


@pytest.mark.parametrize("exercise", list(FILES))
def test_starter_scores_zero_and_solution_full(exercise, tmp_path):
    found = registry.get(exercise)
    assert found.module == MODULE
    for version, expected in (("starter", 0.0), ("solution", found.points)):
        work = tmp_path / version
        (work / exercise).mkdir(parents=True)
        shutil.copy(found.directory / version / FILES[exercise], work / exercise / FILES[exercise])
        assert scaled(offline(found, work, {"lint"}), found.points) == expected


def test_the_notebook_solution_cells_hold_the_reference_answers():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    for exercise, name in FILES.items():
        cell = next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{exercise}-reponse")
        body = source(cell).split("### BEGIN SOLUTION\n", 1)[1].split("\n### END SOLUTION", 1)[0]
        reference = (registry.get(exercise).directory / "solution" / name).read_text(encoding="utf-8").strip()
        assert body.strip() == reference


@pytest.mark.slow
def test_solution_notebook_full_marks_blank_zero_and_report_written(notebook_runs):
    points = {f"test_{e.id}": e.points for e in registry.all_exercises() if e.module == MODULE}
    assert sum(points.values()) == 9
    solution, blank = notebook_runs.solution(NOTEBOOK), notebook_runs.starter(NOTEBOOK)
    assert grade_scores(solution.nb) == points, solution.errors()
    assert grade_scores(blank.nb) == {key: 0.0 for key in points}
    for run in (solution, blank):
        assert "éligibilité à confirmer" in (run.work / "rapport-eligibilite.md").read_text(encoding="utf-8")
