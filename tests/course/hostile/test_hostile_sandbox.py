"""Where kernels cannot be confined, grading refuses to run (French), unless the trainer says --unsafe."""
from __future__ import annotations

import pytest

from grader.course import autograde, sandbox
from hostile_helpers import T2


def test_no_bubblewrap_no_grading(hostile_course, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))            # a machine without bwrap
    with pytest.raises(sandbox.SandboxUnavailable) as refused:
        autograde.grade(hostile_course, T2, options=autograde.Options(workers=1))
    assert "Notation refusée" in refused.value.message_fr and "--unsafe" in refused.value.hint_fr
    sandbox.require(unsafe=True)                          # the trainer's explicit choice


def test_unsafe_is_said_loudly(hostile_course, capsys, monkeypatch):
    from grader import cli

    monkeypatch.setenv("CPIN_COURSE", str(hostile_course.root))
    cli.main(["course", "grade", T2, "--unsafe", "--cluster", "none", "--student", "personne"])
    assert "SANS BAC À SABLE" in capsys.readouterr().err
