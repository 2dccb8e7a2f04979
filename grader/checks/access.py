"""Live checks on what a workload may use and do: ConfigMaps and Secrets it references, RBAC through
SubjectAccessReview, quota usage, and the platform policies' warnings on a dry-run apply.
"""
from __future__ import annotations

from typing import Any

from grader.checks.base import CheckContext, Outcome
from grader.checks.match import _quantity, matches
from grader.errors import ApiFailure, InputError
from grader.kube.client import policy_of
from grader.kube.manifests import apply_objects, load_documents

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


# ------------------------------------------------------------------ policy warnings on a dry-run apply

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
