"""Live checks against the learner's namespace: each is `fn(ctx, params) -> Outcome` and looks once.

Polling, timeouts and retries are done by `grader.checks.base.wait_until`; hidden checks have their
details replaced by the runner. A failure that waiting cannot fix (the learner's object says
something else) is `final`, so a wrong answer does not wait for the whole budget.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from grader.checks._kube import Kube, policy_of, warning_fr
from grader.checks.base import CheckContext, Outcome
from grader.errors import ApiFailure, InputError
from grader.results import Status

# ------------------------------------------------------------------ dotted paths

_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[([^\]]+)\]")
_MISSING = object()


def parse_path(path: str) -> list:
    """`spec.containers[0].image`, `containers[name=web]`, `metadata.labels[app.kubernetes.io/name]`."""
    tokens: list = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if not match or match.end() == pos:
            raise InputError(f"Chemin « {path} » illisible à la position {pos}.")
        name, bracket = match.groups()
        if name is not None:
            tokens.append(name)
        elif bracket.lstrip("-").isdigit():
            tokens.append(int(bracket))
        elif "=" in bracket:
            key, _, value = bracket.partition("=")
            tokens.append((key, value))
        else:
            tokens.append(bracket)
        pos = match.end()
    return tokens


def lookup(obj: Any, path: str) -> Any:
    """Value at `path` in `obj`, or `_MISSING`."""
    node = obj
    for token in parse_path(path):
        if isinstance(token, int):
            node = node[token] if isinstance(node, list) and -len(node) <= token < len(node) else _MISSING
        elif isinstance(token, tuple):
            key, value = token
            node = next((item for item in node if isinstance(item, dict) and str(item.get(key)) == value),
                        _MISSING) if isinstance(node, list) else _MISSING
        else:
            node = node.get(token, _MISSING) if isinstance(node, dict) else _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _quantity(value: Any):
    from kubernetes.utils import parse_quantity
    return parse_quantity(value)


def matches(actual: Any, expected: Any) -> bool:
    """Does `actual` satisfy `expected`? Scalars compare equal (quantities by value); a dict is an
    operator: `exists`, `oneOf`, `min`, `max`, `contains`, `matches`."""
    if isinstance(expected, dict) and expected and set(expected) <= {"exists", "oneOf", "min", "max", "contains",
                                                                      "matches"}:
        if "exists" in expected and (actual is not _MISSING) != bool(expected["exists"]):
            return False
        if actual is _MISSING:
            return "exists" in expected and not expected["exists"]
        if "oneOf" in expected and not any(matches(actual, e) for e in expected["oneOf"]):
            return False
        try:
            if "min" in expected and _quantity(actual) < _quantity(expected["min"]):
                return False
            if "max" in expected and _quantity(actual) > _quantity(expected["max"]):
                return False
        except (ValueError, TypeError):
            return False
        if "contains" in expected and not (isinstance(actual, (str, list, dict)) and expected["contains"] in actual):
            return False
        if "matches" in expected and not re.fullmatch(expected["matches"], str(actual)):
            return False
        return True
    if actual is _MISSING:
        return False
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if actual == expected:
        return True
    if isinstance(expected, (str, int, float)) and isinstance(actual, (str, int, float)) \
            and not isinstance(expected, bool) and not isinstance(actual, bool):
        try:
            return _quantity(actual) == _quantity(expected)
        except (ValueError, TypeError):
            return str(actual) == str(expected)
    return False


def _show(value: Any) -> str:
    return "absent" if value is _MISSING else repr(value) if not isinstance(value, str) else f"« {value} »"


def _summary(obj: dict, paths) -> dict:
    """Learner-facing evidence: the object's identity and the values looked at."""
    meta = obj.get("metadata", {})
    out = {"objet": f"{obj.get('kind')}/{meta.get('name')}"}
    for path in paths:
        value = lookup(obj, path)
        out[path] = None if value is _MISSING else value
    return out


# ------------------------------------------------------------------ object exists and fields match

def object_matches(ctx: CheckContext, params: dict) -> Outcome:
    kind, name = params["kind"], params["name"]
    obj = ctx.kube.get(kind, name, ctx.namespace, params.get("apiVersion", ""))
    if params.get("absent"):
        return Outcome.ok(f"{kind} « {name} » absent, comme attendu") if obj is None else \
            Outcome.fail(f"{kind} « {name} » existe encore")
    if obj is None:
        return Outcome.fail(f"{kind} « {name} » introuvable dans l'espace de noms « {ctx.namespace} »", final=True)
    expect = params.get("expect") or {}
    wrong = [(path, lookup(obj, path)) for path, want in expect.items() if not matches(lookup(obj, path), want)]
    evidence = _summary(obj, expect)
    if not wrong:
        return Outcome.ok(f"{kind} « {name} » conforme", evidence)
    details = "; ".join(f"« {p} » vaut {_show(v)} (attendu : {_show(expect[p])})" for p, v in wrong)
    final = not any(p.startswith("status") for p, _ in wrong)
    return Outcome.fail(details, evidence, final=final)


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
        return Outcome.ok(f"déploiement terminé : {available}/{desired} réplique(s) disponible(s)", evidence)
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


# ------------------------------------------------------------------ Service endpoints

def _selector_text(selector: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _container_ports(pod: dict) -> list[dict]:
    return [p for c in (pod.get("spec") or {}).get("containers") or [] for p in c.get("ports") or []]


def service_endpoints(ctx: CheckContext, params: dict) -> Outcome:
    name = params["name"]
    service = ctx.kube.get("Service", name, ctx.namespace)
    if service is None:
        return Outcome.fail(f"Service « {name} » introuvable dans « {ctx.namespace} »", final=True)
    spec = service.get("spec") or {}
    selector = spec.get("selector") or {}
    ports = spec.get("ports") or []
    want_port = params.get("port")
    if want_port is not None and not any(want_port in (p.get("port"), p.get("name")) for p in ports):
        return Outcome.fail(f"le Service n'expose pas le port {want_port}",
                            {"ports": [p.get("port") for p in ports]}, final=True)
    if not selector:
        return Outcome.fail("le Service n'a pas de sélecteur (spec.selector) : il ne choisit aucun pod", final=True)
    pods = ctx.kube.list("Pod", ctx.namespace, label_selector=_selector_text(selector))
    evidence: dict[str, Any] = {"sélecteur": selector, "pods choisis": [p["metadata"]["name"] for p in pods]}
    if not pods:
        others = {p["metadata"]["name"]: p["metadata"].get("labels") or {}
                  for p in ctx.kube.list("Pod", ctx.namespace, record=False)}
        evidence["pods présents"] = others
        coming = [w for kind in ("Deployment", "StatefulSet", "DaemonSet")
                  for w in ctx.kube.list(kind, ctx.namespace, record=False)
                  if selector.items() <= ((((w.get("spec") or {}).get("template") or {}).get("metadata") or {})
                                          .get("labels") or {}).items()]
        return Outcome.fail(f"aucun pod ne porte les étiquettes {_selector_text(selector)}", evidence,
                            final=not coming)  # no workload will ever make such pods
    for port in ports:
        target = port.get("targetPort", port.get("port"))
        declared = _container_ports(pods[0])
        if isinstance(target, str) and not any(p.get("name") == target for p in declared):
            return Outcome.fail(f"targetPort « {target} » : aucun port de conteneur ne porte ce nom", evidence,
                                final=True)
        if isinstance(target, int) and declared and not any(p.get("containerPort") == target for p in declared):
            return Outcome.fail(f"targetPort {target} ne correspond à aucun containerPort "
                                f"({', '.join(str(p.get('containerPort')) for p in declared)})", evidence, final=True)
    slices = ctx.kube.list("EndpointSlice", ctx.namespace, label_selector=f"kubernetes.io/service-name={name}")
    pod_names = {p["metadata"]["name"] for p in pods}
    ready = sorted({(e.get("targetRef") or {}).get("name", "?") for s in slices for e in s.get("endpoints") or []
                    if (e.get("conditions") or {}).get("ready", True)})
    evidence["points d'accès prêts"] = ready
    stray = [r for r in ready if r not in pod_names]
    minimum = params.get("minReady", 1)
    if len(ready) >= minimum and not stray:
        return Outcome.ok(f"{len(ready)} pod(s) prêt(s) derrière le Service", evidence)
    if stray:
        return Outcome.fail(f"points d'accès hors sélection : {', '.join(stray)}", evidence)
    return Outcome.fail(f"{len(ready)} pod(s) prêt(s) derrière le Service, il en faut au moins {minimum}", evidence)


# ------------------------------------------------------------------ Ingress routes to the Service

def ingress_routes(ctx: CheckContext, params: dict) -> Outcome:
    name, service_name = params["name"], params["service"]
    host, path, port = params.get("host"), params.get("path"), params.get("port")
    ingress = ctx.kube.get("Ingress", name, ctx.namespace)
    if ingress is None:
        return Outcome.fail(f"Ingress « {name} » introuvable dans « {ctx.namespace} »", final=True)
    routes = []
    spec = ingress.get("spec") or {}
    if spec.get("defaultBackend"):
        routes.append(("*", "/", spec["defaultBackend"]))
    for rule in spec.get("rules") or []:
        for item in ((rule.get("http") or {}).get("paths") or []):
            routes.append((rule.get("host", "*"), item.get("path", "/"), item.get("backend") or {}))
    shown = [f"{h}{p} → {(b.get('service') or {}).get('name')}" for h, p, b in routes]
    evidence = {"objet": f"Ingress/{name}", "routes": shown}
    candidates = [(h, p, (b.get("service") or {})) for h, p, b in routes
                  if (host is None or h == host) and (path is None or p == path)]
    if not candidates:
        where = f"l'hôte « {host} »" if host else "cet Ingress"
        return Outcome.fail(f"aucune route pour {where}" + (f" et le chemin « {path} »" if path else ""), evidence,
                            final=True)
    hits = [s for _, _, s in candidates if s.get("name") == service_name]
    if not hits:
        return Outcome.fail(f"la route mène à « {candidates[0][2].get('name')} », pas au Service « {service_name} »",
                            evidence, final=True)
    backend_port = (hits[0].get("port") or {})
    backend_port = backend_port.get("number", backend_port.get("name"))
    if port is not None and backend_port != port:
        return Outcome.fail(f"la route vise le port {backend_port}, pas {port}", evidence, final=True)
    service = ctx.kube.get("Service", service_name, ctx.namespace)
    if service is None:
        return Outcome.fail(f"le Service « {service_name} » visé par l'Ingress n'existe pas", evidence, final=True)
    service_ports = (service.get("spec") or {}).get("ports") or []
    if not any(backend_port in (p.get("port"), p.get("name")) for p in service_ports):
        return Outcome.fail(f"le Service « {service_name} » n'expose pas le port {backend_port}", evidence, final=True)
    return Outcome.ok(f"l'Ingress mène au Service « {service_name} » (port {backend_port})", evidence)


# ------------------------------------------------------------------ referenced ConfigMaps and Secrets

def references(pod_spec: dict) -> list[tuple[str, str, str | None, bool]]:
    """(kind, name, key or None, optional) of every ConfigMap/Secret a pod spec uses."""
    refs = []
    for container in (pod_spec.get("containers") or []) + (pod_spec.get("initContainers") or []):
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if field in source:
                    ref = source[field]
                    refs.append((kind, ref.get("name", ""), ref.get("key"), bool(ref.get("optional"))))
        for env_from in container.get("envFrom") or []:
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if field in env_from:
                    ref = env_from[field]
                    refs.append((kind, ref.get("name", ""), None, bool(ref.get("optional"))))
    for volume in pod_spec.get("volumes") or []:
        if "configMap" in volume:
            refs.append(("ConfigMap", volume["configMap"].get("name", ""), None, bool(volume["configMap"].get("optional"))))
        if "secret" in volume:
            refs.append(("Secret", volume["secret"].get("secretName", ""), None, bool(volume["secret"].get("optional"))))
        for source in (volume.get("projected") or {}).get("sources") or []:
            for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                if field in source:
                    refs.append((kind, source[field].get("name", ""), None, bool(source[field].get("optional"))))
    for secret in pod_spec.get("imagePullSecrets") or []:
        refs.append(("Secret", secret.get("name", ""), None, False))
    return list(dict.fromkeys(refs))


def refs_exist(ctx: CheckContext, params: dict) -> Outcome:
    kind, name = params["kind"], params["name"]
    obj = ctx.kube.get(kind, name, ctx.namespace)
    if obj is None:
        return Outcome.fail(f"{kind} « {name} » introuvable dans « {ctx.namespace} »", final=True)
    pod_spec = (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}
    refs = [r for r in references(pod_spec) if not r[3]]
    missing = []
    for ref_kind, ref_name, key, _ in refs:
        target = ctx.kube.get(ref_kind, ref_name, ctx.namespace)
        if target is None:
            missing.append(f"{ref_kind} « {ref_name} » absent")
        elif key and key not in (target.get("data") or {}) and key not in (target.get("binaryData") or {}):
            missing.append(f"clé « {key} » absente du {ref_kind} « {ref_name} »")
    evidence = {"objet": f"{kind}/{name}", "références": [f"{k}/{n}" + (f"[{key}]" if key else "")
                                                          for k, n, key, _ in refs]}
    if missing:
        return Outcome.fail("; ".join(missing), evidence, final=True)
    if not refs:
        return Outcome.ok("aucune ConfigMap ni aucun Secret référencé", evidence)
    return Outcome.ok(f"{len(refs)} référence(s) présente(s)", evidence)


# ------------------------------------------------------------------ RBAC through SubjectAccessReview

def rbac_allows(ctx: CheckContext, params: dict) -> Outcome:
    if "serviceAccount" in params:
        user = f"system:serviceaccount:{ctx.namespace}:{params['serviceAccount']}"
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{ctx.namespace}", "system:authenticated"]
    else:
        user, groups = params["user"], list(params.get("groups") or ["system:authenticated"])
    attributes = {"namespace": ctx.namespace, "verb": params["verb"], "resource": params["resource"],
                  "group": params.get("group", "")}
    for key in ("subresource", "name"):
        if params.get(key):
            attributes[key] = params[key]
    review = ctx.kube.create({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                              "spec": {"user": user, "groups": groups, "resourceAttributes": attributes}})
    allowed = bool((review.get("status") or {}).get("allowed"))
    action = f"« {params['verb']} » sur « {params['resource']}" + (f"/{params['subresource']}" if params.get(
        "subresource") else "") + " »"
    evidence = {"sujet": user, "action": action, "autorisé": allowed,
                "raison": (review.get("status") or {}).get("reason", "")}
    if allowed == params["allowed"]:
        return Outcome.ok(f"{user} {'peut' if allowed else 'ne peut pas'} faire {action}", evidence)
    return Outcome.fail(f"{user} {'peut' if allowed else 'ne peut pas'} faire {action}", evidence)


# ------------------------------------------------------------------ quota usage

def quota_usage(ctx: CheckContext, params: dict) -> Outcome:
    if params.get("name"):
        quota = ctx.kube.get("ResourceQuota", params["name"], ctx.namespace)
        if quota is None:
            return Outcome.fail(f"ResourceQuota « {params['name']} » introuvable dans « {ctx.namespace} »", final=True)
        quotas = [quota]
    else:
        quotas = ctx.kube.list("ResourceQuota", ctx.namespace)
    if not quotas:
        return Outcome.fail(f"aucun ResourceQuota dans « {ctx.namespace} »")
    hard: dict[str, Any] = {}
    used: dict[str, Any] = {}
    for quota in quotas:
        hard.update((quota.get("status") or {}).get("hard") or (quota.get("spec") or {}).get("hard") or {})
        used.update((quota.get("status") or {}).get("used") or {})
    problems = []
    for resource, rules in params["expect"].items():
        have_hard, have_used = hard.get(resource), used.get(resource)
        if have_hard is None:
            problems.append(f"aucune limite « {resource} » dans le quota")
            continue
        if "hard" in rules and not matches(have_hard, rules["hard"]):
            problems.append(f"limite « {resource} » = {have_hard} (attendu : {rules['hard']})")
        if "hardMax" in rules and _quantity(have_hard) > _quantity(rules["hardMax"]):
            problems.append(f"limite « {resource} » = {have_hard}, au-delà de {rules['hardMax']}")
        if have_used is None and any(k in rules for k in ("usedMin", "usedMax", "belowHard")):
            problems.append(f"consommation « {resource} » pas encore calculée")
            continue
        if "usedMin" in rules and _quantity(have_used) < _quantity(rules["usedMin"]):
            problems.append(f"consommation « {resource} » = {have_used}, moins que {rules['usedMin']}")
        if "usedMax" in rules and _quantity(have_used) > _quantity(rules["usedMax"]):
            problems.append(f"consommation « {resource} » = {have_used}, plus que {rules['usedMax']}")
        if rules.get("belowHard") and _quantity(have_used) >= _quantity(have_hard):
            problems.append(f"consommation « {resource} » = {have_used} : la limite {have_hard} est atteinte")
    evidence = {"limites": hard, "consommé": used}
    if problems:
        return Outcome.fail("; ".join(problems), evidence)
    return Outcome.ok("quota conforme", evidence)


# ------------------------------------------------------------------ the learner's namespace

LABELS_MANAGER = "cpin-exercise-labels"  # field manager of the labels exercises ask for (`namespaceLabels`)


def provision_namespace(kube: Kube, namespace: str, env_type: str = "dev") -> dict[str, str]:
    """Create the learner's namespace like a platform environment if absent (`ensure_namespace`), then give it
    the labels its exercises ask for (`namespaceLabels`, e.g. Pod Security `restricted`). Returns those labels.

    The labels are applied before anything else can be created in it, and again whenever they are missing
    (a namespace made before the exercise asked for them), under their own field manager.
    """
    from grader import exercises as registry
    from grader.checks._kube import ensure_namespace
    wanted = registry.namespace_labels(namespace)
    ensure_namespace(kube, namespace, env_type)
    if not wanted:
        return wanted
    current = ((kube.get("Namespace", namespace) or {}).get("metadata") or {}).get("labels") or {}
    if any(current.get(key) != value for key, value in wanted.items()):
        try:
            kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": wanted}},
                       None, field_manager=LABELS_MANAGER)
        except ApiFailure as error:
            if error.status != 403:
                raise
            raise ApiFailure(f"L'espace de noms « {namespace} » n'a pas les étiquettes que ses exercices demandent ("
                             + ", ".join(f"{k}={v}" for k, v in wanted.items()) + ") et ce compte ne peut pas les "
                             "poser.", status=403, hint_fr="Celui qui crée l'espace de noms doit les poser : "
                             "grader.checks.kube.provision_namespace.") from error
    return wanted


# ------------------------------------------------------------------ manifests, apply and policy warnings

_WRITE_HINT = ("Écrivez votre manifeste YAML (qui commence par « apiVersion: » et « kind: ») dans la cellule "
               "%%writefile, exécutez-la, puis relancez apply().")


def _shown(value) -> str:
    text = " ".join(str(value).split())
    return text[:60] + ("…" if len(text) > 60 else "")


def load_documents(path_or_text: str | Path, base: Path | None = None) -> tuple[str, list[dict]]:
    """(source label, objects) from a file path or YAML text; a French `InputError` for anything that is
    not a list of Kubernetes objects (empty text or file, bad YAML, a document that is not an object,
    a missing kind/apiVersion/metadata.name)."""
    text, source = None, getattr(path_or_text, "source", "texte")
    if not isinstance(path_or_text, (str, Path)):
        raise InputError(f"apply() attend un chemin de fichier ou du texte YAML, pas {type(path_or_text).__name__}.",
                         hint_fr="Par exemple : apply(\"exercice/deployment.yaml\", exercise=\"exercice\").")
    if isinstance(path_or_text, str) and not path_or_text.strip():
        what = "le texte ou le chemin donné" if source == "texte" else f"le {source}"
        raise InputError(f"Rien à appliquer : {what} est vide.",
                         hint_fr="Donnez le chemin du fichier écrit par la cellule %%writefile, par exemple "
                                 "apply(\"exercice/deployment.yaml\", exercise=\"exercice\").")
    if isinstance(path_or_text, Path) or ("\n" not in str(path_or_text) and ":" not in str(path_or_text)):
        path = Path(path_or_text)
        path = path if path.is_absolute() or base is None else base / path
        if not path.is_file():
            raise InputError(f"Fichier « {path_or_text} » introuvable.",
                             hint_fr="Vérifiez le chemin (relatif au dossier du notebook) et exécutez d'abord la "
                                     "cellule %%writefile qui l'écrit.")
        from grader.files import read_text
        text, source = read_text(path, shown=f"Fichier « {path_or_text} »"), str(path_or_text)
    else:
        text = str(path_or_text)
    from grader.rules.yamlload import safe_load_all
    docs = safe_load_all(text, source)
    if not docs:
        raise InputError(f"{source} : aucun objet Kubernetes (vide, ou seulement des commentaires).", hint_fr=_WRITE_HINT)
    objects = []
    for number, doc in enumerate(docs, 1):
        if isinstance(doc, dict) and doc.get("kind") == "List":
            objects.extend((number, item) for item in doc.get("items") or [])
        elif isinstance(doc, dict):
            objects.append((number, doc))
        else:
            raise InputError(f"{source} : le document n° {number} n'est pas un objet Kubernetes (des lignes "
                             f"« clé: valeur » sont attendues) ; on y lit : « {_shown(doc)} ».", hint_fr=_WRITE_HINT)
    for number, obj in objects:
        if not isinstance(obj, dict):
            raise InputError(f"{source} : un élément de la liste du document n° {number} n'est pas un objet.")
        meta = obj.get("metadata")
        missing = [key for key, ok in (("kind", isinstance(obj.get("kind"), str) and obj.get("kind")),
                                       ("apiVersion", isinstance(obj.get("apiVersion"), str) and obj.get("apiVersion")),
                                       ("metadata.name", isinstance(meta, dict) and meta.get("name")))
                   if not ok]
        if missing:
            what = f"{obj.get('kind')} " if isinstance(obj.get("kind"), str) else ""
            raise InputError(f"{source} : l'objet {what}du document n° {number} n'a pas de "
                             + ", ni de ".join(f"« {m} »" for m in missing) + ".",
                             hint_fr="Chaque objet déclare apiVersion, kind et metadata.name.")
    return source, [obj for _, obj in objects]


def _resource(kube: Kube, obj: dict):
    """The API resource of `obj`; an unknown kind or apiVersion is a French error that suggests the right one."""
    import difflib

    from grader.checks._kube import KNOWN
    kind, version = obj["kind"], obj["apiVersion"]
    try:
        return kube.resource(kind, version)
    except InputError as error:
        name = obj["metadata"]["name"]
        if kind in KNOWN:
            raise InputError(f"{kind} « {name} » : l'apiVersion « {version} » ne convient pas ; "
                             f"un {kind} s'écrit avec « apiVersion: {KNOWN[kind][0]} ».",
                             hint_fr="Corrigez la ligne apiVersion du manifeste.") from error
        close = difflib.get_close_matches(kind, list(KNOWN), n=1, cutoff=0.6) or \
            [k for k in KNOWN if k.lower() == kind.lower()]
        guess = f" Vouliez-vous dire « {close[0]} » (apiVersion: {KNOWN[close[0]][0]}) ?" if close else ""
        raise InputError(f"{error.message_fr} (objet « {name} »).{guess}",
                         hint_fr="Vérifiez l'orthographe de « kind » (majuscules comprises) et l'apiVersion.") from error


def apply_objects(kube: Kube, objects: list[dict], namespace: str, *, dry_run: bool = False) -> list[dict]:
    """Server-side apply into `namespace` only; one dict per object (action, warnings in French)."""
    results = []
    for obj in objects:
        res = _resource(kube, obj)
        name = obj["metadata"]["name"]
        if not res.namespaced:
            raise InputError(f"{obj['kind']} « {name} » n'appartient à aucun espace de noms : "
                             "vous ne pouvez agir que dans le vôtre.")
        declared = obj["metadata"].get("namespace")
        if declared and declared != namespace:
            raise InputError(f"{obj['kind']} « {name} » vise l'espace de noms « {declared} », "
                             f"or le vôtre est « {namespace} ».", hint_fr="Retirez metadata.namespace.")
        body = dict(obj)
        body["metadata"] = {**obj["metadata"], "namespace": namespace}
        response = kube.apply(body, namespace, dry_run=dry_run)
        results.append({"objet": f"{obj['kind']}/{name}", "warnings": list(response.warnings),
                        "policies": [p for p in map(policy_of, response.warnings) if p],
                        "avertissements": [_warning_fr(w) for w in response.warnings]})
    return results


_PSA_WARNING = re.compile(r'^would violate PodSecurity "([^"]+)": (.*)$', re.S)


def _warning_fr(text: str) -> str:
    """`warning_fr`, plus Pod Security warnings: the pods of this object will be refused."""
    match = _PSA_WARNING.match(text)
    if match:
        return (f"Pod Security « {match.group(1)} » de l'espace de noms refusera les pods de cet objet : "
                f"{match.group(2).strip()}")
    return warning_fr(text)


def policy_warnings(ctx: CheckContext, params: dict) -> Outcome:
    files = params.get("files") or list(ctx.learner_files)
    if not files:
        raise InputError("Contrôle « policy_warnings » sans fichier : indiquez params.files ou learnerFiles.")
    objects = []
    try:
        for rel in files:
            if not (ctx.work_dir / rel).is_file():
                return Outcome.fail(f"fichier « {rel} » introuvable", final=True)
            objects += load_documents(str(rel), base=ctx.work_dir)[1]
        applied = apply_objects(ctx.kube, objects, ctx.namespace, dry_run=True)
    except InputError as error:
        return Outcome.fail(error.message_fr, final=True)
    except Exception as error:  # noqa: BLE001 - an admission denial is an answer, not a crash
        if isinstance(error, ApiFailure) and error.status in (400, 403, 422):
            return Outcome.fail(f"refusé par le cluster : {error.message_fr}", final=True)
        raise
    wanted = set(params.get("policies") or [])
    found = [(a["objet"], p, fr) for a in applied for p, fr in zip(
        [policy_of(w) for w in a["warnings"]], a["avertissements"]) if p and (not wanted or p in wanted)]
    evidence = {"objets": [a["objet"] for a in applied], "avertissements": [f"{o} : {fr}" for o, _, fr in found]}
    if params.get("expect", "none") == "none":
        if found:
            return Outcome.fail(" ; ".join(f"{o} : {fr}" for o, _, fr in found), evidence, final=True)
        return Outcome.ok("aucun avertissement des règles de la plateforme", evidence)
    missing = wanted - {p for _, p, _ in found}
    if found and not missing:
        return Outcome.ok(" ; ".join(f"{o} : {fr}" for o, _, fr in found), evidence)
    return Outcome.fail("la règle attendue ne se déclenche pas sur ces fichiers", evidence, final=True)


# ------------------------------------------------------------------ HTTP through a port-forward

def http_get(ctx: CheckContext, params: dict) -> Outcome:
    """GET through a port-forward to a ready pod behind the Service (needs real containers)."""
    service = ctx.kube.get("Service", params["service"], ctx.namespace)
    if service is None:
        return Outcome.fail(f"Service « {params['service']} » introuvable", final=True)
    selector = (service.get("spec") or {}).get("selector") or {}
    pods = [p for p in ctx.kube.list("Pod", ctx.namespace, label_selector=_selector_text(selector))
            if any(c.get("type") == "Ready" and c.get("status") == "True"
                   for c in (p.get("status") or {}).get("conditions") or [])] if selector else []
    if not pods:
        return Outcome.fail("aucun pod prêt derrière le Service")
    ports = (service.get("spec") or {}).get("ports") or [{}]
    port_spec = next((p for p in ports if p.get("port") == params.get("port")), ports[0])
    target = port_spec.get("targetPort", port_spec.get("port"))
    if isinstance(target, str):
        target = next((p["containerPort"] for p in _container_ports(pods[0]) if p.get("name") == target), None)
    from kubernetes.stream import portforward
    from kubernetes.client import CoreV1Api
    pod = pods[0]["metadata"]["name"]
    forward = portforward(CoreV1Api(ctx.kube.api_client).connect_get_namespaced_pod_portforward, pod,
                          ctx.namespace, ports=str(target))
    sock = forward.socket(int(target))
    sock.settimeout(max(1.0, ctx.remaining()))
    path = params.get("path", "/")
    sock.sendall(f"GET {path} HTTP/1.0\r\nHost: {params['service']}\r\nConnection: close\r\n\r\n".encode())
    chunks = []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        sock.close()
        forward.close()
    raw = b"".join(chunks).decode("utf-8", "replace")
    head, _, body = raw.partition("\r\n\r\n")
    status = int(head.split()[1]) if len(head.split()) > 1 and head.split()[1].isdigit() else 0
    evidence = {"pod": pod, "requête": f"GET {path}", "statut": status, "début de réponse": body[:300]}
    want = params.get("status", 200)
    if status != want:
        return Outcome.fail(f"réponse {status} au lieu de {want}", evidence)
    if params.get("contains") and params["contains"] not in body:
        return Outcome.fail("la réponse ne contient pas le texte attendu", evidence)
    return Outcome.ok(f"réponse {status}", evidence)

