"""The `ingress` service's process: follow the kit's active cluster, render haproxy.cfg, run HAProxy.

Run by `grader/services/ingress.py`, never by hand:
`python -m grader.ingress.controller --data-dir D --port P [--interval S]`. HAProxy is its child, in
master-worker mode (`-W`, same process group: stopping the service stops it). Every `interval` seconds it
lists the Ingresses, Services and EndpointSlices of all namespaces (no cluster active: no route, every
request gets the kit's 404), renders the configuration (`grader.ingress.haproxy`) and, when it changed,
checks it (`haproxy -c`), writes it and reloads HAProxy with SIGUSR2 (new workers; the old ones finish
their requests within 5 s). Admitted Ingresses get 127.0.0.1:<port> as status address (kubectl's ADDRESS).
The heartbeat file is rewritten after each pass while HAProxy runs. The log holds names, never bodies.
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader.ingress import haproxy as cfg


class Haproxy:
    """The HAProxy master process, child of the controller."""

    def __init__(self, binary: str, config: Path):
        self.binary, self.config, self.proc = binary, config, None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "-W", "-db", "-f", str(self.config)], stdin=subprocess.DEVNULL)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def problem(self, config: Path) -> str:
        """HAProxy's complaint about `config`, or "" when it is valid."""
        done = subprocess.run([self.binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True,
                              timeout=30)
        return "" if done.returncode == 0 else (done.stdout + done.stderr).strip()[-2000:]

    def reload(self) -> None:
        self.proc.send_signal(signal.SIGUSR2)

    def stop(self) -> None:
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def address(port: int) -> list[dict]:
    return [{"ip": "127.0.0.1", "ports": [{"port": port, "protocol": "TCP"}]}]


def publish_status(kube, ingresses: list[dict], port: int) -> None:
    """Set the router's address on the admitted Ingresses that do not show it yet."""
    for ing in ingresses:
        shown = ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress")
        if not cfg.admitted(ing) or shown == address(port):
            continue
        meta = ing["metadata"]
        kube.request("PATCH", f"/apis/networking.k8s.io/v1/namespaces/{meta['namespace']}/ingresses/{meta['name']}"
                     "/status", body={"status": {"loadBalancer": {"ingress": address(port)}}},
                     content_type="application/merge-patch+json", what=f"statut de l'Ingress {meta['name']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.ingress.controller")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--haproxy", default="haproxy")
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args(argv)

    from grader.cluster.lifecycle import ActiveCluster
    from grader.errors import CpinError

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    log = lambda line: print(line, flush=True)  # noqa: E731
    root = args.data_dir / "services" / "ingress"
    root.mkdir(parents=True, exist_ok=True)
    heartbeat, config, candidate = root / "heartbeat", root / "haproxy.cfg", root / "haproxy.cfg.new"
    current = cfg.render(args.port, cfg.Table())
    config.write_text(current)
    router = Haproxy(args.haproxy, config)
    router.start()
    cluster, last_error, rejected, ignored = ActiveCluster(args.data_dir, log, request_timeout=5), "", "", ()
    try:
        while not stop:
            error_text = ""
            try:
                cluster.refresh()
                kube = cluster.kube
                routes = cfg.Table()
                if kube is not None:
                    ingresses = kube.list("Ingress", record=False)
                    routes = cfg.table(ingresses, kube.list("Service", record=False),
                                       kube.list("EndpointSlice", record=False))
                    publish_status(kube, ingresses, args.port)
                if routes.ignored != ignored:
                    ignored = routes.ignored
                    for line in ignored:
                        log(f"ignored: {line}")
                text = cfg.render(args.port, routes)
                if text not in (current, rejected):
                    candidate.write_text(text)
                    problem = router.problem(candidate)
                    if problem:
                        rejected = text
                        log(f"config rejected by haproxy -c, kept the previous one:\n{problem}")
                    else:
                        candidate.replace(config)
                        router.reload()
                        current = text
                        log("routes: " + (", ".join(f"{r.host or '*'}{r.path} -> {r.backend} "
                                                      f"({len(routes.backends.get(r.backend, ()))} ready)"
                                                      for r in routes.routes) or "none"))
            except CpinError as error:
                error_text = error.message_fr
            except Exception as error:  # keep the router alive; the type only
                error_text = f"unexpected {type(error).__name__}"
            if error_text and error_text != last_error:
                log(f"pass: {error_text}")
            last_error = error_text
            if not router.alive():
                log(f"haproxy exited ({router.proc.returncode}), restarting")
                router.start()
            else:
                heartbeat.write_text(str(time.time()))
            time.sleep(args.interval)
    finally:
        router.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
