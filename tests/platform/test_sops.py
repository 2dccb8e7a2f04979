"""SOPS/age: the cluster's key pair, decryption, and the SopsSecret controller on the real API server."""
from __future__ import annotations

import stat
import time

import pytest
import yaml

from grader import sops
from grader.kube.client import Kube
from grader.operators import crds, sopssecret
from grader.sops import SopsError

PASSWORD = "Pa55-wOrd-7f3c91"      # the plaintext no log may hold

SOURCE = f"""apiVersion: isindir.github.com/v1alpha3
kind: SopsSecret
metadata:
  name: db
spec:
  secretTemplates:
    - name: db-credentials
      labels:
        app: demo
      stringData:
        DB_USER: demo
        DB_PASSWORD: {PASSWORD}
"""


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("age")


def test_key_pair_is_private_and_stable(key_dir):
    first = sops.public_key(key_dir, "local")
    path = sops.key_path(key_dir, "local")
    assert first.startswith("age1") and sops.public_key(key_dir, "local") == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sops.public_key(key_dir, "kind") != first          # one pair per cluster


def test_only_templates_are_encrypted_and_round_trip(key_dir):
    encrypted = sops.encrypt_text(SOURCE, sops.public_key(key_dir, "local"))
    assert PASSWORD not in encrypted
    doc = yaml.safe_load(encrypted)
    assert doc["metadata"]["name"] == "db" and doc["sops"]["encrypted_suffix"] == "Templates"
    assert sops.is_encrypted_value(doc["spec"]["secretTemplates"][0]["stringData"]["DB_PASSWORD"])
    clear = sops.decrypt_tree(doc, sops.key_path(key_dir, "local"))
    assert clear["spec"]["secretTemplates"][0]["stringData"]["DB_PASSWORD"] == PASSWORD
    assert "sops" not in clear


def test_foreign_key_and_tampering_are_french_errors_without_plaintext(key_dir, tmp_path):
    key = sops.key_path(key_dir, "local")
    foreign = yaml.safe_load(sops.encrypt_text(SOURCE, sops.public_key(key_dir, "other")))
    with pytest.raises(SopsError, match="autre clé age") as error:
        sops.decrypt_tree(foreign, key)
    assert PASSWORD not in str(error.value)

    doc = yaml.safe_load(sops.encrypt_text(SOURCE, sops.public_key(key_dir, "local")))
    moved = yaml.safe_load(yaml.safe_dump(doc))
    data = moved["spec"]["secretTemplates"][0]["stringData"]
    data["DB_USER"], data["DB_PASSWORD"] = data["DB_PASSWORD"], data["DB_USER"]   # swapped ciphertexts
    with pytest.raises(SopsError, match="altérée"):
        sops.decrypt_tree(moved, key)

    bad_mac = yaml.safe_load(yaml.safe_dump(doc))
    mac = bad_mac["sops"]["mac"]
    bad_mac["sops"]["mac"] = mac.replace("data:", "data:A", 1)
    with pytest.raises(SopsError, match="MAC"):
        sops.decrypt_tree(bad_mac, key)

    # The file-level check (sops CLI) sees an edited clear field through the MAC.
    path = tmp_path / "secret.yaml"
    path.write_text(sops.encrypt_text(SOURCE, sops.public_key(key_dir, "local")).replace("name: db\n", "name: db2\n"))
    with pytest.raises(SopsError, match="MAC") as error:
        sops.decrypt_file(path, key)
    assert PASSWORD not in str(error.value)
    path.write_text("spec: [unclosed\n")
    with pytest.raises(SopsError):
        sops.decrypt_file(path, key)


# ---------------------------------------------------------------------------------------------- cluster
@pytest.fixture(scope="module")
def cluster(local_cluster):
    kube = Kube(local_cluster.api_client)
    crds.install(kube)
    kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "sops-test"}}, None)
    return kube, sops.ensure_key(local_cluster.data_dir)


def _apply_encrypted(kube, text: str, key_dir_or_recipient: str, namespace: str = "sops-test") -> dict:
    doc = yaml.safe_load(sops.encrypt_text(text, key_dir_or_recipient))
    kube.apply(doc, namespace)
    return kube.get("SopsSecret", doc["metadata"]["name"], namespace, api_version=crds.SOPS_API)


def test_controller_creates_updates_and_prunes_owned_secrets(cluster, local_cluster):
    kube, key = cluster
    recipient = sops.public_key(local_cluster.data_dir)
    obj = _apply_encrypted(kube, SOURCE, recipient)
    assert sopssecret.reconcile(kube, obj, key) == sopssecret.HEALTHY
    secret = kube.get("Secret", "db-credentials", "sops-test")
    import base64
    assert base64.b64decode(secret["data"]["DB_PASSWORD"]).decode() == PASSWORD
    assert secret["metadata"]["labels"]["app"] == "demo"
    assert secret["metadata"]["ownerReferences"][0]["uid"] == obj["metadata"]["uid"]
    got = kube.get("SopsSecret", "db", "sops-test", api_version=crds.SOPS_API)
    assert got["status"]["message"] == "Healthy"

    # Rotate the password and rename the template: the new Secret appears, the old one goes.
    rotated = SOURCE.replace(PASSWORD, "rotated-9d1e").replace("name: db-credentials", "name: db-creds")
    obj = _apply_encrypted(kube, rotated, recipient)
    assert sopssecret.reconcile(kube, obj, key) == sopssecret.HEALTHY
    assert kube.get("Secret", "db-credentials", "sops-test") is None
    assert base64.b64decode(kube.get("Secret", "db-creds", "sops-test")["data"]["DB_PASSWORD"]) == b"rotated-9d1e"


def test_controller_reports_errors_in_status_and_keeps_the_secret(cluster, local_cluster, key_dir):
    kube, key = cluster
    text = SOURCE.replace("name: db\n", "name: errs\n").replace("db-credentials", "errs-credentials")
    obj = _apply_encrypted(kube, text, sops.public_key(local_cluster.data_dir))
    assert sopssecret.reconcile(kube, obj, key) == sopssecret.HEALTHY

    foreign = _apply_encrypted(kube, text, sops.public_key(key_dir, "other"))
    message = sopssecret.reconcile(kube, foreign, key)
    assert message.startswith("Decryption error: ") and "autre clé age" in message
    stored = kube.get("SopsSecret", "errs", "sops-test", api_version=crds.SOPS_API)
    assert stored["status"]["message"] == message
    assert kube.get("Secret", "errs-credentials", "sops-test") is not None      # nothing lost

    # A Secret of the same name made by someone else is never taken over.
    kube.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "taken", "namespace": "sops-test"},
                "stringData": {"k": "v"}}, "sops-test")
    taken = _apply_encrypted(kube, SOURCE.replace("name: db\n", "name: taker\n")
                             .replace("db-credentials", "taken"), sops.public_key(local_cluster.data_dir))
    assert sopssecret.reconcile(kube, taken, key).startswith("Child secret is not owned by controller error")


def test_service_reconciles_a_plain_apply_and_never_logs_plaintext(cluster, local_cluster):
    from grader.services.operators import SecretsOperators

    kube, _ = cluster
    service = SecretsOperators(local_cluster.data_dir)
    try:
        service.start()
        text = SOURCE.replace("name: db\n", "name: svc\n").replace("db-credentials", "svc-credentials")
        _apply_encrypted(kube, text, sops.public_key(local_cluster.data_dir))
        deadline = time.monotonic() + 30
        while kube.get("Secret", "svc-credentials", "sops-test") is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert kube.get("Secret", "svc-credentials", "sops-test") is not None
        kube.delete("SopsSecret", "svc", "sops-test", api_version=crds.SOPS_API)
        while kube.get("Secret", "svc-credentials", "sops-test") is not None and time.monotonic() < deadline + 30:
            time.sleep(0.2)
        assert kube.get("Secret", "svc-credentials", "sops-test") is None      # garbage-collected
        assert service.status().healthy
    finally:
        service.stop()
    log = service.proc.log.read_text()
    assert "sopssecret sops-test/svc: Healthy" in log
    assert PASSWORD not in log


def test_tampered_mac_and_bad_template_are_status_errors(cluster, local_cluster):
    kube, key = cluster
    recipient = sops.public_key(local_cluster.data_dir)
    text = SOURCE.replace("name: db\n", "name: bad\n").replace("db-credentials", "bad-credentials")
    doc = yaml.safe_load(sops.encrypt_text(text, recipient))
    doc["sops"]["mac"] = doc["sops"]["mac"].replace("data:", "data:AA", 1)
    kube.apply(doc, "sops-test")
    obj = kube.get("SopsSecret", "bad", "sops-test", api_version=crds.SOPS_API)
    message = sopssecret.reconcile(kube, obj, key)
    assert message.startswith("Decryption error: Le MAC du bloc « sops: » a été altéré")
    assert kube.get("Secret", "bad-credentials", "sops-test") is None

    broken = text.replace("stringData:", "data:").replace(f"DB_PASSWORD: {PASSWORD}", "DB_PASSWORD: pas-du-base64!")
    obj = _apply_encrypted(kube, broken.replace("DB_USER: demo", "DB_USER: ZGVtbw=="), recipient)
    message = sopssecret.reconcile(kube, obj, key)
    assert message == ("New child secret creation error: secretTemplates « bad-credentials » : data.DB_PASSWORD "
                       "n'est pas du base64 valide.")


def test_cli_prints_the_public_key_and_project_vault_access(tmp_path, monkeypatch, capsys):
    from grader import cli

    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    assert cli.main(["secrets", "public-key"]) == 0
    assert capsys.readouterr().out.strip() == sops.public_key(tmp_path)
    assert cli.main(["secrets", "vault", "demo", "--env"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "export VAULT_MOUNT=demo" in lines and any(line.startswith("export VAULT_ROLE_ID=") for line in lines)
    assert cli.main(["secrets", "vault", "Pas_Valide"]) != 0
    assert "Nom de projet invalide" in capsys.readouterr().err
