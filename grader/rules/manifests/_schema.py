"""Strict JSON schemas of Kubernetes 1.36 from the `kubernetes-validate` package, one validator per kind.

`kubernetes_validate.validate()` rereads the 1.6 MB definitions file on every call; we load each file
once and keep one validator per (apiVersion, kind), which makes a run over many objects fast.
"""
from __future__ import annotations

import functools
import re
from typing import Any

KUBERNETES_MINOR = "1.36"

# Custom resources the rules understand: no schema in kubernetes-validate, not reported as unknown.
KNOWN_CUSTOM_KINDS = {
    ("isindir.github.com", "SopsSecret"),
    ("secrets.hashicorp.com", "VaultStaticSecret"),
    ("secrets.hashicorp.com", "VaultAuth"),
    ("route.openshift.io", "Route"),
    ("kustomize.config.k8s.io", "Kustomization"),
}


def schema_dir() -> str:
    from kubernetes_validate import utils
    versions = [v for v in utils.all_versions() if tuple(map(int, utils.major_minor(v).split("."))) <=
                tuple(map(int, KUBERNETES_MINOR.split(".")))]
    return f"kubernetes-json-schema/v{versions[-1]}-local-strict"


@functools.lru_cache(maxsize=1)
def _registry():
    from kubernetes_validate import utils
    from referencing import Registry, Resource
    definitions = utils.schema_contents(f"{schema_dir()}/_definitions.json", KUBERNETES_MINOR)
    return Resource.from_contents(definitions) @ Registry()


def _file_name(api_version: str, kind: str) -> str:
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{schema_dir()}/{kind.lower()}-{api}.json"


@functools.lru_cache(maxsize=256)
def validator_for(api_version: str, kind: str) -> Any | None:
    """A jsonschema validator for this kind, or None when kubernetes-validate has no schema for it."""
    import jsonschema
    from kubernetes_validate import utils
    from referencing import Resource
    if not re.fullmatch(r"[\w.\-/]+", api_version) or not re.fullmatch(r"\w+", kind):
        return None
    try:
        schema = utils.schema_contents(_file_name(api_version, kind), KUBERNETES_MINOR)
    except (FileNotFoundError, OSError, utils.InvalidSchemaError):
        return None
    registry = Resource.from_contents(schema) @ _registry()
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""
