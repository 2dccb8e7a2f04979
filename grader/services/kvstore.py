"""kv-v2 secrets, mounts, tokens and AppRoles kept in the kit's secret store (`secrets.py`'s kv.json).

The data model the Vault stand-in (`vault_api.py`) serves, held in the same JSON file the CI
catalogue's `.vault:read_secret` reads (under `vault/…` keys, beside `<projet>/REGISTRY`). Every
read-modify-write holds an exclusive lock on `kv.json.lock`: the stand-in's threads and `cpin` may write
at once. Pure data in and out; no HTTP here. Values are never logged.
"""
from __future__ import annotations

import contextlib
import fcntl
import secrets as pysecrets
import time
from datetime import datetime, timezone
from pathlib import Path

from grader.services import secrets

AUTH, MOUNTS, KV = "vault/auth", "vault/mounts", "vault/kv/"
TOKEN_TTL = 3600


class VaultError(Exception):
    """An API error: HTTP status and Vault-style `errors` list (English, as Vault answers)."""

    def __init__(self, status: int, *errors: str):
        super().__init__(errors[0] if errors else str(status))
        self.status = status
        self.errors = list(errors)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@contextlib.contextmanager
def locked(data_dir: Path | None = None, write: bool = True):
    """The store as a dict, under an exclusive lock; written back on exit when `write`."""
    path = secrets.store_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name("kv.json.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kv = secrets.read_store(data_dir)
        before = repr(kv)
        yield kv
        if write and repr(kv) != before:
            secrets._write_store(kv, data_dir)


# ---------------------------------------------------------------------------------------------- auth
def root_token(data_dir: Path | None = None) -> str:
    with locked(data_dir) as kv:
        auth = kv.setdefault(AUTH, {})
        if "root_token" not in auth:
            auth["root_token"] = "hvs." + pysecrets.token_urlsafe(24)
        return auth["root_token"]


def ensure_project(project: str, data_dir: Path | None = None) -> dict:
    """The project's kv-v2 mount (named after it) and AppRole; returns {mount, role_id, secret_id}."""
    with locked(data_dir) as kv:
        kv.setdefault(MOUNTS, {}).setdefault(project, {"type": "kv", "version": "2", "created": now_iso()})
        roles = kv.setdefault(AUTH, {}).setdefault("approles", {})
        role = roles.setdefault(project, {"role_id": pysecrets.token_hex(16), "secret_id": pysecrets.token_hex(16)})
        return {"mount": project, "role_id": role["role_id"], "secret_id": role["secret_id"]}


def _new_token(kv: dict, policies: list[str], meta: dict, ttl: int) -> dict:
    token = "hvs." + pysecrets.token_urlsafe(24)
    entry = {"policies": policies, "meta": meta, "expires": time.time() + ttl, "ttl": ttl,
             "accessor": pysecrets.token_hex(12)}
    kv.setdefault(AUTH, {}).setdefault("tokens", {})[token] = entry
    return {"client_token": token, "accessor": entry["accessor"], "policies": policies, "token_policies": policies,
            "metadata": meta, "lease_duration": ttl, "renewable": True, "entity_id": "", "token_type": "service",
            "orphan": True}


def approle_login(role_id: str, secret_id: str, data_dir: Path | None = None) -> dict:
    with locked(data_dir) as kv:
        auth = kv.setdefault(AUTH, {})
        tokens = auth.setdefault("tokens", {})
        for token in [t for t, e in tokens.items() if e["expires"] < time.time()]:
            del tokens[token]
        for project, role in auth.get("approles", {}).items():
            if pysecrets.compare_digest(role["role_id"], str(role_id)) \
                    and pysecrets.compare_digest(role["secret_id"], str(secret_id)):
                return _new_token(kv, [f"project-{project}"], {"role_name": project}, TOKEN_TTL)
    raise VaultError(400, "invalid role or secret ID")


def lookup(token: str, data_dir: Path | None = None) -> dict:
    """The token's entry ({policies, meta, ...}); 403 if unknown or expired."""
    with locked(data_dir, write=False) as kv:
        auth = kv.get(AUTH, {})
        if token and auth.get("root_token") and pysecrets.compare_digest(token, auth["root_token"]):
            return {"policies": ["root"], "meta": {}, "expires": 0, "ttl": 0, "accessor": "root"}
        entry = auth.get("tokens", {}).get(token or "")
        if entry and entry["expires"] > time.time():
            return entry
    raise VaultError(403, "permission denied")


def allowed(entry: dict, mount: str) -> bool:
    return "root" in entry["policies"] or f"project-{mount}" in entry["policies"]


# ---------------------------------------------------------------------------------------------- mounts
def mounts(data_dir: Path | None = None) -> dict:
    with locked(data_dir, write=False) as kv:
        return dict(kv.get(MOUNTS, {}))


def enable_kv(mount: str, version: str = "2", data_dir: Path | None = None) -> None:
    with locked(data_dir) as kv:
        table = kv.setdefault(MOUNTS, {})
        if mount in table:
            raise VaultError(400, f"path is already in use at {mount}/")
        table[mount] = {"type": "kv", "version": str(version), "created": now_iso()}


# ---------------------------------------------------------------------------------------------- kv-v2
def _key(mount: str, path: str) -> str:
    return f"{KV}{mount}/{path.strip('/')}"


def _metadata(entry: dict) -> dict:
    versions = entry["versions"]
    return {"cas_required": False, "created_time": entry["created_time"], "current_version": entry["current"],
            "custom_metadata": entry.get("custom_metadata"), "delete_version_after": "0s", "max_versions": 0,
            "oldest_version": min(int(v) for v in versions), "updated_time": entry["updated_time"],
            "versions": {v: {k: versions[v][k] for k in ("created_time", "deletion_time", "destroyed")}
                         for v in versions}}


def _check_mount(kv: dict, mount: str) -> None:
    if mount not in kv.get(MOUNTS, {}):
        raise VaultError(404, f"no handler for route \"{mount}\". route entry not found.")


def write(mount: str, path: str, data: dict, data_dir: Path | None = None, cas: int | None = None) -> dict:
    if not isinstance(data, dict):
        raise VaultError(400, "no data provided")
    with locked(data_dir) as kv:
        _check_mount(kv, mount)
        stamp = now_iso()
        entry = kv.setdefault(_key(mount, path), {"versions": {}, "current": 0, "created_time": stamp})
        if cas is not None and int(cas) != entry["current"]:
            raise VaultError(400, "check-and-set parameter did not match the current version")
        entry["current"] += 1
        entry["updated_time"] = stamp
        entry["versions"][str(entry["current"])] = {"data": dict(data), "created_time": stamp, "deletion_time": "",
                                                    "destroyed": False}
        return {"created_time": stamp, "custom_metadata": entry.get("custom_metadata"), "deletion_time": "",
                "destroyed": False, "version": entry["current"]}


def read(mount: str, path: str, version: int | None = None, data_dir: Path | None = None) -> dict:
    with locked(data_dir, write=False) as kv:
        _check_mount(kv, mount)
        entry = kv.get(_key(mount, path))
        if not entry:
            raise VaultError(404)
        number = str(version or entry["current"])
        found = entry["versions"].get(number)
        if not found or found["deletion_time"] or found["destroyed"]:
            raise VaultError(404)
        meta = {"created_time": found["created_time"], "custom_metadata": entry.get("custom_metadata"),
                "deletion_time": "", "destroyed": False, "version": int(number)}
        return {"data": dict(found["data"]), "metadata": meta}


def metadata(mount: str, path: str, data_dir: Path | None = None) -> dict:
    with locked(data_dir, write=False) as kv:
        _check_mount(kv, mount)
        entry = kv.get(_key(mount, path))
        if not entry:
            raise VaultError(404)
        return _metadata(entry)


def list_keys(mount: str, path: str, data_dir: Path | None = None) -> list[str]:
    with locked(data_dir, write=False) as kv:
        _check_mount(kv, mount)
        prefix = _key(mount, path).rstrip("/") + "/" if path.strip("/") else f"{KV}{mount}/"
        keys = set()
        for key in kv:
            if key.startswith(prefix):
                rest = key[len(prefix):]
                keys.add(rest.split("/", 1)[0] + "/" if "/" in rest else rest)
    if not keys:
        raise VaultError(404)
    return sorted(keys)


def delete_latest(mount: str, path: str, data_dir: Path | None = None) -> None:
    with locked(data_dir) as kv:
        _check_mount(kv, mount)
        entry = kv.get(_key(mount, path))
        if entry:
            entry["versions"][str(entry["current"])]["deletion_time"] = now_iso()


def delete_all(mount: str, path: str, data_dir: Path | None = None) -> None:
    with locked(data_dir) as kv:
        _check_mount(kv, mount)
        kv.pop(_key(mount, path), None)
