"""Unit tests of pure parts: dotted paths and expectations, wait helper, result building, scaling."""
from __future__ import annotations

import pytest

from grader import exercises, runner
from grader.checks import access, match, workloads
from grader.kube.client import parse_warnings, policy_of, warning_fr
from grader.checks.base import Outcome, SubCheck, wait_until
from grader.errors import ApiFailure
from grader.results import Report, Result, Status

DEPLOY = {"spec": {"replicas": 3, "template": {"metadata": {"labels": {"app.kubernetes.io/name": "web"}},
                                             "spec": {"containers": [{"name": "side", "image": "a:1"},
                                                                     {"name": "web", "image": "b:2",
                                                                      "resources": {"limits": {"memory": "256Mi"}}}]}}}}


@pytest.mark.parametrize("path, value", [
    ("spec.replicas", 3),
    ("spec.template.spec.containers[1].image", "b:2"),
    ("spec.template.spec.containers[name=web].image", "b:2"),
    ("spec.template.metadata.labels[app.kubernetes.io/name]", "web"),
])
def test_lookup(path, value):
    assert match.lookup(DEPLOY, path) == value


def test_lookup_missing_and_bad_path():
    assert match.lookup(DEPLOY, "spec.template.spec.containers[name=db].image") is match._MISSING
    assert match.lookup(DEPLOY, "spec.replicas.nope") is match._MISSING
    assert match.lookup(DEPLOY, "spec.template.spec.containers[7]") is match._MISSING


@pytest.mark.parametrize("actual, expected, ok", [
    (3, 3, True), (3, 2, False), ("256Mi", "0.25Gi", True), ("256Mi", "512Mi", False),
    ("b:2", {"matches": r".+:\d+"}, True), ("b:latest", {"matches": r".+:\d+"}, False),
    (3, {"min": 2}, True), (1, {"min": 2}, False), ("1Gi", {"max": "512Mi"}, False),
    (match._MISSING, {"exists": False}, True), (match._MISSING, 3, False), ("x", {"exists": True}, True),
    ("IfNotPresent", {"oneOf": ["Always", "IfNotPresent"]}, True), (True, 1, False),
])
def test_matches(actual, expected, ok):
    assert match.matches(actual, expected) is ok


def test_wait_until_returns_on_success_and_stops_on_final_failure():
    calls = []

    def flaky():
        calls.append(1)
        return Outcome.ok() if len(calls) == 3 else Outcome.fail("pas encore")
    assert wait_until(flaky, timeout=30, retries=0, sleep=lambda s: None).status is Status.PASSED
    assert len(calls) == 3
    calls.clear()
    final = wait_until(lambda: calls.append(1) or Outcome.fail("faux", final=True), timeout=30, retries=0,
                       sleep=lambda s: None)
    assert final.status is Status.FAILED and len(calls) == 1


def test_wait_until_timeout_is_a_failure_with_a_message_not_a_hang():
    now = [0.0]
    outcome = wait_until(lambda: Outcome.fail("0/2 prêts"), timeout=5, retries=3,
                         sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    assert outcome.status is Status.FAILED
    assert outcome.detail.startswith("délai de 5 s dépassé") and "0/2 prêts" in outcome.detail


def test_wait_until_api_errors_are_retried_then_error():
    count = []

    def broken():
        count.append(1)
        raise ApiFailure("le cluster a répondu 503", status=503)
    outcome = wait_until(broken, timeout=60, retries=2, sleep=lambda s: None)
    assert outcome.status is Status.ERROR and len(count) == 3


def _exercise(**check):
    spec = exercises.CheckSpec(id="c", type="object", points=2, title="Titre", ok_message="bien",
                               ko_message="raté", hint="regardez X", **check)
    other = exercises.CheckSpec(id="d", type="object", points=2, title="Autre")
    return exercises.Exercise(id="e", module="m", title="E", skill="kubernetes", points=8, checks=(spec, other),
                              directory=None), spec


def test_results_messages_points_and_hidden_stripping():
    exercise, spec = _exercise()
    [failed] = runner._results(exercise, spec, Outcome.fail("« spec.replicas » vaut 1 (attendu : 3)", {"v": 1}))
    assert failed.max_points == 4.0 and failed.points == 0
    assert failed.message == "raté — « spec.replicas » vaut 1 (attendu : 3)" and failed.hint == "regardez X"
    hidden_ex, hidden = _exercise(hidden=True)
    [secret] = runner._results(hidden_ex, hidden, Outcome.fail("« data.K » vaut « a » (attendu : « b »)", {"K": "a"}))
    assert secret.message == "Contrôle caché : non réussi." and secret.evidence is None and secret.hint == ""
    assert "attendu" not in str(secret.to_dict())


def test_sub_outcomes_split_points():
    exercise, spec = _exercise()
    subs = (SubCheck("r1", "Règle r1", Status.PASSED), SubCheck("r2", "Règle r2", Status.FAILED, "non", "faites Y"))
    results = runner._results(exercise, spec, Outcome(Status.FAILED, sub=subs))
    assert [r.check_id for r in results] == ["c/r1", "c/r2"]
    assert [r.points for r in results] == [2.0, 0.0] and results[1].hint == "faites Y"


def test_scaled_grade_ignores_skipped_checks():
    results = (Result("a", "A", Status.PASSED, 3), Result("b", "B", Status.FAILED, 1),
               Result("c", "C", Status.SKIPPED, 4))
    assert runner.scaled(Report("e", "E", results), 10) == 7.5
    assert runner.scaled(Report("e", "E", (Result("c", "C", Status.SKIPPED, 4),)), 10) == 0.0


def test_warning_headers_are_parsed_and_put_in_french():
    raw = ['299 - "Validation failed for ValidatingAdmissionPolicy \'cpin-disallow-latest\' with binding '
           '\'cpin-disallow-latest-dev\': Image sans étiquette précise."',
           '299 - "apps/v1beta1 is deprecated", 299 - "second"']
    texts = parse_warnings([r.encode("utf-8").decode("latin-1") for r in raw])
    assert len(texts) == 3 and policy_of(texts[0]) == "cpin-disallow-latest"
    assert warning_fr(texts[0]) == "Règle de la plateforme « cpin-disallow-latest » non respectée : " \
                                   "Image sans étiquette précise."
    assert warning_fr(texts[1]).startswith("Avertissement de l'API Kubernetes")


def test_references_of_a_pod_spec():
    spec = {"containers": [{"env": [{"valueFrom": {"configMapKeyRef": {"name": "cm", "key": "K"}}},
                                    {"valueFrom": {"secretKeyRef": {"name": "s", "key": "p", "optional": True}}}],
                            "envFrom": [{"secretRef": {"name": "s2"}}]}],
            "volumes": [{"configMap": {"name": "vol"}}, {"projected": {"sources": [{"secret": {"name": "p"}}]}}],
            "imagePullSecrets": [{"name": "registry-pull-secret"}]}
    refs = access.references(spec)
    assert ("ConfigMap", "cm", "K", False) in refs and ("Secret", "s", "p", True) in refs
    assert {("Secret", "s2"), ("ConfigMap", "vol"), ("Secret", "p"), ("Secret", "registry-pull-secret")} <= \
        {(k, n) for k, n, _, _ in refs}


@pytest.mark.parametrize("reason, message, cause", [
    ("FailedCreate", 'pods "web-1" is forbidden: exceeded quota: q, requested: pods=1', "quota"),
    ("Failed", 'Failed to pull image "x:1": not found', "image"),
    ("BackOff", "Back-off restarting failed container web", "crashloop"),
    ("FailedScheduling", "0/2 nodes are available", "scheduling"),
    ("Failed", 'Error: configmap "cfg" not found', "config"),
    ("Scheduled", "Successfully assigned", None),
])
def test_event_classification(reason, message, cause):
    assert workloads._classify(reason, message) == cause


def test_a_result_reads_back_what_to_dict_wrote():
    result = Result("c/r1", "Règle r1", Status.WARNING, 2.5, "message", "indice", {"k": [1]}, False, "kubernetes")
    data = result.to_dict()
    assert data["points"] == 2.5 and data["status"] == "warning"
    assert Result.from_dict(data) == result
    assert Result.from_dict({**data, "points": 99, "inconnu": 1}).points == 2.5   # derived keys are recomputed


def test_a_skip_that_counts_is_possible_but_not_earned():
    exercise, spec = _exercise()
    [kept] = runner._results(exercise, spec, Outcome.skip("non vérifiable ici : Docker", counts=True))
    [free] = runner._results(exercise, spec, Outcome.skip("non vérifiable sur ce cluster simulé"))
    assert kept.status is free.status is Status.SKIPPED and kept.counts and not free.counts
    passed = Result("a", "A", Status.PASSED, 3)
    assert runner.scaled(Report("e", "E", (passed, kept)), 10) < 10          # never full marks for the unverified
    assert runner.scaled(Report("e", "E", (passed, free)), 10) == 10
    assert not Report("e", "E", (passed, kept)).passed and Report("e", "E", (passed, free)).passed
