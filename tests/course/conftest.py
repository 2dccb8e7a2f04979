"""Fixtures of the course tests: a throwaway nbgrader course in a tmp dir (helpers: course_helpers.py)."""
from __future__ import annotations

import pytest

from course_helpers import DATA, build_course


@pytest.fixture(scope="module")
def course_env(tmp_path_factory):
    """CPIN_DATA, CPIN_EXCHANGE and CPIN_COURSE under a tmp dir (never the user's, never /usr/local/share)."""
    base = tmp_path_factory.mktemp("course")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPIN_DATA", str(base / "data"))
        mp.setenv("CPIN_EXCHANGE", str(base / "exchange"))
        mp.setenv("CPIN_COURSE", str(base / "course"))
        mp.setenv("CPIN_EXERCISES", str(DATA / "exercises"))
        yield base


@pytest.fixture(scope="module")
def course(course_env):
    return build_course(course_env / "course")


