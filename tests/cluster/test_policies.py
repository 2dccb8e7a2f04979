"""The platform's policies: well-formed data (static), bound as the one severity table says, and on
the real API server each one warns in a dev environment and, in prod, denies (enforced rule) or
warns again (advice) on its ko fixture, while its ok fixture passes every policy in both."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from grader.cluster import policies
from grader.errors import ApiFailure
from grader.rules import get as get_rule
from grader.rules.severity import SEVERITY, enforced

POLICIES = policies.load()
FIXTURES = Path(__file__).parent / "data" / "policies"


def docs(stem: str, kind: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((FIXTURES / stem / f"{kind}.yaml").read_text()) if d]


# ---------------------------------------------------------------- static

def test_the_expected_rules_are_covered():
    refs = {p.ref for p in POLICIES}
    # rule table rows of cpin-reference.md §3.2 that can be checked on a manifest at admission
    assert refs == {"3", "4", "8", "9", "12", "14", "15", "18", "19", "20", "21", "22"}


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_policy_file_has_one_policy_and_its_two_bindings(policy):
    assert [o["kind"] for o in policy.objects] == [
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ValidatingAdmissionPolicyBinding"]
    assert policy.name == f"cpin-{policy.file.stem}"
    by_type = {}
    for binding in policy.bindings:
        spec = binding["spec"]
        assert spec["policyName"] == policy.name
        env_type = spec["matchResources"]["namespaceSelector"]["matchLabels"][policies.ENV_TYPE_LABEL]
        by_type[env_type] = spec["validationActions"]
        assert binding["metadata"]["name"] == f"{policy.name}-{env_type}"
    assert by_type == policy.actions


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_bindings_follow_the_severity_table_of_the_linter(policy):
    """Facts: a rule the platform only recommends (CCT « I », best practices) is never refused in prod."""
    assert get_rule(policy.rule_id).REF == int(policy.ref)
    prod = next(b for b in policy.bindings if b["metadata"]["name"].endswith("-prod"))["spec"]["validationActions"]
    assert ("Deny" in prod) == (SEVERITY[policy.rule_id] in ("audit", "enforce"))


def test_recommended_rules_are_not_denied():
    # the three rules the content review found marked "refused in prod" (rules 3, 14, 19)
    advice = {p.name for p in POLICIES if not enforced(p.rule_id)}
    assert advice == {"cpin-restrict-security-context", "cpin-image-pull-policy", "cpin-label-values"}


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_validation_speaks_french_with_a_static_fallback(policy):
    spec = policy.policy["spec"]
    assert spec["failurePolicy"] == "Fail"
    for validation in spec["validations"]:
        assert validation["message"] and validation["messageExpression"]
        # a French sentence stating the rule
        assert re.search(r"\b(doit|doivent|interdits?)\b", validation["message"]), validation["message"]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_has_ok_and_ko_fixtures(policy):
    assert docs(policy.file.stem, "ok") and docs(policy.file.stem, "ko")


# ---------------------------------------------------------------- live

def _ours(warnings) -> list[str]:
    """The warnings that come from the kit's policies."""
    return [w for w in warnings if "ValidatingAdmissionPolicy 'cpin-" in w]


@pytest.fixture(scope="module")
def kube_envs(kube, envs_dev_prod):
    return kube, *envs_dev_prod


@pytest.mark.cluster
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_ok_fixture_passes_in_dev_and_prod(kube_envs, policy):
    kube, dev, prod = kube_envs
    for obj in docs(policy.file.stem, "ok"):
        response = kube.apply(obj, dev)
        assert _ours(response.warnings) == [], obj["metadata"]["name"]
        kube.apply(obj, prod)          # raises ApiFailure if any policy denied it
        assert kube.get(obj["kind"], obj["metadata"]["name"], prod, obj["apiVersion"]) is not None


@pytest.mark.cluster
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_ko_fixture_warns_in_dev(kube_envs, policy):
    kube, dev, _ = kube_envs
    for obj in docs(policy.file.stem, "ko"):
        response = kube.apply(obj, dev)
        mine = [w for w in response.warnings if f"ValidatingAdmissionPolicy '{policy.name}'" in w]
        assert mine, f"{obj['metadata']['name']}: no warning from {policy.name}: {response.warnings}"
        assert obj["metadata"]["name"] in mine[0]          # the message names the object
        # each ko fixture breaks this policy only: no other policy complains (no false positive)
        assert len(_ours(response.warnings)) == len(mine), response.warnings
        # admitted anyway: dev is audit mode
        assert kube.get(obj["kind"], obj["metadata"]["name"], dev, obj["apiVersion"]) is not None


@pytest.mark.cluster
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_ko_fixture_is_denied_in_prod_only_if_the_rule_is_enforced(kube_envs, policy):
    kube, _, prod = kube_envs
    for obj in docs(policy.file.stem, "ko"):
        if not enforced(policy.rule_id):
            response = kube.apply(obj, prod)          # advice: admitted, with the policy's warning
            assert [w for w in response.warnings if f"ValidatingAdmissionPolicy '{policy.name}'" in w]
            continue
        with pytest.raises(ApiFailure) as denied:
            kube.apply(obj, prod)
        assert denied.value.status in (403, 422)
        assert f"ValidatingAdmissionPolicy '{policy.name}'" in denied.value.message_fr
        assert kube.get(obj["kind"], obj["metadata"]["name"], prod, obj["apiVersion"]) is None
