"""The secret operators of the platform, as one Python process: SopsSecret and VaultStaticSecret.

Stands in for isindir/sops-secrets-operator and HashiCorp's Vault Secrets Operator (subsets: see
`grader/operators/sopssecret.py` and `vaultstaticsecret.py`). It runs on the host and follows the kit's
active cluster (it waits while none is up), with the cluster's age private key read from
`<data dir>/age/` (never copied into the cluster). It listens on no port: its probe is a heartbeat file
the loop rewrites after each pass, once the CRDs are served (the port the lifecycle records stays unused).
"""
from __future__ import annotations

import sys

from grader.services.base import HeartbeatService


class SecretsOperators(HeartbeatService):
    name = "secrets-operators"
    stands_for = "sops-secrets-operator et Vault Secrets Operator (opérateurs de secrets)"
    subset = ("SopsSecret (clé age du cluster) et VaultStaticSecret (kv-v2) → Secret ; "
              "interrogation toutes les secondes, sans webhook ni métriques")
    start_timeout = 60.0     # healthy once the CRDs are served on the active cluster

    def argv(self, port: int) -> list[str]:
        return [sys.executable, "-m", "grader.operators.loop", "--data-dir", str(self.data_dir)]
