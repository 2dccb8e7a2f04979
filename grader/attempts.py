"""The attempt log, and the progress per skill of the platform's skills matrix drawn from it.

The log is SQLite in WAL mode at `<data_dir>/attempts.sqlite`: append-only (triggers refuse UPDATE
and DELETE), one committed transaction per attempt (a killed kernel loses nothing already
returned), each row chained to the previous one by SHA-256 over the previous hash and the row's
content. `verify_chain()` recomputes the chain. `overview()` gives the progress per skill that
`grader.progress()` shows (rendered by `grader.feedback`: a bar chart in a notebook, text in a terminal).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import feedback
from grader.config import settings
from grader.errors import CpinError
from grader.platform import SKILLS


GENESIS = "0" * 64
_FIELDS = ("at", "learner", "exercise", "module", "skill", "mode", "score", "exercise_points", "points",
           "max_points", "results", "evidence")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL, learner TEXT NOT NULL, exercise TEXT NOT NULL, module TEXT NOT NULL,
  skill TEXT NOT NULL, mode TEXT NOT NULL,
  score REAL NOT NULL, exercise_points REAL NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL,
  results TEXT NOT NULL, evidence TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE);
CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (learner, exercise);
CREATE TRIGGER IF NOT EXISTS attempts_no_update BEFORE UPDATE ON attempts
  BEGIN SELECT RAISE(ABORT, 'journal des tentatives : ajout seulement'); END;
CREATE TRIGGER IF NOT EXISTS attempts_no_delete BEFORE DELETE ON attempts
  BEGIN SELECT RAISE(ABORT, 'journal des tentatives : ajout seulement'); END;
"""


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def row_hash(prev_hash: str, content: dict) -> str:
    """SHA-256 of the previous hash and the row's content (pure)."""
    return hashlib.sha256((prev_hash + "\n" + canonical(content)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Attempt:
    seq: int
    at: str
    learner: str
    exercise: str
    module: str
    skill: str
    mode: str              # "check" or "grade"
    score: float           # points on the exercise's scale (what `grade()` returns)
    exercise_points: float
    points: float          # raw points over the checks that could run
    max_points: float
    results: list
    evidence: dict
    hash: str


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    rows: int
    broken_at: int | None = None
    reason_fr: str = ""

    def __bool__(self) -> bool:
        return self.ok


def log_path() -> Path:
    return settings().data_dir / "attempts.sqlite"


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(_SCHEMA)
    except (OSError, sqlite3.Error) as error:
        raise CpinError(f"Journal des tentatives inutilisable ({path}) : {error}.",
                        hint_fr="Vérifiez les droits sur le dossier de données (variable CPIN_DATA).") from error
    return conn


def append(*, learner: str, exercise: str, module: str, skill: str, mode: str, score: float,
           exercise_points: float, points: float, max_points: float, results: list, evidence: dict,
           path: Path | None = None) -> Attempt:
    """Add one attempt, chained to the last one, in its own committed transaction."""
    path = path or log_path()
    content = {"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "learner": learner,
               "exercise": exercise, "module": module, "skill": skill, "mode": mode, "score": float(score),
               "exercise_points": float(exercise_points), "points": float(points), "max_points": float(max_points),
               "results": json.loads(canonical(results)), "evidence": json.loads(canonical(evidence))}
    conn = _connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        last = conn.execute("SELECT hash FROM attempts ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        digest = row_hash(prev, content)
        values = [content[f] if f not in ("results", "evidence") else canonical(content[f]) for f in _FIELDS]
        cursor = conn.execute(f"INSERT INTO attempts ({', '.join(_FIELDS)}, prev_hash, hash) "
                              f"VALUES ({', '.join('?' * (len(_FIELDS) + 2))})", [*values, prev, digest])
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        conn.execute("ROLLBACK") if conn.in_transaction else None
        raise CpinError(f"Tentative non enregistrée dans {path} : {error}.") from error
    finally:
        conn.close()
    return Attempt(seq=cursor.lastrowid, hash=digest, **content)


def _attempt(row: sqlite3.Row) -> Attempt:
    data = dict(row)
    data.pop("prev_hash")
    data["results"], data["evidence"] = json.loads(data["results"]), json.loads(data["evidence"])
    return Attempt(**data)


def attempts(*, learner: str | None = None, exercise: str | None = None, path: Path | None = None) -> list[Attempt]:
    """Attempts in order, optionally for one learner and/or exercise."""
    path = path or log_path()
    if not path.exists():
        return []
    conn = _connect(path)
    conn.row_factory = sqlite3.Row
    where, args = [], []
    for column, value in (("learner", learner), ("exercise", exercise)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    sql = "SELECT * FROM attempts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq"
    try:
        return [_attempt(row) for row in conn.execute(sql, args)]
    finally:
        conn.close()


def verify_chain(path: Path | None = None) -> ChainStatus:
    """Recompute every hash in order; the first row that does not fit breaks the chain."""
    path = path or log_path()
    if not path.exists():
        return ChainStatus(True, 0)
    conn = _connect(path)
    conn.row_factory = sqlite3.Row
    prev, count = GENESIS, 0
    try:
        for row in conn.execute("SELECT * FROM attempts ORDER BY seq"):
            count += 1
            data = dict(row)
            content = {f: data[f] for f in _FIELDS}
            content["results"], content["evidence"] = json.loads(data["results"]), json.loads(data["evidence"])
            if data["prev_hash"] != prev:
                return ChainStatus(False, count, data["seq"], f"la tentative n° {data['seq']} ne suit pas la précédente")
            if row_hash(prev, content) != data["hash"]:
                return ChainStatus(False, count, data["seq"], f"la tentative n° {data['seq']} a été modifiée")
            prev = data["hash"]
    finally:
        conn.close()
    return ChainStatus(True, count)


# ---------------------------------------------------------------- progress per skill

@dataclass(frozen=True)
class SkillProgress:
    skill: str
    label: str
    level: str
    earned: float     # best score per exercise, summed
    possible: float   # exercise points, summed
    done: int         # exercises at full marks
    total: int        # exercises for this skill

    @property
    def percent(self) -> float:
        return round(100 * self.earned / self.possible, 1) if self.possible else 0.0


@dataclass(frozen=True)
class Overview:
    learner: str
    skills: tuple[SkillProgress, ...]
    history: tuple[Attempt, ...] = ()

    def _repr_html_(self) -> str:
        return feedback.progress_html(self)

    def __repr__(self) -> str:
        return feedback.progress_text(self)

    def to_dict(self) -> dict:
        return {"learner": self.learner,
                "skills": [{**s.__dict__, "percent": s.percent} for s in self.skills],
                "history": [{k: v for k, v in a.__dict__.items() if k not in ("results", "evidence")}
                            for a in self.history]}


def summarize(exercises: list, log: list[Attempt]) -> tuple[SkillProgress, ...]:
    """Progress per skill from the exercise list and the attempts (pure)."""
    best: dict[str, float] = {}
    for attempt in log:
        best[attempt.exercise] = max(best.get(attempt.exercise, 0.0), attempt.score)
    out = []
    for skill, (label, level) in SKILLS.items():
        mine = [e for e in exercises if e.skill == skill]
        earned = sum(min(best.get(e.id, 0.0), e.points) for e in mine)
        done = sum(1 for e in mine if best.get(e.id, 0.0) >= e.points)
        out.append(SkillProgress(skill, label, level, round(earned, 2), round(sum(e.points for e in mine), 2),
                                 done, len(mine)))
    return tuple(out)


def overview(learner: str | None = None, *, history: bool = True, exercises: list | None = None,
             path: Path | None = None) -> Overview:
    """Progress per skill (and the attempt history) of a learner, from the registry and the log."""
    from grader import exercises as registry
    learner = learner or settings().learner
    log = attempts(learner=learner, path=path)
    known = exercises if exercises is not None else registry.all_exercises()
    return Overview(learner, summarize(known, log), tuple(log) if history else ())
