"""The real node of the local cluster: pure parts (configuration, OCI archives, names), then a
cluster with containerd + kubelet + kube-proxy where pods really run: probes decide readiness, a
crashing image fails the rollout check, HTTP answers through the Service, and `down` leaves the
host clean. Those need Linux, root and the node's tools (skipped otherwise, failed in CI)."""
from __future__ import annotations

import json
import os
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from grader.cluster import local, node, oci
from grader.errors import BackendUnavailable, InputError



# ---------------------------------------------------------------- pure parts

def test_cri_names_are_normalized():
    assert node.normalized("cpin/demo-app:1.0.0") == "docker.io/cpin/demo-app:1.0.0"
    assert node.normalized("busybox:1.36") == "docker.io/library/busybox:1.36"
    assert node.normalized("cpin.local/pause:1") == "cpin.local/pause:1"
    assert node.normalized("localhost:5001/cpin/web:1.2.0") == "localhost:5001/cpin/web:1.2.0"


def test_oci_archive_has_the_layout_ctr_imports(tmp_path):
    layer = oci.files_layer({"/app/run": (b"#!/bin/sh\n", 0o755)}, tmp_path / "layer.tar", owner=(1001, 0))
    archive = oci.write_archive(oci.Image("cpin.local/x:1", (layer,), cmd=("/app/run",), user="1001",
                                          ports=(8080,)), tmp_path / "x.oci.tar")
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        index = json.load(tar.extractfile("index.json"))
        manifest_digest = index["manifests"][0]["digest"].split(":")[1]
        manifest = json.load(tar.extractfile(f"blobs/sha256/{manifest_digest}"))
        config = json.load(tar.extractfile(f"blobs/sha256/{manifest['config']['digest'].split(':')[1]}"))
    assert {"oci-layout", "index.json"} <= names
    assert index["manifests"][0]["annotations"]["io.containerd.image.name"] == "cpin.local/x:1"
    assert config["config"]["User"] == "1001" and config["config"]["ExposedPorts"] == {"8080/tcp": {}}
    assert config["rootfs"]["diff_ids"] == [manifest["layers"][0]["digest"]]
    with tarfile.open(layer) as tar:
        member = tar.getmember("app/run")
    assert (member.uid, member.mode) == (1001, 0o755)


def test_runtime_probe_reads_uid_root_mount_and_writable_paths(tmp_path):
    """The probe `pod_runtime` runs in a container, run here by the host's sh on known paths."""
    import subprocess

    from grader.checks import runtime
    closed = tmp_path / "ferme"
    closed.mkdir(mode=0o500)
    out = subprocess.run(["sh", "-c", runtime.probe_script([str(tmp_path), "/proc", "/nulle-part"])],
                         capture_output=True, text=True, check=True).stdout
    probe = runtime.parse_probe(out)
    assert (probe.uid, probe.gid) == (os.geteuid(), os.getegid())
    assert probe.root_read_only is False                  # this machine's / is writable (by root)
    assert probe.writable == {str(tmp_path): True, "/proc": False, "/nulle-part": False}
    assert not list(tmp_path.glob(runtime.PROBE_FILE))    # the probe cleans up after itself
    assert runtime.parse_probe("1000680000\n0\nroot ro,relatime\nw /tmp\n").root_read_only is True
    assert runtime.parse_probe("sh: not found\n").uid is None


def test_configuration_keeps_servers_private_and_allows_cgroup_v1(tmp_path):
    ports = node.NodePorts(1, 2, 3, 4)
    kubelet = node.kubelet_config(tmp_path, Path("/run/x"), ports, tmp_path / "ca.crt")
    assert kubelet["failCgroupV1"] is False and kubelet["readOnlyPort"] == 0
    assert kubelet["authentication"]["anonymous"]["enabled"] is False
    assert kubelet["healthzBindAddress"] == "127.0.0.1"
    proxy = node.kube_proxy_config(tmp_path / "kc", ports)
    assert proxy["mode"] == "nftables" and proxy["nodePortAddresses"] == ["127.0.0.1/32"]
    assert proxy["healthzBindAddress"].startswith("127.0.0.1:")
    containerd = node.containerd_config(tmp_path, Path("/run/x"), Path("/usr/lib/cni"))
    assert "restrict_oom_score_adj = true" in containerd and 'address = "/run/x/containerd.sock"' in containerd
    assert node.cni_config(tmp_path)["plugins"][0]["ipMasq"] is False   # no NAT rule on the host


def test_node_tools_are_pinned_and_built_without_cgo():
    from grader import tools

    assert tools.TOOLS["containerd"].version.startswith("v2.")
    assert tools.TOOLS["kubelet"].version == tools.kubernetes_version()
    assert "-X github.com/containerd/containerd/v2/version.Version=v2." in tools._ldflags("node")
    assert "no_btrfs" in tools.GO_TAGS["node"] and tools.go_env("node")["CGO_ENABLED"] == "0"


def test_simulated_nodes_are_tainted_only_beside_a_real_node():
    assert "taints" not in local.node_manifest("w")["spec"]
    assert local.node_manifest("w", tainted=True)["spec"]["taints"] == [node.SIMULATED_TAINT]


def test_unknown_real_node_choice_is_refused_in_french(tmp_path):
    with pytest.raises(InputError, match="vrai nœud"):
        local.LocalBackend(data_dir=tmp_path, real_node="peut-être")


def test_without_root_the_kit_says_why_in_french(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "root" in node.blocker()
    backend = local.LocalBackend(data_dir=tmp_path, real_node="on")
    with pytest.raises(BackendUnavailable, match="Le vrai nœud ne peut pas démarrer"):
        backend._wants_real_node()
    auto = local.LocalBackend(data_dir=tmp_path, real_node="auto")
    assert auto._wants_real_node() is False
    assert "non vérifiables" in auto.notes[0]
    assert local.LocalBackend(data_dir=tmp_path, real_node="off")._wants_real_node() is False


# ---------------------------------------------------------------- a cluster with a real node

@pytest.fixture(scope="module")
def real_cluster(tmp_path_factory, need_tools, real_node_cluster):
    before = node.host_traces()
    with real_node_cluster(tmp_path_factory, need_tools, "cpin-real-node") as (data_dir, api, backend):
        yield data_dir, api, backend, before


def _apply_app(api, namespace: str, name: str, container: dict) -> None:
    from kubernetes import client

    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    core.create_namespace({"metadata": {"name": namespace}})
    labels = {"app": name}
    apps.create_namespaced_deployment(namespace, {
        "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "progressDeadlineSeconds": 600,
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}})
    core.create_namespaced_service(namespace, {
        "metadata": {"name": name},
        "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})


def _ctx(api, namespace: str, seconds: float = 60):
    from grader.checks.base import CheckContext
    from grader.kube.client import Kube

    return CheckContext(kube=Kube(api), namespace=namespace, work_dir=Path("."),
                        capabilities=frozenset({"containers"}), deadline=time.monotonic() + seconds)


def _rollout(api, namespace: str, name: str, timeout: float = 90):
    from grader.checks import workloads
    from grader.checks.base import wait_until

    ctx = _ctx(api, namespace, timeout)
    return wait_until(lambda: workloads.rollout_complete(ctx, {"kind": "Deployment", "name": name}),
                      timeout=timeout, retries=1000)


DEMO = {"name": "app", "image": "cpin/demo-app:1.0.0", "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 2},
        "securityContext": {"readOnlyRootFilesystem": True, "runAsNonRoot": True,
                            "allowPrivilegeEscalation": False}}


def test_backend_declares_real_containers(real_cluster):
    _, api, backend, _ = real_cluster
    from kubernetes import client

    assert backend.capabilities["containers"] is True
    real = client.CoreV1Api(api).read_node(node.NAME)
    assert real.status.node_info.container_runtime_version.startswith("containerd://2.")


def test_demo_app_runs_answers_through_its_service_and_logs(real_cluster):
    from grader.checks import network
    from kubernetes import client

    _, api, _, _ = real_cluster
    _apply_app(api, "real-ok", "demo", DEMO)
    outcome = _rollout(api, "real-ok", "demo")
    assert outcome.status.name == "PASSED", outcome.detail
    core = client.CoreV1Api(api)
    pod = core.list_namespaced_pod("real-ok").items[0]
    assert pod.spec.node_name == node.NAME and pod.status.pod_ip.startswith("10.245.0.")
    # Through the Service: kube-proxy's rules on the host (ClusterIP), and the kit's HTTP check.
    cluster_ip = core.read_namespaced_service("demo", "real-ok").spec.cluster_ip
    with urllib.request.urlopen(f"http://{cluster_ip}/health", timeout=10) as response:
        assert json.loads(response.read())["status"] == "UP"
    checked = network.http_get(_ctx(api, "real-ok"), {"service": "demo", "port": 80, "path": "/health",
                                                      "status": 200, "contains": "UP"})
    assert checked.status.name == "PASSED", checked.detail
    logs = core.read_namespaced_pod_log(pod.metadata.name, "real-ok")
    assert "/health" in logs          # the probe's requests, read from the container


def test_crashing_image_fails_the_rollout_check(real_cluster):
    _, api, _, _ = real_cluster
    crash = {"name": "app", "image": "cpin.local/busybox:1", "imagePullPolicy": "IfNotPresent",
             "command": ["/bin/busybox", "sh", "-c", "echo boom; exit 3"]}
    _apply_app(api, "real-crash", "crash", crash)
    outcome = _rollout(api, "real-crash", "crash", timeout=60)
    assert outcome.status.name == "FAILED"
    assert "redémarr" in outcome.detail or "0/1" in outcome.detail, outcome.detail


def test_failing_readiness_probe_keeps_the_pod_out_of_the_service(real_cluster):
    _, api, _, _ = real_cluster
    unready = {**DEMO, "readinessProbe": {"httpGet": {"path": "/health", "port": 9999}, "periodSeconds": 1}}
    _apply_app(api, "real-probe", "probe", unready)
    outcome = _rollout(api, "real-probe", "probe", timeout=20)
    assert outcome.status.name == "FAILED" and "0/1" in outcome.detail
    from kubernetes import client
    pod = client.CoreV1Api(api).list_namespaced_pod("real-probe").items[0]
    assert pod.status.phase == "Running"              # it runs: only the probe keeps it unready


def test_module_02_to_04_solutions_earn_every_point_with_http_really_checked(real_cluster, tmp_path, monkeypatch):
    """The exercises written against kwok still score full marks when pods really run (probes executed,
    OpenShift's UID assigned), and the HTTP check (skipped on kwok) is executed and passes."""
    import sys

    from grader.results import Status
    from grader.runner import run, scaled
    sys.path.insert(0, str(Path(__file__).parent.parent / "notebooks"))
    from notebook_content import stage_and_apply

    data_dir = real_cluster[0]
    monkeypatch.setenv("CPIN_DATA", str(data_dir))
    monkeypatch.setenv("CPIN_LEARNER", "real-node")
    monkeypatch.chdir(tmp_path)
    from kubernetes import client
    core = client.CoreV1Api(real_cluster[1])
    for module in (("k8s-config", "k8s-deployment", "k8s-service", "k8s-depannage"),
                   ("prod-sondes-ressources", "prod-securite", "prod-revue"), ("ocp-restricted",)):
        for exercise_id in module:
            exercise = stage_and_apply(exercise_id, tmp_path)
            report, _ = run(exercise, work_dir=tmp_path)
            assert scaled(report, exercise.points) == exercise.points, repr(report)
            assert not [r for r in report.results if r.status is Status.SKIPPED], repr(report)
        # The node's CPUs are real (two here): the module's pods make room for the next one's.
        namespace = exercise.namespace("real-node")
        core.delete_collection_namespaced_pod(namespace, grace_period_seconds=0)
        core.delete_namespace(namespace, grace_period_seconds=0)
        http = [r for r in report.results if r.check_id == "reponse-http"]
        assert all(r.status is Status.PASSED for r in http), repr(report)


def test_openshift_uid_and_read_only_root_are_observed_inside_the_pod(real_cluster, tmp_path, monkeypatch):
    """Module 04's random-UID exercise on real containers: the solution runs under the UID the namespace's
    range gives (OpenShift's restricted-v2 SCC, reproduced by a MutatingAdmissionPolicy) with a read-only
    root and writable volumes, all observed inside the pod; a manifest that fixes its UID and leaves the
    root writable fails both observations."""
    import sys

    from kubernetes import client

    from grader.cluster import scc
    from grader.results import Status
    from grader.runner import run, scaled
    sys.path.insert(0, str(Path(__file__).parent.parent / "notebooks"))
    from notebook_content import stage_and_apply

    data_dir, api, _, _ = real_cluster
    monkeypatch.setenv("CPIN_DATA", str(data_dir))
    monkeypatch.setenv("CPIN_LEARNER", "real-uid")
    monkeypatch.chdir(tmp_path)
    exercise = stage_and_apply("ocp-uid-aleatoire", tmp_path)
    report, _ = run(exercise, work_dir=tmp_path)
    assert scaled(report, exercise.points) == exercise.points, repr(report)
    observed = [r for r in report.results if r.check_id.startswith("execution/")]
    assert len(observed) == 3 and all(r.status is Status.PASSED for r in observed), repr(report)
    namespace = exercise.namespace("real-uid")
    core = client.CoreV1Api(api)
    assigned = scc.first_uid(core.read_namespace(namespace).metadata.annotations[scc.UID_RANGE_ANNOTATION])
    pod = core.list_namespaced_pod(namespace, label_selector="app=catalogue").items[0]
    assert pod.spec.security_context.run_as_user == assigned and assigned >= scc.FIRST_UID
    assert pod.metadata.annotations[scc.SCC_ANNOTATION] == "restricted-v2"

    fixed = (exercise.directory / "solution" / "deployment.yaml").read_text(encoding="utf-8")
    fixed = fixed.replace("        runAsNonRoot: true\n", "        runAsNonRoot: true\n        runAsUser: 1000\n")
    fixed = fixed.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    stage_and_apply("ocp-uid-aleatoire", tmp_path, text=fixed)
    report, _ = run(exercise, work_dir=tmp_path)
    results = {r.check_id: r for r in report.results}
    assert results["execution/uid"].status is Status.FAILED, repr(report)
    assert "1000" in results["execution/uid"].message
    assert results["execution/lecture-seule"].status is Status.FAILED, repr(report)
    assert results["execution/volumes"].status is Status.PASSED, repr(report)


def test_image_built_with_docker_runs_after_cluster_load(real_cluster, tmp_path):
    from kubernetes import client

    from grader.images import docker_client
    try:
        docker = docker_client(timeout=10)
    except Exception:                                  # noqa: BLE001 - no engine: nothing to load from
        pytest.skip("Docker engine unreachable")
    _, api, backend, _ = real_cluster
    layer = oci.files_layer({"/bin/busybox": (Path("/bin/busybox").read_bytes(), 0o755)}, tmp_path / "l.tar")
    tag = "cpin-test/node-load:1"
    docker.api.import_image_from_file(str(layer), repository=tag.split(":")[0], tag="1")
    try:
        backend.load(tag)
    finally:
        docker.images.remove(tag, force=True)
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "real-load"}})
    core.create_namespaced_pod("real-load", {"metadata": {"name": "loaded"}, "spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": tag, "imagePullPolicy": "Never",
                                                  "command": ["/bin/busybox", "echo", "chargée"]}]}})
    deadline = time.monotonic() + 60
    while core.read_namespaced_pod("loaded", "real-load").status.phase != "Succeeded":
        assert time.monotonic() < deadline, core.read_namespaced_pod("loaded", "real-load").status
        time.sleep(0.5)
    assert "chargée" in core.read_namespaced_pod_log("loaded", "real-load")


def test_image_pushed_to_the_kit_registry_runs_on_the_node(real_cluster, tmp_path):
    """The delivery chain's last step: an image the CI pushed to the kit's registry (Harbor's stand-in, on
    the host's loopback) is pulled by the node with the project's pull secret; without it, refused."""
    import base64
    import sys

    from kubernetes import client

    from grader import services
    from grader.services import secrets
    sys.path.insert(0, str(Path(__file__).parent.parent / "platform"))
    from oci import push

    data_dir, api, _, _ = real_cluster
    robot = secrets.account("robot-formation", data_dir)        # before the registry writes its htpasswd
    try:
        services.up(["registry"], data_dir=data_dir, log=lambda message: None)
        host = services.status(["registry"], data_dir=data_dir)[0].address
        layer = oci.files_layer({"/bin/busybox": (Path("/bin/busybox").read_bytes(), 0o755)}, tmp_path / "l.tar")
        push(host, "formation/outil", "1.0.0", layer.read_bytes(), data_dir=data_dir)
        core = client.CoreV1Api(api)
        core.create_namespace({"metadata": {"name": "real-registry"}})
        config = secrets.docker_config(host, *robot)
        core.create_namespaced_secret("real-registry", {
            "metadata": {"name": "registry-pull-secret"}, "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(config.encode()).decode()}})

        def pod(name: str, pull_secret: bool) -> dict:
            return {"metadata": {"name": name}, "spec": {
                "restartPolicy": "Never",
                "imagePullSecrets": [{"name": "registry-pull-secret"}] if pull_secret else [],
                "containers": [{"name": "c", "image": f"{host}/formation/outil:1.0.0", "imagePullPolicy": "Always",
                                "command": ["/bin/busybox", "echo", "tirée du registre"]}]}}
        core.create_namespaced_pod("real-registry", pod("avec-secret", True))
        core.create_namespaced_pod("real-registry", pod("sans-secret", False))
        deadline = time.monotonic() + 60
        while core.read_namespaced_pod("avec-secret", "real-registry").status.phase != "Succeeded":
            assert time.monotonic() < deadline, core.read_namespaced_pod("avec-secret", "real-registry").status
            time.sleep(0.5)
        assert "tirée du registre" in core.read_namespaced_pod_log("avec-secret", "real-registry")
        while True:
            waiting = [s.state.waiting for s in core.read_namespaced_pod("sans-secret", "real-registry")
                       .status.container_statuses or [] if s.state.waiting]
            if waiting and waiting[0].reason in ("ErrImagePull", "ImagePullBackOff"):
                break
            assert time.monotonic() < deadline, waiting
            time.sleep(0.5)
        assert "authoriz" in (waiting[0].message or ""), waiting[0].message     # refused for want of credentials
    finally:
        services.down(["registry"], data_dir=data_dir)


def test_another_clusters_down_leaves_the_running_node_alone(real_cluster, tmp_path):
    """A second cluster asked for the real node, was refused, and is brought down: the node it never owned
    keeps running (its down used to wipe the host's node)."""
    from grader.cluster import lifecycle

    data_dir, api, _, _ = real_cluster
    with pytest.raises(BackendUnavailable):
        lifecycle.up("local", data_dir=tmp_path / "other", real_node="on")
    lifecycle.down("local", data_dir=tmp_path / "other")
    node.RealNode(tmp_path / "other" / "local").stop()
    assert node.blocker().startswith("un vrai nœud tourne déjà")
    _apply_app(api, "real-after", "after", DEMO)
    assert _rollout(api, "real-after", "after").status.name == "PASSED"


def test_down_leaves_the_host_clean(real_cluster):
    """Last test of the module: stops the cluster (the fixture's own `down` is then a no-op)."""
    data_dir, _, _, before = real_cluster
    from grader.cluster import lifecycle

    during = node.host_traces()
    assert during["interfaces"] and during["nftables"] and during["cgroups"]   # the node did leave traces
    lifecycle.down("local", data_dir=data_dir)
    assert node.host_traces() == before
    assert node.blocker() == ""                       # the machine can run a real node again
