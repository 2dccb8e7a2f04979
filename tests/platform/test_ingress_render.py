"""The Ingress router's pure part (Ingress objects → HAProxy routes and configuration), then the rendered
configuration served by the real HAProxy in front of two local HTTP servers, and the `ingress` service's
lifecycle without a cluster (every request → the kit's 404; stop leaves no process)."""
from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from grader.cluster.processes import free_port
from grader.ingress import haproxy

HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")


def need_haproxy():
    if HAPROXY is None:
        if os.environ.get("CI") == "true":
            pytest.fail("haproxy missing in CI (.ci/run installs it)")
        pytest.skip("haproxy not installed (apt-get install haproxy)")


def ingress(name, rules, *, namespace="web", created="2026-01-01T00:00:00Z", cls=None):
    spec = {"rules": rules} | ({"ingressClassName": cls} if cls else {})
    return {"metadata": {"name": name, "namespace": namespace, "creationTimestamp": created}, "spec": spec}


def rule(host, *paths):
    """paths: (path, pathType, service, port)."""
    return {**({"host": host} if host else {}), "http": {"paths": [
        {"path": p, "pathType": t, "backend": {"service": {"name": s, "port": {"number": n} if isinstance(n, int)
                                                           else {"name": n}}}} for p, t, s, n in paths]}}


def service(name, ports, namespace="web"):
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"ports": ports}}


def endpoint_slice(svc, ports, endpoints, namespace="web", family="IPv4"):
    return {"metadata": {"name": f"{svc}-x", "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": svc}},
            "addressType": family, "ports": ports,
            "endpoints": [{"addresses": [ip], "conditions": {"ready": ready}} for ip, ready in endpoints]}


WEB = service("web", [{"name": "http", "port": 80, "targetPort": 8080}])
WEB_SLICE = endpoint_slice("web", [{"name": "http", "port": 8080}],
                           [("10.245.0.5", True), ("10.245.0.6", False), ("10.245.0.7", None)])


def test_backend_port_by_number_or_name_reaches_ready_endpoints_only():
    assert haproxy.ready_servers(WEB, 80, [WEB_SLICE]) == ("10.245.0.5:8080", "10.245.0.7:8080")
    assert haproxy.ready_servers(WEB, "http", [WEB_SLICE]) == ("10.245.0.5:8080", "10.245.0.7:8080")
    assert haproxy.ready_servers(WEB, 8080, [WEB_SLICE]) == ()          # targetPort is not the Service port
    assert haproxy.ready_servers(WEB, "metrics", [WEB_SLICE]) == ()
    assert haproxy.ready_servers(None, 80, [WEB_SLICE]) == ()
    unnamed = service("api", [{"port": 8000}])
    v6 = endpoint_slice("api", [{"port": 9000}], [("fd00::1", True)], family="IPv6")
    assert haproxy.ready_servers(unnamed, 8000, [v6]) == ("[fd00::1]:9000",)


def test_routes_follow_ingress_precedence_and_classes():
    old = ingress("old", [rule("demo.cpin.local", ("/api", "Prefix", "web", 80), ("/", "Prefix", "web", "http")),
                          rule(None, ("/health", "Exact", "web", 80))], created="2026-01-01T00:00:00Z")
    new = ingress("new", [rule("demo.cpin.local", ("/api/", "Prefix", "other", 80), ("/api", "Exact", "web", 80)),
                          rule("*.cpin.local", ("/", "ImplementationSpecific", "web", 80))],
                  created="2026-02-01T00:00:00Z", cls="cpin")
    foreign = ingress("nginx", [rule("x.cpin.local", ("/", "Prefix", "web", 80))], cls="nginx")
    unsafe = ingress("bad", [rule("y.cpin.local", ("/a b", "Prefix", "web", 80))], cls="openshift-default")
    table = haproxy.table([new, foreign, unsafe, old], [WEB], [WEB_SLICE])
    shown = [(r.host, r.path, r.exact, r.source) for r in table.routes]
    assert shown == [("demo.cpin.local", "/api", True, "web/new"),         # Exact first
                     ("demo.cpin.local", "/api", False, "web/old"),        # the oldest wins "/api" == "/api/"
                     ("demo.cpin.local", "/", False, "web/old"),
                     ("*.cpin.local", "/", False, "web/new"),
                     ("", "/health", True, "web/old")]
    assert table.backends["be_web_web_80"] == ("10.245.0.5:8080", "10.245.0.7:8080")
    assert table.backends["be_web_other_80"] == ()                          # no such Service: 503
    assert any("nginx" in line for line in table.ignored) and any("'/a b'" in line for line in table.ignored)
    assert not [r for r in table.routes if r.source in ("web/nginx", "web/bad")]


def test_render_sends_unmatched_paths_of_a_known_host_to_the_404():
    table = haproxy.table([ingress("a", [rule("demo.cpin.local", ("/api", "Prefix", "web", 80)),
                                         rule(None, ("/", "Prefix", "web", 80))])], [WEB], [WEB_SLICE])
    text = haproxy.render(8123, table)
    assert "bind 127.0.0.1:8123" in text
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(("use_backend", "default_backend"))]
    assert lines == ["use_backend be_web_web_80 if { var(txn.host) -m str demo.cpin.local } { path -m str /api } || "
                     "{ var(txn.host) -m str demo.cpin.local } { path -m beg /api/ }",
                     "use_backend cpin_not_found if { var(txn.host) -m str demo.cpin.local }",
                     "use_backend be_web_web_80",
                     "default_backend cpin_not_found"]
    assert "server s0 10.245.0.5:8080" in text and "server s1 10.245.0.7:8080" in text
    assert "10.245.0.6" not in text                                          # not ready


def test_haproxy_accepts_every_rendered_configuration(tmp_path):
    need_haproxy()
    old = ingress("a", [rule("demo.cpin.local", ("/api", "Prefix", "web", 80), ("/x", "Exact", "gone", 80)),
                        rule("*.apps.cpin.local", ("/", "Prefix", "web", "http"))])
    for table in (haproxy.Table(), haproxy.table([old], [WEB], [WEB_SLICE])):
        (tmp_path / "h.cfg").write_text(haproxy.render(free_port(), table))
        done = subprocess.run([HAPROXY, "-c", "-f", str(tmp_path / "h.cfg")], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


# ---------------------------------------------------------------- the rendered configuration, served

def _server(name: str):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"{name} {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _get(port: int, host: str, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_haproxy_routes_hosts_and_paths_as_the_ingress_api_says(tmp_path):
    need_haproxy()
    api, front = _server("api"), _server("front")
    slices = [endpoint_slice("api", [{"name": "http", "port": api.server_address[1]}], [("127.0.0.1", True)]),
              endpoint_slice("front", [{"name": "http", "port": front.server_address[1]}], [("127.0.0.1", True)])]
    services = [service("api", [{"name": "http", "port": 80}]), service("front", [{"name": "http", "port": 80}])]
    objects = [ingress("a", [rule("demo.cpin.local", ("/api", "Prefix", "api", 80), ("/", "Exact", "front", "http")),
                             rule("*.apps.cpin.local", ("/", "Prefix", "front", 80)),
                             rule("down.cpin.local", ("/", "Prefix", "missing", 80))])]
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy.render(port, haproxy.table(objects, services, slices)))
    proc = subprocess.Popen([HAPROXY, "-W", "-db", "-f", str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                _get(port, "x", "/")
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "haproxy did not start"
                time.sleep(0.1)
        assert _get(port, "demo.cpin.local", "/api") == (200, "api /api")
        assert _get(port, "DEMO.cpin.local:80", "/api/personnes") == (200, "api /api/personnes")
        assert _get(port, "demo.cpin.local", "/") == (200, "front /")
        status, body = _get(port, "demo.cpin.local", "/apix")         # not under the /api prefix, not "/" exact
        assert status == 404 and "Aucune règle d'Ingress" in body
        assert _get(port, "shop.apps.cpin.local", "/x") == (200, "front /x")
        assert _get(port, "a.b.apps.cpin.local", "/x")[0] == 404     # a wildcard covers one label only
        assert _get(port, "autre.local", "/api")[0] == 404
        assert _get(port, "down.cpin.local", "/")[0] == 503          # route without a ready endpoint
    finally:
        proc.terminate()
        proc.wait(10)
        api.shutdown()
        front.shutdown()


# ---------------------------------------------------------------- the service, without a cluster

def test_ingress_service_without_cluster_answers_404_and_leaves_nothing(tmp_path, monkeypatch):
    need_haproxy()
    from grader import services
    from tests.platform.test_services import group_members

    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    try:
        first = services.up(["ingress"], data_dir=tmp_path, log=lambda m: None)[0]
        second = services.up(["ingress"], data_dir=tmp_path, log=lambda m: None)[0]
        assert first.healthy and (first.pid, first.port) == (second.pid, second.port)
        assert first.address == f"127.0.0.1:{first.port}"
        status, body = _get(first.port, "demo.cpin.local", "/")
        assert status == 404 and "routeur du kit" in body
        assert len(group_members(first.pid)) >= 3          # controller, HAProxy master and worker
        from grader import doctor
        assert {i.name: i for i in doctor.check_services()}["service ingress"].ok
    finally:
        services.down(["ingress"], data_dir=tmp_path)
    assert group_members(first.pid) == []
    assert services.status(["ingress"], data_dir=tmp_path)[0].state == "arrêté"
