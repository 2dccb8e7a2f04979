"""Plain-text rendering for trainers: a progress line per graded submission and the summary table.

Lines, not carriage returns: the output reads the same in a terminal, a CI log or a file.
"""
from __future__ import annotations

from grader.course.autograde import SubmissionResult

STATUS_FR = {"ok": "noté", "timeout": "temps dépassé", "error": "erreur", "skipped": "déjà noté"}
WIDTH = 24


def progress_line(done: int, total: int, outcome: SubmissionResult) -> str:
    filled = round(WIDTH * done / total) if total else WIDTH
    bar = "#" * filled + "-" * (WIDTH - filled)
    pct = 100 * done // total if total else 100
    return (f"[{bar}] {done:>{len(str(total))}}/{total} {pct:3d} %  {outcome.student}  "
            f"{_points(outcome)}  {STATUS_FR.get(outcome.status, outcome.status)}"
            + (f"  ({outcome.seconds:.1f} s)" if outcome.status != "skipped" else ""))


def _points(outcome: SubmissionResult) -> str:
    if outcome.status == "error":
        return "–"
    return f"{outcome.score:g}/{outcome.max_score:g}"


def summary(outcomes: list[SubmissionResult]) -> str:
    headers = ("Étudiant", "Devoir", "Points", "Statut", "Durée", "Remarques")
    rows = [(o.student, o.assignment, _points(o), STATUS_FR.get(o.status, o.status),
             f"{o.seconds:.1f} s" if o.status != "skipped" else "", "; ".join(o.notes)[:90]) for o in outcomes]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUS_FR}
    out.append("")
    out.append(f"{len(outcomes)} copie(s) : " + ", ".join(f"{n} {STATUS_FR[s]}" for s, n in counts.items() if n))
    return "\n".join(out)
