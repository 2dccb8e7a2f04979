"""What every check shares: the `Outcome` of one probe, its `SubCheck`s, the `CheckContext`, and the one
wait helper.

A check function is `fn(ctx, params) -> Outcome`; it looks once. `wait_until` calls it again until
it holds, fails for good, or the check's time budget runs out (STYLE §14): a timeout is a French
failure, never a hang.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.errors import ApiFailure, CpinError
from grader.results import Status


@dataclass(frozen=True)
class Outcome:
    status: Status
    detail: str = ""        # French: what was observed (never the hidden expectation when hidden)
    evidence: Any = None    # JSON-serialisable, learner-facing
    final: bool = False     # a failure that waiting will not fix (stop polling early)
    sub: tuple[SubCheck, ...] = ()  # for checks that expand into sub-checks (one per rule, per image stage)
    counts: bool = False    # a skip that still counts in the total (not verified, so not earned)

    @classmethod
    def ok(cls, detail: str = "", evidence: Any = None) -> "Outcome":
        return cls(Status.PASSED, detail, evidence)

    @classmethod
    def fail(cls, detail: str, evidence: Any = None, *, final: bool = False) -> "Outcome":
        return cls(Status.FAILED, detail, evidence, final)

    @classmethod
    def skip(cls, detail: str, *, counts: bool = False) -> "Outcome":
        return cls(Status.SKIPPED, detail, counts=counts)


@dataclass(frozen=True)
class SubCheck:
    """One part of a check that expands (a platform rule of `lint`, a stage of `docker`): its own ✔ ✘ ⚠ line
    and its share of the check's points (`weight`)."""
    check_id: str           # appended to the check's id: "<check>/<check_id>"
    title: str              # French
    status: Status
    message: str = ""       # French: what was observed
    hint: str = ""          # French: what to change
    evidence: Any = None
    weight: float = 1.0

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.status, self.message, self.evidence, final=True)


@dataclass
class CheckContext:
    """Everything a check may use; passed explicitly, never global."""
    kube: Any                      # grader.kube.client.Kube, or None for checks that need no cluster
    namespace: str
    work_dir: Path
    exercise_id: str = ""                 # base of the learner's files
    learner_files: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    capabilities: frozenset[str] = frozenset()
    deadline: float = 0.0          # time.monotonic() after which requests must not start
    evidence: dict = field(default_factory=dict)  # "Kind/namespace/name" → object as read

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def files(self, rels: list[str] | tuple[str, ...] | None = None) -> list[Path]:
        return [self.work_dir / rel for rel in (rels or self.learner_files)]


def wait_until(probe: Callable[[], Outcome], *, timeout: float, retries: int,
               sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> Outcome:
    """Call `probe` until it holds, fails for good (`final`), or `timeout` seconds pass.

    Success: PASSED, WARNING or SKIPPED. Failure condition: a `final` FAILED outcome. An API error
    (`ApiFailure`) is retried at most `retries` times, then becomes an ERROR outcome. At the deadline the
    last outcome is returned as a FAILED one that says the wait ran out.
    """
    start = clock()
    delay = 0.2
    errors = 0
    last: Outcome | None = None
    while True:
        try:
            last = probe()
        except ApiFailure as error:
            errors += 1
            last = Outcome(Status.ERROR, error.message_fr, final=errors > retries)
        except CpinError as error:
            return Outcome(Status.ERROR, error.message_fr, final=True)
        if last.status in (Status.PASSED, Status.WARNING, Status.SKIPPED) or last.final:
            return last
        left = timeout - (clock() - start)
        if left <= 0:
            break
        sleep(min(delay, left))
        delay = min(delay * 1.6, 1.0)
    detail = f"délai de {timeout:g} s dépassé"
    if last.detail:
        detail += f" : {last.detail}"
    status = Status.ERROR if last.status is Status.ERROR else Status.FAILED
    return Outcome(status, detail, last.evidence, final=True, sub=last.sub)
