"""The kit's secret store: a JSON file of key/value secrets, standing in for the platform's Vault.

Layout as on the platform's CI secrets (kv paths `<projet>/REGISTRY` with fields HOST, USERNAME,
TOKEN, DOCKER_CONFIG), read by the catalogue's `.vault:read_secret` job through
`VAULT_SERVER_URL=file://<store>`. Subset implemented: read by path. No Vault API, no JWT login,
no policies: any process of the user can read the file (mode 0600), as any file in the data dir.

The registry's accounts (one robot per project, one admin for the kit) live here; their bcrypt
hashes are written to the registry's htpasswd file, which the registry re-reads when it changes.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from grader.services.base import services_root

ADMIN = "cpin-admin"


def store_path(data_dir: Path | None = None) -> Path:
    return services_root(data_dir) / "vault" / "kv.json"


def read_store(data_dir: Path | None = None) -> dict:
    try:
        return json.loads(store_path(data_dir).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_store(kv: dict, data_dir: Path | None) -> None:
    path = store_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(kv, f, indent=2, sort_keys=True)
    tmp.replace(path)


def docker_config(host: str, username: str, password: str) -> str:
    """The `config.json` a Docker client (or kaniko) reads, on one line, as the platform hands it out."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return json.dumps({"auths": {host: {"auth": auth}}}, separators=(",", ":"))


def account(name: str, data_dir: Path | None = None) -> tuple[str, str]:
    """(username, password) of a registry account, created on first use."""
    kv = read_store(data_dir)
    accounts = kv.setdefault("cpin/registry-accounts", {})
    if name not in accounts:
        accounts[name] = secrets.token_urlsafe(18)
        _write_store(kv, data_dir)
    return name, accounts[name]


def project_registry_secret(project: str, host: str, data_dir: Path | None = None) -> dict:
    """Create or refresh `<project>/REGISTRY` (robot account of the project) for `host`; returns it."""
    username, password = account(f"robot-{project}", data_dir)
    kv = read_store(data_dir)
    secret = {"HOST": host, "USERNAME": username, "TOKEN": password,
              "DOCKER_CONFIG": docker_config(host, username, password)}
    if kv.get(f"{project}/REGISTRY") != secret:
        kv[f"{project}/REGISTRY"] = secret
        _write_store(kv, data_dir)
    return secret


def write_htpasswd(path: Path, data_dir: Path | None = None) -> None:
    """Every registry account as `user:bcrypt-hash` lines; existing hashes are kept when still valid."""
    import bcrypt

    account(ADMIN, data_dir)
    accounts = read_store(data_dir).get("cpin/registry-accounts", {})
    current = {}
    if path.exists():
        for line in path.read_text().splitlines():
            user, _, hashed = line.partition(":")
            current[user] = hashed
    lines = []
    for user, password in sorted(accounts.items()):
        hashed = current.get(user, "")
        if not hashed or not bcrypt.checkpw(password.encode(), hashed.encode()):
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
        lines.append(f"{user}:{hashed}")
    text = "\n".join(lines) + "\n"
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
