"""Latency of a typical `check()` against a bare `kubectl get -o json` of the same objects, same run.

Starts (or reuses, with --data-dir) the kit's local control plane, applies the solution of the
example exercises, then times N warm `grader.check(...)` calls (what a notebook cell does: the
kernel has already imported the client) and N `kubectl get ... -o json` of the objects each check
reads. Prints p50/p90 and the ratio of medians. Run: `python benchmarks/bench_check.py [-n 15]`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CASES = {  # exercise → (learner file to apply, objects a kubectl user would fetch to check it by hand)
    "exemple-acces": ("rbac.yaml", ["resourcequotas,deployments,replicasets,pods,events,serviceaccounts,roles,rolebindings"]),
    "exemple-web": ("web.yaml", ["deployments,services,configmaps,ingresses,endpointslices,pods,events"]),
}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=15)
    parser.add_argument("--data-dir", help="reuse a running kit cluster (its CPIN_DATA)")
    args = parser.parse_args()
    own = not args.data_dir
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="cpin-bench-"))
    os.environ["CPIN_DATA"] = str(data_dir)
    os.environ["CPIN_LEARNER"] = "bench"
    from grader.cluster import lifecycle
    if own:
        started = time.monotonic()
        lifecycle.up("local", data_dir=data_dir)
        print(f"cluster local démarré en {time.monotonic() - started:.1f} s")
    work = Path(tempfile.mkdtemp(prefix="cpin-bench-work-"))
    os.chdir(work)
    try:
        import grader
        from grader import exercises, tools
        from grader.cluster import guard
        target = guard.resolve()
        kubectl = str(tools.find("kubectl"))
        for exercise_id, (learner_file, objects) in CASES.items():
            exercise = exercises.get(exercise_id)
            grader.reset(exercise_id)
            if learner_file:
                shutil.copy(exercise.directory / "solution" / learner_file, work / learner_file)
                grader.apply(learner_file, exercise=exercise_id)
            report = grader.check(exercise_id)            # warm-up (imports, connection pool)
            namespace = exercise.namespace("bench")
            argv = [kubectl, "--kubeconfig", str(target.kubeconfig), "--context", target.context, "-n", namespace,
                    "get", *objects, "-o", "json"]
            subprocess.run(argv, check=True, capture_output=True)
            check_times, kubectl_times = [], []
            for _ in range(args.n):
                start = time.perf_counter()
                grader.check(exercise_id)
                check_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                subprocess.run(argv, check=True, capture_output=True)
                kubectl_times.append(time.perf_counter() - start)
            p50c, p50k = statistics.median(check_times), statistics.median(kubectl_times)
            live = sum(1 for c in exercise.checks if c.type not in ("lint", "docker"))
            print(f"{exercise_id}: {len(report.results)} résultats ({live} contrôles vivants), n={args.n}")
            print(f"  check()          p50 {p50c * 1000:7.1f} ms  p90 {percentile(check_times, .9) * 1000:7.1f} ms")
            print(f"  kubectl get json p50 {p50k * 1000:7.1f} ms  p90 {percentile(kubectl_times, .9) * 1000:7.1f} ms")
            print(f"  ratio des médianes check/kubectl : {p50c / p50k:.2f}")
    finally:
        if own:
            lifecycle.down("local", data_dir=data_dir)
            shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
