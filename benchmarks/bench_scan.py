"""The Trivy stage of the secondary chain, without a Docker engine: time to build the training DB,
a cold and a warm pipeline `read_secret → push → .trivy:image-scan`, against a bare `trivy image`
of the same image with the same DB (the baseline, same run); peak RSS of the services meanwhile.

Run: `python benchmarks/bench_scan.py [-n 3]` (needs the `registry`, `gitlab-ci-local`, `trivy` and
`vulndb` tools). The image is the kit's own urllib3 pushed over the registry API (tests/platform/oci.py).
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
    data = Path(tempfile.mkdtemp(prefix="cpin-bench-scan-"))
    os.environ.update(CPIN_DATA=str(data), CPIN_LEARNER="bench")

    from grader import ci, services, tools, vulndb
    from grader.services import secrets
    from tests.platform.test_pipeline_checks import make_repo
    from tests.platform.test_scan_job import clean_layer

    t0 = time.monotonic()
    vulndb.build(force=True, log=lambda m: None)
    db_seconds = time.monotonic() - t0
    peak: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            for name in services.SERVICES:
                peak[name] = max(peak.get(name, 0), services.get(name).proc.rss_bytes())

    try:
        services.up(log=lambda m: None)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        repo = make_repo(data / "app", clean_layer())
        cold = ci.run(repo, log=lambda line: None)
        assert cold.status == "success", cold.problems
        registry = services.get("registry")
        user, password = secrets.account(secrets.ADMIN)
        env = {**os.environ, "TRIVY_USERNAME": user, "TRIVY_PASSWORD": password}
        warm, scan_jobs, bare = [], [], []
        for i in range(args.n):
            (repo / "NOTES.md").write_text(f"run {i}\n")
            result = ci.run(repo, log=lambda line: None)
            assert result.status == "success", result.problems
            warm.append(result.seconds)
            scan_jobs.append(next(j.seconds for j in result.jobs if j.name == "image_scan"))
            image = f"{registry.address}/bench/app:{result.short_sha}"
            t1 = time.monotonic()
            subprocess.run([str(tools.find("trivy")), "image", "--quiet", "--image-src", "remote", "--insecure",
                            "--scanners", "vuln", *vulndb.OFFLINE_FLAGS, "--cache-dir", str(vulndb.cache_dir()),
                            "--format", "json", image], env=env, check=True, capture_output=True)
            bare.append(time.monotonic() - t1)
        done.set()
    finally:
        services.down()
    print(f"training DB build (vulndb, {len(vulndb.load())} advisories): {db_seconds:.2f} s")
    print(f"pipeline cold: {cold.seconds:.1f} s (jobs: " +
          ", ".join(f"{j.name} {j.seconds or 0:.1f} s" for j in cold.jobs) + ")")
    print(f"pipeline warm: median {statistics.median(warm):.1f} s over {len(warm)}")
    print(f"scan job in the pipeline: median {statistics.median(scan_jobs):.2f} s")
    print(f"bare trivy image, same image and DB: median {statistics.median(bare):.2f} s")
    print(f"ratio scan job / bare trivy: {statistics.median(scan_jobs) / statistics.median(bare):.1f}")
    for name, rss in peak.items():
        print(f"peak RSS {name}: {rss / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
