"""The result model: one frozen `Result` per sub-check, gathered in a `Report`. No markup here.

Rendering lives in `grader/feedback.py` (which imports nothing back from here at run time); point resolution is the pure function `score()`.
"""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from grader import feedback


class Status(str, enum.Enum):
    PASSED = "passed"    # ✔ the check holds
    WARNING = "warning"  # ⚠ holds, but a platform rule in audit mode complains (still scores)
    FAILED = "failed"    # ✘ the check does not hold
    SKIPPED = "skipped"  # not checkable here (e.g. needs real containers on the simulated cluster)
    ERROR = "error"      # the check itself could not run (timeout, API down): scores zero

    @property
    def symbol(self) -> str:
        return {"passed": "✔", "warning": "⚠", "failed": "✘", "skipped": "➖", "error": "✘"}[self.value]

    @property
    def scores(self) -> bool:
        return self in (Status.PASSED, Status.WARNING)


@dataclass(frozen=True)
class Result:
    check_id: str
    title: str                  # French, shown to the learner
    status: Status
    max_points: float = 0.0
    message: str = ""           # French: what was found
    hint: str = ""              # French: what to change
    evidence: Any = None        # JSON-serialisable: the objects/lines that justify the verdict
    hidden: bool = False        # hidden checks show a generic message, never their expectations
    skill: str = ""             # skills-matrix entry the check counts for
    counts: bool = False        # skipped but still in the total: not verified (Docker unreachable), so not earned

    @property
    def points(self) -> float:
        return self.max_points if self.status.scores else 0.0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status.value
        data["points"] = self.points
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Result":
        """The `Result` that `to_dict` wrote (as kept in the attempt log); derived keys such as `points` are
        recomputed, unknown keys ignored."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "status": Status(data["status"])})


def score(results: list[Result]) -> tuple[float, float]:
    """(points earned, points possible); skipped checks are left out of both, except those that still count
    (`counts`: what could not be verified is possible but not earned)."""
    counted = [r for r in results if r.status is not Status.SKIPPED or r.counts]
    return (round(sum(r.points for r in counted), 4), round(sum(r.max_points for r in counted), 4))


@dataclass(frozen=True)
class Report:
    exercise_id: str
    title: str
    results: tuple[Result, ...] = field(default_factory=tuple)

    @property
    def points(self) -> float:
        return score(list(self.results))[0]

    @property
    def max_points(self) -> float:
        return score(list(self.results))[1]

    @property
    def passed(self) -> bool:
        return all(r.status.scores or (r.status is Status.SKIPPED and not r.counts) for r in self.results)

    def to_dict(self) -> dict:
        return {"exercise": self.exercise_id, "title": self.title, "points": self.points,
                "max_points": self.max_points, "results": [r.to_dict() for r in self.results]}

    def _repr_html_(self) -> str:
        return feedback.to_html(self)

    def __repr__(self) -> str:
        return feedback.to_text(self)
