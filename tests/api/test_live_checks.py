"""Integration tests: every check type against the real local control plane (kwok nodes)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import grader
from grader import cli, runner
from grader import attempts
from grader.kube.client import Kube
from grader.results import Status


def by_id(report):
    return {r.check_id: r for r in report.results}


def test_solution_scores_full_marks_and_http_is_skipped(learner, solution):
    solution("exemple-web", "web.yaml")
    applied = grader.apply("web.yaml", exercise="exemple-web")
    assert applied.warnings == []  # the solution follows the platform's policies
    report = grader.check("exemple-web")
    results = by_id(report)
    assert results["http"].status is Status.SKIPPED
    assert "non vérifiable sur ce cluster simulé" in results["http"].message
    failing = {k: (r.status, r.message) for k, r in results.items() if r.status not in (Status.PASSED, Status.SKIPPED)}
    assert failing == {}
    assert results["secret-check"].message == "Contrôle caché : réussi."
    assert report.points == report.max_points == 11.0
    assert grader.grade("exemple-web") == 12.0          # scaled to the exercise's points
    log = attempts.attempts(learner=os.environ["CPIN_LEARNER"])
    assert [a.mode for a in log] == ["check", "grade"] and log[0].score == 12.0
    assert any(key.startswith("Deployment/") for key in log[0].evidence)  # the objects as they were
    assert attempts.verify_chain()


def test_broken_manifest_fails_with_french_messages_and_hides_hidden_expectations(learner, solution):
    solution("exemple-web", "web.yaml")
    broken = (learner / "web.yaml").read_text()
    broken = broken.replace("MESSAGE: bonjour", "MESSAGE: salut").replace("replicas: 2", "replicas: 1")
    broken = broken.replace("  selector: {app: web}", "  selector: {app: webapp}")
    broken = broken.replace("service: {name: web, port: {number: 8080}}", "service: {name: autre, port: {number: 8080}}")
    broken = broken.replace("configMapRef: {name: web-config}", "configMapRef: {name: web-conf}")
    (learner / "web.yaml").write_text(broken)
    grader.apply("web.yaml", exercise="exemple-web")
    report = grader.check("exemple-web")
    results = by_id(report)
    assert results["deployment"].status is Status.FAILED
    assert "« spec.replicas » vaut 1 (attendu : 2)" in results["deployment"].message
    assert results["endpoints"].status is Status.FAILED
    assert "aucun pod ne porte les étiquettes app=webapp" in results["endpoints"].message
    assert results["ingress"].status is Status.FAILED and "pas au Service « web »" in results["ingress"].message
    assert results["config"].status is Status.FAILED and "ConfigMap « web-conf » absent" in results["config"].message
    hidden = results["secret-check"]
    assert hidden.status is Status.FAILED and hidden.message == "Contrôle caché : non réussi."
    shown = repr(report) + report._repr_html_() + json.dumps(report.to_dict(), ensure_ascii=False)
    assert "bonjour" not in shown and "MESSAGE" not in shown
    assert 0 < grader.grade("exemple-web") < 12


def test_rollout_and_events_explain_an_exceeded_quota(learner, tmp_path, monkeypatch, exercise_root):
    exercise_root("quota-plein", """
        checks:
          - {id: rollout, type: rollout, points: 1, title: "Déployé", timeout: 20, params: {kind: Deployment, name: gros}}
          - {id: cause, type: events, points: 1, title: "Cause", timeout: 20,
             params: {kind: Deployment, name: gros, causes: [quota], expect: present}}
          - {id: quota, type: quota, points: 1, title: "Quota", timeout: 5,
             params: {name: petit, expect: {pods: {hard: 1, usedMax: 1}}}}
    """)
    manifest = textwrap.dedent("""
        apiVersion: v1
        kind: ResourceQuota
        metadata: {name: petit}
        spec: {hard: {pods: "1"}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: gros, labels: {app: gros, env: formation, tier: backend}}
        spec:
          replicas: 3
          selector: {matchLabels: {app: gros}}
          template:
            metadata: {labels: {app: gros, env: formation, tier: backend}}
            spec:
              containers:
                - name: gros
                  image: localhost:5001/cpin/gros:1.0.0
                  imagePullPolicy: IfNotPresent
                  resources: {requests: {cpu: 10m, memory: 8Mi}, limits: {cpu: 10m, memory: 8Mi}}
    """)
    grader.apply(manifest, exercise="quota-plein")
    results = by_id(grader.check("quota-plein"))
    assert results["rollout"].status is Status.FAILED
    assert "quota de l'espace de noms dépassé" in results["rollout"].message
    assert results["cause"].status is Status.PASSED and "exceeded quota" in results["cause"].message
    assert results["quota"].status is Status.PASSED


def test_events_report_an_image_pull_failure_on_current_pods(learner, tmp_path, monkeypatch, local_cluster, exercise_root):
    exercise_root("image-absente", """
        checks:
          - {id: sain, type: events, points: 1, title: "Sans échec", timeout: 2,
             params: {kind: Deployment, name: app, expect: absent}}
    """)
    manifest = textwrap.dedent("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app, labels: {app: app, env: formation, tier: backend}}
        spec:
          replicas: 1
          selector: {matchLabels: {app: app}}
          template:
            metadata: {labels: {app: app, env: formation, tier: backend}}
            spec:
              containers:
                - {name: app, image: "localhost:5001/cpin/app:9.9.9", imagePullPolicy: IfNotPresent,
                   resources: {requests: {cpu: 10m, memory: 8Mi}, limits: {cpu: 10m, memory: 8Mi}}}
    """)
    applied = grader.apply(manifest, exercise="image-absente")
    namespace = applied.namespace
    assert by_id(grader.check("image-absente"))["sain"].status is Status.PASSED
    kube = Kube(local_cluster.api_client)
    pods = kube.list("Pod", namespace, label_selector="app=app")
    assert pods
    pod = pods[0]["metadata"]
    # What a kubelet reports when the image is missing (kwok runs no kubelet, so the test writes it).
    kube.create({"apiVersion": "v1", "kind": "Event", "metadata": {"generateName": "app-", "namespace": namespace},
                 "involvedObject": {"kind": "Pod", "name": pod["name"], "namespace": namespace, "uid": pod["uid"],
                                    "apiVersion": "v1"},
                 "reason": "Failed", "type": "Warning", "source": {"component": "kubelet"},
                 "message": 'Failed to pull image "localhost:5001/cpin/app:9.9.9": not found'}, namespace)
    result = by_id(grader.check("image-absente"))["sain"]
    assert result.status is Status.FAILED and "image impossible à récupérer" in result.message


def test_rbac_checks_use_subject_access_review(learner, solution):
    grader.reset("exemple-acces")
    results = by_id(grader.check("exemple-acces"))
    # no rbac.yaml yet: the checks fed by it fail at once (no free point); those on setup objects run
    for key in ("can-read", "cannot-delete"):
        assert results[key].status is Status.FAILED and "« rbac.yaml » introuvable" in results[key].message
    assert results["quota"].status is results["healthy"].status is Status.PASSED
    (learner / "rbac.yaml").write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: lecteur}\n")
    grader.apply("rbac.yaml", exercise="exemple-acces")
    results = by_id(grader.check("exemple-acces"))
    assert results["can-read"].status is Status.FAILED          # no Role yet: the SubjectAccessReview says no
    assert results["cannot-delete"].status is Status.PASSED
    solution("exemple-acces", "rbac.yaml")
    grader.apply("rbac.yaml", exercise="exemple-acces")
    report = grader.check("exemple-acces")
    assert {r.check_id: r.status for r in report.results} == {
        "can-read": Status.PASSED, "cannot-delete": Status.PASSED, "quota": Status.PASSED, "healthy": Status.PASSED}


def test_reset_puts_the_namespace_back(learner, solution):
    solution("exemple-web", "web.yaml")
    grader.apply("web.yaml", exercise="exemple-web")
    grader.reset("exemple-acces")                                 # same namespace, another exercise
    done = grader.reset("exemple-web")
    assert "Deployment/web" in done.deleted and "ConfigMap/web-config" in done.deleted
    results = by_id(grader.check("exemple-web"))
    assert results["deployment"].status is Status.FAILED and "introuvable" in results["deployment"].message
    # the other exercise's starting objects are untouched
    assert by_id(grader.check("exemple-acces"))["healthy"].status is Status.PASSED
    again = grader.reset("exemple-acces")
    assert set(again.applied) == {"ResourceQuota/exemple-quota", "Deployment/charge"}


def test_timeout_is_a_failure_with_a_message(learner, tmp_path, monkeypatch, solution, exercise_root):
    exercise_root("trop-court", """
        checks:
          - {id: cinq, type: service_endpoints, points: 1, title: "5 pods", timeout: 1.5, params: {name: web, minReady: 5}}
    """)
    solution("exemple-web", "web.yaml")
    grader.apply("web.yaml", exercise="trop-court")
    [result] = grader.check("trop-court").results
    assert result.status is Status.FAILED
    assert result.message.startswith("délai de 1.5 s dépassé") and "il en faut au moins 5" in result.message


def test_policy_warnings_are_captured_at_apply_and_checked(learner, tmp_path, monkeypatch, exercise_root):
    exercise_root("regles", """
        learnerFiles: [app.yaml]
        checks:
          - {id: propre, type: policy_warnings, points: 1, title: "Sans avertissement"}
          - {id: latest, type: policy_warnings, points: 1, title: "La règle latest se déclenche",
             params: {expect: present, policies: [cpin-disallow-latest]}}
    """)
    (learner / "app.yaml").write_text(textwrap.dedent("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: app, labels: {app: app, env: formation, tier: backend}}
        spec:
          selector: {matchLabels: {app: app}}
          template:
            metadata: {labels: {app: app, env: formation, tier: backend}}
            spec:
              containers:
                - {name: app, image: "localhost:5001/cpin/app:latest", imagePullPolicy: IfNotPresent,
                   resources: {requests: {cpu: 10m, memory: 8Mi}, limits: {cpu: 10m, memory: 8Mi}}}
    """))
    applied = grader.apply("app.yaml", exercise="regles")
    assert any(w.startswith("Règle de la plateforme « cpin-disallow-latest »") for w in applied.warnings)
    assert "⚠ Règle de la plateforme" in repr(applied)
    results = by_id(grader.check("regles"))
    assert results["propre"].status is Status.FAILED and "cpin-disallow-latest" in results["propre"].message
    assert results["latest"].status is Status.PASSED


def test_apply_refuses_another_namespace_and_cluster_objects(learner):
    from grader.errors import InputError
    with pytest.raises(InputError, match="vise l'espace de noms"):
        grader.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n",
                     exercise="exemple-web")
    with pytest.raises(InputError, match="pas été créé par le kit"):
        grader.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", namespace="kube-system")
    with pytest.raises(InputError, match="aucun espace de noms"):
        grader.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: pirate}\n", exercise="exemple-web")


def test_docker_check_type_wraps_the_image_check(learner, tmp_path, monkeypatch, exercise_root):
    exercise_root("image", """
        checks:
          - {id: image, type: docker, points: 1, title: "Image", params: {context: app}}
    """)
    [result] = grader.check("image").results
    if runner._docker_available():
        assert result.status is Status.FAILED and "Dockerfile introuvable" in result.message
    else:
        assert result.status is Status.SKIPPED and "Docker ne répond pas" in result.message


def test_lint_check_type_scores_per_rule(learner, solution):
    import grader.rules
    if not hasattr(grader.rules, "lint_paths"):
        pytest.fail("grader.rules.lint_paths is missing (rules engine not wired yet)")
    starter = (solution("exemple-web", "web.yaml").parent / "web.yaml")
    starter.write_text((learner / "web.yaml").read_text().replace("web:1.2.0", "web:latest"))
    results = [r for r in grader.check("exemple-web").results if r.check_id.startswith("lint/")]
    statuses = {r.check_id: r.status for r in results}
    assert set(statuses) == {"lint/disallow-latest-tag", "lint/require-resources", "lint/require-probes"}
    assert statuses["lint/disallow-latest-tag"] in (Status.FAILED, Status.WARNING)
    assert statuses["lint/require-resources"] is Status.PASSED and sum(r.max_points for r in results) == 3


def test_grade_writes_nothing_to_stderr(learner, local_cluster, solution):
    solution("exemple-web", "web.yaml")
    grader.apply("web.yaml", exercise="exemple-web")
    script = ("import logging, warnings; logging.basicConfig(level=logging.DEBUG); warnings.simplefilter('always')\n"
              "import grader\nprint(repr(grader.grade('exemple-web')))\nprint(repr(grader.grade('inconnu')))")
    env = {**os.environ, "PYTHONWARNINGS": "always"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=learner, env=env)
    assert done.returncode == 0
    assert done.stderr == ""
    first, second = done.stdout.split()
    assert 0.0 < float(first) <= 12.0 and second == "0.0"


def test_cli_check_and_progress(learner, capsys, solution):
    solution("exemple-web", "web.yaml")
    grader.apply("web.yaml", exercise="exemple-web")
    assert cli.main(["check", "exemple-web", "--format", "json"]) in (0, 1)
    data = json.loads(capsys.readouterr().out)
    assert data["exercise"] == "exemple-web" and len(data["results"]) >= 9
    assert cli.main(["check", "nope"]) == 2 and "inconnu" in capsys.readouterr().err
    assert cli.main(["progress", "--history", "--verify"]) == 0
    out = capsys.readouterr().out
    assert "Kubernetes" in out and "Journal intègre" in out
