"""Environments like the platform console makes them (pure manifests, then on the real API server)."""
from __future__ import annotations

import base64
import json

import pytest

from grader.cluster import envs
from grader.errors import InputError


def test_manifests_of_an_environment():
    objs = {o["kind"] + "/" + o["metadata"]["name"]: o for o in envs.manifests("boutique-dev", "prod", project="boutique", env="dev")}
    ns = objs["Namespace/boutique-dev"]
    assert ns["metadata"]["labels"]["cpin.dev/env-type"] == "prod"
    assert ns["metadata"]["labels"]["cpin.dev/project"] == "boutique"
    assert objs["ResourceQuota/cpin-quota"]["spec"]["hard"] == {"limits.cpu": "4", "limits.memory": "8Gi"}
    secret = objs["Secret/registry-pull-secret"]
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    auths = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))["auths"]
    assert set(auths) == {"localhost:5001", "kind-registry:5000"}
    deny = objs["NetworkPolicy/default-deny"]["spec"]
    assert deny["podSelector"] == {} and deny["ingress"] == [] and deny["policyTypes"] == ["Ingress"]
    same = objs["NetworkPolicy/allow-same-namespace"]["spec"]
    assert same["ingress"] == [{"from": [{"podSelector": {}}]}]
    assert all(o["metadata"].get("namespace") in (None, "boutique-dev") for o in objs.values())


@pytest.mark.parametrize("project, env, fragment", [
    ("Boutique", "dev", "projet"), ("boutique", "dev_1", "environnement"), ("-x", "dev", "projet"),
    ("a" * 60, "prod", "trop long"),
])
def test_bad_names_get_a_french_error(project, env, fragment):
    with pytest.raises(InputError) as error:
        envs.namespace_name(project, env)
    assert fragment in error.value.message_fr


def test_unknown_env_type_is_refused():
    with pytest.raises(InputError, match="Type d'environnement inconnu"):
        envs.manifests("boutique-dev", "staging", project="boutique", env="dev")


@pytest.mark.cluster
def test_create_env_on_the_cluster_is_idempotent(local_cluster, kube):
    first = envs.create_env(local_cluster.api_client, "idem", "dev", "dev")
    again = envs.create_env(local_cluster.api_client, "idem", "dev", "dev")
    assert first == again and first.namespace == "idem-dev"
    ns = kube.get("Namespace", "idem-dev")
    assert ns["metadata"]["labels"]["cpin.dev/env-type"] == "dev"
    quota = kube.get("ResourceQuota", "cpin-quota", "idem-dev")
    assert quota["spec"]["hard"] == {"limits.cpu": "4", "limits.memory": "8Gi"}
    assert kube.get("Secret", "registry-pull-secret", "idem-dev")["type"] == "kubernetes.io/dockerconfigjson"
    policies = kube.list("NetworkPolicy", "idem-dev", record=False)
    assert {p["metadata"]["name"] for p in policies} == {"default-deny", "allow-same-namespace", "allow-from-ingress"}
    assert "idem-dev" in {e.namespace for e in envs.list_envs(local_cluster.api_client)}
    assert envs.delete_env(local_cluster.api_client, "idem", "dev") is True


@pytest.mark.cluster
def test_cli_env_create_goes_to_the_kit_cluster(local_cluster, kube, monkeypatch, capsys):
    from grader import cli

    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert cli.main(["env", "create", "cli", "prod", "--type", "prod"]) == 0
    assert "cli-prod" in capsys.readouterr().out
    assert kube.get("Namespace", "cli-prod")["metadata"]["labels"]["cpin.dev/env-type"] == "prod"
    assert cli.main(["env", "create", "Cli", "prod", "--type", "prod"]) == 2
    assert "Nom de projet invalide" in capsys.readouterr().err


def test_a_namespace_being_deleted_is_waited_for_then_made_again(kube):
    """Regrading a learner right after a previous grading: their namespace is still Terminating."""
    envs.provision(kube, "encore-une-fois")
    kube.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "retient"}}, "encore-une-fois")
    kube.delete("Namespace", "encore-une-fois", None)
    assert kube.get("Namespace", "encore-une-fois")["metadata"].get("deletionTimestamp")
    envs.provision(kube, "encore-une-fois")
    again = kube.get("Namespace", "encore-une-fois")
    assert again is not None and not again["metadata"].get("deletionTimestamp")
    assert kube.get("ResourceQuota", "cpin-quota", "encore-une-fois") is not None     # made again, whole
    kube.delete("Namespace", "encore-une-fois", None)
