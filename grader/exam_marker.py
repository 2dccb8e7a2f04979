"""The mark a running mock exam leaves on this machine, read by the learner API to hold back check details and
hints for the exam's exercises (written by `grader.exam.session`)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from grader.config import settings


def active_marker(learner: str | None = None) -> Path:
    """Where a running session of `learner` (default: this machine's learner) is announced."""
    return settings().data_dir / "exam" / f"active-{learner or settings().learner}.json"


def exercises_in_exam(now: dt.datetime | None = None) -> set[str]:
    """Exercises of a session still running on this machine (empty once submitted or past the deadline)."""
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    try:
        data = json.loads(active_marker().read_text(encoding="utf-8"))
        if now > dt.datetime.fromisoformat(data["deadline"]):
            return set()
        return set(data["exercises"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()
