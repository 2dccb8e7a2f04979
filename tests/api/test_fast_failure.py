"""A learner file that is missing or does not read: the live checks fed by it fail at once, with a French
message naming the file, instead of waiting for their time budget (no timing asserted: a check that waited
would say « délai de … dépassé », and these budgets are far longer than the test's patience)."""
from __future__ import annotations

import dataclasses
import textwrap

import pytest

import grader
from grader import exercises, runner
from grader.results import Status

CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: reglages}\ndata: {MODE: prod}\n"
EXERCISE = """
    learnerFiles: [app.yaml, config.yaml]
    setup:
      apply: [setup/base.yaml]
    checks:
      - {id: objet, type: object, points: 1, title: "Objet", timeout: 300,
         params: {kind: Deployment, name: app, expect: {status.readyReplicas: 9}}}
      - {id: rollout, type: rollout, points: 1, title: "Rollout", timeout: 300, params: {kind: Deployment, name: app}}
      - {id: quota, type: quota, points: 1, title: "Quota", timeout: 300,
         params: {expect: {limits.cpu: {usedMin: "3"}}}}
      - {id: acces, type: rbac, points: 1, title: "Accès", timeout: 300,
         params: {serviceAccount: app, verb: get, resource: secrets, allowed: true}}
      - {id: politiques, type: policy_warnings, points: 1, title: "Politiques", params: {files: [app.yaml]}}
      - {id: reglages, type: object, points: 1, title: "Réglages", timeout: 300,
         params: {kind: ConfigMap, name: reglages, expect: {data.MODE: prod}}}
      - {id: socle, type: object, points: 1, title: "Socle", timeout: 300,
         params: {kind: ConfigMap, name: socle, expect: {data.ok: "oui"}}}
"""


@pytest.fixture()
def exercise(exercise_root):
    directory = exercise_root("fichier-casse", EXERCISE)
    (directory / "setup").mkdir()
    (directory / "setup" / "base.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: socle}\n"
                                                   "data: {ok: \"oui\"}\n")
    return directory


def by_id(report):
    return {r.check_id: r for r in report.results}


FED = ("objet", "rollout", "quota", "acces", "politiques")


@pytest.mark.parametrize("content, expected", [
    (None, "fichier « app.yaml » introuvable"),
    ("# YOUR CODE HERE\nraise NotImplementedError()\n", "app.yaml : le document n° 1 n'est pas un objet Kubernetes"),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app\n", "app.yaml : YAML illisible"),
    ("", "app.yaml : aucun objet Kubernetes"),
])
def test_checks_fed_by_an_unusable_file_fail_at_once(learner, exercise, content, expected):
    grader.reset("fichier-casse")
    (learner / "config.yaml").write_text(CONFIG)
    grader.apply("config.yaml", exercise="fichier-casse")
    if content is not None:
        (learner / "app.yaml").write_text(content)
    report = grader.check("fichier-casse")
    results = by_id(report)
    for key in FED:
        result = results[key]
        assert result.status is Status.FAILED, (key, result.message)
        assert result.message.startswith(expected), (key, result.message)
        assert "corrigez ce fichier et appliquez-le" in result.message and "délai" not in result.message
        assert result.evidence == {"fichiers illisibles": {"app.yaml": result.message.split(" — ")[0]}}
    # objects that come from a file that reads, or from the exercise's setup, are checked as usual
    assert results["reglages"].status is Status.PASSED, results["reglages"].message
    assert results["socle"].status is Status.PASSED, results["socle"].message
    assert grader.grade("fichier-casse") == pytest.approx(2 * 2 / 7, abs=0.01)


def test_a_readable_file_is_checked_as_usual(learner, exercise):
    (learner / "config.yaml").write_text(CONFIG)
    (learner / "app.yaml").write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: app}
    """))
    grader.apply("config.yaml", exercise="fichier-casse")
    full = exercises.get("fichier-casse")
    quick = dataclasses.replace(full, checks=tuple(c for c in full.checks if c.id in ("objet", "politiques")))
    report, _ = runner.run(quick, work_dir=learner)
    results = by_id(report)
    assert "introuvable dans l'espace de noms" in results["objet"].message      # no Deployment declared: looked up
    assert results["politiques"].status is Status.PASSED


def test_files_inside_a_helm_chart_and_values_files_are_not_manifests(tmp_path):
    chart = tmp_path / "ex" / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "d.yaml").write_text("{{ if .Values.x }}\nkind: Deployment\n{{ end }}\n")
    (tmp_path / "ex" / "values-dev.yaml").write_text("image: {tag: 1.0.0}\n")
    exercise = exercises.Exercise(id="ex", module="m", title="t", skill="helm", points=1, checks=(),
                                  directory=tmp_path, learner_files=("ex/chart/templates/d.yaml",
                                                                     "ex/chart/Chart.yaml", "ex/values-dev.yaml",
                                                                     "ex/Dockerfile"))
    assert runner.learner_sources(exercise, tmp_path) == (set(), {})


def test_an_unreachable_docker_engine_never_gives_full_marks(tmp_path, monkeypatch):
    """Docker gone: the image check is « non vérifiable », its points stay in the total (real rules engine on the
    real solution Dockerfile, real Docker SDK on a socket that does not exist)."""
    import shutil
    from types import SimpleNamespace

    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/cpin-no-such-docker.sock")
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    exercise = exercises.get("docker-rootless")
    shutil.copytree(exercise.directory / "solution", tmp_path / exercise.id)
    report, _ = runner.run(exercise, learner="t", work_dir=tmp_path, kube=SimpleNamespace())
    docker = [r for r in report.results if r.check_id.split("/")[0] in
              {c.id for c in exercise.checks if c.type == "docker"}]
    assert docker and all(r.status is Status.SKIPPED and r.counts for r in docker), repr(report)
    assert all("non vérifiable" in r.message and "Docker" in r.message for r in docker)
    assert all(r.status.scores for r in report.results if r not in docker), repr(report)  # the lint part passes
    assert 0 < runner.scaled(report, exercise.points) < exercise.points
    assert report.max_points == sum(r.max_points for r in report.results)


@pytest.mark.timeout(90)   # a hang guard, not a speed assertion: a frozen engine once held a check for > 700 s
def test_a_frozen_docker_engine_is_not_verifiable_and_still_counts(tmp_path, monkeypatch):
    """An engine that accepts connections and never answers (a stopped dockerd): the ping gives up, the
    image check is « non vérifiable » and stays in the total."""
    import shutil
    import socket
    from types import SimpleNamespace

    path = tmp_path / "frozen.sock"
    frozen = socket.socket(socket.AF_UNIX)
    frozen.bind(str(path))
    frozen.listen(16)                     # connections queue up; nothing is ever read or answered
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    exercise = exercises.get("docker-rootless")
    shutil.copytree(exercise.directory / "solution", tmp_path / exercise.id)
    try:
        report, _ = runner.run(exercise, learner="t", work_dir=tmp_path, kube=SimpleNamespace())
    finally:
        frozen.close()
    docker = [r for r in report.results if r.check_id.split("/")[0] in
              {c.id for c in exercise.checks if c.type == "docker"}]
    assert docker and all(r.status is Status.SKIPPED and r.counts for r in docker), repr(report)
    assert 0 < runner.scaled(report, exercise.points) < exercise.points
