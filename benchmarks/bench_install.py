"""Installing the kit's Python environment: uv from requirements.lock (what `make venv` does) against
`pip install -e '.[dev]'` (what the Makefile did before), cold (empty download cache) and warm.

Same run, same machine, each side into a fresh venv of its own in a temp dir; the cold runs use an
empty cache dir of their own, the warm runs the cache the cold run just filled. Prints wall times and
the ratio pip/uv. Usage: `python benchmarks/bench_install.py [--uv PATH]` (default: the Makefile's uv
under CPIN_CACHE). Needs PyPI.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.monotonic()
    subprocess.run(argv, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def pip_install(root: Path, cache: Path) -> float:
    venv = root / f"pip-{time.monotonic_ns()}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PIP_CACHE_DIR": str(cache), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return timed([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-e", ".[dev]"], env)


def uv_install(root: Path, cache: Path, uv: str) -> float:
    venv = root / f"uv-{time.monotonic_ns()}"
    env = {**os.environ, "UV_CACHE_DIR": str(cache)}
    start = time.monotonic()
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True, env=env)
    python = str(venv / "bin" / "python")
    timed([uv, "pip", "install", "--quiet", "--python", python, "-r", "requirements.lock"], env)
    timed([uv, "pip", "install", "--quiet", "--python", python, "--no-deps", "-e", "."], env)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cache_dir = Path(os.environ.get("CPIN_CACHE") or Path.home() / ".cache" / "cpin")
    parser.add_argument("--uv", default=str(cache_dir / "uv-0.13.8" / "bin" / "uv"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cpin-bench-install-") as tmp:
        root = Path(tmp)
        rows = {}
        for name, install in (("pip", pip_install), ("uv", lambda r, c: uv_install(r, c, args.uv))):
            cache = root / f"{name}-cache"
            rows[name] = (install(root, cache), install(root, cache))
    print(f"{'':6} {'cold':>8} {'warm':>8}")
    for name, (cold, warm) in rows.items():
        print(f"{name:6} {cold:7.1f}s {warm:7.1f}s")
    print(f"pip/uv {rows['pip'][0] / rows['uv'][0]:7.1f}× {rows['pip'][1] / rows['uv'][1]:7.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
