"""Per-check export (CSV and JSON) beside nbgrader's totals-only CSV.

One row per (student, assignment, exercise, check): skill, points, max, and the source of the score
(graded live, or self-reported from the learner's own attempt log). Rows come from the grading
records `cpin course grade` writes; nbgrader's own `export` still gives the totals for an LMS.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from grader.course.layout import Course

FIELDS = ("student", "assignment", "exercise", "check", "skill", "points", "max", "source")
SOURCES = {"live": "notation en direct", "evidence": "auto-déclarée (journal de l'apprenant)"}


def rows(course: Course, *, assignment: str | None = None, student: str | None = None) -> list[dict]:
    base = course.cpin_dir() / "grading"
    if not base.is_dir():
        return []
    out = []
    for record_file in sorted(base.glob(f"{assignment or '*'}/{student or '*'}.json")):
        record = json.loads(record_file.read_text())
        source = SOURCES.get(record.get("mode", "live"), record.get("mode", ""))
        out += [{**{k: row[k] for k in FIELDS if k in row}, "source": source} for row in record.get("rows", [])]
    return sorted(out, key=lambda r: (r["student"], r["assignment"], r["exercise"], r["check"]))


def write(course: Course, destination: Path, *, assignment: str | None = None) -> dict[str, Path]:
    """Write `<destination>/checks.csv` and `checks.json`; returns their paths."""
    destination.mkdir(parents=True, exist_ok=True)
    data = rows(course, assignment=assignment)
    csv_path, json_path = destination / "checks.csv", destination / "checks.json"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(data)
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {"csv": csv_path, "json": json_path}
