"""The admission policy and the static rule must accept the same registries (one list, two enforcers)."""
import re

import yaml

from grader.config import REPO_ROOT


def test_admission_policy_lists_the_rule_registries():
    rule = yaml.safe_load((REPO_ROOT / "grader/rules/registries.yaml").read_text())
    policy_text = (REPO_ROOT / "grader/cluster/policies/allowed-registries.yaml").read_text()
    policy = next(doc for doc in yaml.safe_load_all(policy_text) if doc["kind"] == "ValidatingAdmissionPolicy")
    expression = next(v["expression"] for v in policy["spec"]["variables"] if v["name"] == "allowedPrefixes")
    prefixes = set(re.findall(r"'([^']+)'", expression))
    assert prefixes == set(rule["kyverno"]) | set(rule["kit_local"])
    hosts = {h.split(".")[1] for h in rule["platform_harbor"]}   # harbor.apps.*/ -> apps
    assert f"harbor\\\\.({'|'.join(sorted(hosts))})\\\\." in policy_text
