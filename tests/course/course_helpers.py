"""Helpers of the course tests: build a throwaway course, fabricate submissions (imported by the tests)."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from grader.config import REPO_ROOT

DATA = Path(__file__).parent / "data"
ASSIGNMENT = "t1-python"

# The answer of the test assignment t2-grade: a Pod manifest, well written (GOOD) or on `latest`.
GOOD = """apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: nginx:1.27.3
      resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 128Mi}}
"""
LATEST = GOOD.replace("nginx:1.27.3", "nginx:latest")


def writes(manifest: str) -> str:
    """A learner cell that writes `manifest` to pod.yaml."""
    return f"open('pod.yaml', 'w').write('''{manifest}''')"


def build_course(root: Path, notebooks: Path = DATA / "notebooks", assignments: list[str] | None = None):
    """Course dir with the repo's nbgrader_config.py, generated from `notebooks`."""
    from grader.course import generate, layout

    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "course" / "nbgrader_config.py", root / "nbgrader_config.py")
    course = layout.load(root)
    generate.generate(course, notebooks, assignments)
    return course


def release_nb(course, assignment: str = ASSIGNMENT, name: str | None = None):
    return nbformat.read(course.step("release") / assignment / f"{name or assignment}.ipynb", as_version=4)


def answer(nb, answers: dict[str, str]):
    """Write the learner's answers into the answer cells named by grade id."""
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def insert_after(nb, grade_id: str, source: str):
    """Add a learner cell (no metadata) right after the cell `grade_id`."""
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    return nb


def submit(course, student: str, nb=None, *, text: str | None = None, assignment: str = ASSIGNMENT,
           files: dict[str, bytes] | None = None) -> Path:
    """Put a submission where `nbgrader collect` would: submitted/<student>/<assignment>/."""
    folder = course.step("submitted") / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    path.write_text(text if text is not None else nbformat.writes(nb))
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    for name, content in (files or {}).items():
        (folder / name).write_bytes(content)
    return folder


CARRE = "def carre(x):\n    return x * x"
SALUER = "def saluer(nom):\n    return f\"Bonjour {nom} !\""
LABELS = "LABELS = {\"app\": \"web\", \"env\": \"dev\", \"tier\": \"front\"}"
COMPLETE = {"carre-reponse": CARRE, "saluer-reponse": SALUER, "labels-reponse": LABELS}


def interruptible() -> None:
    """`preexec_fn` for a grading run a test will Ctrl-C: SIGINT back to its default. A shell without job
    control starts background commands with SIGINT ignored, and children inherit that (pytest run with `&`)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)
