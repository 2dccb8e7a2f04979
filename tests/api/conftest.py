"""Fixtures of the check API tests: a fresh learner (own namespaces, own attempts) on the session's
local control plane, working in a tmp directory that holds the learner's files."""
from __future__ import annotations

import itertools
import shutil
import textwrap
from pathlib import Path

import pytest

from grader.config import REPO_ROOT

EXAMPLES = REPO_ROOT / "exercises" / "_examples"
_count = itertools.count()


@pytest.fixture()
def learner(local_cluster, tmp_path, monkeypatch):
    """CPIN_DATA on the live cluster's data dir, a unique learner id, cwd = the learner's work dir."""
    name = f"t{next(_count)}-{tmp_path.name[-12:].lower().replace('_', '-')}"
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("CPIN_LEARNER", name)
    monkeypatch.delenv("CPIN_EXERCISES", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture()
def solution(learner):
    """`solution(exercise, file)`: copy an example's solution file into the learner's work dir."""
    def copy(exercise: str, name: str) -> Path:
        return Path(shutil.copy(EXAMPLES / exercise / "solution" / name, learner / name))
    return copy


@pytest.fixture()
def exercise_root(tmp_path, monkeypatch):
    """`exercise_root(id, body)`: a one-exercise registry in tmp (check types the examples do not show)."""
    def make(ident: str, body: str, module: str = "tests") -> Path:
        return _exercise_root(tmp_path, monkeypatch, ident, body, module)
    return make


def _exercise_root(tmp_path: Path, monkeypatch, ident: str, body: str, module: str) -> Path:
    root = tmp_path / "exercises"
    path = root / module / ident / "exercise.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"apiVersion: cpin.dev/v1\nkind: Exercise\nid: {ident}\nmodule: {module}\n"
                    f"title: \"Test {ident}\"\nskill: kubernetes\npoints: 2\n" + textwrap.dedent(body))
    monkeypatch.setenv("CPIN_EXERCISES", str(root))
    return path.parent
