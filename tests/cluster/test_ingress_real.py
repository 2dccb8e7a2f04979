"""HTTP through an Ingress, really: the `ingress` service (controller + HAProxy) in front of the demo app
on the real node, checked with `http_ingress`; unrouted host or path, broken backend, deleted Ingress
and stopped router fail in French; stopping the service leaves no process. On the simulated-only
cluster the check is « non vérifiable », never passed. The real part needs Linux, root and the node's
tools (skipped otherwise)."""
from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from grader.results import Status
from tests.cluster.test_real_node import DEMO     # the demo app, as the real node's own tests run it

NAMESPACE = "ing-demo"
EXERCISE = """\
    apiVersion: cpin.dev/v1
    kind: Exercise
    id: ingress-http
    module: tests
    title: "HTTP à travers l'Ingress"
    skill: kubernetes
    points: 2
    namespace: "ing-{learner}"
    checks:
      - {id: http, type: http_ingress, points: 1, title: "L'application répond à travers l'Ingress",
         params: {ingress: demo, path: /api/personnes, contains: Alice}}
      - {id: ingress, type: ingress_routes, points: 1, title: "L'Ingress mène au Service",
         params: {name: demo, service: demo}}
"""


def exercise(tmp_path: Path):
    from grader.exercises import load_file

    path = tmp_path / "tests" / "ingress-http" / "exercise.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(textwrap.dedent(EXERCISE))
    return load_file(path)


# ---------------------------------------------------------------- simulated nodes only

def test_on_simulated_nodes_the_check_is_not_verifiable_never_passed(local_cluster, tmp_path, monkeypatch):
    from grader.runner import run

    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    report, _ = run(exercise(tmp_path), learner="demo", work_dir=tmp_path)
    http = next(r for r in report.results if r.check_id == "http")
    assert http.status is Status.SKIPPED and "non vérifiable sur ce cluster simulé" in http.message


# ---------------------------------------------------------------- a real node behind the router

@pytest.fixture(scope="module")
def router(tmp_path_factory, need_tools, real_node_cluster):
    """A real-node cluster, the `ingress` service, and the demo app (Deployment + Service) running."""
    from tests.platform.test_ingress_render import need_haproxy
    need_haproxy()
    from grader import services
    from grader.kube.client import Kube

    patch = pytest.MonkeyPatch()
    try:
        with real_node_cluster(tmp_path_factory, need_tools, "cpin-ingress") as (data_dir, api, _):
            patch.setenv("CPIN_DATA", str(data_dir))
            services.up(["ingress"], data_dir=data_dir, log=lambda m: None)
            _deploy(api, "demo", DEMO)
            yield data_dir, Kube(api)
    finally:
        patch.undo()


def _deploy(api, name: str, container: dict, *, wait: bool = True) -> None:
    from kubernetes import client

    from grader.checks import workloads
    from grader.checks.base import wait_until

    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    if not [n for n in core.list_namespace().items if n.metadata.name == NAMESPACE]:
        core.create_namespace({"metadata": {"name": NAMESPACE}})
    labels = {"app": name}
    apps.create_namespaced_deployment(NAMESPACE, {
        "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "progressDeadlineSeconds": 600,
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}})
    core.create_namespaced_service(NAMESPACE, {
        "metadata": {"name": name},
        "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    if wait:
        done = wait_until(lambda: workloads.rollout_complete(_ctx(api), {"kind": "Deployment", "name": name}),
                          timeout=120, retries=1000)
        assert done.status is Status.PASSED, done.detail


def _ingress(kube, name: str, host: str | None, path: str, service: str, port: dict, path_type: str = "Prefix"):
    rule = {"http": {"paths": [{"path": path, "pathType": path_type,
                                "backend": {"service": {"name": service, "port": port}}}]}}
    kube.create({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name},
                 "spec": {"rules": [{**({"host": host} if host else {}), **rule}]}}, NAMESPACE)


def _ctx(api_or_kube, seconds: float = 10):
    from grader.checks.base import CheckContext
    from grader.kube.client import Kube

    kube = api_or_kube if isinstance(api_or_kube, Kube) else Kube(api_or_kube)
    return CheckContext(kube=kube, namespace=NAMESPACE, work_dir=Path("."), capabilities=frozenset({"containers"}),
                        deadline=time.monotonic() + seconds)


def _until(kube, params: dict, status: Status, timeout: float = 30):
    """Run the `http_ingress` check until it reports `status` (the controller polls every second)."""
    from grader.checks import network

    deadline = time.monotonic() + timeout
    while True:
        outcome = network.http_ingress(_ctx(kube), params)
        if outcome.status is status or time.monotonic() > deadline:
            return outcome
        time.sleep(0.5)


def test_demo_app_answers_through_the_ingress(router, tmp_path, monkeypatch):
    data_dir, kube = router
    _ingress(kube, "demo", "demo.cpin.local", "/", "demo", {"name": "http"})
    outcome = _until(kube, {"ingress": "demo", "path": "/api/personnes", "contains": "Alice"}, Status.PASSED)
    assert outcome.status is Status.PASSED, (outcome.detail, outcome.evidence)
    assert outcome.evidence["Host"] == "demo.cpin.local" and outcome.evidence["statut"] == 200
    shown = kube.get("Ingress", "demo", NAMESPACE)["status"]["loadBalancer"]["ingress"][0]
    assert shown["ip"] == "127.0.0.1"                        # kubectl's ADDRESS column
    # The whole path: the runner with the requirement met by the real node.
    from grader.runner import run
    report, _ = run(exercise(tmp_path), learner="demo", work_dir=tmp_path)
    assert [(r.check_id, r.status) for r in report.results] == [("http", Status.PASSED), ("ingress", Status.PASSED)]


def test_unrouted_host_or_path_gets_404_in_french(router):
    _, kube = router
    _ingress(kube, "api", "api.cpin.local", "/api", "demo", {"number": 80})
    assert _until(kube, {"ingress": "api", "path": "/api/personnes", "contains": "Alice"}, Status.PASSED).status \
        is Status.PASSED
    for params in ({"ingress": "api", "path": "/health"}, {"ingress": "api", "host": "autre.cpin.local",
                                                           "path": "/api/personnes"}):
        outcome = network_once(kube, params)
        assert outcome.status is Status.FAILED
        assert "réponse 404 au lieu de 200" in outcome.detail and "aucune règle" in outcome.detail
        assert "Aucune règle d'Ingress" in outcome.evidence["début de réponse"]


def network_once(kube, params: dict):
    from grader.checks import network
    return network.http_ingress(_ctx(kube), params)


def test_backend_without_ready_pods_fails_with_503(router):
    _, kube = router
    _ingress(kube, "mauvais-port", "port.cpin.local", "/", "demo", {"number": 8080})   # the Service has 80 only
    deadline = time.monotonic() + 20
    outcome = network_once(kube, {"ingress": "mauvais-port", "path": "/health"})
    while "503" not in outcome.detail and time.monotonic() < deadline:   # 404 until the controller's next pass
        time.sleep(0.5)
        outcome = network_once(kube, {"ingress": "mauvais-port", "path": "/health"})
    assert outcome.status is Status.FAILED and "réponse 503 au lieu de 200" in outcome.detail, outcome.detail
    assert "aucun pod prêt" in outcome.detail
    # Pods that run but never become ready are not used either.
    from kubernetes import client
    unready = {**DEMO, "readinessProbe": {"httpGet": {"path": "/health", "port": 9999}, "periodSeconds": 1}}
    _deploy(kube.api_client, "pas-pret", unready, wait=False)
    _ingress(kube, "pas-pret", "pas-pret.cpin.local", "/", "pas-pret", {"name": "http"})
    deadline = time.monotonic() + 60
    while not any(p.status.phase == "Running" for p in client.CoreV1Api(kube.api_client)
                  .list_namespaced_pod(NAMESPACE, label_selector="app=pas-pret").items):
        assert time.monotonic() < deadline, "the unready pod never ran"
        time.sleep(0.5)
    time.sleep(2)                                                       # a controller pass after the pod ran
    outcome = _until(kube, {"ingress": "pas-pret", "path": "/health"}, Status.PASSED, timeout=5)
    assert outcome.status is Status.FAILED and "503" in outcome.detail, outcome.detail


def test_deleted_ingress_route_disappears(router):
    _, kube = router
    _ingress(kube, "ephemere", "ephemere.cpin.local", "/", "demo", {"number": 80})
    params = {"ingress": "ephemere", "path": "/health", "contains": "UP"}
    assert _until(kube, params, Status.PASSED).status is Status.PASSED
    kube.delete("Ingress", "ephemere", NAMESPACE)
    from grader.checks import network
    gone = network.http_ingress(_ctx(kube), params)
    assert gone.status is Status.FAILED and "introuvable" in gone.detail      # the check names the cause
    # and the router forgets the route (same request by hand, as the check would send it)
    from tests.platform.test_ingress_render import _get
    from grader import services
    port = services.get("ingress").port
    deadline = time.monotonic() + 20
    while _get(port, "ephemere.cpin.local", "/health")[0] != 404:
        assert time.monotonic() < deadline, "the deleted Ingress is still routed"
        time.sleep(0.5)


def test_stopping_the_router_leaves_no_process_and_the_check_says_how_to_start_it(router):
    """Last test of the module: stops the `ingress` service (the fixture's own `down` is then a no-op)."""
    data_dir, kube = router
    from grader import services
    from tests.platform.test_services import group_members

    pid = services.status(["ingress"], data_dir=data_dir)[0].pid
    services.down(["ingress"], data_dir=data_dir)
    assert group_members(pid) == []
    assert _processes_mentioning(str(data_dir / "services" / "ingress")) == []
    assert _processes_mentioning(f"--data-dir {data_dir}") == []
    outcome = network_once(kube, {"ingress": "demo", "path": "/"})
    assert outcome.status is Status.FAILED and outcome.final
    assert "cpin platform up ingress" in outcome.detail


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    line = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in line and "pytest" not in line:
                found.append(f"{entry}: {line}")
    return found
