"""One fault, every rule it breaks: the classes the content review found the linter missing (issue 14, point 7)."""
from __future__ import annotations

from grader.rules import lint_text

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-cm}\ndata: {password: hunter2}\n"
NO_RESOURCES = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                "  containers: [{name: c, image: 'docker.io/library/nginx:1.27'}]\n")
CRITICAL = """apiVersion: v1
kind: Pod
metadata: {name: p, labels: {criticality: high}}
spec:
  initContainers: [{name: init, image: 'docker.io/library/busybox:1.36'}]
  containers:
    - name: c
      image: docker.io/library/nginx:1.27
      resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
"""


def _refs(problems) -> set[int]:
    return {p.ref for p in problems}


def test_literal_credentials_in_a_configmap_are_rules_22_and_23():
    problems = lint_text(CM, env_type="prod")
    assert {22, 23} <= _refs(problems)
    assert problems.for_rule("cm-no-clear-secret")[0].severity == "error"


def test_a_pod_without_resources_is_rule_9_and_best_effort_under_rule_10():
    problems = lint_text(NO_RESOURCES)
    assert problems.for_rule("require-resources") and problems.for_rule("qos-not-best-effort")
    assert "BestEffort" in problems.for_rule("qos-not-best-effort")[0].message


def test_qos_of_a_critical_pod_counts_its_init_containers():
    found = lint_text(CRITICAL).for_rule("qos-guaranteed-critical")
    assert found and all("« init »" in p.message for p in found)
