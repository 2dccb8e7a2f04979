"""The first-build path: the kit's images removed, then prepared from nothing on a real engine.

CI runs this every time, so the path a fresh machine takes is never hidden by images left over from an
earlier run (Docker 20.10 printed an empty ` ---> ` line on a first build, which `_build` once took
for an image id).
"""
from __future__ import annotations

import pytest

from grader import images

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_intermediate_ids_ignore_lines_that_are_not_ids():
    lines = ["Step 1/3 : FROM scratch", " ---> ", " ---> Running in 0a1b2c3d4e5f", " ---> Using cache",
             " ---> 3f2a1b0c9d8e", "Removing intermediate container 0a1b2c3d4e5f", " ---> 9" * 2]
    assert images.intermediate_ids(lines) == ["3f2a1b0c9d8e"]


def test_prepare_from_an_engine_without_the_kit_images(docker_client):
    images.remove(client=docker_client)
    assert docker_client.images.list(filters={"label": images.KIT_LABEL}) == []

    outcomes = images.prepare(["python", "static-web", "demo-app"], client=docker_client)

    assert {o.key for o in outcomes} >= {"python", "static-web", "demo-app"}
    assert all(o.action != "présente" for o in outcomes)
    tags = {tag for image in docker_client.images.list(filters={"label": images.KIT_LABEL}) for tag in image.tags}
    assert {o.tag for o in outcomes} <= tags
    # A second call finds them all current: the cold build left nothing half-made.
    assert {o.action for o in images.prepare(["python", "static-web", "demo-app"], client=docker_client)} == {"présente"}
