"""`cpin ci run` end to end on real parts: git daemon forge, distribution registry, gitlab-ci-local,
the host's Docker engine and the kit's offline base image `cpin/static-web` (no internet registry)."""
from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from grader import ci, cli, images, services
from grader.errors import DockerUnavailable, InputError
from grader.services import ServiceFailed
from tests.conftest import IN_CI, need_tools
from tests.platform.test_services import group_members

BASE = "cpin/static-web:1.35"
HEADER = """\
include:
  - project: $CATALOG_PATH
    file: [vault-ci.yml, kaniko-ci.yml, test-ci.yml, quality-ci.yml]
variables:
  TAG: ${CI_COMMIT_SHORT_SHA}
  REGISTRY_URL: ${IMAGE_REPOSITORY}
stages: [read-secret, test, build]
read_secret:
  stage: read-secret
  extends: .vault:read_secret
"""
GOOD = HEADER + f"""\
test:
  stage: test
  extends: .test:run
  variables:
    TEST_COMMAND: "grep -q bonjour hello.txt"
quality:
  stage: test
  extends: .quality:python
build:
  stage: build
  extends: .kaniko:simple-build-push
  needs: [read_secret, test]
  variables:
    IMAGE_NAME: hello
    EXTRA_BUILD_ARGS: "--build-arg BASE_IMAGE={BASE}"
"""
DOCKERFILE = "ARG BASE_IMAGE=busybox:1.36\nFROM ${BASE_IMAGE}\nCOPY hello.txt /www/hello.txt\n"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    need_tools("registry", "gitlab-ci-local")
    try:
        client = images.docker_client()
    except DockerUnavailable as error:
        if IN_CI:
            pytest.fail(f"CI=true but Docker does not answer: {error.message_fr}")
        pytest.skip(f"Docker does not answer: {error.message_fr}")
    images.prepare(["static-web"], client=client)
    data = tmp_path_factory.mktemp("platform-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPIN_DATA", str(data))
        mp.setenv("CPIN_LEARNER", "alice")
        rows = services.up(log=lambda m: None)
        yield {row.name: row for row in rows}
        services.down()
        for row in rows:
            assert group_members(row.pid) == []


def make_repo(path: Path, pipeline: str, *, commit: bool = True) -> Path:
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    (path / ".gitlab-ci-dso.yml").write_text(pipeline)
    (path / "Dockerfile").write_text(DOCKERFILE)
    (path / "hello.txt").write_text("bonjour\n")
    if commit:
        git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-qm", "init"], check=True)
    return path


def test_pipeline_builds_and_pushes_the_image_tagged_with_the_short_sha(platform, tmp_path):
    repo = make_repo(tmp_path / "demo-app", GOOD)
    (repo / "hello.txt").write_text("bonjour, modifié\n")          # pending change: committed by the kit
    (repo / "app.py").write_text("if True:\n\tx = 1\n        y = 2\n")  # fails the quality gate (TabError)
    lines = []
    pipeline = ci.run(repo, log=lines.append)
    assert pipeline.status == "success", "\n".join(lines[-40:])
    assert [(j.name, j.status) for j in pipeline.jobs] == [
        ("read_secret", "success"), ("test", "success"), ("quality", "allowed_failure"), ("build", "success")]
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert pipeline.commit_sha == head and pipeline.short_sha == head[:8]
    assert not subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True,
                              text=True).stdout.strip()
    image, = pipeline.images
    assert (image["repository"], image["tag"]) == ("alice/hello", head[:8])
    assert image["digest"].startswith("sha256:")
    registry = services.get("registry")
    assert registry.digest("alice/hello", head[:8]) == image["digest"]
    assert ci.last_pipeline("alice", "demo-app")["images"] == [image]
    assert any("build-push : construction" in line for line in lines)      # logs were streamed


def test_failing_job_fails_the_pipeline_and_skips_the_build(platform, tmp_path):
    repo = make_repo(tmp_path / "broken", GOOD.replace("grep -q bonjour", "grep -q au-revoir"))
    pipeline = ci.run(repo, log=lambda line: None)
    assert pipeline.status == "failed"
    assert {j.name: j.status for j in pipeline.jobs} == {"read_secret": "success", "test": "failed",
                                                        "quality": "success", "build": "not_run"}
    assert pipeline.images == []
    assert "Le job test a échoué." in pipeline.problems
    assert "grep -q au-revoir" in Path(pipeline.jobs[1].log).read_text()   # its log is kept for the learner


def test_push_with_hand_written_credentials_is_refused(platform, tmp_path):
    pipeline_text = HEADER + textwrap.dedent("""\
        build:
          stage: build
          needs: [read_secret]
          script:
            - export DOCKER_CONFIG="$(mktemp -d)"
            - echo "{\\"auths\\":{\\"$REGISTRY_HOST\\":{\\"auth\\":\\"$(printf admin:admin | base64)\\"}}}" > "$DOCKER_CONFIG/config.json"
            - docker build -q -t "$IMAGE_REPOSITORY/hello:$CI_COMMIT_SHORT_SHA" --build-arg BASE_IMAGE=cpin/static-web:1.35 .
            - docker push "$IMAGE_REPOSITORY/hello:$CI_COMMIT_SHORT_SHA"
        """)
    repo = make_repo(tmp_path / "laptop", pipeline_text)
    pipeline = ci.run(repo, log=lambda line: None)
    assert pipeline.status == "failed" and pipeline.images == []
    assert any(p.startswith("Push refusé") for p in pipeline.problems), pipeline.problems
    subprocess.run(["docker", "image", "rm", "-f",
                    f"{platform['registry'].address}/alice/hello:{pipeline.short_sha}"], capture_output=True)


def test_a_job_that_hangs_is_stopped_at_the_timeout(platform, tmp_path):
    marker = f"cpin-hang-{os.getpid()}"
    repo = make_repo(tmp_path / "hang", HEADER + f"hang:\n  stage: test\n  script:\n    - sleep 300 # {marker}\n")
    pipeline = ci.run(repo, timeout=12, log=lambda line: None)
    assert pipeline.status == "timeout"
    assert "Délai dépassé" in pipeline.problems[0]
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
    assert left == []


def test_unknown_template_is_a_french_error(platform, tmp_path):
    repo = make_repo(tmp_path / "typo", HEADER.replace(".vault:read_secret", ".vault:read-secret"))
    with pytest.raises(InputError, match="Modèle inconnu « .vault:read-secret »"):
        ci.run(repo, log=lambda line: None)


def test_repo_without_commit_is_refused_and_nothing_is_lost(platform, tmp_path):
    repo = make_repo(tmp_path / "fresh", GOOD, commit=False)
    with pytest.raises(InputError, match="aucun commit"):
        ci.run(repo, log=lambda line: None)
    assert (repo / "hello.txt").read_text() == "bonjour\n"


def test_cli_reports_a_yaml_error_in_french(platform, tmp_path, capsys):
    repo = make_repo(tmp_path / "yaml", GOOD + "oops: [\n")
    assert cli.main(["ci", "run", "--repo", str(repo)]) == 2
    assert ".gitlab-ci-dso.yml : YAML illisible (ligne" in capsys.readouterr().err


def test_registry_down_is_said_before_running(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    services.up(["forge"], log=lambda m: None)
    try:
        repo = make_repo(tmp_path / "app", GOOD)
        with pytest.raises(ServiceFailed, match="registry .* est arrêté"):
            ci.run(repo, log=lambda line: None)
    finally:
        services.down()


def test_build_push_template_pushes_branch_short_sha_and_latest(platform, tmp_path):
    pipeline_text = HEADER + textwrap.dedent(f"""\
        build:
          stage: build
          extends: .kaniko:build-push
          needs: [read_secret]
          variables:
            EXTRA_BUILD_ARGS: "--build-arg BASE_IMAGE={BASE}"
        """)
    repo = make_repo(tmp_path / "multi", pipeline_text)
    pipeline = ci.run(repo, log=lambda line: None)
    assert pipeline.status == "success", pipeline.problems
    assert sorted(i["tag"] for i in pipeline.images) == sorted(["latest", "main", pipeline.short_sha])
    assert {i["repository"] for i in pipeline.images} == {"alice/multi"}
    assert len({i["digest"] for i in pipeline.images}) == 1          # one image, three tags
    again = ci.run(repo, log=lambda line: None)                      # same commit: the same tags again
    assert again.id == pipeline.id + 1 and again.commit_sha == pipeline.commit_sha
    assert [(i["repository"], i["tag"]) for i in again.images] == [(i["repository"], i["tag"]) for i in pipeline.images]
