"""Grading at cohort scale: `cpin course grade` of N submissions of a live-cluster assignment, each in its own
fence (namespaces + a ServiceAccount that sees only them), against sequential `nbgrader autograde` in the same run.

The assignment is the course tests' `t4-cluster` (the learner creates a ConfigMap in their namespace; the graded
cell is the grader's own reading of the cluster). Half the submissions answer, half are blank; one local control
plane (kwok nodes) serves both sides, started here unless `--data-dir` names a running one.
- baseline: for each submission in turn, the same fence opened by hand, then `nbgrader autograde t4-cluster
  --student S --force` with that fence's kubeconfig (nbgrader has one environment per run, so a namespace per
  learner means one run per learner), then the fence closed;
- cpin: `grader.course.autograde.grade(..., workers=N)` (forked workers, a bubblewrap sandbox per kernel, the fence
  opened and closed per submission), and with `--one` with one worker.
Both gradebooks must hold the same totals (answered: 1, blank: 0). `--baseline K` grades only the first K with
nbgrader (compared per submission: sequential runs grow linearly). Usage:
`python benchmarks/bench_grading_cluster.py [-n 100] [--workers 2] [--baseline K] [--one] [--data-dir DIR]`.
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
DATA = REPO / "tests" / "course" / "data"
ASSIGNMENT = "t4-cluster"
CREATE = 'core.create_namespaced_config_map(NS, {"metadata": {"name": "reponse"}, "data": {"ok": "oui"}})'


def fabricate(course, count: int) -> dict[str, float]:
    """`count` submissions, every other one answered; the expected total of each."""
    import nbformat

    expected = {}
    for i in range(count):
        nb = nbformat.read(course.step("release") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
        answered = i % 2 == 0
        for cell in nb.cells:
            if answered and cell.metadata.get("nbgrader", {}).get("grade_id") == "configmap-reponse":
                cell.source = CREATE
        student = f"apprenant{i:03d}"
        folder = course.step("submitted") / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        expected[student] = 1.0 if answered else 0.0
    return expected


def nbgrader_side(course_dir: Path, students: list[str], admin, data_dir: Path) -> float:
    """Sequential nbgrader, one run per learner, each in the same kind of fence cpin opens."""
    from grader.cluster import guard
    from grader.course import autograde, fence, layout

    start = time.perf_counter()
    for student in students:
        learner = autograde.learner_id(student)
        home = course_dir / ".fences" / learner
        (home / "local").mkdir(parents=True)
        opened = fence.open_fence(admin, learner, autograde.namespaces_for(learner, ASSIGNMENT),
                                  home / "local" / "kubeconfig", context=admin.context, assignment=ASSIGNMENT)
        try:
            guard.record_identity("local", home)
            env = {**os.environ, "PATH": layout.venv_path(), "CPIN_DATA": str(home), "CPIN_LEARNER": learner,
                   "KUBECONFIG": str(opened.kubeconfig), "CPIN_NAMESPACE": opened.namespaces[0]}
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", student,
                            "--force"], cwd=course_dir, check=True, capture_output=True, env=env)
        finally:
            fence.close(opened)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=100, help="submissions (default 100)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline", type=int, default=0,
                        help="grade only the first N submissions with nbgrader (default: all); per submission, compared")
    parser.add_argument("--one", action="store_true", help="also time cpin with one worker")
    parser.add_argument("--data-dir", type=Path, help="a running local control plane (default: start one)")
    args = parser.parse_args()

    from bench_cohort import percentile       # this script's folder is on sys.path
    from bench_grading import totals
    from grader.cluster import lifecycle
    from grader.course import autograde, fence, generate, layout

    base = Path(tempfile.mkdtemp(prefix="cpin-bench-grading-cluster-"))
    data_dir = args.data_dir or base / "cluster"
    os.environ.update({"CPIN_DATA": str(data_dir), "CPIN_EXCHANGE": str(base / "exchange"),
                       "CPIN_EXERCISES": str(DATA / "exercises")})
    started = args.data_dir is None
    try:
        backend = lifecycle.up("local", data_dir=data_dir).backend if started else lifecycle.get("local", data_dir=data_dir)
        admin = fence.Admin(backend.kubeconfig(), backend.context)
        capabilities = frozenset(k for k, v in backend.capabilities.items() if v)
        template = base / "template"
        template.mkdir()
        shutil.copy(REPO / "course" / "nbgrader_config.py", template / "nbgrader_config.py")
        course = layout.load(template)
        generate.generate(course, DATA / "cluster-notebooks", [ASSIGNMENT])
        expected = fabricate(course, args.n)
        sides = {name: base / name for name in ("nbgrader", "cpin", "one")}
        for side in sides.values():
            shutil.copytree(template, side)

        seconds, outcomes = {}, {}
        baseline = sorted(expected)[:args.baseline or args.n]
        seconds["nbgrader"] = nbgrader_side(sides["nbgrader"], baseline, admin, data_dir)
        for name, workers in (("cpin", args.workers), ("one", 1))[:2 if args.one else 1]:
            start = time.perf_counter()
            outcomes[name] = autograde.grade(layout.load(sides[name]), ASSIGNMENT, options=autograde.Options(
                workers=workers, force=True, admin=admin, capabilities=capabilities, cell_timeout=60, budget=180))
            seconds[name] = time.perf_counter() - start
        left = fence.leftovers(admin, ASSIGNMENT)
        same = {name: totals(layout.load(sides[name]), ASSIGNMENT) == {s: expected[s] for s in (baseline if name == "nbgrader" else expected)}
                for name in ("nbgrader", *outcomes)}
        errors = {name: sum(o.status != "ok" for o in outcomes[name]) for name in outcomes}
        for name in outcomes:
            for o in [o for o in outcomes[name] if o.status != "ok"][:3]:
                print(f"{name}: {o.student} {o.status}: {' | '.join(o.notes)[:400]}")
        per = sorted(o.seconds for o in outcomes["cpin"])
        print(f"\n{args.n} submissions of {ASSIGNMENT} on one local control plane, {os.cpu_count()} CPUs")
        nb_each = seconds["nbgrader"] / len(baseline)
        print(f"sequential nbgrader autograde (a fence each) : {seconds['nbgrader']:7.1f} s for {len(baseline)} "
              f"({nb_each:.2f} s/submission, {nb_each * args.n:.0f} s for {args.n}), totals right: {same['nbgrader']}")
        print(f"cpin course grade --workers {args.workers}               : {seconds['cpin']:7.1f} s "
              f"({seconds['cpin'] / args.n:.2f} s/submission), totals right: {same['cpin']}, errors: {errors['cpin']}")
        if args.one:
            print(f"cpin course grade --workers 1               : {seconds['one']:7.1f} s, totals right: "
                  f"{same['one']}, errors: {errors['one']}; from parallelism alone: {seconds['one'] / seconds['cpin']:.2f}x")
        print(f"one submission (cpin, --workers {args.workers}): p50 {statistics.median(per):.2f} s, "
              f"p95 {percentile(per, 0.95):.2f} s (fence, sandbox, kernel, checks)")
        print(f"speed-up against nbgrader (per submission): {nb_each * args.n / seconds['cpin']:.2f}x; "
              f"namespaces left behind: {len(left)}")
    finally:
        if started:
            lifecycle.down("local", data_dir=data_dir)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
