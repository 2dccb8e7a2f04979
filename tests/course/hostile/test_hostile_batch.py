"""One batch, honest neighbours beside hostile learners: every score is the honest one, the gradebook,
the course and the signing key are untouched, and the batch finishes clean (tests/course/hostile)."""
from __future__ import annotations

import ast
import glob
import json
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

import hostile_notebooks as nbs
from hostile_helpers import T2, digest, sandbox_uid_processes
from course_helpers import answer, insert_after, release_nb, submit
from grader import certify
from grader.config import REPO_ROOT, settings
from grader.course import autograde, layout

pytestmark = pytest.mark.slow

EXPECTED = {"honnete-a": 2, "honnete-b": 2, "faussaire": 0, "espion": 2, "saboteur": 2, "vorace": 2,
            "bavard": 2, "lien": 0, "commentaire": 0, "tueur": 0, "cellules-abimees": 2}


def _notebook(course, *cells: str, answer_text: str | None = None):
    nb = answer(release_nb(course, T2), {"image-reponse": answer_text or "pass"})
    for source in reversed(cells):
        insert_after(nb, "image-reponse", source)
    return nb


@pytest.fixture(scope="module")
def batch(hostile_course, tmp_path_factory):
    course = hostile_course
    outside = tmp_path_factory.mktemp("dehors") / "pod.yaml"
    outside.write_text(nbs.GOOD)
    key = certify.keys_dir() / certify.PRIVATE_KEY
    neighbour = course.step("submitted") / "honnete-a" / T2 / f"{T2}.ipynb"
    source = course.step("source") / T2 / f"{T2}.ipynb"
    gradebook = course.root / "gradebook.db"
    secrets = [str(key), str(key.parent), str(course.root), str(gradebook), str(source), str(neighbour),
               str(course.step("submitted")), str(outside.parent), "/root", "/work", "/var/run/docker.sock"]
    good = nbs.writes(nbs.GOOD)
    submit(course, "honnete-a", _notebook(course, answer_text=good), assignment=T2)
    submit(course, "honnete-b", _notebook(course, answer_text=good), assignment=T2)
    submit(course, "faussaire", _notebook(course, nbs.FORGER), assignment=T2)
    submit(course, "espion", _notebook(course, nbs.spy(secrets), answer_text=good), assignment=T2)
    submit(course, "saboteur", _notebook(course, nbs.SABOTEUR, answer_text=good), assignment=T2)
    submit(course, "vorace", _notebook(course, nbs.GREEDY, answer_text=good), assignment=T2)
    submit(course, "bavard", _notebook(course, nbs.CHATTY, answer_text=good), assignment=T2)
    submit(course, "lien", _notebook(course, nbs.LINKER.format(target=str(outside))), assignment=T2)
    submit(course, "commentaire", _notebook(course, answer_text=nbs.COMMENT_ONLY), assignment=T2)
    submit(course, "tueur", _notebook(course, nbs.KILLER, answer_text=good), assignment=T2)
    damaged = json.loads(nbformat.writes(_notebook(course, answer_text=good)))
    damaged["cells"][1:1] = ["pas une cellule", {"cell_type": "code", "source": 42, "metadata": {"tags": 7}},
                             {"cell_type": "bizarre", "source": ["x"]}, {"cell_type": "markdown", "attachments": 5,
                                                                         "source": "note", "metadata": {}}]
    submit(course, "cellules-abimees", text=json.dumps(damaged), assignment=T2)
    before = {"key": digest(key), "source": digest(source), "neighbour": digest(neighbour),
              "outside": digest(outside), "key_mode": key.stat().st_mode & 0o777,
              "work": set(glob.glob(f"{tempfile.gettempdir()}/cpin-grade-*"))}   # other runs' folders
    outcomes = autograde.grade(course, T2, options=autograde.Options(workers=2, cell_timeout=30, budget=90))
    return course, {o.student: o for o in outcomes}, before, key, source, neighbour, outside


def test_every_score_is_the_honest_one(batch):
    _, outcomes, *_ = batch
    assert {s: o.score for s, o in outcomes.items()} == EXPECTED
    assert all(o.status != "error" for o in outcomes.values()), {s: o.notes for s, o in outcomes.items()}


def test_the_gradebook_holds_the_honest_scores_and_nothing_else(batch):
    course, outcomes, *_ = batch
    with layout.open_gradebook(course) as gb:
        assert sorted(s.id for s in gb.students) == sorted(EXPECTED)
        assert [a.name for a in gb.assignments] == [T2]
        assert {s: gb.find_submission(T2, s).score for s in EXPECTED} == EXPECTED


def test_key_course_and_neighbours_are_untouched(batch):
    _, _, before, key, source, neighbour, outside = batch
    after = {"key": digest(key), "source": digest(source), "neighbour": digest(neighbour),
             "outside": digest(outside), "key_mode": key.stat().st_mode & 0o777,
              "work": set(glob.glob(f"{tempfile.gettempdir()}/cpin-grade-*"))}   # other runs' folders
    assert after == before and after["key_mode"] == 0o600


def _outputs(course, student: str, marker: str) -> str:
    nb = nbformat.read(course.step("autograded") / student / T2 / f"{T2}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and marker in c.source)
    return "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)


def test_the_spy_reads_and_writes_nothing_of_the_trainer(batch):
    course, *_ = batch
    loot = _outputs(course, "espion", "butin")
    assert "('REFUS'" in loot
    listed = ast.literal_eval(loot.strip())
    # only the parents of the kit's read-only mounts are listable: they hold the way to the kit, nothing else
    kit = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, REPO_ROOT, settings().cache_dir)]
    parents = {str(a) for p in kit for a in p.parents if str(a) != "/"}
    way = {part for p in kit for part in p.parts}
    assert {entry[1] for entry in listed if entry[0] == "LISTE"} <= parents
    assert all(set(entry[2]) <= way for entry in listed if entry[0] == "LISTE")
    for what in ("('LU'", "('ECRIT'", "('SQL'", "PRIVATE KEY", "BEGIN SOLUTION", "SQLite format",
                 "CPIN_COURSE", "KUBECONFIG"):
        assert what not in loot, what


def test_the_forger_s_test_cell_shows_the_grader_s_score(batch):
    course, *_ = batch
    nb = nbformat.read(course.step("autograded") / "faussaire" / T2 / f"{T2}.ipynb", as_version=4)
    test_cell = next(c for c in nb.cells if c.cell_type == "code" and 'grader.grade("t2-image")' in c.source)
    assert [o.data["text/plain"] for o in test_cell.outputs if o.output_type == "execute_result"] == ["0.0"]


def test_outputs_are_capped(batch):
    course, *_ = batch
    path = course.step("autograded") / "bavard" / T2 / f"{T2}.ipynb"
    assert path.stat().st_size < 2 * 1024 ** 2
    assert "sortie tronquée" in _outputs(course, "bavard", "sys.stdout.write")


def test_limits_held_and_nothing_outlives_the_batch(batch):
    course, _, before, *_ = batch
    told = _outputs(course, "vorace", "bytearray")
    assert "mémoire refusée" in told and "processus refusés" in told
    assert sandbox_uid_processes() == []
    assert set(glob.glob(f"{tempfile.gettempdir()}/cpin-grade-*")) - before["work"] == set()


def test_a_kernel_that_kills_itself_costs_its_own_notebook_only(batch):
    _, outcomes, *_ = batch
    assert any("noyau" in n for n in outcomes["tueur"].notes)
