"""Module 00-prise-en-main's own tests (what all modules share: tests/notebooks/test_content.py).

The notebook shows checks, hints and progress. Live part (the session's local control plane): the solutions
earn full marks and a wrong reading of the cluster state loses the matching check.
"""
import pytest

from grader import exercises as registry
from grader.results import Status
from grader.runner import run
from notebook_content import Module, source as _source, stage_and_apply

MODULE = "00-prise-en-main"
M = Module(MODULE)


def test_the_notebook_shows_checks_hints_and_progress():
    sources = [_source(c) for c in M.cells() if c["cell_type"] == "code"]
    assert any(s.startswith('check("intro-configmap")') for s in sources[:sources.index(next(
        s for s in sources if s.startswith("%%writefile intro-configmap/")))])  # a check before answering
    assert 'hint("intro-configmap")' in sources and "progress()" in sources


# ------------------------------------------------------------------ live, on the local control plane


@pytest.mark.cluster
def test_module_solutions_earn_full_marks_live(learner_env):
    from grader.runner import scaled
    for exercise_id in M.ids:
        exercise = stage_and_apply(exercise_id, learner_env)
        report, _ = run(exercise, work_dir=learner_env)
        assert scaled(report, exercise.points) == exercise.points, repr(report)


@pytest.mark.cluster
def test_a_wrong_reading_of_the_quota_loses_the_quota_check_only(learner_env):
    exercise = registry.get("intro-etat-cluster")
    right = (exercise.directory / "solution" / "etat.yaml").read_text(encoding="utf-8")
    wrong = right.replace('quota-cpu: "4"', 'quota-cpu: "8"')
    assert wrong != right
    exercise = stage_and_apply("intro-etat-cluster", learner_env, text=wrong)
    report, _ = run(exercise, work_dir=learner_env)
    failed = {r.check_id for r in report.results if r.status is Status.FAILED}
    assert failed == {"quota"}, repr(report)
    assert "quota-cpu" in next(r.message for r in report.results if r.check_id == "quota")


def test_module_00_has_the_glossary_and_works_from_a_cold_start():
    from notebook_content import cells, source
    texts = [source(c) for c in cells("00-prise-en-main")]
    glossary = next(t for t in texts if "## Glossaire" in t)
    for term in ("espace de noms", "label", "règle imposée", "conseil", "SopsSecret", "rendu"):
        assert f"**{term}" in glossary, term
    setup = next(t for t in texts if "EXERCICES = (" in t)
    assert setup.index('cpin("cluster", "up")') < setup.index("reset(nom)")   # the cluster first: cold start
    assert "source <dossier du kit>/.venv/bin/activate" in "\n".join(texts)


def test_lab_terminals_find_the_kit_cpin_first(tmp_path):
    import os
    import sys
    from pathlib import Path

    from grader import workspace
    env = workspace.configure(tmp_path)
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
