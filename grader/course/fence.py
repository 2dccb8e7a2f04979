"""One set of namespaces and an RBAC-restricted kubeconfig per submission being graded.

The grader (admin) creates the submission's namespaces (provisioned like the learner's own: quota,
policies, pull secret), a ServiceAccount and a RoleBinding to the
built-in `admin` ClusterRole in each of them, nothing cluster-wide, then asks a short-lived token for it.
The submission's kernel only gets a kubeconfig with that token: it can do anything in its namespaces
and nothing anywhere else (other namespaces, cluster-scoped objects). `close` deletes the namespaces.
`fence` is the general form, also used for a cohort's learners (`grader.cohort`): any namespaces (`Space`:
labels, dev/prod type), an identity that may live in another namespace, a token of any lifetime.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.errors import ApiFailure
from grader.platform import ASSIGNMENT_LABEL, GRADING_LABEL, LEARNER_LABEL

SERVICE_ACCOUNT = "cpin-grader"
GRADING_MANAGER = "cpin-grading"  # field manager of the grading labels


@dataclass(frozen=True)
class Admin:
    """How the grader reaches the cluster with full rights."""
    kubeconfig: Path
    context: str


@dataclass(frozen=True)
class Fence:
    admin: Admin
    learner: str
    namespaces: tuple[str, ...]
    kubeconfig: Path          # the submission's restricted kubeconfig


def _api(admin: Admin):
    from grader.cluster import kubeconfig as kc
    return kc.api_client(admin.kubeconfig, admin.context)


def _ignore_conflict(call, *args, **kwargs):
    from kubernetes.client.exceptions import ApiException
    try:
        return call(*args, **kwargs)
    except ApiException as error:
        if error.status != 409:
            raise


@dataclass(frozen=True)
class Space:
    """One namespace of a fence, made like the console makes an environment, with its labels."""
    name: str
    labels: dict
    env_type: str = "dev"
    project: str | None = None        # None: the exercises' project
    env: str | None = None


def open_fence(admin: Admin, learner: str, namespaces: tuple[str, ...], kubeconfig: Path, *,
               context: str, assignment: str, token_seconds: int = 3600) -> Fence:
    """Create the namespaces and the fenced identity; write the submission's kubeconfig."""
    from grader import exercises

    if not namespaces:
        raise ValueError("a fence needs at least one namespace")
    spaces = [Space(ns, {**exercises.namespace_labels(ns), GRADING_LABEL: "true",  # as the learner had it, plus ours
                         ASSIGNMENT_LABEL: assignment[:63], LEARNER_LABEL: learner[:63]}) for ns in namespaces]
    try:
        fence(admin, spaces, kubeconfig, context=context, identity=(namespaces[0], SERVICE_ACCOUNT),
              token_seconds=token_seconds)
    except ApiFailure as error:
        raise ApiFailure(f"Impossible de préparer les espaces de noms de notation : {error.message_fr}",
                         status=error.status) from error
    return Fence(admin=admin, learner=learner, namespaces=tuple(namespaces), kubeconfig=kubeconfig)


def fence(admin: Admin, spaces: list[Space], kubeconfig: Path, *, context: str, identity: tuple[str, str],
          token_seconds: int, reconcile: bool = False, label_manager: str = GRADING_MANAGER) -> str | None:
    """Provision `spaces`, give the ServiceAccount `identity` (namespace, name; the namespace must exist or be
    one of the spaces) the `admin` role in each of them and nothing else, and write a kubeconfig holding a
    token of it; returns the token's expiry (RFC 3339). Idempotent."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    from grader.cluster import kubeconfig as kc
    from grader.cluster.envs import provision
    from grader.kube.client import Kube
    from grader.platform import EXERCISES_PROJECT

    home, account = identity
    try:
        with _api(admin) as api:
            core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
            kube = Kube(api)
            for space in spaces:
                provision(kube, space.name, env_type=space.env_type, project=space.project or EXERCISES_PROJECT,
                          env=space.env, labels=space.labels, label_manager=label_manager, reconcile=reconcile)
            _ignore_conflict(core.create_namespaced_service_account, home, {"metadata": {"name": account}})
            for space in spaces:
                _ignore_conflict(rbac.create_namespaced_role_binding, space.name, {
                    "metadata": {"name": account},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
                    "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": home}]})
            status = core.create_namespaced_service_account_token(account, home, {
                "spec": {"expirationSeconds": token_seconds}}).status
    except ApiException as error:
        raise ApiFailure(f"création de l'identité restreinte refusée ({error.reason}).",
                         status=error.status) from error
    admin_config = kc.load(admin.kubeconfig)
    ctx = next(c["context"] for c in admin_config["contexts"] if c["name"] == admin.context)
    cluster = next(c["cluster"] for c in admin_config["clusters"] if c["name"] == ctx["cluster"])
    user = f"{context}-{account}"
    kc.write(kubeconfig, {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": user, "user": {"token": status.token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": user,
                                                   "namespace": spaces[0].name}}],
        "current-context": context, "preferences": {}})
    stamp = status.expiration_timestamp
    return stamp.isoformat() if stamp is not None else None


def close(fence: Fence) -> None:
    """Delete the submission's namespaces (everything in them goes too); never raises."""
    from kubernetes import client

    try:
        with _api(fence.admin) as api:
            core = client.CoreV1Api(api)
            for ns in fence.namespaces:
                try:
                    core.delete_namespace(ns, propagation_policy="Background")
                except Exception:  # noqa: BLE001 - already gone, or the cluster went away
                    pass
    except Exception:  # noqa: BLE001
        pass


def leftovers(admin: Admin, assignment: str) -> list[str]:
    """Grading namespaces of `assignment` still present (an interrupted run)."""
    from kubernetes import client

    with _api(admin) as api:
        items = client.CoreV1Api(api).list_namespace(
            label_selector=f"{GRADING_LABEL}=true,{ASSIGNMENT_LABEL}={assignment}").items
    return [ns.metadata.name for ns in items if not ns.metadata.deletion_timestamp]


def sweep(admin: Admin, assignment: str) -> list[str]:
    """Delete what an interrupted run of `assignment` left behind; the names deleted."""
    names = leftovers(admin, assignment)
    if names:
        close(Fence(admin=admin, learner="", namespaces=tuple(names), kubeconfig=Path()))
    return names
