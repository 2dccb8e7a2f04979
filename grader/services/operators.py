"""The secret operators of the platform, as one Python process: SopsSecret and VaultStaticSecret.

Stands in for isindir/sops-secrets-operator and HashiCorp's Vault Secrets Operator (subsets: see
`grader/operators/sopssecret.py` and `vaultstaticsecret.py`). It runs on the host and follows the kit's
active cluster (it waits while none is up), with the cluster's age private key read from
`<data dir>/age/` (never copied into the cluster). It listens on no port: its probe is a heartbeat file
the loop rewrites after each pass, once the CRDs are served (the port the lifecycle records stays unused).
"""
from __future__ import annotations

import sys
import time

from grader.services.base import Service

STALE = 60.0   # seconds without a pass before the probe says unhealthy (a loaded machine slows passes down)


class SecretsOperators(Service):
    name = "secrets-operators"
    stands_for = "sops-secrets-operator et Vault Secrets Operator (opérateurs de secrets)"
    subset = ("SopsSecret (clé age du cluster) et VaultStaticSecret (kv-v2) → Secret ; "
              "interrogation toutes les secondes, sans webhook ni métriques")
    start_timeout = 60.0     # healthy once the CRDs are served on the active cluster

    @property
    def heartbeat(self):
        return self.root / "heartbeat"

    def argv(self, port: int) -> list[str]:
        return [sys.executable, "-m", "grader.operators.loop", "--data-dir", str(self.data_dir)]

    def prepare(self, port: int) -> None:
        self.heartbeat.unlink(missing_ok=True)

    def probe(self, port: int) -> tuple[bool, str]:
        try:
            age = time.time() - float(self.heartbeat.read_text())
        except (FileNotFoundError, ValueError):
            return False, "pas encore de passage de réconciliation"
        return age < STALE, f"dernier passage il y a {age:.0f} s"
