"""Fixtures of the container tests: a real Docker engine, the kit's offline base images, the demo app.

Without a reachable engine the `docker` tests are skipped locally and FAIL when CI=true.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader import images
from grader.errors import DockerUnavailable


@pytest.fixture(autouse=True)
def _isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))


@pytest.fixture(scope="session")
def docker_client():
    try:
        return images.docker_client()
    except DockerUnavailable as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Docker does not answer: {error.message_fr} (run .ci/docker.sh)")
        pytest.skip(f"Docker does not answer: {error.message_fr}")


@pytest.fixture(scope="session")
def prepared(docker_client):
    """The kit's offline images, built from Debian packages if missing (the offline path)."""
    return {p.key: p for p in images.prepare(["python", "static-web"], client=docker_client)}


@pytest.fixture(scope="session")
def offline_args(prepared, docker_client) -> dict[str, str]:
    return images.build_args("app", mode="offline", client=docker_client)
