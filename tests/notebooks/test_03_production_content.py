"""Fast static checks of module 03-production: exercises load, notebook cells match them, lint checks are honest.

No cluster here: the notebook's live run (solution = full marks, starter = zero) is tests/notebooks/test_execute.py
and `cpin course validate`.
"""
import json
import re
import shutil
from types import SimpleNamespace

import pytest

from grader import exercises as registry
from grader.runner import run
from grader.checks.registry import OFFLINE
from grader.config import REPO_ROOT

MODULE = "03-production"
NOTEBOOK = REPO_ROOT / "notebooks" / MODULE / f"{MODULE}.ipynb"
EXERCISES = [e for e in registry.all_exercises() if e.module == MODULE]
IDS = [e.id for e in EXERCISES]


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_module_has_at_least_two_graded_exercises_with_two_hint_levels():
    assert len(EXERCISES) >= 2
    for exercise in EXERCISES:
        assert set(exercise.hints) == {1, 2}, exercise.id
        assert any((exercise.directory / "solution").rglob("*")), exercise.id


def test_every_test_cell_grades_one_exercise_of_this_module_with_its_points():
    graded = [c for c in _cells() if _nbgrader(c).get("grade")]
    by_id = {e.id: e for e in EXERCISES}
    seen = []
    for cell in graded:
        meta = _nbgrader(cell)
        match = re.fullmatch(r'from grader import grade\ngrade\("([a-z0-9-]+)"\)', _source(cell))
        assert match, meta["grade_id"]
        exercise_id = match.group(1)
        assert exercise_id in by_id, exercise_id
        assert meta["grade_id"] == f"test_{exercise_id}" and meta["locked"] and not meta["solution"]
        assert meta["points"] == by_id[exercise_id].points
        assert cell["metadata"]["cpin"] == {"exercise": exercise_id, "skill": by_id[exercise_id].skill}
        seen.append(exercise_id)
    assert sorted(seen) == sorted(IDS)


def test_solution_cells_have_markers_and_grade_ids_are_unique():
    cells = _cells()
    ids = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c)]
    assert len(ids) == len(set(ids))
    solutions = [c for c in cells if _nbgrader(c).get("solution")]
    assert solutions
    for cell in solutions:
        lines = _source(cell).splitlines()
        assert "### BEGIN SOLUTION" in lines and "### END SOLUTION" in lines, _nbgrader(cell)["grade_id"]


def test_every_learner_file_is_written_by_the_notebook_or_shipped_beside_it():
    written = {m.group(1) for c in _cells() for m in re.finditer(r"^%%writefile (\S+)", _source(c), re.M)}
    for exercise in EXERCISES:
        for rel in exercise.learner_files:
            assert rel in written or (NOTEBOOK.parent / "fournis").is_dir(), rel


def test_writefile_cells_hold_the_reference_solution():
    for cell in _cells():
        source = _source(cell)
        match = re.match(r"%%writefile (\S+)\n### BEGIN SOLUTION\n(.*)\n### END SOLUTION$", source, re.S)
        if not match:
            continue
        exercise_id, _, rest = match.group(1).partition("/")
        reference = registry.get(exercise_id).directory / "solution" / rest
        assert reference.is_file(), reference
        assert match.group(2).strip() == reference.read_text(encoding="utf-8").strip(), reference


def test_every_rule_id_exists():
    from grader import rules
    for exercise in EXERCISES:
        named = list(exercise.rules) + [r for c in exercise.checks if c.type == "lint" for r in c.params.get("rules", [])]
        for rule_id in named:
            rules.get(rule_id)  # raises on an unknown id


def test_a_recap_cell_names_the_rules():
    recap = [c for c in _cells() if c["cell_type"] == "markdown" and "Récapitulatif" in _source(c)]
    assert recap and "| Règle" in _source(recap[0])


def _stage(exercise, tmp_path, with_solution: bool):
    """The learner's work dir: shipped files (fournis) copied as the notebook does, plus the solution."""
    fournis = NOTEBOOK.parent / "fournis"
    for rel in exercise.learner_files:
        top = rel.split("/")[1] if rel.count("/") >= 2 else None
        if top and (fournis / top).is_dir() and not (tmp_path / exercise.id / top).exists():
            source = fournis / top
            shutil.copytree(source, tmp_path / exercise.id / top)
    (tmp_path / exercise.id).mkdir(exist_ok=True)
    if with_solution:
        shutil.copytree(exercise.directory / "solution", tmp_path / exercise.id, dirs_exist_ok=True)
    else:  # what nbgrader's release version writes: its code stub
        for rel in exercise.learner_files:
            target = tmp_path / rel
            if target.suffix in (".yaml", ".yml") and "fournis" not in str(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                if not (fournis.is_dir() and target.exists() and "depannage" in exercise.id):
                    target.write_text("# YOUR CODE HERE\nraise NotImplementedError()\n", encoding="utf-8")


def _offline_report(exercise, tmp_path):
    offline = [c for c in exercise.checks if c.type in OFFLINE]
    if not offline:
        pytest.skip("no offline check")
    trimmed = registry.Exercise(**{**exercise.__dict__, "checks": tuple(offline)})
    report, _ = run(trimmed, learner="test", work_dir=tmp_path, kube=SimpleNamespace(), capabilities={})
    return report


@pytest.mark.requires_tools("helm")
@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_static_checks_pass_on_the_solution(exercise, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    _stage(exercise, tmp_path, with_solution=True)
    report = _offline_report(exercise, tmp_path)
    assert report.points == report.max_points > 0, repr(report)


@pytest.mark.requires_tools("helm")
@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_static_checks_give_nothing_to_the_starter(exercise, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    _stage(exercise, tmp_path, with_solution=False)
    report = _offline_report(exercise, tmp_path)
    assert report.points == 0 and report.max_points > 0, repr(report)
