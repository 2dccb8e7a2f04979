"""A batch that survives: a grading process that dies, a locked or damaged gradebook, a full disk,
Ctrl-C. Each costs one submission (with a French line) or stops cleanly, and the next run resumes."""
from __future__ import annotations

import glob
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import pytest

import hostile_notebooks as nbs
from course_helpers import DATA, answer, build_course, insert_after, interruptible, release_nb, submit
from hostile_helpers import T2, sandbox_uid_processes
from grader.course import autograde, layout, workers

pytestmark = pytest.mark.slow
OPTIONS = autograde.Options(workers=2, cell_timeout=30, budget=60)


def _work(job: int) -> int:
    if job == 2:
        os.kill(os.getpid(), signal.SIGKILL)      # what the OOM killer or a stray `kill -9` does
    if job == 3:
        os._exit(3)                                # an interpreter that crashes
    return job * 10


def test_a_dead_grading_process_costs_its_job_only():
    results = dict(workers.run([1, 2, 3, 4, 5], _work, workers=2, lost=lambda job, reason: reason))
    assert {k: v for k, v in results.items() if k not in (2, 3)} == {1: 10, 4: 40, 5: 50}
    assert "signal 9" in results[2] and "code 3" in results[3] and "relancez" in results[2]


def _good(course):
    return answer(release_nb(course, T2), {"image-reponse": nbs.writes(nbs.GOOD)})


def _scores(course) -> dict:
    with layout.open_gradebook(course) as gb:
        return {s.id: gb.find_submission(T2, s.id).score for s in gb.students}


def test_a_locked_gradebook_fails_the_copies_then_the_batch_resumes(course_env):
    course = build_course(course_env / "verrou", DATA / "notebooks", [T2])
    for student in ("a", "b"):
        submit(course, student, _good(course), assignment=T2)
    autograde.grade(course, T2, students=["a"], options=OPTIONS)       # the gradebook exists, "a" is in
    lock = sqlite3.connect(course.root / "gradebook.db", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        outcome, = autograde.grade(course, T2, students=["b"], options=OPTIONS)
    finally:
        lock.close()
    assert outcome.status == "error" and outcome.score == 2
    assert any("carnet de notes verrouillé ou endommagé" in n and "relancez" in n for n in outcome.notes)
    assert not (course.step("autograded") / "b").exists()               # nothing half-saved
    assert autograde.read_record(course, T2, "b") is None
    again = {o.student: (o.status, o.score) for o in autograde.grade(course, T2, options=OPTIONS)}
    assert again == {"a": ("skipped", 2), "b": ("ok", 2)}
    assert _scores(course) == {"a": 2, "b": 2}


def test_a_damaged_gradebook_fails_each_copy_with_a_french_line(course_env):
    course = build_course(course_env / "abime", DATA / "notebooks", [T2])
    submit(course, "a", _good(course), assignment=T2)
    submit(course, "b", release_nb(course, T2), assignment=T2)
    (course.root / "gradebook.db").write_bytes(b"ceci n'est pas une base" * 100)
    outcomes = autograde.grade(course, T2, options=OPTIONS)
    assert [(o.student, o.status) for o in outcomes] == [("a", "error"), ("b", "error")]
    assert all(any("carnet de notes" in n for n in o.notes) for o in outcomes)
    assert not course.step("autograded").exists() or not any(course.step("autograded").iterdir())


@pytest.mark.skipif(os.geteuid() != 0, reason="monter un tmpfs demande root")
def test_a_full_disk_fails_the_copies_then_the_batch_resumes(course_env):
    root = course_env / "disque"
    root.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(root)]).returncode != 0:
        pytest.skip("tmpfs impossible à monter ici")
    try:
        course = build_course(root / "cours", DATA / "notebooks", [T2])
        submit(course, "a", _good(course), assignment=T2)
        filler = root / "plein"
        with open(filler, "wb") as out:
            try:
                while True:
                    out.write(b"\0" * 65536)
            except OSError:
                pass
        outcome, = autograde.grade(course, T2, options=OPTIONS)
        assert outcome.status == "error" and any("non enregistrée" in n for n in outcome.notes)
        filler.unlink()
        outcome, = autograde.grade(course, T2, options=OPTIONS)
        assert (outcome.status, outcome.score) == ("ok", 2)
    finally:
        subprocess.run(["umount", "-l", str(root)])


SLOW = "import time\ntime.sleep(120)"


def test_ctrl_c_stops_cleanly_and_the_run_resumes(course_env):
    course = build_course(course_env / "interrompu", DATA / "notebooks", [T2])
    for student in ("a", "b", "c"):
        submit(course, student, insert_after(_good(course), "image-reponse", SLOW), assignment=T2)
    tmp = course_env / "tmp-interrompu"
    tmp.mkdir()
    env = {**os.environ, "CPIN_COURSE": str(course.root), "TMPDIR": str(tmp)}
    grading = subprocess.Popen([sys.executable, "-m", "grader.cli", "course", "grade", T2, "--cluster", "none",
                                "--workers", "2", "--cell-timeout", "200", "--timeout", "300"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=interruptible)
    while grading.poll() is None and len(_kernels_sleeping()) < 2:   # both sandboxes are in the slow cell
        time.sleep(0.5)
    os.killpg(grading.pid, signal.SIGINT)                 # what the terminal sends on Ctrl-C
    out, err = grading.communicate(timeout=120)
    assert grading.returncode == 130 and "Interrompu" in err, out + err
    assert "Traceback" not in err, err[:1500]
    assert _kernels_sleeping() == [] and list(tmp.iterdir()) == []
    resumed = autograde.grade(course, T2, options=autograde.Options(workers=2, cell_timeout=2, budget=60))
    assert {o.student: (o.status, o.score) for o in resumed} == {s: ("ok", 2) for s in "abc"}


def _kernels_sleeping() -> list[str]:
    """Sandboxed processes in the slow cell (the kernels of this test)."""
    out = []
    for entry in sandbox_uid_processes():
        pid = entry.split()[0]
        try:
            wchan = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if b"ipykernel" in wchan:
            out.append(pid)
    return out
