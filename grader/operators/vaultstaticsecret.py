"""Reconcile one `VaultStaticSecret`: stands in for HashiCorp's Vault Secrets Operator (kv subset).

Subset implemented: `vaultAuthRef` must name the platform's `vault-auth` (the console gives every
namespace one; empty means the same): the controller logs in with the AppRole of the namespace's project
(label `cpin.dev/project`), then reads `<mount>/data/<path>` (kv-v2, `version` if set) or
`<mount>/<path>` (kv-v1) over Vault's HTTP API, from the kit's Vault stand-in or the Vault named by
`CPIN_VAULT_ADDR` (token `CPIN_VAULT_TOKEN`). The destination Secret gets every key of the secret plus
`_raw` (the JSON of the answer's data), like VSO; with `destination.create: true` it is created and owned
(deleted with the VaultStaticSecret), otherwise it must exist; a Secret the VaultStaticSecret does not
own is only written with `destination.overwrite: true`, as in VSO.
`refreshAfter` re-reads the secret on that period; a spec change is read at once. Not implemented:
`hmacSecretData` (the MAC is always kept in status), transformations, rollout restarts, VaultAuth objects.

`status.message` is « Healthy » or the error, with the French reason; `status.lastGeneration`,
`status.secretMAC` and `status.lastRefresh` are kept as VSO's status does. No value is ever logged.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from grader.errors import ApiFailure, CpinError
from grader.operators.crds import VAULT_API
from grader.operators.sopssecret import controlled_by, owner_reference
from grader.platform import PROJECT_LABEL

HEALTHY = "Healthy"
FIELD_MANAGER = "cpin-vault-secrets-operator"
_DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(s|m|h)$")


def seconds(duration: str | None) -> float | None:
    match = _DURATION.match(duration or "")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2)] if match else None


def _http(method: str, url: str, token: str = "", body: dict | None = None) -> dict:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"X-Vault-Token": token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raise VaultFailure(error.code) from None
    except (urllib.error.URLError, OSError) as error:
        raise CpinError(f"Le coffre ({url.split('/v1/')[0]}) ne répond pas.",
                        hint_fr="Démarrez-le avec « cpin platform up vault ».") from error


class VaultFailure(CpinError):
    def __init__(self, status: int):
        super().__init__(f"Vault a répondu {status}.")
        self.status = status


def login(address: str, project: str, data_dir: Path) -> str:
    if os.environ.get("CPIN_VAULT_TOKEN"):
        return os.environ["CPIN_VAULT_TOKEN"]
    from grader.services import kvstore

    role = kvstore.ensure_project(project, data_dir)
    try:
        answer = _http("POST", f"{address}/v1/auth/approle/login",
                       body={"role_id": role["role_id"], "secret_id": role["secret_id"]})
    except VaultFailure as error:
        raise CpinError(f"Connexion AppRole du projet « {project} » refusée par Vault ({error.status}).") from None
    return answer["auth"]["client_token"]


def read_secret(address: str, token: str, spec: dict) -> dict:
    mount, path = spec["mount"].strip("/"), spec["path"].strip("/")
    if spec.get("type") == "kv-v1":
        url = f"{address}/v1/{mount}/{path}"
    else:
        url = f"{address}/v1/{mount}/data/{path}" + (f"?version={spec['version']}" if spec.get("version") else "")
    try:
        data = _http("GET", url, token).get("data") or {}
    except VaultFailure as error:
        if error.status == 404:
            raise CpinError(f"Chemin absent du coffre : {mount}/{path}"
                            + (f" (version {spec['version']})" if spec.get("version") else "") + ".",
                            hint_fr=f"Créez le secret (« vault kv put -mount={mount} {path} CLÉ=valeur ») ou "
                                    "corrigez mount/path.") from None
        if error.status == 403:
            raise CpinError(f"Accès refusé au montage « {mount} » : le jeton du projet n'y a pas droit.",
                            hint_fr="Le montage d'un projet porte le nom du projet (spec.mount).") from None
        raise
    return data if spec.get("type") == "kv-v1" else (data.get("data") or {})


def desired_secret(obj: dict, values: dict) -> dict:
    dest = obj["spec"]["destination"]
    data = {str(k): base64.b64encode(str(v).encode()).decode() for k, v in values.items()}
    data["_raw"] = base64.b64encode(json.dumps({"data": values}, sort_keys=True).encode()).decode()
    meta = {"name": dest["name"], "namespace": obj["metadata"]["namespace"]}
    if dest.get("create"):
        meta["ownerReferences"] = [owner_reference(obj)]
    for field in ("labels", "annotations"):
        if dest.get(field):
            meta[field] = dict(dest[field])
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": dest.get("type") or "Opaque",
            "data": data}


def _mac(values: dict, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), json.dumps(values, sort_keys=True).encode(),
                                     hashlib.sha256).digest()).decode()


def set_status(kube, obj: dict, **fields) -> None:
    status = obj.get("status") or {}
    if all(status.get(k) == v for k, v in fields.items()):
        return
    meta = obj["metadata"]
    res = kube.resource(obj["kind"], obj["apiVersion"])
    try:
        kube.request("PATCH", res.path(meta["namespace"], meta["name"]) + "/status", body={"status": fields},
                     content_type="application/merge-patch+json", what="statut")
    except ApiFailure as error:
        if error.status != 404:
            raise


def due(obj: dict, now: float) -> bool:
    status = obj.get("status") or {}
    if status.get("lastGeneration") != obj["metadata"].get("generation") or status.get("message") != HEALTHY:
        return True
    period = seconds(obj["spec"].get("refreshAfter"))
    return period is not None and now - float(status.get("lastRefresh") or 0) >= period


def reconcile(kube, obj: dict, address: str, data_dir: Path) -> str:
    spec, meta = obj.get("spec") or {}, obj["metadata"]
    ns = meta["namespace"]
    generation = meta.get("generation")
    try:
        if spec.get("vaultAuthRef", "vault-auth") not in ("", "vault-auth"):
            raise CpinError(f"VaultAuth « {spec['vaultAuthRef']} » introuvable : la plateforme fournit « vault-auth ».",
                            hint_fr="Écrivez « vaultAuthRef: vault-auth ».")
        if not address:
            raise CpinError("Aucun coffre configuré.", hint_fr="Démarrez-le avec « cpin platform up vault ».")
        project = ((kube.get("Namespace", ns) or {}).get("metadata", {}).get("labels") or {}).get(PROJECT_LABEL)
        if not project:
            raise CpinError(f"L'espace de noms « {ns} » n'appartient à aucun projet (étiquette {PROJECT_LABEL}).",
                            hint_fr="Créez l'environnement avec « cpin env create PROJET ENV --type dev ».")
        values = read_secret(address, login(address, project, data_dir), spec)
        wanted = desired_secret(obj, values)
        current = kube.get("Secret", wanted["metadata"]["name"], ns)
        if current is None and not spec["destination"].get("create"):
            raise CpinError(f"Le Secret de destination « {wanted['metadata']['name']} » n'existe pas.",
                            hint_fr="Ajoutez « create: true » sous destination.")
        if current is not None and not controlled_by(current, meta["uid"]) and not spec["destination"].get("overwrite"):
            raise CpinError(f"Le Secret « {wanted['metadata']['name']} » existe déjà et n'appartient pas à ce "
                            "VaultStaticSecret.", hint_fr="Changez destination.name ou ajoutez « overwrite: true ».")
        if current is None or (current.get("data") or {}) != wanted["data"]:
            kube.apply(wanted, ns, field_manager=FIELD_MANAGER)
    except CpinError as error:
        message = f"Sync error: {error.message_fr}"
        set_status(kube, obj, message=message, lastGeneration=generation)
        return message
    set_status(kube, obj, message=HEALTHY, lastGeneration=generation, secretMAC=_mac(values, meta["uid"]),
               lastRefresh=str(int(time.time())))
    return HEALTHY


def reconcile_all(kube, data_dir: Path, log=print) -> int:
    """One pass over the VaultStaticSecrets that are due; returns how many are not healthy."""
    from grader.services.vault import address

    failing, now = 0, time.time()
    url = address(data_dir)
    for obj in kube.list("VaultStaticSecret", None, api_version=VAULT_API, record=False):
        meta = obj["metadata"]
        if meta.get("deletionTimestamp") or not due(obj, now):
            continue
        before = (obj.get("status") or {}).get("message")
        message = reconcile(kube, obj, url, data_dir)
        if message != before:
            log(f"vaultstaticsecret {meta['namespace']}/{meta['name']}: {message}")
        failing += message != HEALTHY
    return failing
