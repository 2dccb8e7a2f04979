"""The one place that talks HTTP to the API server through the official `kubernetes` client.

`Kube` wraps a (guarded) `kubernetes.client.ApiClient`: plain dicts in and out (no model
deserialisation, which is slow), every request bounded by a timeout, the `Warning` response headers
kept (ValidatingAdmissionPolicy warnings come back there), and `ApiException` / urllib3 errors
converted here, once, into `ApiFailure` with a French message (STYLE §10).

This layer imports only `grader.errors`: `cluster/` and `checks/` build on it, never the reverse.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from grader.errors import ApiFailure, BackendUnavailable, InputError

# kind → (apiVersion, plural, namespaced) for the kinds exercises use; anything else is discovered.
KNOWN: dict[str, tuple[str, str, bool]] = {
    "Pod": ("v1", "pods", True), "Service": ("v1", "services", True), "ConfigMap": ("v1", "configmaps", True),
    "Secret": ("v1", "secrets", True), "ServiceAccount": ("v1", "serviceaccounts", True),
    "Event": ("v1", "events", True), "ResourceQuota": ("v1", "resourcequotas", True),
    "LimitRange": ("v1", "limitranges", True), "PersistentVolumeClaim": ("v1", "persistentvolumeclaims", True),
    "Endpoints": ("v1", "endpoints", True), "Namespace": ("v1", "namespaces", False),
    "Deployment": ("apps/v1", "deployments", True), "ReplicaSet": ("apps/v1", "replicasets", True),
    "StatefulSet": ("apps/v1", "statefulsets", True), "DaemonSet": ("apps/v1", "daemonsets", True),
    "Job": ("batch/v1", "jobs", True), "CronJob": ("batch/v1", "cronjobs", True),
    "Ingress": ("networking.k8s.io/v1", "ingresses", True),
    "NetworkPolicy": ("networking.k8s.io/v1", "networkpolicies", True),
    "Role": ("rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("rbac.authorization.k8s.io/v1", "rolebindings", True),
    "ClusterRole": ("rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
    "HorizontalPodAutoscaler": ("autoscaling/v2", "horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("policy/v1", "poddisruptionbudgets", True),
    "EndpointSlice": ("discovery.k8s.io/v1", "endpointslices", True),
    "SubjectAccessReview": ("authorization.k8s.io/v1", "subjectaccessreviews", False),
}

_WARNING = re.compile(r'(\d{3})\s+\S+\s+"((?:[^"\\]|\\.)*)"')
_VAP = re.compile(r"^Validation failed for ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)': (.*)$", re.S)


@dataclass(frozen=True)
class Resource:
    api_version: str
    kind: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return base + (f"/{name}" if name else "")


@dataclass(frozen=True)
class Response:
    status: int
    data: Any
    warnings: tuple[str, ...] = ()


def parse_warnings(values: list[str]) -> tuple[str, ...]:
    """Texts of RFC 7234 `Warning` header values (`299 - "text"`), several per header allowed."""
    out = []
    for value in values:
        try:  # http.client decodes header bytes as latin-1; the API server sends UTF-8
            value = value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
        for _code, text in _WARNING.findall(value):
            out.append(text.replace('\\"', '"').replace("\\\\", "\\"))
    return tuple(out)


def warning_fr(text: str) -> str:
    """A server warning for the learner: policy warnings rephrased in French, others kept and labelled."""
    match = _VAP.match(text)
    if match:
        return f"Règle de la plateforme « {match.group(1)} » non respectée : {match.group(3).strip()}"
    return f"Avertissement de l'API Kubernetes : {text}"


def policy_of(text: str) -> str | None:
    """Name of the ValidatingAdmissionPolicy a raw warning comes from, if any."""
    match = _VAP.match(text)
    return match.group(1) if match else None


def strip(obj: dict) -> dict:
    """The object without bookkeeping noise (managedFields), for evidence; a Secret's values are masked
    (its keys stay), so that no secret reaches the attempt log or the feedback."""
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
        obj = dict(obj)
        obj["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
        annotations = obj["metadata"].get("annotations")
        if obj.get("kind") == "Secret":
            for field in ("data", "stringData"):
                if isinstance(obj.get(field), dict):
                    obj[field] = {key: MASKED for key in obj[field]}
            if isinstance(annotations, dict) and LAST_APPLIED in annotations:
                obj["metadata"]["annotations"] = {**annotations, LAST_APPLIED: MASKED}
        elif _has_literal_secret_env(obj):
            obj = json.loads(json.dumps(obj))
            _has_literal_secret_env(obj, mask=True)
    return obj


_SECRETISH = re.compile(r"pass|pwd|secret|token|credential", re.I)


def _has_literal_secret_env(node, mask: bool = False) -> bool:
    """Whether a container of `node` sets a secret-looking env var to a literal value (masked if `mask`)."""
    found = False
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "env" and isinstance(value, list):
                for env in value:
                    if isinstance(env, dict) and env.get("value") and _SECRETISH.search(str(env.get("name", ""))):
                        found = True
                        if mask:
                            env["value"] = MASKED
            elif isinstance(value, (dict, list)):
                found = _has_literal_secret_env(value, mask) or found
    elif isinstance(node, list):
        for item in node:
            found = _has_literal_secret_env(item, mask) or found
    return found


MASKED = "<masqué>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _api_failure(status: int | None, body: str, what: str) -> ApiFailure:
    message = ""
    try:
        message = json.loads(body).get("message", "") if body else ""
    except ValueError:
        message = body[:300] if body else ""
    if status == 401 or status == 403:
        return ApiFailure(f"{what} : accès refusé par le cluster ({status}). {message}".strip(), status=status,
                          hint_fr="Le compte utilisé n'a pas ce droit : vérifiez le contexte avec « cpin doctor ».")
    if status == 422 or status == 400:
        return ApiFailure(f"{what} : objet refusé par le cluster. {message}".strip(), status=status,
                          hint_fr="Corrigez le manifeste selon le message ci-dessus.")
    if status == 409:
        return ApiFailure(f"{what} : conflit. {message}".strip(), status=status)
    return ApiFailure(f"{what} : le cluster a répondu {status}. {message}".strip(), status=status)


class Kube:
    """Guarded REST access for checks: dict in, dict out, warnings kept, errors in French."""

    def __init__(self, api_client, *, request_timeout: float = 10.0, evidence: dict | None = None):
        self.api_client = api_client
        self.request_timeout = request_timeout
        self.evidence = evidence if evidence is not None else {}
        self._discovered: dict[str, dict[str, Resource]] = {}
        self._lock = threading.Lock()

    # -- transport -------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, query: list | None = None, body: Any = None,
                content_type: str = "application/json", timeout: float | None = None, what: str = "") -> Response:
        from urllib.parse import urlencode

        import urllib3
        from kubernetes.client.rest import ApiException
        what = what or f"{method} {path}"
        if query:
            path += "?" + urlencode(query)
        headers = {"Accept": "application/json", "Content-Type": content_type}
        try:
            request = self.api_client.param_serialize(method, path, header_params=headers, body=body,
                                                      auth_settings=["BearerToken"])
            response = self.api_client.call_api(
                *request, _request_timeout=max(0.5, timeout if timeout is not None else self.request_timeout))
            raw = response.read()
        except ApiException as error:
            raise _api_failure(error.status, error.body or "", what) from error
        except urllib3.exceptions.HTTPError as error:
            raise BackendUnavailable(f"{what} : le cluster ne répond pas ({type(error).__name__}).",
                                     hint_fr="Démarrez-le avec « cpin cluster up », puis réessayez.") from error
        text = raw.decode("utf-8") if raw else ""
        if not 200 <= response.status <= 299:
            raise _api_failure(response.status, text, what)
        warnings = parse_warnings(response.headers.getlist("Warning"))
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = text
        return Response(response.status, data, warnings)

    # -- resources -------------------------------------------------------------------------------
    def resource(self, kind: str, api_version: str = "") -> Resource:
        known = KNOWN.get(kind)
        if known and (not api_version or api_version == known[0]):
            return Resource(known[0], kind, known[1], known[2])
        if not api_version:
            raise InputError(f"Type d'objet « {kind} » inconnu : précisez son apiVersion.")
        with self._lock:
            table = self._discovered.get(api_version)
        if table is None:
            path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            try:
                listing = self.request("GET", path, what=f"découverte de {api_version}").data or {}
            except ApiFailure as error:
                if error.status == 404:
                    raise InputError(f"apiVersion « {api_version} » inconnue de ce cluster.") from error
                raise
            table = {r["kind"]: Resource(api_version, r["kind"], r["name"], r["namespaced"])
                     for r in listing.get("resources", []) if "/" not in r["name"]}
            with self._lock:
                self._discovered[api_version] = table
        if kind not in table:
            raise InputError(f"Type d'objet « {kind} » absent de {api_version} sur ce cluster.")
        return table[kind]

    def _record(self, obj: dict) -> dict:
        meta = obj.get("metadata", {})
        key = f"{obj.get('kind', '?')}/{meta.get('namespace', '')}/{meta.get('name', '')}"
        self.evidence[key] = strip(obj)
        return obj

    def get(self, kind: str, name: str, namespace: str | None = None, api_version: str = "") -> dict | None:
        res = self.resource(kind, api_version)
        try:
            obj = self.request("GET", res.path(namespace, name), what=f"lecture de {kind} « {name} »").data
        except ApiFailure as error:
            if error.status == 404:
                return None
            raise
        obj.setdefault("kind", kind)
        obj.setdefault("apiVersion", res.api_version)
        return self._record(obj)

    def list(self, kind: str, namespace: str | None = None, *, api_version: str = "", label_selector: str = "",
             field_selector: str = "", record: bool = True) -> list[dict]:
        res = self.resource(kind, api_version)
        query = [("labelSelector", label_selector)] if label_selector else []
        query += [("fieldSelector", field_selector)] if field_selector else []
        data = self.request("GET", res.path(namespace), query=query, what=f"liste des {res.plural}").data or {}
        items = data.get("items", [])
        for item in items:
            item.setdefault("kind", kind)
            item.setdefault("apiVersion", res.api_version)
            if record:
                self._record(item)
        return items

    def create(self, obj: dict, namespace: str | None = None) -> dict:
        res = self.resource(obj["kind"], obj.get("apiVersion", ""))
        return self.request("POST", res.path(namespace), body=obj, what=f"création de {obj['kind']}").data

    def apply(self, obj: dict, namespace: str | None, *, dry_run: bool = False,
              field_manager: str = "cpin") -> Response:
        """Server-side apply of one object; the response keeps the server's warnings."""
        res = self.resource(obj.get("kind", ""), obj.get("apiVersion", ""))
        name = (obj.get("metadata") or {}).get("name")
        query = [("fieldManager", field_manager), ("force", "true")] + ([("dryRun", "All")] if dry_run else [])
        return self.request("PATCH", res.path(namespace if res.namespaced else None, name), query=query,
                            body=json.dumps(obj), content_type="application/apply-patch+yaml",
                            what=f"{obj.get('kind')} « {name} »")

    def delete(self, kind: str, name: str, namespace: str | None, api_version: str = "") -> bool:
        res = self.resource(kind, api_version)
        try:
            self.request("DELETE", res.path(namespace, name), body={"propagationPolicy": "Background"},
                         what=f"suppression de {kind} « {name} »")
        except ApiFailure as error:
            if error.status == 404:
                return False
            raise
        return True
