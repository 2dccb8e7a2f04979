"""`cpin course` end to end through nbgrader's own exchange: generate, validate, release, fetch and submit
(as a learner would, with nbgrader), collect, grade (progress and summary), in a tmp exchange."""
from __future__ import annotations

import getpass
import os
import subprocess
import sys

import nbformat
import pytest

from course_helpers import ASSIGNMENT, COMPLETE, DATA, answer
from grader import cli


@pytest.fixture()
def cpin(course):
    root = course.root

    def run(*argv) -> int:
        return cli.main(["course", "--course", str(root), *argv])
    return run


def test_generate_then_validate(cpin, course_env, capsys):
    assert cpin("generate", "--notebooks", str(DATA / "notebooks")) == 0
    assert "2 devoir(s) générés" in capsys.readouterr().out
    released = (course_env / "course" / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "CPIN-HIDDEN-MARKER" not in released
    assert cpin("validate", "--cluster", "none") == 0
    out = capsys.readouterr().out
    assert f"✔ {ASSIGNMENT} (solution) : 8/8, attendu 8" in out
    assert f"✔ {ASSIGNMENT} (départ) : 0/8, attendu 0" in out
    assert "4/4 vérifications réussies." in out


def test_validate_catches_a_solution_that_does_not_score(cpin, course_env, tmp_path, capsys):
    broken = tmp_path / "notebooks" / ASSIGNMENT
    broken.mkdir(parents=True)
    nb = nbformat.read(DATA / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "saluer-reponse":
            cell.source = cell.source.replace("Bonjour", "Salut")
    nbformat.write(nb, broken / f"{ASSIGNMENT}.ipynb")
    assert cpin("generate", "--notebooks", str(tmp_path / "notebooks")) == 0
    assert cpin("validate", ASSIGNMENT, "--cluster", "none") == 1
    assert f"✘ {ASSIGNMENT} (solution) : 7/8, attendu 8" in capsys.readouterr().out
    assert cpin("generate", "--notebooks", str(DATA / "notebooks")) == 0


def test_release_submit_collect_grade(cpin, course_env, tmp_path, capsys):
    assert cpin("generate", "--notebooks", str(DATA / "notebooks"), ASSIGNMENT) == 0
    assert cpin("release", ASSIGNMENT) == 0
    exchange = course_env / "exchange"
    assert (exchange / "cpin-autoformation" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
    # The learner's side, with nbgrader itself: fetch, answer, submit.
    home = tmp_path / "apprenant"
    home.mkdir()
    learner = [sys.executable, "-m", "nbgrader"]
    flags = [f"--Exchange.root={exchange}", "--CourseDirectory.course_id=cpin-autoformation"]
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])}
    subprocess.run([*learner, "fetch_assignment", ASSIGNMENT, *flags], cwd=home, env=env, check=True,
                   capture_output=True)
    path = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nbformat.write(answer(nbformat.read(path, 4), COMPLETE), path)
    subprocess.run([*learner, "submit", ASSIGNMENT, *flags], cwd=home, env=env, check=True, capture_output=True)
    assert cpin("collect", ASSIGNMENT) == 0
    student = getpass.getuser()
    assert (course_env / "course" / "submitted" / student / ASSIGNMENT / "timestamp.txt").is_file()
    capsys.readouterr()
    assert cpin("grade", ASSIGNMENT, "--student", student, "--cluster", "none", "--force") == 0
    out = capsys.readouterr().out
    assert f"[########################] 1/1 100 %  {student}  8/8  noté" in out
    assert "Étudiant" in out and "1 copie(s) : 1 noté" in out
    assert cpin("grade", ASSIGNMENT, "--student", student, "--cluster", "none") == 0
    assert "déjà noté" in capsys.readouterr().out


def test_bad_input_gives_french_errors(cpin, course_env, tmp_path, capsys):
    assert cli.main(["course", "--course", str(tmp_path), "grade", ASSIGNMENT]) == 2
    assert "n'est pas un cours nbgrader" in capsys.readouterr().err
    assert cpin("grade", "inconnu", "--cluster", "none") == 2
    assert "n'existe pas" in capsys.readouterr().err
    assert cpin("generate", "--notebooks", str(DATA / "notebooks"), "absent") == 2
    assert "Module(s) inconnu(s) : absent" in capsys.readouterr().err


def test_interrupted_run_resumes_where_it_stopped(cpin, course, capsys):
    import signal
    import tempfile

    from course_helpers import interruptible, submit
    from grader.course import autograde

    nb = answer(nbformat.read(course.step("release") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", 4), COMPLETE)
    students = [f"reprise{i}" for i in range(4)]
    for student in students:
        submit(course, student, nb)
    before = set(os.listdir(tempfile.gettempdir()))
    argv = [sys.executable, "-m", "grader.cli", "course", "--course", str(course.root), "grade", ASSIGNMENT,
            "--workers", "1", "--cluster", "none", *[a for s in students for a in ("--student", s)]]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=interruptible)
    first = proc.stdout.readline()
    while "/4" not in first and first:
        first = proc.stdout.readline()
    os.killpg(proc.pid, signal.SIGINT)                   # one submission done: Ctrl-C, as a terminal sends it
    _, err = proc.communicate(timeout=120)
    assert "1/4" in first and proc.returncode == 130 and "Interrompu" in err, err[-2000:]
    done = [s for s in students if autograde.read_record(course, ASSIGNMENT, s)]
    assert 1 <= len(done) < 4
    leftovers = {p for p in set(os.listdir(tempfile.gettempdir())) - before if p.startswith("cpin-grade-")}
    assert leftovers == set()                            # the interrupted worker cleaned its directory
    capsys.readouterr()
    assert cpin("grade", ASSIGNMENT, "--cluster", "none", *[a for s in students for a in ("--student", s)]) == 0
    progress = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[")]
    assert sorted(line.split("%")[1].split()[0] for line in progress if line.endswith("déjà noté")) == done
    assert len([line for line in progress if "  noté  (" in line]) == 4 - len(done)
