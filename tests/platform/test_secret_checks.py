"""The secret check types (rule 23) on real git repositories, the real sops CLI and the real API server."""
from __future__ import annotations

import json
import subprocess
import time

import pytest

from grader import sops
from grader.checks import secrets as checks
from grader.checks.base import CheckContext
from grader.kube.client import Kube
from grader.results import Status

PASSWORD = "Ch3ck-Pa55-a81f"
SOURCE = f"""apiVersion: isindir.github.com/v1alpha3
kind: SopsSecret
metadata:
  name: db
spec:
  secretTemplates:
    - name: db-credentials
      stringData:
        DB_USER: demo
        DB_PASSWORD: {PASSWORD}
"""


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"})


@pytest.fixture
def repo(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("CPIN_DATA", str(data))
    work = tmp_path / "infra"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    return work


def commit(repo, rel, text, message="m"):
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", rel)
    git(repo, "commit", "-q", "-m", message)


def run(repo, **params):
    ctx = CheckContext(kube=None, namespace="x", work_dir=repo)
    outcome = checks.sops_file(ctx, {"file": "templates/db-sops.yaml", "secret": "db-credentials",
                                     "keys": ["DB_PASSWORD"], **params})
    text = json.dumps([outcome.detail, outcome.evidence, [(s.message, s.hint, s.evidence) for s in outcome.sub]],
                      ensure_ascii=False, default=str)
    assert PASSWORD not in text
    return outcome, {s.check_id: s for s in outcome.sub}


def test_encrypted_committed_file_passes_every_part(repo):
    commit(repo, "templates/db-sops.yaml", sops.encrypt_text(SOURCE, sops.public_key()))
    outcome, subs = run(repo)
    assert outcome.status is Status.PASSED, [(s.check_id, s.message) for s in outcome.sub]
    assert set(subs) == {"chiffrement", "dechiffrement", "historique"}


def test_uncommitted_or_wrong_key_or_wrong_suffix_fail_their_part(repo, tmp_path):
    (repo / "templates").mkdir()
    (repo / "templates" / "db-sops.yaml").write_text(sops.encrypt_text(SOURCE, sops.public_key()))
    _, subs = run(repo)
    assert subs["historique"].status is Status.FAILED and subs["chiffrement"].status is Status.PASSED

    other = sops.public_key(tmp_path / "elsewhere", "local")
    commit(repo, "templates/db-sops.yaml", sops.encrypt_text(SOURCE, other))
    _, subs = run(repo)
    assert "autre clé age" in subs["chiffrement"].message
    assert subs["dechiffrement"].status is Status.FAILED and "autre clé" in subs["dechiffrement"].message

    tampered = sops.encrypt_text(SOURCE, sops.public_key()).replace("name: db\n", "name: db2\n")
    commit(repo, "templates/db-sops.yaml", tampered)
    _, subs = run(repo)
    assert "MAC" in subs["dechiffrement"].message


def test_yaml_error_is_a_french_failure(repo):
    commit(repo, "templates/db-sops.yaml", "spec:\n  secretTemplates: [oops\n")
    outcome, _ = run(repo)
    assert outcome.status is Status.FAILED and "n'est pas un YAML valide (ligne" in outcome.detail


@pytest.mark.parametrize("leak", ["plain-secret", "clear-value"])
def test_a_secret_anywhere_in_history_scores_zero_with_rule_23(repo, leak):
    if leak == "plain-secret":
        commit(repo, "templates/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n"
                                              "stringData: {DB_PASSWORD: whatever}\n")
    else:
        commit(repo, "values.yaml", f"db:\n  password: {PASSWORD}\n")
    git(repo, "rm", "-q", "-r", "--cached", ".")
    git(repo, "commit", "-q", "-m", "remove it (but it stays in history)")
    commit(repo, "templates/db-sops.yaml", sops.encrypt_text(SOURCE, sops.public_key()))
    outcome, subs = run(repo)
    assert outcome.status is Status.FAILED and not subs            # no partial credit
    assert outcome.detail.startswith("Règle 23 de la plateforme")
    assert ("templates/secret.yaml" if leak == "plain-secret" else "values.yaml") in outcome.detail


# ---------------------------------------------------------------------------------------------- cluster
def test_live_secret_checks_never_show_values(local_cluster):
    from grader.operators import crds, sopssecret

    kube = Kube(local_cluster.api_client)
    crds.install(kube)
    ns = "checks-secrets"
    kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}, None)
    import yaml
    doc = yaml.safe_load(sops.encrypt_text(SOURCE, sops.public_key(local_cluster.data_dir)))
    kube.apply(doc, ns)
    obj = kube.get("SopsSecret", "db", ns, api_version=crds.SOPS_API)
    assert sopssecret.reconcile(kube, obj, sops.ensure_key(local_cluster.data_dir)) == "Healthy"
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": ns},
                  "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": {
                      "metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{
                          "name": "a", "image": "x:1", "env": [
                              {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials",
                                                                                     "key": "DB_PASSWORD"}}}]}]}}}}
    kube.apply(deployment, ns)
    evidence: dict = {}
    ctx = CheckContext(kube=Kube(local_cluster.api_client, evidence=evidence), namespace=ns, work_dir=local_cluster.data_dir,
                       deadline=time.monotonic() + 30)
    outcomes = [
        checks.secret_keys(ctx, {"name": "db-credentials", "keys": ["DB_PASSWORD", "DB_USER"], "owner": "SopsSecret"}),
        checks.secret_ref(ctx, {"kind": "Deployment", "name": "app", "secret": "db-credentials",
                                "keys": ["DB_PASSWORD"]}),
    ]
    assert [o.status for o in outcomes] == [Status.PASSED, Status.PASSED], [o.detail for o in outcomes]
    assert checks.secret_keys(ctx, {"name": "db-credentials", "keys": ["DB_HOST"]}).status is Status.FAILED

    literal = json.loads(json.dumps(deployment))
    literal["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "DB_PASSWORD", "value": PASSWORD}]
    literal["metadata"]["name"] = "literal"
    kube.apply(literal, ns)
    bad = checks.secret_ref(ctx, {"kind": "Deployment", "name": "literal", "secret": "db-credentials",
                                  "keys": ["DB_PASSWORD"]})
    assert bad.status is Status.FAILED and bad.detail.startswith("Règle 23")
    text = json.dumps([evidence, [(o.detail, o.evidence) for o in outcomes], bad.detail, bad.evidence],
                      default=str)
    assert "Secret/checks-secrets/db-credentials" in evidence      # read, but masked
    assert PASSWORD not in text
