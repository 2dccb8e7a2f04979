"""Parallel isolated grading (`cpin course grade --workers 2`) against sequential `nbgrader autograde`.

Same run, same machine, same 20 submissions (a mix of complete, partial and blank copies of the test
assignment, or of `--notebooks DIR`), each side on its own copy of the freshly generated course:
- baseline: `nbgrader autograde ASSIGNMENT --force` (one process, one student after the other);
- cpin: `grader.course.autograde.grade(..., workers=N, force=True)` (one forked process per
  submission, each kernel in its own bubblewrap sandbox; scores written to the same kind of gradebook).
Also times the cpin pipeline with one worker, to separate the gain of parallelism from the leaner
pipeline (no per-notebook database round trips), and with one worker without the sandbox (`unsafe`),
to report the sandbox's overhead per submission. Prints the wall times, the ratio (goal ≥ 1.8× with 2 workers) and checks that both gradebooks hold
the same totals. Usage: `python benchmarks/bench_grading.py [-n 20] [--workers 2] [--repeat 1]`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = REPO / "tests" / "course" / "data"

ANSWERS = {  # answers for the test assignment t1-python, by kind of copy
    "complete": {"carre-reponse": "def carre(x):\n    return x * x",
                 "saluer-reponse": "def saluer(nom):\n    return f\"Bonjour {nom} !\"",
                 "labels-reponse": "LABELS = {\"app\": \"web\", \"env\": \"dev\", \"tier\": \"front\"}"},
    "partial": {"carre-reponse": "def carre(x):\n    return x * x",
                "labels-reponse": "LABELS = {\"app\": \"web\"}"},
    "blank": {},
}


def fabricate(course, assignment: str, count: int) -> None:
    import nbformat

    kinds = list(ANSWERS)
    for i in range(count):
        nb = nbformat.read(course.step("release") / assignment / f"{assignment}.ipynb", as_version=4)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            cell.source = ANSWERS[kinds[i % len(kinds)]].get(gid, cell.source)
        folder = course.step("submitted") / f"etudiant{i:02d}" / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")


def totals(course, assignment: str) -> dict[str, float]:
    from grader.course import layout

    with layout.open_gradebook(course) as gb:
        return {s.student.id: round(s.score, 4) for s in gb.assignment_submissions(assignment)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20, help="submissions (default 20)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side; the best is kept")
    parser.add_argument("--notebooks", type=Path, default=DATA / "notebooks")
    parser.add_argument("--assignment", default="t1-python")
    args = parser.parse_args()

    from grader.course import autograde, generate, layout

    base = Path(tempfile.mkdtemp(prefix="cpin-bench-grading-"))
    os.environ.update({"CPIN_DATA": str(base / "data"), "CPIN_EXCHANGE": str(base / "exchange"),
                       "CPIN_EXERCISES": str(DATA / "exercises")})
    try:
        template = base / "template"
        template.mkdir()
        shutil.copy(REPO / "course" / "nbgrader_config.py", template / "nbgrader_config.py")
        course = layout.load(template)
        generate.generate(course, args.notebooks, [args.assignment])
        fabricate(course, args.assignment, args.n)

        best_nb, best_cpin, best_one, best_bare = (float("inf"),) * 4
        for run in range(args.repeat):
            side_nb, side_cpin, side_one = base / f"nbgrader-{run}", base / f"cpin-{run}", base / f"one-{run}"
            side_bare = base / f"bare-{run}"
            for side in (side_nb, side_cpin, side_one, side_bare):
                shutil.copytree(template, side)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", args.assignment, "--force"],
                           cwd=side_nb, check=True, capture_output=True,
                           env={**os.environ, "PATH": layout.venv_path()})
            best_nb = min(best_nb, time.perf_counter() - start)
            course_cpin = layout.load(side_cpin)
            start = time.perf_counter()
            outcomes = autograde.grade(course_cpin, args.assignment,
                                       options=autograde.Options(workers=args.workers, force=True))
            best_cpin = min(best_cpin, time.perf_counter() - start)
            start = time.perf_counter()
            autograde.grade(layout.load(side_one), args.assignment, options=autograde.Options(workers=1, force=True))
            best_one = min(best_one, time.perf_counter() - start)
            start = time.perf_counter()
            autograde.grade(layout.load(side_bare), args.assignment,
                            options=autograde.Options(workers=1, force=True, unsafe=True))
            best_bare = min(best_bare, time.perf_counter() - start)
            errors = [o for o in outcomes if o.status != "ok"]
            same = totals(layout.load(side_nb), args.assignment) == totals(course_cpin, args.assignment)
            print(f"run {run + 1}: nbgrader {best_nb:.1f} s, cpin {best_cpin:.1f} s, "
                  f"same totals: {'yes' if same else 'NO'}, cpin errors: {len(errors)}")
        print(f"\n{args.n} submissions of {args.assignment}, {os.cpu_count()} CPUs")
        print(f"sequential nbgrader autograde : {best_nb:6.1f} s ({best_nb / args.n:.2f} s/submission)")
        print(f"cpin course grade --workers {args.workers} : {best_cpin:6.1f} s ({best_cpin / args.n:.2f} s/submission)")
        print(f"cpin course grade --workers 1 : {best_one:6.1f} s (same pipeline, no parallelism)")
        print(f"cpin, --workers 1, no sandbox : {best_bare:6.1f} s (--unsafe)")
        print(f"speed-up: {best_nb / best_cpin:.2f}x (goal >= 1.8x); from parallelism alone: {best_one / best_cpin:.2f}x")
        print(f"sandbox overhead: {(best_one - best_bare) / args.n:+.2f} s/submission "
              f"({100 * (best_one / best_bare - 1):+.0f} % of the sandboxed --workers 1 run)")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
