"""VaultStaticSecret controller: Vault stand-in + real API server, through the secrets-operators service."""
from __future__ import annotations

import base64
import time

import hvac
import pytest

from grader.cluster import envs
from grader.kube.client import Kube
from grader.operators import crds, vaultstaticsecret
from grader.services.operators import SecretsOperators
from grader.services.vault import Vault, address, project_access

SECRET = "vss-Pa55-51c2"


def vss(name: str, path: str, dest: str, **spec) -> dict:
    return {"apiVersion": crds.VAULT_API, "kind": "VaultStaticSecret", "metadata": {"name": name},
            "spec": {"vaultAuthRef": "vault-auth", "mount": "formation", "type": "kv-v2", "path": path,
                     "destination": {"name": dest, "create": True}, **spec}}


def wait_for(fn, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    return fn()


@pytest.fixture(scope="module")
def setup(local_cluster):
    data_dir = local_cluster.data_dir
    kube = Kube(local_cluster.api_client)
    crds.install(kube)
    envs.provision(kube, "formation-vault", project="formation", env="vault")
    vault = Vault(data_dir)
    vault.start()
    access = project_access("formation", data_dir)
    client = hvac.Client(address(data_dir))
    client.auth.approle.login(role_id=access["VAULT_ROLE_ID"], secret_id=access["VAULT_SECRET_ID"])
    try:
        yield kube, client, data_dir
    finally:
        vault.stop()


def test_reconcile_reads_kv_v2_into_an_owned_secret(setup):
    kube, client, data_dir = setup
    client.secrets.kv.v2.create_or_update_secret(path="exemple", secret={"DB_PASSWORD": SECRET},
                                                 mount_point="formation")
    kube.apply(vss("app", "exemple", "app-secret"), "formation-vault")
    obj = kube.get("VaultStaticSecret", "app", "formation-vault", api_version=crds.VAULT_API)
    assert vaultstaticsecret.reconcile(kube, obj, address(data_dir), data_dir) == "Healthy"
    secret = kube.get("Secret", "app-secret", "formation-vault")
    assert base64.b64decode(secret["data"]["DB_PASSWORD"]).decode() == SECRET and "_raw" in secret["data"]
    assert secret["metadata"]["ownerReferences"][0]["kind"] == "VaultStaticSecret"
    status = kube.get("VaultStaticSecret", "app", "formation-vault", api_version=crds.VAULT_API)["status"]
    assert status["message"] == "Healthy" and status["lastGeneration"] == 1 and status["secretMAC"]


def test_missing_path_and_wrong_auth_are_french_status_errors(setup):
    kube, client, data_dir = setup
    kube.apply(vss("missing", "absent", "missing-secret"), "formation-vault")
    obj = kube.get("VaultStaticSecret", "missing", "formation-vault", api_version=crds.VAULT_API)
    message = vaultstaticsecret.reconcile(kube, obj, address(data_dir), data_dir)
    assert message == "Sync error: Chemin absent du coffre : formation/absent."
    assert kube.get("Secret", "missing-secret", "formation-vault") is None
    kube.apply(vss("auth", "exemple", "auth-secret", vaultAuthRef="other"), "formation-vault")
    obj = kube.get("VaultStaticSecret", "auth", "formation-vault", api_version=crds.VAULT_API)
    assert "VaultAuth « other » introuvable" in vaultstaticsecret.reconcile(kube, obj, address(data_dir), data_dir)
    kube.apply(vss("mount", "exemple", "mount-secret", mount="autre"), "formation-vault")
    obj = kube.get("VaultStaticSecret", "mount", "formation-vault", api_version=crds.VAULT_API)
    assert "Accès refusé au montage « autre »" in vaultstaticsecret.reconcile(kube, obj, address(data_dir), data_dir)


def test_service_refreshes_after_a_new_version(setup):
    kube, client, data_dir = setup
    client.secrets.kv.v2.create_or_update_secret(path="tourne", secret={"TOKEN": "v1"}, mount_point="formation")
    kube.apply(vss("refresh", "tourne", "refresh-secret", refreshAfter="1s"), "formation-vault")
    service = SecretsOperators(data_dir)
    try:
        service.start()

        def value():
            secret = kube.get("Secret", "refresh-secret", "formation-vault")
            return secret and base64.b64decode(secret["data"]["TOKEN"]).decode()
        assert wait_for(value) == "v1"
        client.secrets.kv.v2.create_or_update_secret(path="tourne", secret={"TOKEN": SECRET},
                                                     mount_point="formation")
        assert wait_for(lambda: value() == SECRET)
    finally:
        service.stop()
    assert SECRET not in service.proc.log.read_text()
    assert SECRET not in Vault(data_dir).proc.log.read_text()


def test_check_reads_the_store_or_a_vault_over_http(setup, monkeypatch):
    from grader.checks import secrets as checks
    from grader.checks.base import CheckContext
    from grader.results import Status
    from grader.services import kvstore

    kube, client, data_dir = setup
    monkeypatch.setenv("CPIN_DATA", str(data_dir))
    ctx = CheckContext(kube=kube, namespace="formation-vault", work_dir=data_dir, deadline=time.monotonic() + 30)
    params = {"name": "app", "mount": "formation", "path": "exemple", "destination": "app-secret"}
    assert checks.vault_static_secret(ctx, params).status is Status.PASSED
    missing = checks.vault_static_secret(ctx, {**params, "name": "missing", "path": "absent",
                                               "destination": "missing-secret"})
    assert missing.status is Status.FAILED and "n'existe pas dans le coffre" in missing.detail
    wrong = checks.vault_static_secret(ctx, {**params, "mount": "autre"})
    assert wrong.status is Status.FAILED and "spec.mount" in wrong.detail

    # A "real" Vault named by CPIN_VAULT_ADDR: the same HTTP API (here, the stand-in itself).
    monkeypatch.setenv("CPIN_VAULT_ADDR", address(data_dir))
    monkeypatch.setenv("CPIN_VAULT_TOKEN", kvstore.root_token(data_dir))
    assert checks.vault_static_secret(ctx, params).status is Status.PASSED
    monkeypatch.setenv("CPIN_VAULT_TOKEN", "hvs.wrong")
    assert checks.vault_static_secret(ctx, params).status is Status.ERROR
