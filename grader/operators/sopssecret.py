"""Reconcile one `SopsSecret`: stands in for isindir/sops-secrets-operator (age keys only).

Subset implemented, as the real operator does it: decrypt the object with the cluster's age key (the
file-wide MAC is not checked, since the API server rewrites the object; every value is authenticated, see
`grader.sops`), then for each `spec.secretTemplates[]` create or update the Secret of that name in the
object's namespace (`type`, `labels`, `annotations`, `stringData` + base64 `data`), controlled by the
SopsSecret (ownerReference: deleting the SopsSecret deletes its Secrets through the garbage collector).
A Secret the SopsSecret no longer lists is deleted; a Secret of that name not owned by it is left alone
(status « Child secret is not owned by controller error »), unless annotated
`sopssecret/managed: "true"`. `spec.suspend` stops reconciliation. Not implemented: KMS, PGP, Vault
transit keys, `enforceNamespace`, metrics.

`status.message` is « Healthy », or the operator's error label followed by the reason in French. Nothing
here logs or returns a decrypted value.
"""
from __future__ import annotations

import base64
import binascii
from pathlib import Path

from grader import sops
from grader.errors import ApiFailure, CpinError
from grader.operators.crds import SOPS_API

HEALTHY = "Healthy"
MANAGED_ANNOTATION = "sopssecret/managed"
FIELD_MANAGER = "cpin-sops-secrets-operator"


def set_status(kube, obj: dict, message: str) -> None:
    if (obj.get("status") or {}).get("message") == message:
        return
    meta = obj["metadata"]
    res = kube.resource(obj["kind"], obj["apiVersion"])
    try:
        kube.request("PATCH", res.path(meta["namespace"], meta["name"]) + "/status",
                     body={"status": {"message": message}},
                     content_type="application/merge-patch+json", what="statut")
    except ApiFailure as error:
        if error.status != 404:      # deleted meanwhile
            raise


def owner_reference(obj: dict) -> dict:
    meta = obj["metadata"]
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": meta["name"], "uid": meta["uid"],
            "controller": True, "blockOwnerDeletion": True}


def controlled_by(secret: dict, uid: str) -> bool:
    return any(ref.get("uid") == uid and ref.get("controller")
               for ref in (secret.get("metadata") or {}).get("ownerReferences") or [])


def desired_secret(template: dict, obj: dict) -> dict:
    """The Secret one decrypted template describes (raises CpinError on a bad template)."""
    name = template.get("name")
    if not isinstance(name, str) or not name:
        raise CpinError("Un élément de secretTemplates n'a pas de nom.")
    data = {}
    for key, value in (template.get("data") or {}).items():
        try:
            base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise CpinError(f"secretTemplates « {name} » : data.{key} n'est pas du base64 valide.",
                            hint_fr="Mettez la valeur en clair sous stringData, ou encodez-la en base64 sous data.") \
                from None
        data[key] = str(value)
    for key, value in (template.get("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    meta = {"name": name, "namespace": obj["metadata"]["namespace"], "ownerReferences": [owner_reference(obj)]}
    if template.get("labels"):
        meta["labels"] = dict(template["labels"])
    if template.get("annotations"):
        meta["annotations"] = dict(template["annotations"])
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": template.get("type") or "Opaque",
            "data": data}


def reconcile(kube, obj: dict, key_file: Path) -> str:
    """Bring the Secrets of one SopsSecret in line; returns (and writes) its status message."""
    spec = obj.get("spec") or {}
    if spec.get("suspend"):
        message = "Reconciliation suspended"
        set_status(kube, obj, message)
        return message
    try:
        clear = sops.decrypt_tree(obj, key_file)
    except CpinError as error:
        message = f"Decryption error: {error.message_fr}"
        set_status(kube, obj, message)
        return message
    ns, uid = obj["metadata"]["namespace"], obj["metadata"]["uid"]
    try:
        wanted = [desired_secret(t, obj) for t in (clear.get("spec") or {}).get("secretTemplates") or []]
    except CpinError as error:
        message = f"New child secret creation error: {error.message_fr}"
        set_status(kube, obj, message)
        return message
    names = {s["metadata"]["name"] for s in wanted}
    for secret in wanted:
        current = kube.get("Secret", secret["metadata"]["name"], ns)
        if current is not None and not controlled_by(current, uid) \
                and (current["metadata"].get("annotations") or {}).get(MANAGED_ANNOTATION) != "true":
            message = (f"Child secret is not owned by controller error: le Secret « {secret['metadata']['name']} » "
                       "existe déjà et n'appartient pas à ce SopsSecret.")
            set_status(kube, obj, message)
            return message
        if current is None or _differs(current, secret):
            kube.apply(secret, ns, field_manager=FIELD_MANAGER)
    for secret in kube.list("Secret", ns, record=False):
        if controlled_by(secret, uid) and secret["metadata"]["name"] not in names:
            kube.delete("Secret", secret["metadata"]["name"], ns)
    set_status(kube, obj, HEALTHY)
    return HEALTHY


def _differs(current: dict, wanted: dict) -> bool:
    cur_meta, want_meta = current.get("metadata") or {}, wanted["metadata"]
    return (current.get("data") or {}) != wanted["data"] or current.get("type") != wanted["type"] \
        or any((cur_meta.get(k) or {}).get(a) != b for k in ("labels", "annotations")
               for a, b in (want_meta.get(k) or {}).items()) \
        or not controlled_by(current, want_meta["ownerReferences"][0]["uid"])


def reconcile_all(kube, key_file: Path, log=print) -> int:
    """One pass over every SopsSecret of the cluster; returns how many are not healthy."""
    failing = 0
    for obj in kube.list("SopsSecret", None, api_version=SOPS_API, record=False):
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            continue
        before = (obj.get("status") or {}).get("message")
        message = reconcile(kube, obj, key_file)
        if message != before:
            log(f"sopssecret {meta['namespace']}/{meta['name']}: {message}")
        failing += message != HEALTHY
    return failing
