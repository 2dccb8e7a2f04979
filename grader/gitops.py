"""GitOps environments: the Argo CD Application the console makes per environment, and what the Argo CD UI
shows and does, read from (and written to) the Application object itself.

- `application()`: the Application of one environment and infra repo (pure): source on the forge, path,
  revision, Helm values `values.yaml` + `values-<env>.yaml`, destination the environment's namespace,
  auto-sync (prune + self-heal) on or off as the console's toggle;
- `summary()`: sync and health, per resource, the last operation and its message, the history, all read
  from `status` (never invented);
- `sync()`, `refresh()`: what the UI's SYNC and REFRESH buttons do without the API server: an
  `operation` on the Application, the `argocd.argoproj.io/refresh` annotation;
- `rollback()`: a git commit on the infra repo restoring the tree of an earlier deployed revision (rule
  31: the cluster follows git; nothing is edited in the cluster, nothing pushed is lost).
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import CpinError, InputError

NAMESPACE = "argocd"
GROUP_VERSION = "argoproj.io/v1alpha1"
REFRESH_ANNOTATION = "argocd.argoproj.io/refresh"
FIELD_MANAGER = "cpin-console"
DEFAULT_INFRA_REPO = "infra"


HELM_RELEASE_MAX = 53   # Helm refuses a longer release name; Argo CD names the release after the Application


def bounded(name: str, limit: int) -> str:
    """`name` if it fits in `limit` characters, else its head and a short digest of the whole (distinct names
    stay distinct; pure)."""
    if len(name) <= limit:
        return name
    import hashlib
    return f"{name[:limit - 7].rstrip('-')}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def app_name(project: str, env: str, repo: str = DEFAULT_INFRA_REPO) -> str:
    """`<project>-<env>-<repo>` (the console adds ids: `<project>-<env>-<id>-<repo>-<id>`)."""
    return bounded(f"{project}-{env}-{repo}", 63)


def application(*, project: str, env: str, namespace: str, repo_url: str, repo: str = DEFAULT_INFRA_REPO,
                path: str = ".", revision: str = "HEAD", auto_sync: bool = False) -> dict:
    """The Application of one environment, as the console makes it (pure)."""
    name = app_name(project, env, repo)
    spec = {
        "project": "default",
        "source": {"repoURL": repo_url, "targetRevision": revision, "path": path,
                   "helm": {"valueFiles": ["values.yaml", f"values-{env}.yaml"],
                            "releaseName": bounded(name, HELM_RELEASE_MAX)}},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
    }
    if auto_sync:
        spec["syncPolicy"] = {"automated": {"prune": True, "selfHeal": True}}
    return {"apiVersion": GROUP_VERSION, "kind": "Application",
            "metadata": {"name": name, "namespace": NAMESPACE,
                         "labels": {"cpin.dev/project": project, "cpin.dev/env": env}},
            "spec": spec}


def list_apps(kube) -> list[dict]:
    try:
        return kube.list("Application", NAMESPACE, api_version=GROUP_VERSION, record=False)
    except InputError as error:
        raise CpinError("Argo CD n'est pas installé dans ce cluster (pas de CRD Application).",
                        hint_fr="`cpin platform up argocd`.") from error


def get(kube, name: str) -> dict:
    """The Application `name`, or a French error listing the existing ones."""
    names = [a["metadata"]["name"] for a in list_apps(kube)]
    app = kube.get("Application", name, NAMESPACE, api_version=GROUP_VERSION) if name in names else None
    if app is None:
        raise InputError(f"Application « {name} » introuvable dans le namespace {NAMESPACE}.",
                         hint_fr=("Applications : " + ", ".join(names)) if names else
                         "Aucune Application : `cpin env create PROJET ENV --type dev` en crée une.")
    return app


@dataclass(frozen=True)
class Summary:
    name: str
    sync: str                # Synced | OutOfSync | Unknown
    health: str              # Healthy | Progressing | Degraded | Missing | Unknown …
    revision: str            # the revision the sync status was compared at
    repo: str
    path: str
    target: str
    auto_sync: bool
    conditions: list[str] = field(default_factory=list)
    resources: list[dict] = field(default_factory=list)
    operation: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)


def automated(spec: dict) -> bool:
    """Argo CD syncs by itself when `syncPolicy.automated` is present, even empty (`{}`), unless `enabled: false`."""
    policy = (spec.get("syncPolicy") or {}).get("automated")
    return isinstance(policy, dict) and policy.get("enabled", True) is not False


def summary(app: dict) -> Summary:
    spec, status = app.get("spec") or {}, app.get("status") or {}
    source = spec.get("source") or {}
    return Summary(
        name=app["metadata"]["name"],
        sync=(status.get("sync") or {}).get("status") or "Unknown",
        health=(status.get("health") or {}).get("status") or "Unknown",
        revision=(status.get("sync") or {}).get("revision") or "",
        repo=source.get("repoURL", ""), path=source.get("path", ""), target=source.get("targetRevision", ""),
        auto_sync=automated(spec),
        conditions=[f"{c.get('type')}: {c.get('message', '')}" for c in status.get("conditions") or []],
        resources=list(status.get("resources") or []),
        operation=dict(status.get("operationState") or {}),
        history=list(status.get("history") or []),
    )


def left_out_of_sync(s: Summary, head: str, *, in_flight: bool) -> bool:
    """True when the Application was compared at `head`, differs from it and nothing will sync it: no automated
    policy and no operation in flight. Only a SYNC (or a commit) changes that; waiting does not (pure)."""
    return s.sync == "OutOfSync" and s.revision == head and not s.auto_sync and not in_flight


def refresh(kube, name: str, *, hard: bool = False) -> None:
    """REFRESH (re-read git; `hard`: without the manifest cache)."""
    get(kube, name)
    kube.request("PATCH", f"/apis/{GROUP_VERSION}/namespaces/{NAMESPACE}/applications/{name}",
                 body={"metadata": {"annotations": {REFRESH_ANNOTATION: "hard" if hard else "normal"}}},
                 content_type="application/merge-patch+json", what=f"rafraîchissement de {name}")


def sync(kube, name: str, *, revision: str = "", prune: bool = True) -> None:
    """SYNC: ask the controller to apply the target revision (what the API server does for the UI)."""
    app = get(kube, name)
    if (app.get("operation") or {}).get("sync") is not None:
        raise CpinError(f"Une synchronisation de « {name} » est déjà en cours.",
                        hint_fr="Attendez sa fin : `cpin argocd status " + name + "`.")
    operation = {"initiatedBy": {"username": "cpin"},
                 "sync": {"revision": revision or app["spec"]["source"].get("targetRevision", "HEAD"),
                          "prune": prune, "syncStrategy": {"hook": {}}}}
    kube.request("PATCH", f"/apis/{GROUP_VERSION}/namespaces/{NAMESPACE}/applications/{name}",
                 body={"operation": operation}, content_type="application/merge-patch+json",
                 what=f"synchronisation de {name}")


def wait(kube, name: str, *, timeout: float = 120, revision: str = "",
         until=lambda s: s.sync == "Synced" and s.health == "Healthy") -> Summary:
    """Poll the Application until `until(summary)` (and, given, at `revision`); the last summary."""
    deadline = time.monotonic() + timeout
    while True:
        app = get(kube, name)
        current = summary(app)
        in_flight = bool(app.get("operation"))
        if until(current) and not in_flight and (not revision or current.revision == revision):
            return current
        if time.monotonic() > deadline:
            return current
        time.sleep(0.5)


def history_revision(app: dict, history_id: int) -> str:
    for entry in (app.get("status") or {}).get("history") or []:
        if int(entry.get("id", -1)) == history_id:
            return entry.get("revision", "")
    known = ", ".join(str(e.get("id")) for e in (app.get("status") or {}).get("history") or []) or "aucun"
    raise InputError(f"Pas de déploiement n° {history_id} dans l'historique de « {app['metadata']['name']} ».",
                     hint_fr=f"Numéros connus : {known} (`cpin argocd history`).")


def rollback(app: dict, history_id: int, *, author: list[str]) -> str:
    """Commit on the infra repo's target branch the tree of deployed revision `history_id`; the new commit."""
    from grader.services.forge import git

    revision = history_revision(app, history_id)
    source = app["spec"]["source"]
    branch = source.get("targetRevision") or "HEAD"
    with tempfile.TemporaryDirectory(prefix="cpin-rollback-") as tmp:
        work = Path(tmp) / "infra"
        git("clone", "--quiet", source["repoURL"], str(work))
        if branch != "HEAD":
            git("checkout", "--quiet", branch, cwd=work)
        git("rm", "-r", "--quiet", "--ignore-unmatch", ".", cwd=work)
        git("checkout", revision, "--", ".", cwd=work)
        if not git("status", "--porcelain", cwd=work).strip():
            raise InputError(f"La révision {revision[:8]} est déjà le contenu de la branche : rien à revenir.")
        git(*author, "commit", "--quiet", "-m", f"Retour au déploiement n° {history_id} ({revision[:8]})", cwd=work)
        git("push", "--quiet", "origin", "HEAD", cwd=work)
        return git("rev-parse", "HEAD", cwd=work).strip()


def argocd_installed(kube) -> bool:
    try:
        kube.resource("Application", GROUP_VERSION)
    except InputError:
        return False
    return True


def create_for_env(kube, forge, *, project: str, env: str, namespace: str, repo: str = DEFAULT_INFRA_REPO,
                   path: str = ".", revision: str = "HEAD", auto_sync: bool = False) -> dict:
    """The console's gesture for an environment: the infra repo `<project>/<repo>` on the forge (created if
    missing, never emptied) and the environment's Application (created, or brought back in line)."""
    url = forge.ensure_repo(project, repo)
    app = application(project=project, env=env, namespace=namespace, repo_url=url, repo=repo, path=path,
                      revision=revision, auto_sync=auto_sync)
    current = kube.get("Application", app["metadata"]["name"], NAMESPACE, api_version=GROUP_VERSION)
    if current is not None and not auto_sync and (current.get("spec") or {}).get("syncPolicy"):
        # The toggle turned off: server-side apply keeps fields it does not own, so drop the policy itself.
        kube.request("PATCH", f"/apis/{GROUP_VERSION}/namespaces/{NAMESPACE}/applications/{app['metadata']['name']}",
                     body={"spec": {"syncPolicy": None}}, content_type="application/merge-patch+json",
                     what="synchronisation automatique désactivée")
    kube.apply(app, NAMESPACE, field_manager=FIELD_MANAGER)
    return app
