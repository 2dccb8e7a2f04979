"""The catalogue's `.trivy:image-scan` job, end to end without a Docker engine: images are pushed to
the kit's registry over its API (tests/platform/oci.py), the pipeline runs with gitlab-ci-local, the
job scans with the kit's trivy against the training DB, and the report is kept as an artefact."""
from __future__ import annotations

import ensurepip
import json
import subprocess
from importlib.metadata import distribution
from pathlib import Path

import pytest

from grader import ci, ci_artifacts, services
from tests.conftest import need_tools
from tests.platform import oci
from tests.platform.test_services import group_members

# The upstream setuptools wheel CPython 3.11's ensurepip bundles (65.5.0): really affected by
# CVE-2022-40897 (< 65.5.1) and CVE-2024-6345 (< 70.0.0). None when this Python has no bundled wheel.
UPSTREAM_WHEEL = next(iter(sorted((Path(ensurepip.__file__).parent / "_bundled").glob("setuptools-*.whl"))), None)
# Debian 12's python3-setuptools-whl 66.1.1-1+deb12u1 (or later) carries Debian's fix of CVE-2024-6345
# (its changelog): Trivy compares upstream versions and still reports it, a false positive, which is
# what a justified exception is for.
DEBIAN_WHEEL = Path("/usr/share/python-wheels/setuptools-66.1.1-py3-none-any.whl")


def need_wheel(wheel: Path | None) -> Path:
    if wheel is None or not wheel.is_file():
        pytest.skip("no setuptools wheel here (CPython's ensurepip, or Debian's python3-setuptools-whl)")
    return wheel
PIPELINE = """\
include:
  - project: $CATALOG_PATH
    file: [vault-ci.yml, trivy-ci.yml]
stages: [read-secret, scan]
read_secret:
  stage: read-secret
  extends: .vault:read_secret
image_scan:
  stage: scan
  extends: .trivy:image-scan
  needs: [read_secret]
  variables:
    SEVERITY_GATE: HIGH
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    need_tools("registry", "gitlab-ci-local", "trivy", "vulndb")
    data = tmp_path_factory.mktemp("scan-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPIN_DATA", str(data))
        mp.setenv("CPIN_LEARNER", "alice")
        rows = services.up(log=lambda m: None)
        yield services.get("registry")
        services.down()
        for row in rows:
            assert group_members(row.pid) == []


def repo_with(path: Path, files: dict[str, str]) -> tuple[Path, str]:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    for name, text in {".gitlab-ci-dso.yml": PIPELINE, **files}.items():
        (path / name).write_text(text)
    git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout
    return path, head.strip()[:8]


def clean_layer() -> bytes:
    """The kit's own urllib3, as installed in its virtualenv (newer than every advisory of the DB)."""
    dist = distribution("urllib3")
    root = Path(dist.locate_file(""))
    files = [root / str(f) for f in dist.files or [] if "__pycache__" not in str(f)]
    staging = {str(p.relative_to(root)): p.read_bytes() for p in files if p.is_file()}
    import io
    import tarfile
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in staging.items():
            info = tarfile.TarInfo("app/venv/lib/python3.11/site-packages/" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_outdated_image_fails_the_gate_and_the_report_is_kept(platform, tmp_path):
    wheel = need_wheel(UPSTREAM_WHEEL)
    version = wheel.name.split("-")[1]
    repo, short = repo_with(tmp_path / "old-app", {})
    oci.push(platform.address, "alice/old-app", short, oci.layer_from_wheel(wheel))
    lines = []
    pipeline = ci.run(repo, log=lines.append)
    assert pipeline.status == "failed", "\n".join(lines[-30:])
    assert [(j.name, j.status) for j in pipeline.jobs] == [("read_secret", "success"), ("image_scan", "failed")]
    assert any("vulnérabilités bloquantes" in p for p in pipeline.problems), pipeline.problems
    report = ci_artifacts.artifact(ci.last_pipeline("alice", "old-app"), "trivy-report.json")
    assert report is not None and report.is_relative_to(Path(ci.pipelines_dir("alice", "old-app")).parent)
    found = {v["VulnerabilityID"]: v for r in json.loads(report.read_text())["Results"]
             for v in r.get("Vulnerabilities") or []}
    assert found["CVE-2024-6345"]["PkgName"] == "setuptools" and found["CVE-2024-6345"]["Severity"] == "HIGH"
    assert found["CVE-2024-6345"]["InstalledVersion"] == version


def test_justified_exception_lets_a_false_positive_through(platform, tmp_path):
    wheel = need_wheel(DEBIAN_WHEEL)
    ignore = ("vulnerabilities:\n  - id: CVE-2024-6345\n"
              "    statement: \"faux positif : le setuptools 66.1.1 de Debian 12 contient le correctif (66.1.1-1+deb12u1)\"\n")
    repo, short = repo_with(tmp_path / "excused", {".trivyignore.yaml": ignore})
    oci.push(platform.address, "alice/excused", short, oci.layer_from_wheel(wheel))
    pipeline = ci.run(repo, log=lambda line: None)
    assert pipeline.status == "success", pipeline.problems
    report = json.loads(ci_artifacts.artifact(ci.last_pipeline("alice", "excused"), "trivy-report.json").read_text())
    suppressed = [f for r in report["Results"] for f in r.get("ExperimentalModifiedFindings") or []]
    assert [f["Finding"]["VulnerabilityID"] for f in suppressed] == ["CVE-2024-6345"]
    assert "deb12u1" in suppressed[0]["Statement"]


def test_clean_image_passes_and_a_missing_image_is_said_in_french(platform, tmp_path):
    repo, short = repo_with(tmp_path / "new-app", {})
    oci.push(platform.address, "alice/new-app", short, clean_layer())
    pipeline = ci.run(repo, log=lambda line: None)
    assert pipeline.status == "success", pipeline.problems
    report = json.loads(ci_artifacts.artifact(ci.last_pipeline("alice", "new-app"), "trivy-report.json").read_text())
    assert [r["Type"] for r in report["Results"]] == ["python-pkg"]    # urllib3 was found, and is clean
    assert not [v for r in report["Results"] for v in r.get("Vulnerabilities") or []]

    missing, _ = repo_with(tmp_path / "never-built", {})
    pipeline = ci.run(missing, log=lambda line: None)
    assert pipeline.status == "failed"
    log = Path(pipeline.jobs[1].log).read_text()
    assert "image-scan : l'analyse de" in log and "l'image est-elle dans le registre" in log


def test_scan_api_reads_an_image_of_the_registry(platform):
    from grader import scan
    from grader.errors import InputError
    from grader.services import secrets
    wheel = need_wheel(UPSTREAM_WHEEL)
    oci.push(platform.address, "alice/api-scan", "1a2b3c4d", oci.layer_from_wheel(wheel))
    credentials = secrets.account(secrets.ADMIN)
    found, report = scan.vulnerabilities(f"{platform.address}/alice/api-scan:1a2b3c4d", image=True,
                                         credentials=credentials)
    assert [(v.id, v.severity, v.package) for v in found][:1] == [("CVE-2024-6345", "HIGH", "setuptools")]
    assert report["ArtifactName"].endswith("alice/api-scan:1a2b3c4d")
    with pytest.raises(InputError, match="n'existe pas dans le registre"):
        scan.vulnerabilities(f"{platform.address}/alice/api-scan:absent", image=True, credentials=credentials)
