"""The secret operators' process: follow the kit's active cluster, install the CRDs, reconcile.

Run by the `secrets-operators` service (`grader/services/operators.py`), never by hand:
`python -m grader.operators.loop --data-dir D [--interval S]`. At each pass it reads which cluster is
active in the data dir (none: it waits), connects to it, installs the CRDs once per cluster, and reconciles
every SopsSecret and VaultStaticSecret with that cluster's age key. It polls instead of watching (a few
objects per learner cluster): a plain apply, an Argo CD sync or a delete is seen at the next pass. Its
log holds object names and status messages only, never a value.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.operators.loop")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args(argv)

    from grader import sops
    from grader.cluster.lifecycle import ActiveCluster
    from grader.errors import CpinError
    from grader.operators import crds, sopssecret, vaultstaticsecret

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    log = lambda line: print(line, flush=True)  # noqa: E731
    heartbeat = args.data_dir / "services" / "secrets-operators" / "heartbeat"
    cluster, ready, last_error = ActiveCluster(args.data_dir, log), False, ""
    heartbeat.parent.mkdir(parents=True, exist_ok=True)
    while not stop:
        error_text = ""
        try:
            if cluster.refresh():
                ready = False
            kube = cluster.kube
            if kube is not None and not ready:
                crds.install(kube)
                ready = True
                log("crds: installed")
            if ready:
                key = sops.ensure_key(args.data_dir)
                sopssecret.reconcile_all(kube, key, log)
                vaultstaticsecret.reconcile_all(kube, args.data_dir, log)
        except CpinError as error:
            error_text = error.message_fr
        except Exception as error:  # keep the loop alive; the type only, never object contents
            error_text = f"unexpected {type(error).__name__}"
        if error_text and error_text != last_error:    # once per distinct error, not every second
            log(f"pass: {error_text}")
        last_error = error_text
        if ready or cluster.kube is None or error_text:   # alive; right after a start, only once the CRDs are served
            heartbeat.write_text(str(time.time()))
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
