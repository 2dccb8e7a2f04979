"""Check types of the secondary chain on real pipelines (forge, registry, gitlab-ci-local, trivy):
a job pushes the image over the registry API (no Docker engine), the catalogue's scan job reads it."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from grader import ci, services
from grader.checks import registry as checks
from grader.checks.base import CheckContext
from grader.results import Status
from tests.conftest import need_tools
from tests.platform import oci
from tests.platform.test_scan_job import UPSTREAM_WHEEL, clean_layer, need_wheel
from tests.platform.test_services import group_members

PIPELINE = """\
include:
  - project: $CATALOG_PATH
    file: [vault-ci.yml, trivy-ci.yml]
stages: [read-secret, build, scan]
read_secret:
  stage: read-secret
  extends: .vault:read_secret
build:
  stage: build
  needs: [read_secret]
  script:
    - python3 oci.py "$REGISTRY_HOST" "$PROJECT_PATH/$CI_PROJECT_NAME" "{tag}" layer.tar
image_scan:
  stage: scan
  extends: .trivy:image-scan
  needs: [read_secret, build]
"""
ORDER = [".vault:read_secret", ".trivy:image-scan"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    need_tools("registry", "gitlab-ci-local", "trivy", "vulndb")
    data = tmp_path_factory.mktemp("checks-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPIN_DATA", str(data))
        mp.setenv("CPIN_LEARNER", "alice")
        rows = services.up(log=lambda m: None)
        yield
        services.down()
        for row in rows:
            assert group_members(row.pid) == []


def make_repo(path: Path, layer: bytes, *, tag: str = "$CI_COMMIT_SHORT_SHA", extra: dict | None = None) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / ".gitlab-ci-dso.yml").write_text(PIPELINE.replace("{tag}", tag))
    shutil.copy(Path(oci.__file__), path / "oci.py")
    (path / "layer.tar").write_bytes(layer)
    for name, text in (extra or {}).items():
        (path / name).write_text(text)
    git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    return path


def check(type_name: str, repo: Path, **params):
    ctx = CheckContext(kube=None, namespace="", work_dir=repo.parent)
    return checks.get(type_name)(ctx, {"repo": repo.name, **params})


def test_a_clean_pipeline_passes_every_check(platform, tmp_path):
    repo = make_repo(tmp_path / "clean-app", clean_layer())
    pipeline = ci.run(repo, log=lambda line: None)
    assert pipeline.status == "success", pipeline.problems
    for type_name, params in (("pipeline_passed", {}), ("pipeline_jobs", {"order": ORDER}),
                              ("registry_image", {}), ("scan_report", {})):
        outcome = check(type_name, repo, **params)
        assert outcome.status is Status.PASSED, (type_name, outcome.detail)
    assert check("registry_image", repo).detail.endswith(f"/alice/clean-app:{pipeline.short_sha}")
    wrong = check("pipeline_jobs", repo, order=[".trivy:image-scan", ".vault:read_secret"])
    assert wrong.status is Status.FAILED and "trop tôt" in wrong.detail

    (repo / "NOTES.md").write_text("pas encore commité\n")          # a change the pipeline has not seen
    stale = check("pipeline_passed", repo)
    assert stale.status is Status.FAILED and "cpin ci run" in stale.detail


def test_only_latest_is_refused(platform, tmp_path):
    repo = make_repo(tmp_path / "latest-app", clean_layer(), tag="latest")
    pipeline = ci.run(repo, log=lambda line: None)
    assert [i["tag"] for i in pipeline.images] == ["latest"]
    outcome = check("registry_image", repo)
    assert outcome.status is Status.FAILED and "seulement latest" in outcome.detail
    report = check("scan_report", repo)                         # scanned :<short sha>, which does not exist
    assert report.status is Status.FAILED, report.detail
    jobs = check("pipeline_jobs", repo, order=ORDER)
    assert jobs.status is Status.FAILED and "image_scan n'a pas réussi" in jobs.detail


def test_scan_report_blocks_and_accepts_a_justified_exception(platform, tmp_path):
    wheel = need_wheel(UPSTREAM_WHEEL)
    version = wheel.name.split("-")[1]
    old = make_repo(tmp_path / "old-app", oci.layer_from_wheel(wheel))
    assert ci.run(old, log=lambda line: None).status == "success"     # the job's gate is CRITICAL
    blocked = check("scan_report", old, severity=["HIGH", "CRITICAL"])
    assert blocked.status is Status.FAILED and f"CVE-2024-6345 (setuptools {version} → 70.0.0)" in blocked.detail
    assert check("scan_report", old).status is Status.PASSED           # no CRITICAL in that image

    bare = "vulnerabilities:\n  - id: CVE-2024-6345\n"
    unjustified = make_repo(tmp_path / "bare-app", oci.layer_from_wheel(wheel), extra={".trivyignore.yaml": bare})
    ci.run(unjustified, log=lambda line: None)
    outcome = check("scan_report", unjustified, severity=["HIGH"])
    assert outcome.status is Status.FAILED and "sans justification" in outcome.detail


def test_no_pipeline_yet_is_a_clear_failure(platform, tmp_path):
    repo = make_repo(tmp_path / "never-run", b"")
    outcome = check("pipeline_passed", repo)
    assert outcome.status is Status.FAILED and "aucun pipeline" in outcome.detail


def test_notebook_api_runs_the_pipeline_and_reads_the_report(platform, tmp_path, capsys, monkeypatch):
    import grader
    monkeypatch.setenv("FORCE_COLOR", "1")         # as in a Jupyter kernel (ipykernel sets it)
    wheel = need_wheel(UPSTREAM_WHEEL)
    repo = make_repo(tmp_path / "notebook-app", oci.layer_from_wheel(wheel))
    pipeline = grader.ci_run(repo, quiet=True)
    out = capsys.readouterr().out
    assert f"✔ Pipeline n° {pipeline.id} réussi en" in out and f"main, {pipeline.short_sha})" in out
    assert "read_secret              réussi" in out and "image_scan               réussi" in out
    assert "⎘ artefact de image_scan : " in out and out.rstrip().endswith("trivy-report.json")
    found = grader.trivy_report(repo)
    assert [v.id for v in found] == ["CVE-2024-6345", "CVE-2022-40897"]   # HIGH first, then MEDIUM
    assert f"HIGH     CVE-2024-6345    setuptools {wheel.name.split('-')[1]} (corrigée en 70.0.0)" in capsys.readouterr().out


def test_notebook_report_without_pipeline_is_a_french_error(platform, tmp_path):
    import grader
    from grader.errors import InputError
    with pytest.raises(InputError, match="Aucun pipeline"):
        grader.trivy_report(tmp_path / "jamais-lance")
