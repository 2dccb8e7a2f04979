"""The hostile learner's course: one batch where cheating, spying, sabotaging and resource-hungry
notebooks are graded beside honest neighbours (notebooks in `hostile_notebooks.py`)."""
from __future__ import annotations

import shutil

import pytest

from course_helpers import DATA, build_course
from hostile_helpers import T2


@pytest.fixture(scope="module")
def hostile_course(course_env):
    """A course of its own (module t2-grade), the trainer's signing key in CPIN_DATA, no bubblewrap: skip."""
    from grader import certify

    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap absent (apt-get install bubblewrap)")
    course = build_course(course_env / "hostile-course", DATA / "notebooks", [T2])
    certify.load_or_create_key()
    return course
