"""Live checks on workloads: a rollout that completes, and the events that explain why it does not
(quota, image, crash loop, scheduling, missing configuration, Pod Security).
"""
from __future__ import annotations

from grader.checks.base import CheckContext, Outcome
from grader.kube.client import Kube

# ------------------------------------------------------------------ rollout

def _conditions(obj: dict) -> dict[str, dict]:
    return {c.get("type"): c for c in (obj.get("status") or {}).get("conditions") or []}


def rollout_complete(ctx: CheckContext, params: dict) -> Outcome:
    kind, name = params["kind"], params["name"]
    obj = ctx.kube.get(kind, name, ctx.namespace)
    if obj is None:
        return Outcome.fail(f"{kind} « {name} » introuvable dans « {ctx.namespace} »", final=True)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    generation = obj["metadata"].get("generation", 0)
    observed = status.get("observedGeneration", 0)
    if kind == "DaemonSet":
        desired = status.get("desiredNumberScheduled", 0)
        updated, available = status.get("updatedNumberScheduled", 0), status.get("numberAvailable", 0)
        total = status.get("currentNumberScheduled", 0)
    else:
        desired = spec.get("replicas", 1)
        updated = status.get("updatedReplicas", 0)
        available = status.get("availableReplicas", status.get("readyReplicas", 0))
        total = status.get("replicas", 0)
        if kind == "StatefulSet" and status.get("updateRevision") != status.get("currentRevision"):
            updated = min(updated, status.get("currentReplicas", 0))
    evidence = {"objet": f"{kind}/{name}", "voulus": desired, "à jour": updated, "disponibles": available,
                "total": total, "génération": generation, "génération observée": observed}
    minimum = params.get("minReplicas", 0)
    if desired < minimum:
        return Outcome.fail(f"{desired} réplique(s) demandée(s), il en faut au moins {minimum}", evidence, final=True)
    if observed >= generation and updated >= desired and available >= desired and total == updated:
        unstable = _unstable_pods(ctx, spec) if "containers" in ctx.capabilities else []
        if not unstable:
            return Outcome.ok(f"déploiement terminé : {available}/{desired} réplique(s) disponible(s)", evidence)
        evidence["pods instables"] = [f"{pod} : {why}" for pod, why, _ in unstable]
        return Outcome.fail(f"{available}/{desired} réplique(s) disponible(s), mais " + unstable[0][1],
                            evidence, final=any(final for _, _, final in unstable))
    reasons = explain(ctx.kube, ctx.namespace, kind, name)
    conditions = _conditions(obj) if observed >= generation else {}  # not those of the previous spec
    progressing = conditions.get("Progressing", {})
    stuck = progressing.get("status") == "False" and progressing.get("reason") == "ProgressDeadlineExceeded"
    if conditions.get("ReplicaFailure", {}).get("status") == "True" and not reasons:
        # may come from an old ReplicaSet still being replaced: shown, but not a reason to stop waiting
        reasons = [("", conditions["ReplicaFailure"].get("message", "")[:300])]
    detail = f"{available}/{desired} réplique(s) disponible(s), {updated} à jour"
    if reasons:
        detail += " — " + " ; ".join(r for _, r in reasons)
        evidence["causes"] = [r for _, r in reasons]
    final = observed >= generation and (stuck or any(
        cause in ("quota", "image", "crashloop", "config", "security") for cause, _ in reasons))
    return Outcome.fail(detail, evidence, final=final)


STABLE_SECONDS = 5.0   # a real pod must stay Ready this long: a crashing container is Ready for an instant


def _unstable_pods(ctx: CheckContext, spec: dict) -> list[tuple[str, str, bool]]:
    """(pod, French reason, final) for the workload's real pods that restart or were Ready only just now.
    Only where containers really run: on simulated nodes, pods never restart."""
    import datetime as dt

    labels = ((spec.get("selector") or {}).get("matchLabels")) or {}
    if not labels:
        return []
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    now = dt.datetime.now(dt.timezone.utc)
    found = []
    for pod in ctx.kube.list("Pod", ctx.namespace, label_selector=selector):
        if pod["metadata"].get("deletionTimestamp"):
            continue
        name = pod["metadata"]["name"]
        status = pod.get("status") or {}
        for container in status.get("containerStatuses") or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") == "CrashLoopBackOff":
                found.append((name, f"le conteneur {container['name']} redémarre en boucle", True))
                break
            if container.get("restartCount", 0) > 0:
                found.append((name, f"le conteneur {container['name']} a redémarré "
                                    f"{container['restartCount']} fois", False))
                break
        else:
            ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
            since = ready.get("lastTransitionTime")
            if since:
                moment = dt.datetime.fromisoformat(str(since).replace("Z", "+00:00"))
                if (now - moment).total_seconds() < STABLE_SECONDS:
                    found.append((name, "pod prêt depuis moins de 5 s (stabilité en cours de vérification)",
                                  False))
    return found


# ------------------------------------------------------------------ events that explain a failure

def _classify(reason: str, message: str) -> str | None:
    text = message.lower()
    if "exceeded quota" in text or "forbidden: exceeded" in text:
        return "quota"
    if reason in ("ErrImagePull", "ImagePullBackOff", "InspectFailed", "ErrImageNeverPull") or \
            ("image" in text and ("pull" in text or "not found" in text)):
        return "image"
    if reason == "BackOff" and "restarting failed container" in text or reason == "CrashLoopBackOff":
        return "crashloop"
    if reason == "FailedScheduling":
        return "scheduling"
    if reason == "FailedCreate" and "violates podsecurity" in text:
        return "security"
    if reason in ("FailedMount", "CreateContainerConfigError") or \
            ("not found" in text and ("configmap" in text or "secret" in text)):
        return "config"
    return None


_CAUSE_FR = {
    "quota": "quota de l'espace de noms dépassé",
    "image": "image impossible à récupérer",
    "crashloop": "le conteneur redémarre en boucle",
    "scheduling": "aucun nœud ne peut accueillir le pod",
    "config": "ConfigMap ou Secret manquant pour démarrer le conteneur",
    "security": "pods refusés par l'admission Pod Security de l'espace de noms",
}


_REVISION = "deployment.kubernetes.io/revision"


def _owned(items: list[dict], owners: set[str]) -> list[dict]:
    return [i for i in items if any(r.get("uid") in owners for r in i["metadata"].get("ownerReferences") or [])]


def involved(kube: Kube, namespace: str, kind: str, name: str) -> list[dict]:
    """The object, the ReplicaSets/Pods it owns now (current objects only: old failures are gone; for a
    Deployment, only the ReplicaSet of its current revision and its pods)."""
    obj = kube.get(kind, name, namespace)
    if obj is None:
        return []
    found = [obj]
    owners = {obj["metadata"]["uid"]}
    if kind == "Deployment":
        revision = (obj["metadata"].get("annotations") or {}).get(_REVISION)
        sets = [s for s in _owned(kube.list("ReplicaSet", namespace, record=False), owners)
                if (s["metadata"].get("annotations") or {}).get(_REVISION) == revision]  # the current one only
        found += sets
        owners |= {s["metadata"]["uid"] for s in sets}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        found += _owned(kube.list("Pod", namespace), owners)
    return found


def explain(kube: Kube, namespace: str, kind: str, name: str) -> list[tuple[str, str]]:
    """(cause, French sentence) for what keeps a workload from running, from events and pod states."""
    objects = involved(kube, namespace, kind, name)
    uids = {o["metadata"]["uid"] for o in objects}
    found: dict[str, str] = {}
    for event in kube.list("Event", namespace, record=False):
        if (event.get("involvedObject") or {}).get("uid") not in uids or event.get("type") != "Warning":
            continue
        cause = _classify(event.get("reason", ""), event.get("message", ""))
        if cause and cause not in found:
            target = event["involvedObject"]
            message = event.get("message", "").strip()[:200]
            if cause == "security":  # what the pod lacks is long and is the point: keep it all
                text = event.get("message", "")
                message = text[text.find("violates PodSecurity"):].strip()[:600]
            found[cause] = f"{_CAUSE_FR[cause]} ({target.get('kind')} « {target.get('name')} » : {message})"
    for pod in (o for o in objects if o.get("kind") == "Pod"):
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (status.get("state") or {}).get("waiting") or {}
            cause = _classify(waiting.get("reason", ""), waiting.get("message", "") + " " + waiting.get("reason", ""))
            if waiting.get("reason") in ("ImagePullBackOff", "ErrImagePull"):
                cause = "image"
            if cause and cause not in found:
                found[cause] = f"{_CAUSE_FR[cause]} (Pod « {pod['metadata']['name']} » : {waiting.get('reason')})"
    return list(found.items())


def events_explain(ctx: CheckContext, params: dict) -> Outcome:
    kind, name = params["kind"], params["name"]
    causes = set(params.get("causes") or _CAUSE_FR)
    if ctx.kube.get(kind, name, ctx.namespace) is None:
        return Outcome.fail(f"{kind} « {name} » introuvable dans « {ctx.namespace} »", final=True)
    found = [(c, text) for c, text in explain(ctx.kube, ctx.namespace, kind, name) if c in causes]
    evidence = {"objet": f"{kind}/{name}", "causes": [text for _, text in found]}
    if params["expect"] == "absent":
        if found:
            return Outcome.fail(" ; ".join(text for _, text in found), evidence)
        return Outcome.ok("aucun événement d'échec sur les objets actuels", evidence)
    if found:
        return Outcome.ok(" ; ".join(text for _, text in found), evidence)
    return Outcome.fail("aucun événement n'explique encore un échec", evidence)
