"""The context guard, against a decoy: a second live API server that $KUBECONFIG points at.

Nothing may be read or written there. The decoy keeps an audit log of every request; the kit's
Python client announces itself with its own user agent, so the log proves it never came.
"""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from grader import cli
from grader.cluster import guard
from grader.cluster import kubeconfig as kc
from grader.errors import ContextRefused

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def decoy_kubeconfig(decoy, tmp_path_factory):
    """The decoy's kubeconfig copied where a user keeps foreign configs, current-context `decoy`."""
    path = tmp_path_factory.mktemp("home") / "config"
    path.write_text(decoy.kubeconfig().read_text())
    return path


@pytest.fixture
def decoy_env(monkeypatch, decoy_kubeconfig, tmp_path):
    """$KUBECONFIG is the decoy; CPIN_DATA is empty (no kit cluster)."""
    monkeypatch.setenv("KUBECONFIG", str(decoy_kubeconfig))
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "empty-data"))
    return decoy_kubeconfig


def decoy_namespaces(decoy) -> set[str]:
    """Read with kubectl (its own user agent), not with the kit's client."""
    from grader import tools
    out = subprocess.run([str(tools.find("kubectl")), "--kubeconfig", str(decoy.kubeconfig()), "--context", "decoy",
                          "get", "namespaces", "-o", "json"], capture_output=True, text=True, check=True).stdout
    return {item["metadata"]["name"] for item in json.loads(out)["items"]}


def kit_requests(decoy) -> list[dict]:
    """Audit events of requests made by the Python Kubernetes client (the kit's)."""
    events = [json.loads(line) for line in decoy.audit_log.read_text().splitlines() if line.strip()]
    return [e for e in events if e.get("userAgent", "").startswith("OpenAPI-Generator")]


def test_decoy_is_live(decoy):
    assert decoy.status().running
    assert "default" in decoy_namespaces(decoy)


def test_without_a_kit_cluster_the_current_context_is_refused(decoy_env):
    with pytest.raises(ContextRefused) as refused:
        guard.resolve()
    assert "« decoy »" in refused.value.message_fr
    assert "--context decoy" in refused.value.hint_fr


def test_cli_refuses_and_writes_nothing_on_the_decoy(decoy, decoy_env, capsys):
    assert cli.main(["env", "create", "leurre", "dev", "--type", "dev"]) == 1
    assert "n'a pas été créé par le kit" in capsys.readouterr().err
    assert "leurre-dev" not in decoy_namespaces(decoy)


def test_a_foreign_kubeconfig_given_without_context_is_refused(decoy_kubeconfig):
    with pytest.raises(ContextRefused):
        guard.resolve(kubeconfig=decoy_kubeconfig)


def _impostor(decoy, tmp_path, monkeypatch):
    """The decoy's kubeconfig with its context renamed `cpin-local`, current; the kit's data dir empty."""
    config = yaml.safe_load(decoy.kubeconfig().read_text())
    config["contexts"][0]["name"] = "cpin-local"
    config["current-context"] = "cpin-local"
    impostor = tmp_path / "impostor"
    impostor.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(impostor))
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "empty"))
    return impostor


def test_a_foreign_context_named_like_the_kits_is_refused(decoy, tmp_path, monkeypatch):
    """A context called `cpin-local` in a file the kit did not write is still foreign."""
    impostor = _impostor(decoy, tmp_path, monkeypatch)
    with pytest.raises(ContextRefused):
        guard.resolve()
    with pytest.raises(ContextRefused):
        guard.resolve(kubeconfig=impostor)


def test_a_look_alike_cpin_local_named_explicitly_is_refused_while_the_kit_cluster_is_down(
        decoy, tmp_path, monkeypatch, capsys):
    """The decoy renamed `cpin-local`, the kit's cluster down (empty data dir), `--context cpin-local`:
    refused, because the kit knows its cluster by its CA, not by a name; nothing reaches the decoy."""
    impostor = _impostor(decoy, tmp_path, monkeypatch)
    with pytest.raises(ContextRefused, match="porte le nom d'un cluster du kit"):
        guard.resolve(context="cpin-local")
    assert cli.main(["env", "create", "sosie", "dev", "--type", "dev", "--context", "cpin-local"]) == 1
    assert "porte le nom d'un cluster du kit" in capsys.readouterr().err
    assert "sosie-dev" not in decoy_namespaces(decoy)


def test_with_the_kit_cluster_running_operations_go_there_not_to_the_decoy(
        decoy, decoy_kubeconfig, local_cluster, kube, monkeypatch, capsys):
    monkeypatch.setenv("KUBECONFIG", str(decoy_kubeconfig))
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    target = guard.resolve()
    assert (target.backend, target.context) == ("local", "cpin-local")
    assert target.kubeconfig == local_cluster.kubeconfig
    assert cli.main(["env", "create", "garde", "dev", "--type", "dev"]) == 0
    capsys.readouterr()
    assert kube.get("Namespace", "garde-dev") is not None          # on the kit's cluster
    assert "garde-dev" not in decoy_namespaces(decoy)               # not on the decoy


def test_naming_the_context_explicitly_is_allowed(decoy_kubeconfig, decoy):
    target = guard.resolve(context="decoy", kubeconfig=decoy_kubeconfig)
    assert target.backend == "explicit"
    assert kc.server_of(target.kubeconfig, "decoy") == kc.server_of(decoy.kubeconfig(), "decoy")


def test_no_request_from_the_kit_ever_reached_the_decoy(decoy):
    """Runs after the tests above (file order): the audit log holds kubectl's reads only."""
    assert decoy.audit_log.stat().st_size > 0          # the log works: kubectl's reads are in it
    assert kit_requests(decoy) == []
    assert not {"leurre-dev", "garde-dev", "sosie-dev"} & decoy_namespaces(decoy)
