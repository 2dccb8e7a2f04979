"""The real node of the local cluster: what it costs against the kwok-only cluster, in the same run.

Run (Linux, root, node tools built): `python benchmarks/bench_node.py [--pods 5]`
1. baseline: `cluster up` with simulated nodes only, then down;
2. `cluster up` with the real node, cold (empty OCI image cache: archives written again) and warm;
3. pod start latency on the real node: a Deployment of the demo app (readiness probed), time from
   create to Ready for each of `--pods` pods created one after the other;
4. memory: RSS of every cluster process (control plane + containerd + kubelet + kube-proxy + the
   pods' shims and containers) once the pods run.
Prints ratios against the baseline (never asserted in tests).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _up(data_dir: Path, real: str) -> float:
    from grader.cluster import lifecycle
    start = time.monotonic()
    lifecycle.up("local", data_dir=data_dir, real_node=real)
    return time.monotonic() - start


def _down(data_dir: Path) -> float:
    from grader.cluster import lifecycle
    start = time.monotonic()
    lifecycle.down("local", data_dir=data_dir)
    return time.monotonic() - start


def _pod_latencies(data_dir: Path, count: int) -> list[float]:
    from kubernetes import client

    from grader.cluster import kubeconfig as kc
    from grader.cluster.local import LocalBackend
    backend = LocalBackend(data_dir=data_dir)
    latencies = []
    with kc.api_client(backend.kubeconfig(), backend.context) as api:
        core = client.CoreV1Api(api)
        core.create_namespace({"metadata": {"name": "bench"}})
        for i in range(count):
            name = f"demo-{i}"
            start = time.monotonic()
            core.create_namespaced_pod("bench", {"metadata": {"name": name}, "spec": {"containers": [{
                "name": "app", "image": "cpin/demo-app:1.0.0", "imagePullPolicy": "IfNotPresent",
                "readinessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 1}}]}})
            while True:
                pod = core.read_namespaced_pod(name, "bench")
                if any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or []):
                    break
                if time.monotonic() - start > 120:
                    raise TimeoutError(f"{name} not Ready after 120 s")
                time.sleep(0.05)
            latencies.append(time.monotonic() - start)
    return latencies


def _cluster_rss(data_dir: Path) -> int:
    from grader.cluster import node
    from grader.cluster.local import LocalBackend
    status = LocalBackend(data_dir=data_dir).status()
    total = status.rss_bytes
    for pid in node._node_processes():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pods", type=int, default=5)
    args = parser.parse_args()
    from grader.cluster import node
    reason = node.blocker()
    if reason:
        print(f"no real node here: {reason}")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="cpin-bench-node-"))
    os.environ["CPIN_DATA"] = str(tmp / "data")
    data = tmp / "data"
    try:
        kwok_up = _up(data, "off")
        kwok_rss = _cluster_rss(data)
        kwok_down = _down(data)
        oci_cache = node.settings_cache() / "images" / "oci"
        shutil.rmtree(oci_cache, ignore_errors=True)
        cold_up = _up(data, "on")
        cold_down = _down(data)
        warm_up = _up(data, "on")
        latencies = _pod_latencies(data, args.pods)
        real_rss = _cluster_rss(data)
        warm_down = _down(data)
        clean = node.host_traces()
    finally:
        _down(data)
        shutil.rmtree(tmp, ignore_errors=True)
    mib = lambda b: f"{b / 2**20:,.0f} MiB"  # noqa: E731
    print(f"cluster up, kwok only (baseline):  {kwok_up:6.1f} s   down {kwok_down:4.1f} s   RSS {mib(kwok_rss)}")
    print(f"cluster up, real node, cold:       {cold_up:6.1f} s   down {cold_down:4.1f} s   "
          f"ratio {cold_up / kwok_up:.2f}")
    print(f"cluster up, real node, warm:       {warm_up:6.1f} s   down {warm_down:4.1f} s   "
          f"ratio {warm_up / kwok_up:.2f}")
    print(f"pod create → Ready (demo app, probed), n={len(latencies)}: median "
          f"{statistics.median(latencies):.2f} s, max {max(latencies):.2f} s")
    print(f"cluster RSS with the real node and {len(latencies)} pods: {mib(real_rss)} "
          f"(ratio {real_rss / kwok_rss:.2f} against kwok only)")
    print(f"host after down: {'clean' if not any(clean.values()) else clean}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
