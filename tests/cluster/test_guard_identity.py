"""The guard knows the kit's clusters by their CA, never by a context name (issue #21). No server needed:
these tests build kubeconfigs with real generated CAs; test_guard.py repeats the refusal against a live decoy."""
from __future__ import annotations

import json

import pytest

from grader.cluster import guard
from grader.cluster import kubeconfig as kc
from grader.cluster.pki import write_pki
from grader.errors import ContextRefused


def _kubeconfig(path, pki, context, server="https://127.0.0.1:6443"):
    kc.write(path, kc.render(server=server, context=context, ca=pki.ca, cert=pki.client("admin")[0],
                             key=pki.client("admin")[1]))
    return path


@pytest.fixture
def kit(tmp_path, monkeypatch):
    """A data dir holding the kit's local cluster files (its PKI and kubeconfig), no foreign config."""
    data = tmp_path / "data"
    pki = write_pki(data / "local" / "pki")
    _kubeconfig(data / "local" / "kubeconfig", pki, "cpin-local")
    monkeypatch.setenv("CPIN_DATA", str(data))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    return data


def test_the_kits_own_cluster_is_recognised_by_its_ca(kit):
    target = guard.resolve()
    assert (target.backend, target.context) == ("local", "cpin-local")
    assert guard.resolve(context="cpin-local").backend == "local"


def test_a_kit_kubeconfig_swapped_for_another_ca_is_refused(kit, tmp_path):
    other = write_pki(tmp_path / "other-pki")
    _kubeconfig(kit / "local" / "kubeconfig", other, "cpin-local", server="https://10.0.0.1:6443")
    assert "local" not in guard.kit_targets(kit)
    with pytest.raises(ContextRefused, match="porte le nom d'un cluster du kit"):
        guard.resolve(context="cpin-local")


def test_a_look_alike_context_is_refused_when_the_kit_cluster_is_down(tmp_path, monkeypatch):
    foreign = _kubeconfig(tmp_path / "config", write_pki(tmp_path / "prod-pki"), "cpin-local")
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("KUBECONFIG", str(foreign))
    with pytest.raises(ContextRefused, match="porte le nom d'un cluster du kit"):
        guard.resolve(context="cpin-local")
    with pytest.raises(ContextRefused):
        guard.resolve(context="kind-cpin", kubeconfig=foreign)
    with pytest.raises(ContextRefused):
        guard.resolve()


def test_insecure_kubeconfig_is_never_the_kits(kit):
    config = kc.load(kit / "local" / "kubeconfig")
    config["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True
    kc.write(kit / "local" / "kubeconfig", config)
    assert guard.ca_fingerprint(kit / "local" / "kubeconfig", "cpin-local") is None
    assert "local" not in guard.kit_targets(kit)


def test_kind_identity_is_recorded_and_then_enforced(tmp_path):
    data = tmp_path / "data"
    pki = write_pki(tmp_path / "kind-pki")
    _kubeconfig(data / "kind" / "kubeconfig", pki, "kind-cpin")
    fingerprint = guard.record_identity("kind", data)
    assert json.loads((data / "kind" / guard.IDENTITY).read_text())["ca_sha256"] == fingerprint
    assert "kind" in guard.kit_targets(data)
    _kubeconfig(data / "kind" / "kubeconfig", write_pki(tmp_path / "x"), "kind-cpin")
    assert "kind" not in guard.kit_targets(data)


def test_a_foreign_context_with_another_name_named_explicitly_is_still_allowed(tmp_path, monkeypatch):
    foreign = _kubeconfig(tmp_path / "config", write_pki(tmp_path / "p"), "prod")
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "empty"))
    assert guard.resolve(context="prod", kubeconfig=foreign).backend == "explicit"
