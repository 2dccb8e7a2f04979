"""The kind backend cannot boot here (no node image offline): its configuration and commands are
tested as data, and `cluster up` in auto mode falls back to local with a French explanation."""
from __future__ import annotations

import pytest
import yaml

from grader.cluster import kind, lifecycle
from grader.cluster.base import Availability
from grader.errors import BackendUnavailable, InputError


def test_cluster_config_is_valid_kind_v1alpha4():
    config = kind.cluster_config()
    assert (config["kind"], config["apiVersion"], config["name"]) == ("Cluster", "kind.x-k8s.io/v1alpha4", "cpin")
    node = config["nodes"][0]
    assert node["role"] == "control-plane"
    assert node["image"].startswith("kindest/node:v1.36.")
    ports = {(m["containerPort"], m["hostPort"]) for m in node["extraPortMappings"]}
    assert ports == {(80, 80), (443, 443)}
    patches = [yaml.safe_load(p) for p in node["kubeadmConfigPatches"]]
    init = next(p for p in patches if p["kind"] == "InitConfiguration")
    assert init["nodeRegistration"]["kubeletExtraArgs"]["node-labels"] == "ingress-ready=true"
    assert next(p for p in patches if p["kind"] == "KubeletConfiguration")["failCgroupV1"] is False
    assert 'config_path = "/etc/containerd/certs.d"' in config["containerdConfigPatches"][0]
    # round-trips through YAML as the file kind reads
    assert yaml.safe_load(yaml.safe_dump(config)) == config


def test_image_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv("CPIN_KIND_IMAGE", "kindest/node:v1.36.4")
    assert kind.KindBackend(data_dir=tmp_path).image == "kindest/node:v1.36.4"
    assert kind.cluster_config(image="x/node:1")["nodes"][0]["image"] == "x/node:1"


def test_local_registry_is_wired_into_the_nodes():
    hosts = kind.registry_hosts()
    assert hosts == {"localhost:5001": '[host."http://kind-registry:5000"]\n'}
    mkdir, write = kind.node_hosts_commands("cpin-control-plane", "localhost:5001")
    assert mkdir == ["docker", "exec", "cpin-control-plane", "mkdir", "-p", "/etc/containerd/certs.d/localhost:5001"]
    assert write[-1] == "/etc/containerd/certs.d/localhost:5001/hosts.toml" and "-i" in write
    run = kind.registry_run_command()
    assert "127.0.0.1:5001:5000" in run and run[run.index("--name") + 1] == "kind-registry"
    assert kind.network_connect_command() == ["docker", "network", "connect", "kind", "kind-registry"]
    cm = kind.registry_hosting_configmap()
    assert cm["metadata"] == {"name": "local-registry-hosting", "namespace": "kube-public"}
    assert 'host: "localhost:5001"' in cm["data"]["localRegistryHosting.v1"]


def test_harbor_proxy_cache_as_docker_io_mirror():
    toml = kind.registry_hosts("https://harbor.exemple.fr/dockerhub-proxy")["docker.io"]
    assert 'server = "https://registry-1.docker.io"' in toml
    assert '[host."https://harbor.exemple.fr/v2/dockerhub-proxy"]' in toml
    assert "override_path = true" in toml and '"pull", "resolve"' in toml
    assert kind.mirror_endpoint("https://h.fr/v2/proxy") == "https://h.fr/v2/proxy"


@pytest.mark.parametrize("url", ["harbor.exemple.fr/proxy", "https://harbor.exemple.fr", "ftp://h/p"])
def test_bad_mirror_url_gets_a_french_error(url):
    with pytest.raises(InputError, match="Miroir de registre invalide"):
        kind.mirror_endpoint(url)


def test_create_load_and_delete_commands(tmp_path):
    bin_ = tmp_path / "kind"
    create = kind.create_command(bin_, tmp_path / "cluster.yaml", tmp_path / "kubeconfig")
    assert create[:5] == [str(bin_), "create", "cluster", "--name", "cpin"]
    assert create[create.index("--kubeconfig") + 1] == str(tmp_path / "kubeconfig")   # never ~/.kube/config
    assert kind.load_command(bin_, "localhost:5001/shop:1.0") == [
        str(bin_), "load", "docker-image", "localhost:5001/shop:1.0", "--name", "cpin"]
    assert kind.delete_command(bin_, tmp_path / "k")[1:5] == ["delete", "cluster", "--name", "cpin"]


def test_unavailable_here_with_a_french_reason(tmp_path):
    availability = kind.KindBackend(data_dir=tmp_path, image="cpin/absent-node:v0").available()
    assert not availability
    assert availability.reason_fr and any(w in availability.reason_fr for w in ("image", "Docker", "docker", "outil"))
    with pytest.raises(BackendUnavailable, match="kind ne peut pas démarrer ici"):
        kind.KindBackend(data_dir=tmp_path, image="cpin/absent-node:v0").up()


def test_auto_falls_back_to_local_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(kind.KindBackend, "available",
                        lambda self: Availability(False, "l'image de nœud est absente"))
    said = []
    backend = lifecycle.choose("auto", data_dir=tmp_path, log=said.append)
    assert backend.name == "local"
    assert said and "kind est indisponible : l'image de nœud est absente" in said[0]
    assert "cluster local" in said[0]


def test_auto_prefers_kind_when_it_can_run(tmp_path, monkeypatch):
    monkeypatch.setattr(kind.KindBackend, "available", lambda self: Availability(True))
    assert lifecycle.choose("auto", data_dir=tmp_path).name == "kind"


def test_kind_declares_real_containers():
    assert kind.KindBackend.capabilities["containers"] is True
