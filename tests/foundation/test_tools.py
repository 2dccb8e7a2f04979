"""Pinned toolchain: versions come from tools/go.mod, fetch verifies SHA-256, built binaries report 1.36.x."""
import hashlib
import http.server
import io
import os
import re
import subprocess
import tarfile
import threading

import pytest

from grader import cli, tools
from grader.errors import CpinError, ToolMissing

IN_CI = os.environ.get("CI") == "true"


def test_kubernetes_is_pinned_to_1_36():
    assert re.fullmatch(r"v1\.36\.\d+", tools.kubernetes_version())


def test_every_staging_replace_matches_the_kubernetes_version():
    minor_patch = tools.kubernetes_version()[len("v1."):]
    replaces = re.findall(r"=> (k8s\.io/\S+) (v\S+)", (tools.GO_MODULE_DIR / "go.mod").read_text())
    assert len(replaces) > 20
    assert {version for _, version in replaces} == {f"v0.{minor_patch}"}


def test_every_go_tool_has_a_pinned_module():
    for tool in tools.TOOLS.values():
        if tool.origin == "go":
            assert tool.module in tools.pinned_versions(tool.gomod), tool.name


def test_kubectl_wheel_matches_the_cluster_minor():
    out = subprocess.run([str(tools.find("kubectl")), "version", "--client", "-o", "json"],
                         capture_output=True, text=True, check=True).stdout
    assert '"gitVersion": "v1.36.' in out


def test_unknown_tool_is_a_french_error():
    with pytest.raises(CpinError, match="Outil inconnu"):
        tools.find("kubelet-pirate")


def test_missing_tool_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_CACHE", str(tmp_path))
    monkeypatch.delenv("CPIN_TOOLS_PATH", raising=False)
    with pytest.raises(ToolMissing) as error:
        tools.find("kwok")
    assert "cpin tools build" in error.value.hint_fr


# ------------------------------------------------------------------ fetch against a local HTTP server

@pytest.fixture
def release_server(tmp_path):
    """Serves tmp_path/www over HTTP on 127.0.0.1 like an official release host or a Harbor/Nexus mirror."""
    www = tmp_path / "www"
    www.mkdir()
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(www), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler_thread = threading.Thread(target=server.serve_forever, daemon=True)
    handler_thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _helm_archive(www, version, payload=b"#!/bin/sh\necho fake-helm\n"):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("linux-amd64/helm")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    data = buffer.getvalue()
    (www / f"helm-{version}-linux-amd64.tar.gz").write_bytes(data)
    return hashlib.sha256(data).hexdigest(), payload


def _pins(sha):
    return {"helm": {"url": "https://get.helm.sh/helm-{version}-linux-amd64.tar.gz",
                     "member": "linux-amd64/helm", "sha256": sha}}


def test_fetch_installs_a_verified_archive(release_server, tmp_path, monkeypatch):
    www, base = release_server
    monkeypatch.setenv("CPIN_CACHE", str(tmp_path / "cache"))
    version = tools.TOOLS["helm"].version
    sha, payload = _helm_archive(www, version)
    assert tools.fetch(["helm"], base_urls={"helm": base}, checksums=_pins(sha), log=lambda _: None) == ["helm"]
    path, origin = tools.locate("helm")
    assert path.read_bytes() == payload and origin == "fetch"
    assert os.access(path, os.X_OK)


def test_fetch_refuses_a_checksum_mismatch_and_installs_nothing(release_server, tmp_path, monkeypatch):
    www, base = release_server
    monkeypatch.setenv("CPIN_CACHE", str(tmp_path / "cache"))
    _helm_archive(www, tools.TOOLS["helm"].version)
    with pytest.raises(CpinError, match="Empreinte SHA-256 incorrecte"):
        tools.fetch(["helm"], base_urls={"helm": base}, checksums=_pins("0" * 64), log=lambda _: None)
    assert tools.locate("helm")[0] is None


def test_fetch_refuses_an_unpinned_tool(release_server, tmp_path, monkeypatch):
    www, base = release_server
    monkeypatch.setenv("CPIN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(CpinError, match="Aucune empreinte"):
        tools.fetch(["helm"], base_urls={"helm": base}, checksums=_pins(""), log=lambda _: None)


def test_fetch_reports_an_unreachable_host_in_french(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_CACHE", str(tmp_path / "cache"))
    with pytest.raises(CpinError, match="Téléchargement impossible"):
        tools.fetch(["helm"], base_urls={"helm": "http://127.0.0.1:9"}, checksums=_pins("a" * 64),
                    log=lambda _: None)


def test_shipped_pins_are_well_formed():
    pins = tools.load_checksums()
    for name in tools.fetchable():
        assert pins[name]["url"].startswith("https://"), name
        assert re.fullmatch(r"[0-9a-f]{64}|", pins[name]["sha256"]), name


# ------------------------------------------------------------------ the built toolchain (CI builds it)

def _require_built():
    missing = [row.name for row in tools.status() if row.required and not row.ok]
    if missing:
        if IN_CI:
            pytest.fail(f"CI must build the tools first (make setup): missing {missing}")
        pytest.skip(f"tools not built here: {missing}")


@pytest.mark.parametrize("name", ["kube-apiserver", "kube-controller-manager", "kube-scheduler"])
def test_built_kubernetes_binaries_report_the_pinned_version(name):
    _require_built()
    out = subprocess.run([str(tools.find(name)), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"Kubernetes {tools.kubernetes_version()}"


def test_built_etcd_helm_kwok_report_their_versions():
    _require_built()
    assert tools.TOOLS["etcd"].version.lstrip("v") in tools.run("etcd", "--version")
    assert tools.TOOLS["helm"].version in tools.run("helm", "version", "--short")
    assert tools.TOOLS["kwok"].version.lstrip("v") in tools.run("kwok", "--version")


def test_cpin_tools_lists_every_tool(capsys):
    _require_built()
    assert cli.main(["tools"]) == 0
    out = capsys.readouterr().out
    for name in tools.TOOLS:
        if tools.TOOLS[name].required:
            assert re.search(rf"^✔ {re.escape(name)} ", out, re.M), name


@pytest.mark.slow
def test_a_tool_builds_into_an_empty_cache(tmp_path, monkeypatch):
    """The build path a fresh machine takes, for one tool (kwok), into an empty CPIN_CACHE; the Go module
    and build caches are the machine's own (a cold Go cache means ~1 GB of modules: measured in the notes)."""
    from grader.config import settings
    shared = tools.go_env()
    if not (IN_CI or os.path.isdir(shared["GOMODCACHE"])):
        pytest.skip("no Go module cache yet (run `make setup` once)")
    monkeypatch.setenv("GOMODCACHE", shared["GOMODCACHE"])
    monkeypatch.setenv("GOCACHE", shared["GOCACHE"])
    monkeypatch.setenv("CPIN_CACHE", str(tmp_path / "cache"))
    assert not tools.cache_path(tools.TOOLS["kwok"]).exists()

    spent = tools.build(["kwok"], log=lambda line: None)

    assert set(spent) == {"kwok"}
    built = tools.cache_path(tools.TOOLS["kwok"])
    assert built.is_file() and str(built).startswith(str(settings().tools_dir))
    out = subprocess.run([str(built), "--version"], capture_output=True, text=True, timeout=60)
    assert tools.TOOLS["kwok"].version.lstrip("v") in out.stdout + out.stderr
    assert (built.parent / "ORIGIN").read_text().strip() == "build"


def test_platform_module_pins_the_registry_apart_from_kubernetes():
    registry = tools.TOOLS["registry"]
    assert registry.gomod == "platform"
    assert registry.version == tools.pinned_versions("platform")["github.com/distribution/distribution/v3"]
    assert "k8s.io/kubernetes" not in tools.pinned_versions("platform")
    assert "registry" not in tools.fetchable()        # no official release pinned: built only
    assert tools.TOOLS["gitlab-ci-local"].version == "4.73.0"
