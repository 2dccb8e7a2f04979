"""Module 01-conteneurs's own tests (what all modules share: tests/notebooks/test_content.py).

The lint checks fail the trap Dockerfile; the notebook copies the demo app into each build context. Docker part
(a real engine, the kit's offline base image): the solutions earn full marks, and a half-fixed image that still
rewrites a file at start-up fails to start.
"""
import shutil
from types import SimpleNamespace

import pytest

from grader import exercises as registry
from grader.config import REPO_ROOT
from grader.results import Status
from grader.runner import run
from notebook_content import Module, nbgrader as _nbgrader, offline, source as _source

MODULE = "01-conteneurs"
M = Module(MODULE)


def test_the_trap_dockerfile_fails_every_graded_rule_and_shows_the_start_up_faults(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    from grader.rules import lint_paths
    exercise = registry.get("docker-depannage")
    trap = exercise.directory / "starter" / "Dockerfile.piege"
    (tmp_path / "docker-depannage").mkdir()
    shutil.copy(trap, tmp_path / "docker-depannage" / "Dockerfile")
    report = offline(exercise, tmp_path, {"lint"})
    failed = {r.check_id.rsplit("/", 1)[-1] for r in report.results if r.status is Status.FAILED}
    assert failed == {"dockerfile-user-non-root", "dockerfile-port-above-1024", "dockerfile-base-tag"}, repr(report)
    found = {p.rule for p in lint_paths([str(trap)], env_type="prod")}
    assert {"dockerfile-arbitrary-uid", "dockerfile-no-write-at-start", "dockerfile-no-runtime-install",
            "dockerfile-no-sshd", "dockerfile-logs-stdout"} <= found


def test_the_notebook_copies_the_demo_app_into_each_build_context():
    setup = next(_source(c) for c in M.cells() if _nbgrader(c).get("grade_id") == "setup")
    for exercise in M.exercises:
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
        return dataclasses.replace(mapping, exercises={**{i: "python" for i in M.ids}, **mapping.exercises})
    monkeypatch.setattr(images, "load_mapping", with_ours)
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    for exercise in M.exercises:
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
@pytest.mark.parametrize("exercise_id", M.ids)
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
