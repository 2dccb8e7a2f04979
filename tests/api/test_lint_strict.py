"""`lint` with `strict: true`: warnings and info-level findings of the listed rules fail, so that advice-level
rules can be graded. Real rules engine on real files; no cluster needed (lint is an offline check)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from grader import exercises, runner
from grader.errors import InputError
from grader.results import Status

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, labels: {app: app, env: dev, tier: backend}}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app, env: dev, tier: backend}}
    spec:
      securityContext: {runAsUser: 1000}
      containers:
        - name: app
          image: localhost:5001/cpin/app:1.0.0
          imagePullPolicy: IfNotPresent
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /ready, port: 8080}}
          resources: {requests: {cpu: 10m, memory: 8Mi}, limits: {cpu: 10m, memory: 8Mi}}
"""
NETPOL = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app}
spec:
  podSelector: {matchLabels: {app: app}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
"""
RULES = ["pod-no-fixed-ids", "probe-health-path", "require-resources"]


def run_lint(exercise_root, work, params: dict) -> dict:
    exercise_root("lint-strict", f"""
        learnerFiles: [app.yaml]
        checks:
          - {{id: lint, type: lint, points: 3, title: "Règles", params: {params!r}}}
    """.replace("'", '"').replace("True", "true").replace("False", "false"))
    report, _ = runner.run(exercises.get("lint-strict"), learner="t", work_dir=work, kube=SimpleNamespace())
    return {r.check_id: r for r in report.results}


@pytest.fixture()
def work(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    (tmp_path / "app.yaml").write_text(MANIFEST, encoding="utf-8")
    return tmp_path


def test_without_strict_advice_warns_and_info_passes(exercise_root, work):
    results = run_lint(exercise_root, work, {"rules": RULES})
    assert results["lint/pod-no-fixed-ids"].status is Status.WARNING           # scores
    assert results["lint/probe-health-path"].status is Status.PASSED
    assert results["lint/require-resources"].status is Status.PASSED


def test_strict_fails_advice_and_info_findings_of_listed_rules(exercise_root, work):
    results = run_lint(exercise_root, work, {"rules": RULES, "strict": True})
    fixed = results["lint/pod-no-fixed-ids"]
    assert fixed.status is Status.FAILED and "runAsUser=1000" in fixed.message and fixed.hint
    health = results["lint/probe-health-path"]
    assert health.status is Status.FAILED and "/ready" in health.message
    assert results["lint/require-resources"].status is Status.PASSED           # a clean rule still passes
    assert sum(r.max_points for r in results.values()) == pytest.approx(2.0, abs=1e-3)   # the exercise total


def test_strict_without_a_rule_list_fails_on_warnings_only(exercise_root, work):
    [result] = run_lint(exercise_root, work, {"strict": True}).values()
    assert result.status is Status.FAILED and "problème(s)" in result.message and "runAsUser" in result.message
    (work / "app.yaml").write_text(MANIFEST.replace("      securityContext: {runAsUser: 1000}\n", "") + NETPOL)
    [result] = run_lint(exercise_root, work, {"strict": True}).values()
    assert result.status is Status.PASSED, result.message                     # info findings stay informational


def test_strict_must_be_a_boolean(tmp_path):
    path = tmp_path / "m" / "x" / "exercise.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("apiVersion: cpin.dev/v1\nkind: Exercise\nid: x\nmodule: m\ntitle: X\nskill: kubernetes\n"
                    "points: 1\nchecks:\n  - {id: l, type: lint, points: 1, title: L, params: {strict: oui}}\n")
    with pytest.raises(InputError, match=r"checks\[0\]\.params\.strict"):
        exercises.load_file(path)


def test_the_report_is_returned_when_the_attempt_log_cannot_be_written(exercise_root, work, monkeypatch, capsys):
    """An offline check through `grader.check`, with CPIN_DATA on a file: the log cannot be opened."""
    import grader
    blocked = work / "pas-un-dossier"
    blocked.write_text("x", encoding="utf-8")
    monkeypatch.setenv("CPIN_DATA", str(blocked))
    exercise_root("journal-bloque", """
        learnerFiles: [app.yaml]
        checks:
          - {id: lint, type: lint, points: 3, title: "Règles", params: {rules: [require-resources]}}
    """)
    report = grader.check("journal-bloque", work_dir=work)
    assert [r.status for r in report.results] == [Status.PASSED] and report.points == report.max_points > 0
    assert "Tentative non enregistrée" in capsys.readouterr().err
    assert grader.grade("journal-bloque", work_dir=work) == 2.0   # the grade stands too
