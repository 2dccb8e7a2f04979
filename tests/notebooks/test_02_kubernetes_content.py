"""Module 02-kubernetes's own tests (what all modules share: tests/notebooks/test_content.py).

The broken catalogue fails every graded rule. Live part (the session's local control plane): the solution earns
every checkable point and a classic mistake (Service selector that picks no pod) loses the endpoint check.
"""
import shutil

import pytest

from grader import exercises as registry
from grader.checks.registry import OFFLINE
from grader.results import Status
from grader.runner import run
from notebook_content import Module, offline, stage_and_apply

MODULE = "02-kubernetes"
M = Module(MODULE)


def test_the_broken_catalogue_fails_every_graded_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    exercise = registry.get("k8s-depannage")
    (tmp_path / "k8s-depannage").mkdir()
    shutil.copy(exercise.directory / "starter" / "catalogue.yaml", tmp_path / "k8s-depannage" / "catalogue.yaml")
    report = offline(exercise, tmp_path, OFFLINE)
    failed = {r.check_id.rsplit("/", 1)[-1] for r in report.results if r.status is Status.FAILED}
    assert failed == {"cm-no-credentials", "disallow-latest-tag", "require-labels", "restrict-nodeport",
                      "name-length"}, repr(report)


# ------------------------------------------------------------------ live, on the local control plane


@pytest.mark.cluster
def test_module_solutions_earn_every_checkable_point_live(learner_env):
    from grader.runner import scaled
    for exercise_id in ("k8s-config", "k8s-deployment", "k8s-service", "k8s-depannage"):
        exercise = stage_and_apply(exercise_id, learner_env)
        report, _ = run(exercise, work_dir=learner_env)
        assert scaled(report, exercise.points) == exercise.points, repr(report)
        skipped = [r for r in report.results if r.status is Status.SKIPPED]
        assert all(r.check_id == "reponse-http" and "non vérifiable" in r.message for r in skipped), repr(report)


@pytest.mark.cluster
def test_a_service_whose_selector_picks_no_pod_loses_the_endpoint_check(learner_env):
    exercise = registry.get("k8s-depannage")
    fixed = (exercise.directory / "solution" / "catalogue.yaml").read_text(encoding="utf-8")
    wrong = fixed.replace("  selector: {app: catalogue}", "  selector: {app: catalog}")
    assert wrong != fixed
    exercise = stage_and_apply("k8s-depannage", learner_env, text=wrong)
    report, _ = run(exercise, work_dir=learner_env)
    by_id = {r.check_id: r for r in report.results}
    assert by_id["points-acces"].status is Status.FAILED, repr(report)
    assert "aucun pod" in by_id["points-acces"].message
    assert by_id["deployment"].status is Status.PASSED


@pytest.mark.cluster
def test_the_broken_catalogue_applied_as_is_scores_zero(learner_env):
    """The lab starts from the broken file (copied in by the notebook): running the cells unchanged earns nothing."""
    from grader.runner import scaled
    from grader.errors import ApiFailure
    starter = (registry.get("k8s-depannage").directory / "starter" / "catalogue.yaml").read_text(encoding="utf-8")
    try:
        stage_and_apply("k8s-depannage", learner_env, text=starter)
    except ApiFailure as refused:          # the 72-character Service name: the API's refusal is evidence too
        assert "63" in refused.message_fr
    exercise = registry.get("k8s-depannage")
    report, _ = run(exercise, work_dir=learner_env)
    assert scaled(report, exercise.points) == 0, repr(report)
