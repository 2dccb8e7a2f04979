"""The image mapping file and `cpin images prepare|list` on the real engine, with no registry."""
from __future__ import annotations

import textwrap
import urllib.request

import pytest

from grader import cli, images
from grader.checks import docker as checks
from grader.config import REPO_ROOT
from grader.errors import CpinError, DockerUnavailable, InputError


def _mapping(tmp_path, body: str) -> images.Mapping:
    path = tmp_path / "images.yaml"
    path.write_text(textwrap.dedent(body))
    return images.load_mapping(path)


def test_mapping_file_gives_both_paths_for_every_exercise():
    mapping = images.load_mapping()
    assert mapping.exercises["app"] == "python"
    for base in mapping.bases.values():
        assert base.offline.startswith("cpin/") and ":" in base.offline
        assert base.online and not base.online.startswith("cpin/")
    assert mapping.kit["demo-app"].tag == "cpin/demo-app:1.0.0"
    assert (mapping.kit["demo-app"].context / "Dockerfile").is_file()


def test_mapping_rejects_unknown_key_and_dangling_base(tmp_path):
    with pytest.raises(InputError, match="clé inconnue « colour »"):
        _mapping(tmp_path, """
            kind: ImageMapping
            bases:
              python: {offline: cpin/python:3.11, online: python:3.12-slim, recipe: {busybox: {}}, colour: red}
        """)
    with pytest.raises(InputError, match="image de base inconnue « java »"):
        _mapping(tmp_path, """
            kind: ImageMapping
            bases: {}
            exercises: {app: java}
        """)


def test_dead_socket_gives_french_error(monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", "unix:///tmp/cpin-no-such-docker.sock")
    with pytest.raises(DockerUnavailable, match="Le moteur Docker ne répond pas"):
        images.docker_client()
    with pytest.raises(DockerUnavailable) as caught:
        checks.check_image(REPO_ROOT / "exercises" / "app")
    assert caught.value.hint_fr and "docker.sh" in caught.value.hint_fr
    assert cli.main(["images", "prepare"]) == 1
    err = capsys.readouterr().err
    assert "Le moteur Docker ne répond pas" in err and "Traceback" not in err


@pytest.mark.docker
def test_offline_python_image_runs_without_network(prepared, docker_client):
    assert prepared["python"].tag == "cpin/python:3.11"
    image = docker_client.images.get("cpin/python:3.11")
    assert image.labels[images.KIT_LABEL] == "base"
    out = docker_client.containers.run(
        "cpin/python:3.11", ["python3", "-c", "import http.server, json, sqlite3, ssl; print('ok')"],
        network_disabled=True, read_only=True, user="1000650000:0", remove=True)
    assert out.strip() == b"ok"


@pytest.mark.docker
def test_static_web_image_serves_read_only_as_random_uid(prepared, docker_client):
    container = docker_client.containers.run(
        "cpin/static-web:1.35", detach=True, read_only=True, user="1000650001:0",
        ports={"8080/tcp": ("127.0.0.1", None)}, labels={"cpin.dev/owner": "grader"})
    try:
        import time
        for _ in range(50):
            container.reload()
            port = container.attrs["NetworkSettings"]["Ports"].get("8080/tcp")
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port[0]['HostPort']}/", timeout=2).read()
                break
            except (OSError, TypeError):
                time.sleep(0.2)
        assert b"cpin/static-web" in body
    finally:
        container.remove(force=True)


@pytest.mark.docker
def test_prepare_is_idempotent(prepared, docker_client):
    again = images.prepare(["python", "static-web"], client=docker_client)
    assert [(p.key, p.action) for p in again] == [("python", "présente"), ("static-web", "présente")]


@pytest.mark.docker
def test_prepare_imports_cached_rootfs_under_a_new_tag(prepared, docker_client, tmp_path):
    mapping = _mapping(tmp_path, """
        kind: ImageMapping
        bases:
          python:
            offline: cpin-grader-test/python:cache
            online: python:3.12-slim
            recipe: {debootstrap: {suite: bookworm, include: [python3]}}
    """)
    try:
        outcome, = images.prepare(["python"], client=docker_client, mapping=mapping)
        assert outcome.action == "importée du cache"
        assert outcome.size_mb == prepared["python"].size_mb
    finally:
        docker_client.images.remove("cpin-grader-test/python:cache", force=True)


@pytest.mark.docker
def test_resolve_follows_the_mode(prepared, docker_client, tmp_path, monkeypatch):
    assert images.resolve("python", mode="offline", client=docker_client) == "cpin/python:3.11"
    assert images.resolve("python", mode="online", client=docker_client) == "python:3.12-slim"
    monkeypatch.setenv("CPIN_IMAGES", "auto")
    assert images.build_args("app", client=docker_client) == {"BASE_IMAGE": "cpin/python:3.11"}
    missing = _mapping(tmp_path, """
        kind: ImageMapping
        bases:
          python: {offline: cpin-grader-test/absent:0, online: python:3.12-slim, recipe: {busybox: {}}}
    """)
    assert images.resolve("python", mode="auto", client=docker_client, mapping=missing) == "python:3.12-slim"
    with pytest.raises(CpinError, match="n'est pas préparée"):
        images.resolve("python", mode="offline", client=docker_client, mapping=missing)
    monkeypatch.setenv("CPIN_IMAGES", "parfois")
    with pytest.raises(InputError, match="CPIN_IMAGES=parfois"):
        images.build_args("app", client=docker_client)


@pytest.mark.docker
def test_cli_list_shows_prepared_images(prepared, capsys):
    assert cli.main(["images", "list"]) == 0
    out = capsys.readouterr().out
    line = next(row for row in out.splitlines() if row.startswith("python"))
    assert "cpin/python:3.11" in line and "oui" in line and "python:3.12-slim" in line
