"""Unit tests of the attempt log (append-only, hash chain, survives a killed process) and progress."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from grader import attempts


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    monkeypatch.setenv("CPIN_LEARNER", "alice")
    return tmp_path


def _append(exercise="ex", score=1.0, learner="alice", skill="kubernetes"):
    return attempts.append(learner=learner, exercise=exercise, module="m", skill=skill, mode="check", score=score,
                           exercise_points=2.0, points=score, max_points=2.0,
                           results=[{"check_id": "a", "status": "passed"}],
                           evidence={"Deployment/ns/web": {"spec": {"replicas": 2}}})


def test_rows_are_chained_and_verify(data_dir):
    first, second = _append(), _append(score=2.0)
    assert attempts.log_path() == data_dir / "attempts.sqlite"
    assert second.seq == first.seq + 1
    assert attempts.verify_chain() == attempts.ChainStatus(True, 2)
    stored = attempts.attempts(exercise="ex")
    assert stored[1].evidence == {"Deployment/ns/web": {"spec": {"replicas": 2}}}
    assert stored[0].hash == first.hash
    conn = sqlite3.connect(attempts.log_path())
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_log_is_append_only(data_dir):
    _append()
    conn = sqlite3.connect(attempts.log_path())
    with pytest.raises(sqlite3.DatabaseError, match="ajout seulement"):
        conn.execute("UPDATE attempts SET score = 99")
    with pytest.raises(sqlite3.DatabaseError, match="ajout seulement"):
        conn.execute("DELETE FROM attempts")


def test_tampering_breaks_the_chain(data_dir):
    _append(), _append(), _append()
    conn = sqlite3.connect(attempts.log_path())
    conn.execute("DROP TRIGGER attempts_no_update")      # someone determined, with sqlite3 at hand
    conn.execute("UPDATE attempts SET score = 99 WHERE seq = 2")
    conn.commit()
    status = attempts.verify_chain()
    assert not status and status.broken_at == 2 and "modifiée" in status.reason_fr


def test_hash_is_a_pure_function_of_previous_hash_and_content():
    content = {"b": 1, "a": "é"}
    assert attempts.row_hash("0" * 64, content) == attempts.row_hash("0" * 64, {"a": "é", "b": 1})
    assert attempts.row_hash("0" * 64, content) != attempts.row_hash("1" * 64, content)


def test_an_attempt_survives_a_killed_kernel(data_dir):
    script = textwrap.dedent("""
        import os, signal
        from grader import attempts
        attempts.append(learner="alice", exercise="tué", module="m", skill="helm", mode="check", score=1,
                        exercise_points=1, points=1, max_points=1, results=[], evidence={})
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "CPIN_DATA": str(data_dir)})
    assert done.returncode == -9
    assert [a.exercise for a in attempts.attempts()] == ["tué"]
    assert attempts.verify_chain()


def test_progress_per_skill_takes_the_best_attempt(data_dir):
    exercises = [SimpleNamespace(id="ex", skill="kubernetes", points=2.0),
                 SimpleNamespace(id="ex2", skill="kubernetes", points=2.0),
                 SimpleNamespace(id="img", skill="containerisation", points=4.0)]
    _append(score=2.0), _append(score=0.5), _append(exercise="img", score=1.0, skill="containerisation")
    _append(exercise="ex2", score=2.0, learner="bob")
    view = attempts.overview(exercises=exercises)
    skills = {s.skill: s for s in view.skills}
    assert list(skills) == list(attempts.SKILLS)
    assert (skills["kubernetes"].earned, skills["kubernetes"].possible, skills["kubernetes"].done) == (2.0, 4.0, 1)
    assert skills["kubernetes"].percent == 50.0 and skills["containerisation"].percent == 25.0
    assert skills["helm"].possible == 0 and len(view.history) == 3  # bob's attempt is not alice's
    text = repr(view)
    assert "Kubernetes" in text and "50.0 %" in text and "Historique" in text
    html = view._repr_html_()
    assert "width:50.0%" in html and "GitOps/ArgoCD" in html


def test_module_is_callable_like_the_notebook_api(data_dir, monkeypatch):
    import grader
    monkeypatch.setenv("CPIN_EXERCISES", str(data_dir / "none"))
    view = grader.progress()
    assert isinstance(view, attempts.Overview) and view.learner == "alice"
