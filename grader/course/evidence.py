"""The attempt log as grading evidence: checks recorded while grading, and a learner's shipped log.

The log itself belongs to `grader.progress` (SQLite, append-only, hash-chained); this module only
reads it. A learner ships their log with the submission (`cpin progress export` writes it into the
assignment folder as `SHIPPED_LOG`); `--from-evidence` scores each exercise from its best attempt in
that log, after checking the hash chain.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SHIPPED_LOG = "journal-tentatives.sqlite"


@dataclass(frozen=True)
class Attempt:
    exercise: str
    points: float
    max_points: float
    when: str


def shipped_log(submission: Path) -> Path | None:
    path = submission / SHIPPED_LOG
    return path if path.is_file() else None


def reports(data_dir: Path) -> dict[str, list[dict]]:
    """Exercise id → results (dicts of `Result.to_dict()`) of its last check run logged in `data_dir`."""
    try:
        from grader import progress
    except ImportError:
        return {}
    reader = getattr(progress, "latest_reports", None)
    if reader is None:
        return {}
    return {exercise: list(results) for exercise, results in reader(data_dir).items()}


def best_attempts(log: Path) -> dict[str, Attempt]:
    """Exercise id → best attempt recorded in a shipped log (the chain must verify)."""
    try:
        from grader import progress
    except ImportError:
        return {}
    reader = getattr(progress, "best_attempts", None)
    if reader is None:
        return {}
    return {a.exercise: Attempt(a.exercise, float(a.points), float(a.max_points), str(a.when))
            for a in reader(log)}
