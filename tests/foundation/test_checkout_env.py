"""One Python environment per checkout: two clones side by side each import their own `grader`.

The environment is made by the Makefile's `venv` target (uv from CPIN_CACHE, requirements.lock), the same
way `make test` and `make lab` make it; deleting one clone leaves the other working.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from grader.config import REPO_ROOT

pytestmark = pytest.mark.slow


def _clone(target):
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(target)], check=True)
    # The working tree's Makefile and lock (uncommitted changes included) are the ones under test.
    for name in ("Makefile", "requirements.lock", "pyproject.toml"):
        shutil.copy(REPO_ROOT / name, target / name)
    subprocess.run(["make", "--no-print-directory", "-s", "-C", str(target), "venv"], check=True,
                   capture_output=True, text=True, timeout=900)
    return target


def _where(clone, code: str) -> str:
    done = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c", code], cwd="/", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_two_clones_each_run_their_own_code(tmp_path):
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    first, second = _clone(tmp_path / "un"), _clone(tmp_path / "deux")
    locate = "import grader, grader.config as c; print(grader.__file__, c.settings().exercises_dir)"
    assert _where(first, locate) == f"{first}/grader/__init__.py {first}/exercises"
    assert _where(second, locate) == f"{second}/grader/__init__.py {second}/exercises"
    assert (second / ".venv" / "bin" / "cpin").read_text().startswith(f"#!{second}/.venv/bin/python")

    shutil.rmtree(first)
    assert _where(second, locate) == f"{second}/grader/__init__.py {second}/exercises"
    done = subprocess.run([str(second / ".venv" / "bin" / "cpin"), "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "cpin" in done.stdout
