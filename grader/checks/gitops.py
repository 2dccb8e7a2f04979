"""GitOps checks, on a real Argo CD: an Application Synced and Healthy at its infra repo's HEAD, objects
written by Argo CD only (rule 31: no manual change in the cluster), and self-heal reverting a drift the
check makes itself.

Every verdict comes from the Application's `status`, the objects' `managedFields` and git (`ls-remote`),
never from what the learner says.
"""
from __future__ import annotations

import time

from grader import gitops
from grader.checks.base import CheckContext, Outcome
from grader.errors import ToolFailed

ARGOCD_MANAGER = "argocd-controller"
# Field managers of the cluster's own controllers (they write status and bookkeeping, not the learner's spec).
SYSTEM_MANAGERS = ("argocd-controller", "kube-controller-manager", "kube-scheduler", "kube-apiserver", "kwok")
DRIFT_MANAGER = "cpin-drift"


def _app(ctx: CheckContext, params: dict) -> tuple[dict | None, Outcome | None]:
    """The Application named by `params["app"]`, else the one deploying into the check's namespace."""
    name = params.get("app")
    if name:
        app = ctx.kube.get("Application", name, gitops.NAMESPACE, api_version=gitops.GROUP_VERSION)
    else:
        apps = [a for a in gitops.list_apps(ctx.kube)
                if ((a.get("spec") or {}).get("destination") or {}).get("namespace") == ctx.namespace]
        app = apps[0] if len(apps) == 1 else None
        name = f"qui déploie dans {ctx.namespace}" + (f" ({len(apps)} trouvées : précisez-la)" if apps else "")
    if app is None:
        return None, Outcome.fail(f"Application « {name} » introuvable dans le namespace {gitops.NAMESPACE} "
                                  "(`cpin env create` la crée)", final=True)
    return app, None


def head_of(repo_url: str, revision: str) -> str | None:
    """The commit `revision` (HEAD, a branch or a tag) names in the repository now; None if it names nothing."""
    from grader.services.forge import git

    if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision):
        return revision
    wanted = "HEAD" if revision in ("", "HEAD") else revision
    out = git("ls-remote", repo_url, wanted, f"refs/heads/{wanted}", f"refs/tags/{wanted}", timeout=15)
    for line in out.splitlines():
        sha, ref = line.split("\t", 1)
        if ref in (wanted, f"refs/heads/{wanted}", f"refs/tags/{wanted}"):
            return sha
    return None


def app_synced(ctx: CheckContext, params: dict) -> Outcome:
    """The Application is Synced and Healthy, compared at the commit its target revision names in git now."""
    app, missing = _app(ctx, params)
    if missing:
        return missing
    s = gitops.summary(app)
    evidence = {"application": s.name, "sync": s.sync, "santé": s.health, "révision": s.revision[:12]}
    try:
        head = head_of(s.repo, s.target)
    except ToolFailed as error:
        return Outcome.fail(f"dépôt d'infra illisible ({s.repo}) : {error.output.strip()[-200:]}", evidence)
    if head is None:
        return Outcome.fail(f"la révision « {s.target} » n'existe pas dans {s.repo} (dépôt vide ou branche "
                            "absente : poussez-y le chart)", evidence, final=True)
    evidence["HEAD du dépôt"] = head[:12]
    errors = [c for c in s.conditions if "Error" in c.split(":", 1)[0]]
    if errors:
        return Outcome.fail("Argo CD ne peut pas comparer l'application à git : " + " ; ".join(errors)[:400], evidence)
    if s.revision != head:
        return Outcome.fail(f"Argo CD en est à la révision {s.revision[:8] or '(aucune)'}, le dépôt à {head[:8]} : "
                            "rafraîchissez (`cpin argocd refresh`) puis synchronisez", evidence)
    if s.sync != "Synced":
        drift = [f"{r.get('kind')}/{r.get('name')}" for r in s.resources if r.get("status") != "Synced"]
        return Outcome.fail(f"{s.sync} : " + (", ".join(drift) or "pas encore synchronisée")
                            + " (`cpin argocd diff`, puis SYNC : `cpin argocd sync`)", evidence,
                            final=gitops.left_out_of_sync(s, head, in_flight=bool(app.get("operation"))))
    if s.health != "Healthy":
        sick = [f"{r.get('kind')}/{r.get('name')} {(r.get('health') or {}).get('status')}"
                + (f" ({(r.get('health') or {}).get('message')})" if (r.get("health") or {}).get("message") else "")
                for r in s.resources if (r.get("health") or {}).get("status") not in (None, "Healthy")]
        return Outcome.fail(f"synchronisée mais {s.health} : " + ", ".join(sick)[:400], evidence)
    return Outcome.ok(f"{s.name} : Synced et Healthy à la révision {head[:8]} du dépôt", evidence)


def hand_edits(obj: dict) -> list[str]:
    """Field managers other than Argo CD and the cluster's controllers that wrote the object (pure)."""
    found = []
    for entry in obj.get("metadata", {}).get("managedFields") or []:
        manager = entry.get("manager", "")
        if entry.get("subresource") or manager.startswith(SYSTEM_MANAGERS):
            continue
        found.append(f"{manager} ({entry.get('operation', '?')} {entry.get('time', '')})".strip())
    return found


def app_managed(ctx: CheckContext, params: dict) -> Outcome:
    """Every object of the Application carries Argo CD's tracking and was written by Argo CD only."""
    app, missing = _app(ctx, params)
    if missing:
        return missing
    s = gitops.summary(app)
    if not s.resources:
        return Outcome.fail(f"{s.name} ne gère encore aucun objet (synchronisez-la)", final=False)
    problems, seen = [], []
    for res in s.resources:
        kind, name, ns = res.get("kind"), res.get("name"), res.get("namespace")
        api_version = f"{res['group']}/{res['version']}" if res.get("group") else res.get("version", "v1")
        obj = ctx.kube.get(kind, name, ns or None, api_version=api_version)
        label = f"{kind}/{name}"
        if obj is None:
            problems.append(f"{label} absent du cluster")
            continue
        seen.append(label)
        meta = obj.get("metadata") or {}
        tracking = (meta.get("annotations") or {}).get("argocd.argoproj.io/tracking-id", "")
        if not tracking.startswith(f"{s.name}:") and (meta.get("labels") or {}).get(
                "app.kubernetes.io/instance") != s.name:
            problems.append(f"{label} ne porte pas le suivi d'Argo CD")
        edits = hand_edits(obj)
        if edits:
            problems.append(f"{label} modifié hors d'Argo CD par " + ", ".join(edits))
    evidence = {"application": s.name, "objets": seen}
    if problems:
        return Outcome.fail("règle 31 (pas de changement manuel dans le cluster) : " + " ; ".join(problems)[:500]
                            + ". Corrigez dans git et resynchronisez (les objets modifiés à la main se recréent "
                            "en les supprimant : Argo CD les réapplique).", evidence, final=True)
    return Outcome.ok(f"{len(seen)} objet(s), tous écrits par Argo CD seul", evidence)


def self_heal(ctx: CheckContext, params: dict) -> Outcome:
    """Make a drift on a Deployment (replicas) or ConfigMap (a value) of the Application; Argo CD must revert it."""
    app, missing = _app(ctx, params)
    if missing:
        return missing
    s = gitops.summary(app)
    automated = ((app.get("spec") or {}).get("syncPolicy") or {}).get("automated") or {}
    if not automated.get("selfHeal"):
        return Outcome.fail(f"l'auto-réparation de {s.name} est désactivée (syncPolicy.automated.selfHeal) : "
                            "aucune dérive n'a été créée", final=True)
    kinds = (params["kind"],) if params.get("kind") else ("Deployment", "ConfigMap")
    res = next((r for r in s.resources if r.get("kind") in kinds
                and (not params.get("name") or r.get("name") == params["name"])), None)
    if res is None:
        return Outcome.fail(f"{s.name} ne gère aucun objet {'/'.join(kinds)} sur lequel tester l'auto-réparation",
                            final=True)
    kind, name, ns = res["kind"], res["name"], res.get("namespace")
    obj = ctx.kube.get(kind, name, ns)
    if obj is None:
        return Outcome.fail(f"{kind}/{name} absent du cluster", final=True)
    if kind == "Deployment":
        before = (obj.get("spec") or {}).get("replicas", 1)
        patch, read = {"spec": {"replicas": before + 1}}, lambda o: (o.get("spec") or {}).get("replicas", 1)
    else:
        data = obj.get("data") or {}
        if not data:
            return Outcome.fail(f"ConfigMap {name} sans données : rien à faire dériver", final=True)
        key = sorted(data)[0]
        before = data[key]
        patch, read = {"data": {key: before + "-derive"}}, lambda o: (o.get("data") or {}).get(key)
    path = ctx.kube.resource(kind).path(ns, name)
    ctx.kube.request("PATCH", path, query=[("fieldManager", DRIFT_MANAGER)], body=patch,
                     content_type="application/merge-patch+json", what=f"dérive de {kind}/{name}")
    budget = float(params.get("seconds", 45))
    deadline = time.monotonic() + min(budget, max(ctx.remaining(), 1.0))
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = ctx.kube.get(kind, name, ns)
        if now is not None and read(now) == before:
            return Outcome.ok(f"dérive de {kind}/{name} annulée par Argo CD (auto-réparation)",
                              {"objet": f"{kind}/{name}", "valeur de git": before})
    ctx.kube.request("PATCH", path, query=[("fieldManager", DRIFT_MANAGER)],
                     body={"spec": {"replicas": before}} if kind == "Deployment" else {"data": {key: before}},
                     content_type="application/merge-patch+json", what=f"retour de {kind}/{name}")
    return Outcome.fail(f"Argo CD n'a pas annulé la dérive de {kind}/{name} en {budget:.0f} s "
                        "(le contrôleur tourne-t-il ? `cpin platform status argocd`) ; le contrôle a remis la valeur",
                        final=True)
