"""Content of module 01-conteneurs: exercises load, notebook cells match them, checks are honest.

Static part: every exercise loads, every grade cell grades one of them with its points, the solution cells
hold the reference Dockerfiles, rule ids exist, the lint checks pass the solutions, give nothing to the
nbgrader stub and fail the trap Dockerfile. Docker part (a real engine, the kit's offline base image): the
solutions earn full marks, and a half-fixed image that still rewrites a file at start-up fails to start.
The whole notebook's run (solution = full marks, starter = zero) is tests/notebooks/test_execute.py.
"""
import json
import re
import shutil
from types import SimpleNamespace

import pytest

from grader import exercises as registry
from grader.runner import run
from grader.config import REPO_ROOT
from grader.results import Status

MODULE = "01-conteneurs"
NOTEBOOK = REPO_ROOT / "notebooks" / MODULE / f"{MODULE}.ipynb"
EXERCISES = [e for e in registry.all_exercises() if e.module == MODULE]
IDS = [e.id for e in EXERCISES]
LINTED = [e for e in EXERCISES if any(c.type == "lint" for c in e.checks)]
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
    for number in (1, 2, 5, 6, 7, 12, 25, 35):
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
    checks = tuple(c for c in exercise.checks if c.type == "lint")  # the docker check has its own tests below
    trimmed = registry.Exercise(**{**exercise.__dict__, "checks": checks})
    report, _ = run(trimmed, learner="test", work_dir=work_dir, kube=SimpleNamespace(), capabilities={})
    return report


@pytest.mark.parametrize("exercise", LINTED, ids=[e.id for e in LINTED])
def test_lint_checks_pass_the_solution_and_give_nothing_to_the_stub(exercise, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    solution, stub = tmp_path / "solution", tmp_path / "stub"
    shutil.copytree(exercise.directory / "solution", solution / exercise.id)
    (stub / exercise.id).mkdir(parents=True)
    for rel in exercise.learner_files:
        (stub / rel).parent.mkdir(parents=True, exist_ok=True)
        (stub / rel).write_text(STUB, encoding="utf-8")
    good = _offline(exercise, solution)
    assert good.points == good.max_points > 0, repr(good)
    bad = _offline(exercise, stub)
    assert bad.points == 0 and bad.max_points > 0, repr(bad)


def test_the_trap_dockerfile_fails_every_graded_rule_and_shows_the_start_up_faults(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    from grader.rules import lint_paths
    exercise = registry.get("docker-depannage")
    trap = exercise.directory / "starter" / "Dockerfile.piege"
    (tmp_path / "docker-depannage").mkdir()
    shutil.copy(trap, tmp_path / "docker-depannage" / "Dockerfile")
    report = _offline(exercise, tmp_path)
    failed = {r.check_id.rsplit("/", 1)[-1] for r in report.results if r.status is Status.FAILED}
    assert failed == {"dockerfile-user-non-root", "dockerfile-port-above-1024", "dockerfile-base-tag"}, repr(report)
    found = {p.rule for p in lint_paths([str(trap)], env_type="prod")}
    assert {"dockerfile-arbitrary-uid", "dockerfile-no-write-at-start", "dockerfile-no-runtime-install",
            "dockerfile-no-sshd", "dockerfile-logs-stdout"} <= found


def test_the_notebook_copies_the_demo_app_into_each_build_context():
    setup = next(_source(c) for c in _cells() if _nbgrader(c).get("grade_id") == "setup")
    for exercise in EXERCISES:
        docker = next(c for c in exercise.checks if c.type == "docker")
        assert "docker" in docker.requires
        assert docker.params["context"] == exercise.id and f'"{exercise.id}"' in setup
    assert '("app.py", "test_app.py")' in setup


# ------------------------------------------------------------------ real Docker engine


@pytest.fixture(scope="module")
def engine():
    import os
    from grader import images
    from grader.errors import DockerUnavailable
    try:
        client = images.docker_client()
    except DockerUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Docker does not answer: {error.message_fr}")
        pytest.skip(f"Docker does not answer: {error.message_fr}")
    images.prepare(["python"], client=client)  # the offline base; skipped when already built
    return client


@pytest.fixture
def mapped(engine, monkeypatch, tmp_path):
    """The module's exercises resolve to the kit's python base (exercises/images.yaml, added here if missing)."""
    import dataclasses
    from grader import images
    original = images.load_mapping

    def with_ours(*args, **kwargs):
        mapping = original(*args, **kwargs)
        return dataclasses.replace(mapping, exercises={**{i: "python" for i in IDS}, **mapping.exercises})
    monkeypatch.setattr(images, "load_mapping", with_ours)
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    for exercise in EXERCISES:
        (tmp_path / exercise.id).mkdir()
        for name in ("app.py", "test_app.py"):
            shutil.copy(REPO_ROOT / "exercises" / "app" / name, tmp_path / exercise.id / name)
    return tmp_path


def _docker_report(exercise_id, work_dir):
    exercise = registry.get(exercise_id)
    report, _ = run(exercise, learner="t01", work_dir=work_dir, kube=SimpleNamespace(), capabilities={})
    return exercise, report


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", IDS)
def test_solution_images_build_run_and_earn_full_marks(mapped, exercise_id):
    from grader.runner import scaled
    shutil.copy(registry.get(exercise_id).directory / "solution" / "Dockerfile", mapped / exercise_id / "Dockerfile")
    exercise, report = _docker_report(exercise_id, mapped)
    assert not [r for r in report.results if r.status is Status.SKIPPED], repr(report)
    assert scaled(report, exercise.points) == exercise.points, repr(report)


@pytest.mark.docker
@pytest.mark.slow
def test_an_image_that_still_rewrites_its_config_at_start_up_does_not_start(mapped):
    exercise = registry.get("docker-depannage")
    fixed = (exercise.directory / "solution" / "Dockerfile").read_text(encoding="utf-8")
    half_fixed = fixed.replace(
        'COPY --chown=1001:0 app.py /app/app.py',
        'COPY --chown=1001:0 app.py annuaire.conf /app/').replace(
        'CMD ["python3", "/app/app.py"]',
        'CMD sed -i "s|@MESSAGE@|${APP_MESSAGE}|" /app/annuaire.conf && exec python3 /app/app.py')
    assert half_fixed != fixed
    shutil.copy(exercise.directory / "starter" / "annuaire.conf", mapped / "docker-depannage" / "annuaire.conf")
    (mapped / "docker-depannage" / "Dockerfile").write_text(half_fixed, encoding="utf-8")
    _, report = _docker_report("docker-depannage", mapped)
    by_id = {r.check_id.rsplit("/", 1)[-1]: r for r in report.results}
    assert by_id["build"].status is Status.PASSED and by_id["user"].status is Status.PASSED, repr(report)
    assert by_id["starts"].status is Status.FAILED, repr(report)
    assert "lecture seule" in by_id["starts"].hint
    assert report.points < report.max_points
