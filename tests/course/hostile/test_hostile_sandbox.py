"""Where kernels cannot be confined, grading refuses to run (French), unless the trainer says --unsafe."""
from __future__ import annotations

import contextlib
import os
import sys

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


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are taken by root only")
def test_sandbox_uids_are_leased_once_per_machine_and_freed_by_the_kernel():
    """Two batches at once (two trainers, or a batch and a validation) never share a sandbox uid."""
    import subprocess

    first, lease = sandbox.claim_uid()
    holder = subprocess.Popen([sys.executable, "-c", "from grader.course import sandbox\n"
                               "uid, _ = sandbox.claim_uid(); print(uid, flush=True); input()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        other = int(holder.stdout.readline())
        assert other != first
        os.close(lease)
        again, lease = sandbox.claim_uid()
        assert again == first                     # freed by close, still held by the other process
        holder.kill()
        holder.wait()
        third, lease3 = sandbox.claim_uid()
        assert third == other                     # freed by the kernel when its holder died
        os.close(lease3)
    finally:
        holder.kill()
        with contextlib.suppress(OSError):
            os.close(lease)
