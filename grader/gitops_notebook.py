"""GitOps in a notebook: push the learner's infra folder to the kit's forge, and the exercise's Argo CD
Application (one per exercise, deploying into the exercise's namespace), its status and its SYNC.

The Application is the console's (`gitops.application`): Helm values `values.yaml` + `values-dev.yaml`,
auto-sync only when the learner's `sync_policy` file asks for it. Nothing here grades: the checks read the
Application's status, git and the cluster (grader/checks/gitops.py).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from grader import exercises as registry
from grader.config import settings
from grader.errors import InputError

ENV = "dev"


def _target(exercise_id: str) -> tuple[str, str]:
    """(namespace, Application name) of the exercise for the current learner."""
    from grader import gitops
    namespace = registry.get(exercise_id).namespace(settings().learner)
    return namespace, gitops.app_name(namespace, ENV)


def _kube():
    from grader.cluster.lifecycle import connect
    kube, _caps = connect()
    return kube


def _policy(sync_policy) -> dict | None:
    """The learner's `syncPolicy` (a YAML file or a dict); None when empty (the nbgrader stub)."""
    import yaml
    if sync_policy is None or isinstance(sync_policy, dict):
        return sync_policy or None
    path = Path(sync_policy)
    if not path.is_file():
        raise InputError(f"Fichier « {sync_policy} » introuvable.", hint_fr="Exécutez d'abord la cellule qui l'écrit.")
    try:
        policy = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InputError(f"« {sync_policy} » n'est pas du YAML valide : {str(error).splitlines()[0]}") from error
    if policy is not None and not isinstance(policy, dict):
        raise InputError(f"« {sync_policy} » doit décrire un objet syncPolicy (clé automated…), pas une liste ou un texte.")
    return policy or None


def _commit_tree(url: str, folder: Path, message: str) -> str:
    """Make `folder`'s content the whole tree of the repository's main branch; the commit (HEAD if unchanged)."""
    from grader.services.forge import git
    author = ["-c", f"user.name={settings().learner}", "-c", f"user.email={settings().learner}@cpin.local"]
    with tempfile.TemporaryDirectory(prefix="cpin-infra-") as tmp:
        work = Path(tmp) / "infra"
        git("clone", "--quiet", url, str(work))
        git("checkout", "--quiet", "-B", "main", cwd=work)
        for child in work.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(folder, work, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git", ".ipynb_checkpoints"))
        git("add", "-A", cwd=work)
        if git("status", "--porcelain", cwd=work).strip():
            git(*author, "commit", "--quiet", "-m", message, cwd=work)
            git("push", "--quiet", "origin", "HEAD:main", cwd=work)
        else:
            print("Rien de nouveau à pousser : le dépôt contient déjà ce dossier.")
        return git("rev-parse", "HEAD", cwd=work).strip()


def argocd_push(exercise_id: str, folder: str | Path, *, message: str = "Mise à jour de l'infra",
                sync_policy: str | Path | dict | None = None) -> str:
    """Commit `folder` as the exercise's infra repo on the forge (git push), create or update its Application
    (with `sync_policy`, a YAML file of `spec.syncPolicy`, or none) and ask Argo CD to re-read git. The commit."""
    from grader import gitops, services
    from grader.cluster.envs import provision
    source = Path(folder)
    if not source.is_dir() or not any(source.iterdir()):
        raise InputError(f"Dossier « {folder} » introuvable ou vide.", hint_fr="Exécutez d'abord la cellule qui le prépare.")
    policy = _policy(sync_policy)
    namespace, name = _target(exercise_id)
    forge = services.get("forge")
    url = forge.ensure_repo(namespace, gitops.DEFAULT_INFRA_REPO)
    commit = _commit_tree(url, source, message)
    kube = _kube()
    provision(kube, namespace, labels=registry.namespace_labels(namespace))
    app = gitops.application(project=namespace, env=ENV, namespace=namespace, repo_url=url)
    current = kube.get("Application", name, gitops.NAMESPACE, api_version=gitops.GROUP_VERSION)
    if policy:
        app["spec"]["syncPolicy"] = policy
    elif current is not None and (current.get("spec") or {}).get("syncPolicy"):
        kube.request("PATCH", f"/apis/{gitops.GROUP_VERSION}/namespaces/{gitops.NAMESPACE}/applications/{name}",
                     body={"spec": {"syncPolicy": None}}, content_type="application/merge-patch+json",
                     what="synchronisation automatique désactivée")
    kube.apply(app, gitops.NAMESPACE, field_manager=gitops.FIELD_MANAGER)
    gitops.refresh(kube, name, hard=True)
    print(f"Commit {commit[:8]} poussé sur {url} ; Application Argo CD « {name} » → espace de noms {namespace}"
          + (" (synchronisation automatique)" if policy and policy.get("automated") is not None else "") + ".")
    return commit


def argocd_status(exercise_id: str, *, wait: float = 20, healthy: bool = False) -> None:
    """Show the exercise's Application as the Argo CD UI does, once Argo CD has compared it to git's HEAD
    (or, `healthy`, once it is Synced and Healthy there), waiting at most `wait` seconds."""
    from grader import gitops
    from grader.commands.argocd import print_summary
    from grader.checks.gitops import head_of
    _, name = _target(exercise_id)
    kube = _kube()
    app = gitops.get(kube, name)
    head = head_of(app["spec"]["source"]["repoURL"], "HEAD") or ""

    def done(s) -> bool:
        if any("Error" in c.split(":", 1)[0] for c in s.conditions):
            return True
        if healthy and gitops.left_out_of_sync(s, head, in_flight=False):     # wait() also waits for no operation
            return True
        return s.revision == head and ((s.sync, s.health) == ("Synced", "Healthy") if healthy else s.sync != "Unknown")
    s = gitops.wait(kube, name, timeout=wait, until=done)
    print_summary(s)


def argocd_sync(exercise_id: str, *, timeout: float = 90) -> None:
    """SYNC the exercise's Application at git's HEAD and wait for the result (Synced and Healthy, or `timeout`)."""
    from grader import gitops
    from grader.commands.argocd import print_summary
    _, name = _target(exercise_id)
    kube = _kube()
    gitops.refresh(kube, name, hard=True)
    gitops.sync(kube, name)
    settled = Settled()
    s = gitops.wait(kube, name, timeout=timeout, until=lambda s: (s.sync, s.health) == ("Synced", "Healthy")
                    or s.operation.get("phase") in ("Failed", "Error") or settled(s))
    print_summary(s)
    if s.operation.get("phase") == "Succeeded" and s.health in ("Progressing", "Degraded"):
        print(f"  La synchronisation a réussi mais l'application reste {s.health} : lisez l'état des objets "
              "ci-dessus et les événements (`kubectl get events`).")


class Settled:
    """True once a finished sync's (sync, health) has not changed for `seconds`: a Deployment that has not become
    Healthy by then is waiting on something (quota, image, probe) that the learner must read, not wait for."""

    def __init__(self, seconds: float = 10.0):
        self.seconds, self.state, self.since = seconds, None, 0.0

    def __call__(self, s) -> bool:
        if s.operation.get("phase") != "Succeeded":
            self.state = None
            return False
        state = (s.sync, s.health, s.revision)
        if state != self.state:
            self.state, self.since = state, time.monotonic()
        return time.monotonic() - self.since >= self.seconds
