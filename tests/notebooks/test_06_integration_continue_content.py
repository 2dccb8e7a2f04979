"""Module 06-integration-continue's own tests: the notebook's solution scores full marks and its starter zero
with real pipelines (forge, registry, gitlab-ci-local, the Docker engine, trivy and the training DB); the
provided files really hold what the notebook says they hold (what all modules share: test_content.py)."""
from __future__ import annotations

import zipfile

import pytest

from grader import images, vulndb
from grader.errors import DockerUnavailable
from grader.rules import lint_paths
from notebook_content import Module, grade_scores, source
from tests.conftest import IN_CI, need_tools

MODULE = "06-integration-continue"
M = Module(MODULE)
LAPTOP = M.exercises[0].directory.parent / "ci-depannage" / "starter" / ".gitlab-ci.yml"
WHEEL = M.exercises[0].directory.parent / "ci-trivy" / "starter" / "wheels" / "urllib3-1.22-py2.py3-none-any.whl"


@pytest.fixture(scope="module")
def platform_ready():
    need_tools("registry", "gitlab-ci-local", "trivy", "vulndb")
    try:
        client = images.docker_client()
    except DockerUnavailable as error:
        if IN_CI:
            pytest.fail(f"CI=true but Docker does not answer: {error.message_fr}")
        pytest.skip(f"Docker does not answer: {error.message_fr}")
    images.prepare(["python"], client=client)


@pytest.mark.slow
def test_solution_scores_full_marks_and_starter_zero(platform_ready, notebook_runs):
    points = M.full_marks
    assert len(points) >= 3
    run = notebook_runs.solution(M.notebook)
    assert grade_scores(run.nb) == points, run.errors()
    text = "\n".join(run.text().values())
    assert "tcp://docker:2375" in text                          # the laptop pipeline's failed job log is shown
    assert "CRITICAL CVE-2018-20060   urllib3 1.22 (corrigée en 1.23)" in text   # the report of the old image
    assert "Rapport Trivy de " in text and ": 0 vulnérabilité(s)" in text       # the fixed image scans clean
    starter = grade_scores(notebook_runs.starter(M.notebook).nb)
    assert starter == {e: 0.0 for e in points}, starter


def test_laptop_pipeline_breaks_the_rules_the_notebook_names():
    found = {(p.rule, p.severity) for p in lint_paths([LAPTOP])}
    assert {("ci-kaniko-build", "error"), ("ci-no-docker-push", "error"), ("ci-read-secret-first", "error"),
            ("ci-no-clear-secret", "error"), ("ci-file-name", "warning")} <= found, found
    text = LAPTOP.read_text()
    assert "REGISTRY_PASSWORD:" in text and ":latest" in text and "DOCKER_HOST: tcp://docker:2375" in text
    fixed = lint_paths([M.exercises[0].directory.parent / "ci-depannage" / "solution" / ".gitlab-ci-dso.yml"])
    assert not [p for p in fixed if p.severity == "error"]


def test_the_shipped_wheel_is_urllib3_1_22_hit_by_a_critical_advisory():
    with zipfile.ZipFile(WHEEL) as wheel:
        metadata = wheel.read("urllib3-1.22.dist-info/METADATA").decode()
        assert "urllib3/__init__.py" in wheel.namelist()            # the real package, not metadata alone
    assert "\nName: urllib3\n" in metadata and "\nVersion: 1.22\n" in metadata
    critical = [a for a in vulndb.load() if a.package == "urllib3" and a.severity == "CRITICAL"]
    assert [a.vulnerable for a in critical] == [("< 1.23",)]


def test_notebook_draws_the_secondary_chain_and_names_the_catalogue():
    text = "\n".join(source(c) for c in M.cells() if c["cell_type"] == "markdown")
    assert "```mermaid" in text and "$CATALOG_PATH" in text and ".vault:read_secret" in text
    for template in (".kaniko:simple-build-push", ".test:run", ".trivy:image-scan", ".trivyignore.yaml"):
        assert template in text, template
