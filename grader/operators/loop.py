"""The secret operators' process: install the CRDs, then reconcile every few seconds until stopped.

Run by the `secrets-operators` service (`grader/services/operators.py`), never by hand:
`python -m grader.operators.loop --kubeconfig K --context C --key AGEKEY --data-dir D [--interval S]`.
It polls instead of watching (a few objects per learner cluster): a plain apply, an Argo CD sync or a
`kubectl delete` is seen at the next pass. Its log holds object names and status messages only.
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.operators.loop")
    parser.add_argument("--kubeconfig", required=True)
    parser.add_argument("--context", required=True)
    parser.add_argument("--key", required=True, type=Path)
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args(argv)

    from grader.cluster import kubeconfig as kc
    from grader.errors import CpinError
    from grader.kube.client import Kube
    from grader.operators import crds, sopssecret, vaultstaticsecret

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    api = kc.api_client(Path(args.kubeconfig), args.context)
    kube = Kube(api)
    log = lambda line: print(line, flush=True)  # noqa: E731
    while not stop:
        try:
            crds.install(kube)
            break
        except CpinError as error:
            log(f"crds: {error.message_fr}")
            time.sleep(args.interval)
    log("secrets-operators: ready")
    heartbeat = args.data_dir / "services" / "secrets-operators" / "heartbeat"
    while not stop:
        heartbeat.parent.mkdir(parents=True, exist_ok=True)
        heartbeat.write_text(str(time.time()))
        for name, step in (("sopssecret", lambda: sopssecret.reconcile_all(kube, args.key, log)),
                           ("vaultstaticsecret", lambda: vaultstaticsecret.reconcile_all(kube, args.data_dir, log))):
            try:
                step()
            except CpinError as error:
                log(f"{name}: {error.message_fr}")
            except Exception as error:  # keep the loop alive; the type only, never object contents
                log(f"{name}: unexpected {type(error).__name__}")
        time.sleep(args.interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
