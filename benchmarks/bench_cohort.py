"""A cohort of N simulated learners against one API server: check() latency, errors, API server CPU and memory.

Starts the kit's local control plane (kwok nodes), provisions a cohort of N learners with `grader.cohort`
(each gets their fenced namespaces and kubeconfig), then every learner, with their own credentials, loops for
`--seconds`: apply the solution of `intro-configmap` (server-side apply), run its checks (`grader.runner.run`,
what `check()` does, without the attempt log), think `--think` seconds. Learners are threads spread over
`--procs` processes (so that the client side is not one GIL). Two client modes, same run:
- `nouveau` (what a kernel does today: `check()` resolves the target and builds a new ApiClient each call:
  kubeconfig parsed again, new TLS connection);
- `reutilise` (one ApiClient per learner for the whole session).
The baseline is N=1 in the same run. Run: `python benchmarks/bench_cohort.py -n 10 50 [--seconds 30]`.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
EXERCISE = "intro-configmap"
COHORT = "bench"


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def _learner_loop(learner: str, kubeconfig: str, context: str, work: str, mode: str, seconds: float,
                  think: float, out: list, errors: list) -> None:
    from grader import exercises
    from grader.cluster import kubeconfig as kc
    from grader.kube.client import Kube
    from grader.runner import run
    from grader.yamlload import safe_load

    exercise = exercises.get(EXERCISE)
    obj = safe_load((Path(work) / "intro-configmap" / "configmap.yaml").read_text(), "configmap.yaml")
    ns = exercise.namespace(learner)
    shared = Kube(kc.api_client(Path(kubeconfig), context)) if mode == "reutilise" else None
    rnd = random.Random(learner)
    time.sleep(rnd.uniform(0, think))                 # learners do not all start on the same beat
    end = time.monotonic() + seconds
    first = True
    while time.monotonic() < end:
        kube = shared or Kube(kc.api_client(Path(kubeconfig), context))
        try:
            kube.apply(obj, ns)
            start = time.monotonic()
            report, _ = run(exercise, learner=learner, work_dir=Path(work), kube=kube,
                            capabilities={"containers": True})
            if not first:                             # the first check of a kernel loads the schemas: warm-up
                out.append(time.monotonic() - start)
            first = False
            if report.points < report.max_points:
                errors.append(f"{learner}: {report.points}/{report.max_points}")
        except Exception as error:  # noqa: BLE001 - counted, the loop goes on
            errors.append(f"{learner}: {type(error).__name__}: {error}"[:200])
        finally:
            if shared is None:
                kube.api_client.close()
        time.sleep(rnd.uniform(0.5 * think, 1.5 * think))
    if shared is not None:
        shared.api_client.close()


def _worker(learners: list[str], access: str, context: str, work: str, mode: str, seconds: float, think: float,
            queue) -> None:
    out: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=_learner_loop, args=(name, f"{access}/{name}/kubeconfig", context, work, mode,
                                                            seconds, think, out, errors)) for name in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spent = os.times()
    queue.put((out, errors, spent.user + spent.system))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(n: int, access: Path, context: str, work: Path, mode: str, seconds: float, think: float, procs: int,
            apiserver: int) -> dict:
    learners = [f"a{i:03d}" for i in range(n)]
    procs = max(1, min(procs, n))
    queue = multiprocessing.get_context("fork").Queue()
    workers = [multiprocessing.get_context("fork").Process(
        target=_worker, args=(learners[i::procs], str(access), context, str(work), mode, seconds, think, queue))
        for i in range(procs)]
    cpu0, wall0, peak = _cpu_seconds(apiserver), time.monotonic(), 0
    load0 = os.getloadavg()[0]
    for worker in workers:
        worker.start()
    results = []
    while len(results) < procs:
        try:
            results.append(queue.get(timeout=0.5))
        except Exception:  # noqa: BLE001 - queue.Empty: sample memory meanwhile
            pass
        peak = max(peak, _rss(apiserver))
    for worker in workers:
        worker.join()
    wall = time.monotonic() - wall0
    latencies = [x for out, _, _ in results for x in out]
    errors = [e for _, errs, _ in results for e in errs]
    clients = sum(cpu for _, _, cpu in results) / wall
    return {"n": n, "mode": mode, "checks": len(latencies), "p50": percentile(latencies, 0.5),
            "p95": percentile(latencies, 0.95), "errors": len(errors), "error_sample": errors[:3],
            "cpu": (_cpu_seconds(apiserver) - cpu0) / wall, "rss": peak, "load": load0, "clients": clients}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think", type=float, default=2.0, help="mean pause between two checks of a learner")
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--modes", nargs="+", default=["nouveau", "reutilise"])
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="cpin-bench-cohort-"))
    os.environ["CPIN_DATA"] = str(data_dir)
    from grader import cohort, exercises
    from grader.cluster import lifecycle
    from grader.course.fence import Admin

    started = time.monotonic()
    result = lifecycle.up("local", data_dir=data_dir)
    print(f"cluster local démarré en {time.monotonic() - started:.1f} s", flush=True)
    try:
        backend = result.backend
        admin = Admin(backend.kubeconfig(), backend.context)
        access = data_dir / "acces"
        learners = [f"a{i:03d}" for i in range(max(args.n))]
        started = time.monotonic()
        cohort.provision(admin, COHORT, learners, access, days=1)
        print(f"cohorte de {len(learners)} apprenants préparée en {time.monotonic() - started:.1f} s", flush=True)
        work = data_dir / "travail"
        (work / "intro-configmap").mkdir(parents=True)
        solution = exercises.get(EXERCISE).directory / "solution" / "configmap.yaml"
        (work / "intro-configmap" / "configmap.yaml").write_text(solution.read_text())
        apiserver = next(c.pid for c in lifecycle.status("local", data_dir=data_dir).components
                         if c.name == "kube-apiserver")
        rows = []
        for n in [1, *args.n]:
            for mode in args.modes:
                row = measure(n, access, cohort.context_name(COHORT), work, mode, args.seconds, args.think,
                              args.procs, apiserver)
                rows.append(row)
                print(f"N={row['n']:>3} {row['mode']:<9} checks={row['checks']:>4} p50={row['p50'] * 1000:6.0f} ms "
                      f"p95={row['p95'] * 1000:6.0f} ms erreurs={row['errors']} api-server CPU={row['cpu']:.2f} cœur clients={row['clients']:.2f} cœur "
                      f"RSS max={row['rss'] / 2**20:.0f} Mio (charge machine au départ {row['load']:.1f})"
                      + (f" ex. {row['error_sample']}" if row["errors"] else ""), flush=True)
        print("\n| N | client | checks | p50 | p95 | erreurs | CPU api-server | RSS api-server | CPU clients | charge au départ |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            print(f"| {row['n']} | {row['mode']} | {row['checks']} | {row['p50'] * 1000:.0f} ms | "
                  f"{row['p95'] * 1000:.0f} ms | {row['errors']} | {row['cpu']:.2f} cœur | "
                  f"{row['rss'] / 2**20:.0f} Mio | {row['clients']:.2f} cœur | {row['load']:.1f} |")
    finally:
        lifecycle.down("local", data_dir=data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
