"""Peak memory of what a learner runs: the local cluster, a JupyterLab server and one notebook kernel.

Run: `python benchmarks/bench_memory.py [--notebook notebooks/02-kubernetes/02-kubernetes.ipynb]`
Samples the RSS of every process we start (and their children) every 0.2 s while:
  1. the local control plane comes up (etcd, apiserver, controller-manager, scheduler, kwok);
  2. JupyterLab starts;
  3. a module notebook (solution version) is executed in a kernel of that server's environment.
Prints the peak per phase and overall (goal: < 3 GB on an 8 GB laptop). The Docker engine and kind
node containers are not counted (module 01 / the kind backend): see the closing notes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def rss_of_tree(roots: set[int]) -> int:
    """Sum of RSS (bytes) of `roots` and all their descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack, seen = 0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class Sampler(threading.Thread):
    def __init__(self, roots: set[int]):
        super().__init__(daemon=True)
        self.roots, self.peak, self.phase_peaks, self.phase = roots, 0, {}, "start"
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            value = rss_of_tree(self.roots)
            self.peak = max(self.peak, value)
            self.phase_peaks[self.phase] = max(self.phase_peaks.get(self.phase, 0), value)
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notebook", default=str(REPO / "notebooks/02-kubernetes/02-kubernetes.ipynb"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cpin-bench-mem-"))
    os.environ["CPIN_DATA"] = str(tmp / "data")
    from grader.cluster import lifecycle

    sampler = Sampler({os.getpid()})
    sampler.start()
    jupyter = None
    try:
        sampler.phase = "cluster up"
        t0 = time.monotonic()
        lifecycle.up("local", data_dir=tmp / "data")
        state = lifecycle.get("local", data_dir=tmp / "data").status()
        sampler.roots |= {c.pid for c in state.components if c.pid}
        cluster_s = time.monotonic() - t0
        time.sleep(2)
        sampler.phase = "jupyterlab"
        jupyter = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--port=0",
                                    f"--ServerApp.root_dir={tmp}", "--ServerApp.token=bench"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sampler.roots.add(jupyter.pid)
        time.sleep(8)
        sampler.phase = "notebook"
        work = tmp / "nb"
        shutil.copytree(Path(args.notebook).parent, work)
        t1 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                                 "--ExecutePreprocessor.timeout=600", "--allow-errors",
                                 str(work / Path(args.notebook).name), "--output", str(work / "out.ipynb")],
                                cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sampler.roots.add(proc.pid)
        proc.wait()
        notebook_s = time.monotonic() - t1
    finally:
        sampler.stop.set()
        sampler.join()
        if jupyter:
            jupyter.terminate()
            jupyter.wait(10)
        lifecycle.down("local", data_dir=tmp / "data")
        shutil.rmtree(tmp, ignore_errors=True)
    mb = lambda b: f"{b / 2**20:,.0f} MiB"  # noqa: E731
    print(f"cluster up: {cluster_s:.1f} s; notebook {Path(args.notebook).name}: {notebook_s:.1f} s")
    for phase, peak in sampler.phase_peaks.items():
        print(f"peak RSS during {phase:<12} {mb(peak)}")
    print(f"overall peak RSS (kit + JupyterLab + kernel + cluster): {mb(sampler.peak)} (goal < 3072 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
