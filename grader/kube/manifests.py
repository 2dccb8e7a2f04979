"""Learner manifests on the cluster: read them, apply them into one namespace, delete them.

`load_documents` turns a file or YAML text into Kubernetes objects (French `InputError` for anything
else); `apply_objects` server-side applies them into the learner's namespace only, keeping the
server's warnings in French; `delete_refs` deletes named objects in one namespace and waits until
they are gone. Used by the notebook API (`apply`, `reset`), the runner and the `policy_warnings` check.
"""
from __future__ import annotations

import difflib
import re
import time
from pathlib import Path

from grader.errors import ApiFailure, InputError
from grader.files import read_text
from grader.kube.client import KNOWN, Kube, policy_of, warning_fr
from grader.yamlload import safe_load_all

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
        text, source = read_text(path, shown=f"Fichier « {path_or_text} »"), str(path_or_text)
    else:
        text = str(path_or_text)
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


PROTECTED = {("ConfigMap", "kube-root-ca.crt"), ("ServiceAccount", "default")}  # made in every namespace


def delete_refs(kube: Kube, namespace: str, refs: list[tuple[str, str, str, str]], *, timeout: float,
                protected: set[tuple[str, str]] | frozenset = frozenset()) -> list[str]:
    """Delete (kind, apiVersion, name or "", labelSelector or "") in `namespace`; wait until gone.

    The same scope as `apply_objects`: only objects inside `namespace`. A kind that belongs to no namespace
    (Namespace, ClusterRole…) or that the cluster does not know is left alone, and so are the `protected`
    (kind, name) pairs (the environment's own objects) and those Kubernetes makes in every namespace.
    """
    targets: dict[tuple[str, str], str] = {}
    for kind, api_version, name, selector in refs:
        try:
            if not kube.resource(kind, api_version).namespaced:
                continue
        except InputError:
            continue
        names = [name] if name else [o["metadata"]["name"] for o in kube.list(
            kind, namespace, api_version=api_version, label_selector=selector, record=False)]
        for item in names:
            if (kind, item) not in PROTECTED and (kind, item) not in protected:
                targets[(kind, item)] = api_version
    deleted = [f"{kind}/{name}" for (kind, name), version in targets.items()
               if kube.delete(kind, name, namespace, version)]
    deadline = time.monotonic() + timeout
    pending = dict(targets)
    while pending and time.monotonic() < deadline:
        pending = {key: version for key, version in pending.items()
                   if kube.get(key[0], key[1], namespace, version) is not None}
        if pending:
            time.sleep(0.2)
    if pending:
        raise ApiFailure(f"Suppression trop longue : {', '.join(f'{k}/{n}' for k, n in pending)} "
                         f"existe(nt) encore après {timeout:g} s.", hint_fr="Relancez reset() dans un instant.")
    return deleted
