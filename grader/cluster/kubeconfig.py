"""Kubeconfig files the kit writes for itself, and explicit clients built from them."""
from __future__ import annotations

import base64
from pathlib import Path

import yaml


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def render(*, server: str, context: str, ca: Path, cert: Path, key: Path,
           namespace: str = "default") -> dict:
    """A one-context kubeconfig with the certificates embedded (the file stands alone)."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server,
                                                   "certificate-authority-data": _b64(ca)}}],
        "users": [{"name": f"{context}-user", "user": {"client-certificate-data": _b64(cert),
                                                       "client-key-data": _b64(key)}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": f"{context}-user",
                                                   "namespace": namespace}}],
        "current-context": context,
        "preferences": {},
    }


def write(path: Path, config: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


def load(path: Path) -> dict:
    """A kubeconfig file, read with the kit's bounded loader; a French `InputError` if unusable."""
    from grader.errors import InputError
    from grader.files import read_text
    from grader.yamlload import safe_load
    data = safe_load(read_text(path), str(path)) or {}
    if not isinstance(data, dict):
        raise InputError(f"{path} : ce n'est pas un fichier kubeconfig (un dictionnaire YAML est attendu).")
    return data


def context_names(path: Path) -> list[str]:
    return [c.get("name") for c in load(path).get("contexts") or []]


def server_of(path: Path, context: str) -> str | None:
    """The API server URL a context of this file points at."""
    config = load(path)
    ctx = next((c["context"] for c in config.get("contexts") or [] if c.get("name") == context), None)
    if ctx is None:
        return None
    cluster = next((c["cluster"] for c in config.get("clusters") or []
                    if c.get("name") == ctx.get("cluster")), {})
    return cluster.get("server")


def api_client(path: Path, context: str):
    """An ApiClient for exactly this file and context: no $KUBECONFIG, no current-context."""
    from kubernetes import config as kconfig

    return kconfig.new_client_from_config(config_file=str(path), context=context, persist_config=False)
