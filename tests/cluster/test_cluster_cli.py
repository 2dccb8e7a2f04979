"""`cpin cluster …` in-process against the session's local cluster, and the `existing` backend."""
from __future__ import annotations

import json

import pytest

from grader import cli
from grader.cluster import guard, lifecycle

pytestmark = pytest.mark.cluster


@pytest.fixture
def kit_env(local_cluster, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("CPIN_BACKEND", raising=False)
    return local_cluster


def test_status_lists_every_component(kit_env, capsys):
    assert cli.main(["cluster", "status"]) == 0
    out = capsys.readouterr().out
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"):
        assert name in out
    assert "santé ok" in out and "pid" in out and "port" in out


def test_status_json(kit_env, capsys):
    assert cli.main(["cluster", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["backend"] == "local" and status["running"] is True
    assert status["rss_bytes"] > 0
    assert {c["state"] for c in status["components"]} == {"en marche"}


def test_up_again_keeps_the_running_cluster(kit_env, capsys):
    before = lifecycle.status().components
    assert cli.main(["cluster", "up"]) == 0
    out = capsys.readouterr().out
    assert "Cluster local prêt" in out and "politiques" in out
    assert [c.pid for c in lifecycle.status().components] == [c.pid for c in before]


def test_kubeconfig_path(kit_env, capsys):
    assert cli.main(["cluster", "kubeconfig"]) == 0
    assert capsys.readouterr().out.strip() == str(kit_env.kubeconfig)


def test_load_is_refused_on_the_local_cluster(kit_env, capsys):
    assert cli.main(["cluster", "load", "localhost:5001/shop:1.0"]) == 1
    assert "kind" in capsys.readouterr().err


def test_context_flag_is_only_for_existing(kit_env, capsys):
    assert cli.main(["cluster", "up", "--backend", "local", "--context", "prod-cluster"]) == 2
    assert "--backend existing" in capsys.readouterr().err


def test_existing_requires_a_named_context(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    assert cli.main(["cluster", "up", "--backend", "existing"]) == 2
    assert "contexte nommé explicitement" in capsys.readouterr().err
    assert not (tmp_path / "existing").exists()


def test_existing_backend_records_the_named_context(local_cluster, tmp_path, monkeypatch, capsys):
    """A 'shared cluster' (here the session's cluster, through its kubeconfig) named explicitly."""
    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    assert cli.main(["cluster", "up", "--backend", "existing", "--context", local_cluster.context,
                     "--kubeconfig", str(local_cluster.kubeconfig), "--namespace", "cohorte-1"]) == 0
    assert "Cluster existing prêt" in capsys.readouterr().out
    target = guard.resolve()
    assert (target.backend, target.context, target.namespace) == ("existing", "cpin-local", "cohorte-1")
    assert lifecycle.status().running
    assert cli.main(["cluster", "down"]) == 0
    capsys.readouterr()
    assert not (tmp_path / "existing" / "target.json").exists()
    assert local_cluster.api_client is not None and lifecycle.status(data_dir=local_cluster.data_dir).running
