"""Time of a cold and a warm `cpin ci run` of a small app, against a bare `docker build` + `docker push`
of the same context to the same registry, same run; peak memory (RSS) of the platform services.

Cold: fresh data dir (services just started, empty registry, catalogue fetched for the first time).
Warm: the same repository after a one-line change. The baseline is what a developer would type by
hand, without CI (no forge push, no job isolation, no read_secret). Run:
`python benchmarks/bench_pipeline.py [-n 3]` (needs the `registry` and `gitlab-ci-local` tools, Docker
and the kit's `cpin/static-web` image: `cpin images prepare static-web`).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3, help="warm runs")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="cpin-bench-ci-"))
    os.environ.update(CPIN_DATA=str(data), CPIN_LEARNER="bench")

    from grader import ci, services
    from grader.services import secrets
    from tests.platform.test_pipeline import GOOD, make_repo

    peak: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            for name in services.SERVICES:
                rss = services.get(name).proc.rss_bytes()
                peak[name] = max(peak.get(name, 0), rss)

    try:
        start = time.monotonic()
        services.up(log=lambda m: None)
        up_seconds = time.monotonic() - start
        repo = make_repo(data / "app", GOOD)
        cold = ci.run(repo, log=lambda line: None)
        assert cold.status == "success", cold.problems
        warm, bare = [], []
        registry = services.get("registry")
        user, password = secrets.account(secrets.ADMIN)
        os.environ["DOCKER_CONFIG"] = str(data / "docker")      # never the user's ~/.docker
        subprocess.run(["docker", "login", "-u", user, "--password-stdin", registry.address],
                       input=password, text=True, check=True, capture_output=True)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        for i in range(args.n):
            (repo / "hello.txt").write_text(f"bonjour {i}\n")
            result = ci.run(repo, log=lambda line: None)
            assert result.status == "success", result.problems
            warm.append(result.seconds)
            tag = f"{registry.address}/bench/bare:{i}"
            t0 = time.monotonic()
            subprocess.run(["docker", "build", "-q", "-t", tag, "--build-arg", "BASE_IMAGE=cpin/static-web:1.35",
                            str(repo)], check=True, capture_output=True)
            subprocess.run(["docker", "push", "-q", tag], check=True, capture_output=True)
            bare.append(time.monotonic() - t0)
            subprocess.run(["docker", "image", "rm", tag], capture_output=True)
        done.set()
    finally:
        services.down()
    print(f"services up (cold): {up_seconds:.1f} s")
    print(f"pipeline cold: {cold.seconds:.1f} s (jobs: " +
          ", ".join(f"{j.name} {j.seconds or 0:.1f} s" for j in cold.jobs) + ")")
    print(f"pipeline warm: median {statistics.median(warm):.1f} s over {len(warm)}")
    print(f"bare docker build + push: median {statistics.median(bare):.1f} s")
    print(f"ratio warm pipeline / bare build+push: {statistics.median(warm) / statistics.median(bare):.1f}")
    for name, rss in peak.items():
        print(f"peak RSS {name}: {rss / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
