"""The context guard: every kit operation resolves its target here, first.

The kit talks only to clusters it created itself (the kubeconfig files it wrote under its data
dir: contexts `cpin-local`, `kind-cpin`) or to a context the user named explicitly (`--context`,
or `cpin cluster up --backend existing --context …`, which records that choice). `$KUBECONFIG`
and `~/.kube/config` are never followed implicitly: a current-context found there is refused.
The result is an explicit `ApiClient` bound to one file and one context — never a default client.

A kit cluster is recognised by something the kit made, never by a name: the fingerprint of the
certificate authority in its kubeconfig must equal the kit's own (`local/pki/ca.crt`, which the kit
generated, or the fingerprint recorded in `<backend>/identity.json` when the cluster was created).
The kit's context names (`cpin-local`, `kind-cpin`) are reserved: given with `--context`, they only
ever mean the kit's own verified cluster; a look-alike context of that name elsewhere is refused.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from grader.cluster import kubeconfig as kc
from grader.cluster.base import read_active
from grader.config import settings
from grader.errors import BackendUnavailable, ContextRefused, CpinError, InputError

# backend -> (kubeconfig file relative to the data dir, context the kit wrote in it)
KIT_KUBECONFIGS = {"local": ("local/kubeconfig", "cpin-local"), "kind": ("kind/kubeconfig", "kind-cpin")}
EXISTING_RECORD = "existing/target.json"
IDENTITY = "identity.json"      # per backend folder: the CA fingerprint recorded when the kit created it
RESERVED = frozenset(context for _, context in KIT_KUBECONFIGS.values())


@dataclass(frozen=True)
class Target:
    """Where kit operations go: one kubeconfig file, one context, optionally one namespace."""
    backend: str            # local | kind | existing | explicit
    kubeconfig: Path
    context: str
    namespace: str | None = None

    def api_client(self):
        return kc.api_client(self.kubeconfig, self.context)


def kit_targets(data_dir: Path | None = None) -> dict[str, Target]:
    """The targets the kit created (or was explicitly given) in this data dir, by backend."""
    data_dir = data_dir or settings().data_dir
    found: dict[str, Target] = {}
    for backend, (relative, context) in KIT_KUBECONFIGS.items():
        path = data_dir / relative
        if path.is_file() and _is_the_kits(backend, path, context, data_dir):
            found[backend] = Target(backend, path, context)
    record = data_dir / EXISTING_RECORD
    if record.is_file():
        try:
            data = json.loads(record.read_text())
            found["existing"] = Target("existing", Path(data["kubeconfig"]), data["context"], data.get("namespace"))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{record} : choix de cluster illisible ({type(error).__name__}).",
                             hint_fr="Refaites le choix : `cpin cluster up --backend existing --context …`.") from error
    return found


# ---------------------------------------------------------------- identity: the kit's own CA
def ca_fingerprint(path: Path, context: str) -> str | None:
    """SHA-256 of the CA certificate (DER) that `context` of this kubeconfig trusts; None if none is pinned."""
    try:
        config = kc.load(path)
        ctx = next((c.get("context") or {} for c in config.get("contexts") or [] if c.get("name") == context), None)
        if ctx is None:
            return None
        cluster = next((c.get("cluster") or {} for c in config.get("clusters") or []
                        if c.get("name") == ctx.get("cluster")), {})
        if cluster.get("insecure-skip-tls-verify"):
            return None                   # nothing pinned: cannot be the kit's
        if cluster.get("certificate-authority-data"):
            pem = base64.b64decode(cluster["certificate-authority-data"], validate=True)
        elif cluster.get("certificate-authority"):
            pem = Path(cluster["certificate-authority"]).expanduser().read_bytes()
        else:
            return None
        return _pem_fingerprint(pem)
    except (CpinError, OSError, ValueError, TypeError, AttributeError):
        return None


def _pem_fingerprint(pem: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    return hashlib.sha256(x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)).hexdigest()


def kit_ca_fingerprint(backend: str, data_dir: Path) -> str | None:
    """The CA fingerprint the kit made or recorded for `backend`, or None."""
    record = data_dir / backend / IDENTITY
    try:
        if record.is_file():
            return str(json.loads(record.read_text())["ca_sha256"])
        if backend == "local" and (data_dir / "local" / "pki" / "ca.crt").is_file():
            return _pem_fingerprint((data_dir / "local" / "pki" / "ca.crt").read_bytes())
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None


def record_identity(backend: str, data_dir: Path | None = None) -> str | None:
    """Record the CA fingerprint of the kubeconfig the kit just created for `backend` (call at creation)."""
    data_dir = data_dir or settings().data_dir
    relative, context = KIT_KUBECONFIGS[backend]
    fingerprint = ca_fingerprint(data_dir / relative, context)
    if fingerprint:
        (data_dir / backend).mkdir(parents=True, exist_ok=True)
        (data_dir / backend / IDENTITY).write_text(json.dumps({"context": context, "ca_sha256": fingerprint}))
    return fingerprint


def _is_the_kits(backend: str, path: Path, context: str, data_dir: Path) -> bool:
    """True if `path`/`context` trusts exactly the CA the kit made for `backend`."""
    actual = ca_fingerprint(path, context)
    if actual is None:
        return False
    expected = kit_ca_fingerprint(backend, data_dir)
    if expected is None and backend == "kind":
        # kind clusters created before identities were recorded: the file kind wrote in the data dir is
        # the kit's; record its CA now, so that any later change of the file is refused.
        return record_identity(backend, data_dir) == actual
    return expected is not None and actual == expected


def _look_alike(context: str) -> ContextRefused:
    return ContextRefused(
        f"Le contexte « {context} » porte le nom d'un cluster du kit, mais ce n'est pas le cluster que le kit a "
        "créé (le kit le reconnaît à son autorité de certification, pas à son nom) : je n'y touche pas.",
        hint_fr="Démarrez le cluster du kit avec `cpin cluster up` ; pour un autre cluster, nommez un contexte "
                "qui ne s'appelle ni cpin-local ni kind-cpin.")


def default_kubeconfig() -> Path | None:
    """The file kubectl would read first ($KUBECONFIG, else ~/.kube/config), if it exists."""
    first = (os.environ.get("KUBECONFIG") or "").split(os.pathsep)[0]
    path = Path(first).expanduser() if first else Path("~/.kube/config").expanduser()
    return path if path.is_file() else None


def _current_context(path: Path) -> str | None:
    try:
        return kc.load(path).get("current-context") or None
    except (OSError, ValueError, CpinError):
        return None


def _refuse(context: str, path: Path) -> ContextRefused:
    return ContextRefused(
        f"Le contexte « {context} » (fichier {path}) n'a pas été créé par le kit : "
        "je ne lis ni n'écris rien dans ce cluster sans votre accord explicite.",
        hint_fr="Démarrez le cluster du kit avec `cpin cluster up`, ou nommez ce contexte vous-même : "
                f"`--context {context}` (cluster partagé : `cpin cluster up --backend existing "
                f"--context {context} --namespace <ns>`).")


def resolve(*, context: str | None = None, kubeconfig: Path | str | None = None,
            data_dir: Path | None = None) -> Target:
    """The target of a kit operation, or ContextRefused / BackendUnavailable in French.

    - `context` given: the user named it, so it is allowed (looked up in `kubeconfig`, else in the
      kit's own files, else in $KUBECONFIG / ~/.kube/config);
    - `kubeconfig` given alone: only a file the kit wrote is accepted;
    - nothing given: the backend `cpin cluster up` started, then any kit target; else refusal.
    """
    data_dir = data_dir or settings().data_dir
    own = kit_targets(data_dir)
    path = Path(kubeconfig).expanduser() if kubeconfig else None
    if context:
        for target in own.values():
            if target.context == context and (path is None or path.resolve() == target.kubeconfig.resolve()):
                return target
        if context in RESERVED:
            raise _look_alike(context)
        path = path or default_kubeconfig()
        if path is None or not path.is_file():
            raise InputError(f"Contexte « {context} » introuvable : aucun fichier kubeconfig.",
                             hint_fr="Indiquez le fichier avec --kubeconfig.")
        if context not in kc.context_names(path):
            raise InputError(f"Contexte « {context} » absent de {path}.",
                             hint_fr="`kubectl config get-contexts` liste les contextes disponibles.")
        return Target("explicit", path, context)
    if path is not None:
        for target in own.values():
            if path.resolve() == target.kubeconfig.resolve() and _current_context(path) == target.context:
                return target
        raise _refuse(_current_context(path) or "(aucun)", path)
    active = read_active(data_dir)
    if active and active in own:
        return own[active]
    for backend in ("local", "kind", "existing"):
        if backend in own:
            return own[backend]
    foreign = default_kubeconfig()
    if foreign is not None and _current_context(foreign):
        raise _refuse(_current_context(foreign), foreign)
    raise BackendUnavailable("Aucun cluster du kit n'est démarré.",
                             hint_fr="Lancez `cpin cluster up` (ou `make lab`).")


def api_client(*, context: str | None = None, kubeconfig: Path | str | None = None,
               data_dir: Path | None = None):
    """An ApiClient for the resolved target: the one way kit code gets a cluster client."""
    return resolve(context=context, kubeconfig=kubeconfig, data_dir=data_dir).api_client()
