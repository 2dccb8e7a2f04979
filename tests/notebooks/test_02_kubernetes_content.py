"""Content of module 02-kubernetes: exercises load, notebook cells match them, checks are honest.

Static part (no cluster): every exercise loads, every grade cell grades one of them with its points, the
solution cells hold the reference files, rule ids exist, the lint checks pass the solutions and give nothing
to the nbgrader stub. Live part (the session's local control plane): the solution earns every checkable point
and a classic mistake (Service selector that picks no pod) loses the endpoint check.
The whole notebook's run (solution = full marks, starter = zero) is tests/notebooks/test_execute.py.
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
from grader.results import Status

MODULE = "02-kubernetes"
NOTEBOOK = REPO_ROOT / "notebooks" / MODULE / f"{MODULE}.ipynb"
EXERCISES = [e for e in registry.all_exercises() if e.module == MODULE]
IDS = [e.id for e in EXERCISES]
LINTED = [e for e in EXERCISES if any(c.type in OFFLINE for c in e.checks)]
STUB = "# YOUR CODE HERE\nraise NotImplementedError()\n"  # what nbgrader's release writes in a solution cell


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_module_has_graded_exercises_with_two_hint_levels_and_a_solution():
    assert len(EXERCISES) >= 2
    for exercise in EXERCISES:
        assert set(exercise.hints) == {1, 2}, exercise.id
        for rel in exercise.learner_files:
            name = rel.split("/", 1)[1]
            assert (exercise.directory / "solution" / name).is_file(), rel


def test_every_test_cell_grades_one_exercise_of_this_module_with_its_points():
    by_id = {e.id: e for e in EXERCISES}
    seen = []
    for cell in (c for c in _cells() if _nbgrader(c).get("grade")):
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


def test_solution_cells_write_the_reference_files_between_markers():
    cells = _cells()
    ids = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c)]
    assert len(ids) == len(set(ids))
    written = set()
    for cell in (c for c in cells if _nbgrader(c).get("solution")):
        match = re.fullmatch(r"%%writefile (\S+)\n### BEGIN SOLUTION\n(.*)\n### END SOLUTION", _source(cell), re.S)
        assert match, _nbgrader(cell)["grade_id"]
        exercise_id, _, name = match.group(1).partition("/")
        reference = registry.get(exercise_id).directory / "solution" / name
        assert match.group(2) == reference.read_text(encoding="utf-8").rstrip("\n"), reference
        written.add(match.group(1))
    assert written == {rel for e in EXERCISES for rel in e.learner_files}


def test_every_rule_id_exists_and_the_recap_names_the_rules():
    from grader import rules
    for exercise in EXERCISES:
        for rule_id in list(exercise.rules) + [r for c in exercise.checks if c.type == "lint"
                                               for r in c.params.get("rules", [])]:
            rules.get(rule_id)  # raises on an unknown id
    recap = [_source(c) for c in _cells() if c["cell_type"] == "markdown" and "Récapitulatif" in _source(c)]
    assert recap and "| Règle" in recap[0]
    for number in (12, 14, 15, 17, 18, 19, 20, 22, 24, 30):
        assert f"\n| {number} |" in recap[0], number


def test_lint_checks_only_grade_rules_that_can_fail():
    """An advice/info rule only ever warns, and a warning scores: such a sub-check could never fail."""
    from grader import rules
    for exercise in EXERCISES:
        for check in (c for c in exercise.checks if c.type == "lint"):
            assert check.params.get("envType") == "prod" and check.params.get("rules"), exercise.id
            for rule_id in check.params["rules"]:
                assert rules.get(rule_id).SEVERITY in ("audit", "enforce"), rule_id


def _offline(exercise, work_dir):
    checks = tuple(c for c in exercise.checks if c.type in OFFLINE)
    trimmed = registry.Exercise(**{**exercise.__dict__, "checks": checks})
    report, _ = run(trimmed, learner="test", work_dir=work_dir, kube=SimpleNamespace(), capabilities={})
    return report


@pytest.mark.parametrize("exercise", LINTED, ids=[e.id for e in LINTED])
def test_lint_checks_pass_the_solution_and_give_nothing_to_the_stub(exercise, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    solution, stub = tmp_path / "solution", tmp_path / "stub"
    shutil.copytree(exercise.directory / "solution", solution / exercise.id)
    for rel in exercise.learner_files:
        (stub / rel).parent.mkdir(parents=True, exist_ok=True)
        (stub / rel).write_text(STUB, encoding="utf-8")
    good = _offline(exercise, solution)
    assert good.points == good.max_points > 0, repr(good)
    bad = _offline(exercise, stub)
    assert bad.points == 0 and bad.max_points > 0, repr(bad)


def test_the_broken_catalogue_fails_every_graded_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    exercise = registry.get("k8s-depannage")
    (tmp_path / "k8s-depannage").mkdir()
    shutil.copy(exercise.directory / "starter" / "catalogue.yaml", tmp_path / "k8s-depannage" / "catalogue.yaml")
    report = _offline(exercise, tmp_path)
    failed = {r.check_id.rsplit("/", 1)[-1] for r in report.results if r.status is Status.FAILED}
    assert failed == {"cm-no-credentials", "disallow-latest-tag", "require-labels", "restrict-nodeport",
                      "name-length"}, repr(report)


# ------------------------------------------------------------------ live, on the local control plane

@pytest.fixture
def learner_env(local_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("CPIN_LEARNER", f"t02-{tmp_path.name[-8:].lower()}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _stage_and_apply(exercise_id, work_dir, text=None):
    from grader.api import apply, reset
    exercise = registry.get(exercise_id)
    reset(exercise_id, work_dir=work_dir)
    for rel in exercise.learner_files:
        target = work_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        source = exercise.directory / "solution" / rel.split("/", 1)[1]
        target.write_text(text or source.read_text(encoding="utf-8"), encoding="utf-8")
        apply(target, exercise=exercise_id)
    return exercise


@pytest.mark.cluster
def test_module_solutions_earn_every_checkable_point_live(learner_env):
    from grader.runner import scaled
    for exercise_id in ("k8s-config", "k8s-deployment", "k8s-service", "k8s-depannage"):
        exercise = _stage_and_apply(exercise_id, learner_env)
        report, _ = run(exercise, work_dir=learner_env)
        assert scaled(report, exercise.points) == exercise.points, repr(report)
        skipped = [r for r in report.results if r.status is Status.SKIPPED]
        assert all(r.check_id == "reponse-http" and "non vérifiable" in r.message for r in skipped), repr(report)


@pytest.mark.cluster
def test_a_service_whose_selector_picks_no_pod_loses_the_endpoint_check(learner_env):
    exercise = registry.get("k8s-depannage")
    fixed = (exercise.directory / "solution" / "catalogue.yaml").read_text(encoding="utf-8")
    wrong = fixed.replace("  selector: {app: catalogue}", "  selector: {app: catalog}")
    assert wrong != fixed
    exercise = _stage_and_apply("k8s-depannage", learner_env, text=wrong)
    report, _ = run(exercise, work_dir=learner_env)
    by_id = {r.check_id: r for r in report.results}
    assert by_id["points-acces"].status is Status.FAILED, repr(report)
    assert "aucun pod" in by_id["points-acces"].message
    assert by_id["deploiement"].status is Status.PASSED
