"""The Vault service: a training stand-in for the platform's Vault (see `vault_api.py` for the subset).

No Vault server can be had here (Vault is BSL and does not build offline; OpenBao is not served), so the
kit serves the subset of Vault's HTTP API the platform's flows use, from its own secret store (the same
kv.json that `.vault:read_secret` reads). It is labelled as a simulation wherever it shows up. A learner
with a real Vault or OpenBao sets `CPIN_VAULT_ADDR` (and `CPIN_VAULT_TOKEN`): `address()` then returns it
and the VaultStaticSecret controller talks to it instead.
"""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from grader.services import kvstore
from grader.services.base import HOST, Service


class Vault(Service):
    name = "vault"
    stands_for = "Vault (coffre de secrets) — simulation pour la formation, pas Vault"
    subset = ("API HTTP de Vault : santé, connexion jeton et AppRole, kv-v2 (lecture, écriture, versions, "
              "métadonnées) sous un montage par projet ; pas de politiques ni de JWT/OIDC")

    def argv(self, port: int) -> list[str]:
        return [sys.executable, "-m", "grader.services.vault_api", "--data-dir", str(self.data_dir),
                "--port", str(port)]

    def probe(self, port: int) -> tuple[bool, str]:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/v1/sys/health", timeout=2) as response:
                body = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as error:
            return False, f"pas de réponse ({type(error).__name__})"
        return body.get("cluster_name") == "cpin-simulation-formation", f"version {body.get('version')}"


def address(data_dir: Path | None = None) -> str:
    """The Vault the kit's flows use: `CPIN_VAULT_ADDR` if set, else the stand-in (empty if never started)."""
    if os.environ.get("CPIN_VAULT_ADDR"):
        return os.environ["CPIN_VAULT_ADDR"].rstrip("/")
    port = Vault(data_dir).port
    return f"http://{HOST}:{port}" if port else ""


def project_access(project: str, data_dir: Path | None = None) -> dict[str, str]:
    """What the console hands a project: the Vault address, its kv-v2 mount, its AppRole (created if needed)."""
    from grader.cluster.envs import namespace_name

    namespace_name(project, "x")                # same name rules as the console (French error otherwise)
    access = kvstore.ensure_project(project, data_dir)
    return {"VAULT_ADDR": address(data_dir), "VAULT_MOUNT": access["mount"], "VAULT_ROLE_ID": access["role_id"],
            "VAULT_SECRET_ID": access["secret_id"]}
