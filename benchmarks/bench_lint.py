"""`cpin lint` against checkov on the same corpus: speed ratio and verdict differences.

Corpus: every manifest and Dockerfile fixture of tests/rules/data (ok and ko sides), copied `--copies`
times into a temporary folder (Helm charts and CI files are left out: checkov's Helm runner needs
network-free chart dependencies and it has no .gitlab-ci-dso.yml checks).

Timed, best of `--repeat` runs each, same machine, same run:
- cpin in-process: `grader.rules.lint_paths(corpus)` (warm, as in a notebook kernel);
- cpin CLI: `cpin lint corpus --format json` (new process: imports, schema loading, hadolint calls);
- checkov CLI, shared checks only: `checkov -d corpus --framework kubernetes dockerfile --check <shared>`;
- checkov CLI, all its checks for these frameworks.

Verdicts are compared for the checks both tools share (GROUPS below), per (file, object): "fails"
means at least one finding of the group. Usage:

    python benchmarks/bench_lint.py [--copies 5] [--repeat 3] [--checkov PATH]

checkov comes from the optional extra `bench` (`pip install -e .[bench]`), or any checkov on PATH.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "rules" / "data"

# group → (checkov check IDs, cpin rule IDs). Same intent, possibly different details (see README).
GROUPS: dict[str, tuple[set[str], set[str]]] = {
    "probes (REF 8)": ({"CKV_K8S_8", "CKV_K8S_9"}, {"require-probes", "probes-liveness-and-readiness"}),
    "requests/limits (REF 9)": ({"CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"}, {"require-resources"}),
    "image tag (REF 12)": ({"CKV_K8S_14"}, {"disallow-latest-tag"}),
    "pull policy (REF 14)": ({"CKV_K8S_15"}, {"image-pull-policy"}),
    "privileged (REF 3)": ({"CKV_K8S_16"}, {"container-no-privilege-escalation"}),
    "added capabilities (REF 3)": ({"CKV_K8S_25"}, {"container-no-added-capabilities"}),
    "Dockerfile USER (REF 1)": ({"CKV_DOCKER_3", "CKV_DOCKER_8"}, {"dockerfile-user-non-root"}),
    "Dockerfile base tag (REF 12)": ({"CKV_DOCKER_7"}, {"dockerfile-base-tag"}),
    "Dockerfile port 22 (REF 7)": ({"CKV_DOCKER_1"}, {"dockerfile-no-sshd"}),
}
SHARED_CHECKOV = sorted(set().union(*(g[0] for g in GROUPS.values())))


def build_corpus(target: Path, copies: int) -> int:
    count = 0
    for source in sorted(DATA.rglob("*")):
        if not source.is_file() or any((parent / "Chart.yaml").is_file() for parent in source.parents):
            continue
        name = source.name
        if not (name.endswith((".yaml", ".yml")) or name.startswith("Dockerfile")) or name.startswith(".gitlab-ci"):
            continue
        relative = source.relative_to(DATA)
        for copy in range(copies):
            # one folder per file: checkov only recognises files named exactly "Dockerfile"
            folder = target / f"c{copy}" / relative.parent / relative.name.replace(".", "_")
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / ("Dockerfile" if name.startswith("Dockerfile") else name))
            count += 1
    return count


def best_of(repeat: int, func) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_checkov(checkov: str, corpus: Path, checks: list[str] | None) -> list[dict]:
    command = [checkov, "-d", str(corpus), "--framework", "kubernetes", "dockerfile", "-o", "json", "--quiet",
               "--compact", "--skip-download", "--soft-fail"]
    if checks:
        command += ["--check", ",".join(checks)]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"checkov failed ({proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout or "[]")
    return data if isinstance(data, list) else [data]


def checkov_verdicts(reports: list[dict], corpus: Path) -> tuple[dict, set]:
    """(group → set of failing (file, object)), set of every (file, object) checkov looked at."""
    failing: dict[str, set] = defaultdict(set)
    seen: set = set()
    for report in reports:
        results = report.get("results") or {}
        for status in ("failed_checks", "passed_checks"):
            for check in results.get(status) or []:
                file = str(corpus / check["file_path"].lstrip("/"))
                resource = check.get("resource", "")
                if report.get("check_type") == "dockerfile":
                    obj = None
                else:
                    parts = resource.split(".")
                    obj = f"{parts[0]}/{parts[-1]}" if len(parts) >= 2 else resource
                key = (file, obj)
                seen.add(key)
                if status == "failed_checks":
                    for group, (ids, _) in GROUPS.items():
                        if check["check_id"] in ids:
                            failing[group].add(key)
    return failing, seen


def cpin_verdicts(problems: list[dict]) -> dict:
    failing: dict[str, set] = defaultdict(set)
    for problem in problems:
        obj = problem["object"]
        for group, (_, rules) in GROUPS.items():
            if problem["rule"] in rules:
                failing[group].add((problem["file"], obj))
    return failing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--checkov", default=shutil.which("checkov", path=f"{Path(sys.executable).parent}:"
                                                                        f"{os.environ.get('PATH', '')}"))
    args = parser.parse_args(argv)
    if not args.checkov:
        raise SystemExit("checkov introuvable : `pip install -e .[bench]` ou --checkov CHEMIN")
    os.environ.setdefault("CPIN_DATA", tempfile.mkdtemp(prefix="cpin-bench-data-"))

    from grader.rules import lint_paths

    with tempfile.TemporaryDirectory(prefix="cpin-bench-lint-") as tmp:
        corpus = Path(tmp)
        files = build_corpus(corpus, args.copies)
        lint_paths([corpus])                                     # warm-up (imports, schemas)
        t_inproc, problems = best_of(args.repeat, lambda: lint_paths([corpus]))
        cpin = [str(Path(sys.executable).parent / "cpin"), "lint", str(corpus), "--format", "json"]
        t_cli, proc = best_of(args.repeat, lambda: subprocess.run(cpin, capture_output=True, text=True))
        cli_problems = json.loads(proc.stdout)
        t_ck_shared, shared_reports = best_of(args.repeat, lambda: run_checkov(args.checkov, corpus, SHARED_CHECKOV))
        t_ck_all, _ = best_of(args.repeat, lambda: run_checkov(args.checkov, corpus, None))

        print(f"corpus: {files} files ({args.copies} copies of the rules fixtures), best of {args.repeat}")
        print(f"cpin lint, in-process (warm) : {t_inproc:7.2f} s   ({len(problems)} problems)")
        print(f"cpin lint, CLI               : {t_cli:7.2f} s   ({len(cli_problems)} problems)")
        print(f"checkov, shared checks only  : {t_ck_shared:7.2f} s   → ratio vs cpin CLI {t_ck_shared / t_cli:5.1f}×, "
              f"vs in-process {t_ck_shared / t_inproc:5.1f}×")
        print(f"checkov, all checks          : {t_ck_all:7.2f} s   → ratio vs cpin CLI {t_ck_all / t_cli:5.1f}×")

        ours = cpin_verdicts(cli_problems)
        theirs, seen = checkov_verdicts(shared_reports, corpus)
        print("\nverdicts per (file, object), shared checks:")
        print(f"{'group':32} {'both fail':>9} {'both pass':>9} {'cpin only':>9} {'checkov only':>12}")
        examples: dict[str, list[str]] = {}
        for group in GROUPS:
            a, b = ours.get(group, set()), theirs.get(group, set())
            dockerfile = group.startswith("Dockerfile")
            universe = {k for k in seen | a if (k[1] is None) == dockerfile}
            both = len(a & b)
            only_a, only_b = sorted(a - b, key=str), sorted(b - a, key=str)
            passes = len(universe - a - b)
            print(f"{group:32} {both:9} {passes:9} {len(only_a):9} {len(only_b):12}")
            shown = [f"cpin only   : {Path(f).relative_to(corpus)} {o or ''}" for f, o in only_a if "/c0/" in f][:4]
            shown += [f"checkov only: {Path(f).relative_to(corpus)} {o or ''}" for f, o in only_b if "/c0/" in f][:4]
            if shown:
                examples[group] = shown
        for group, lines in examples.items():
            print(f"\n{group} (first copy only):")
            for line in lines:
                print("   " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
