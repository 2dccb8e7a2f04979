"""Grading an exam session live: per lab, per question, per skill; pass at the pool's mark (80 %).

Labs are graded by running their exercises' checks now, against the cluster, in the learner's
namespaces: never from a log or a result file the learner could have written. A lab whose exercise
this kit cannot check is « non évalué »: it earns nothing and the exam cannot be « réussi ». A check
that cannot be verified here (skipped) earns nothing either: a lab is never passed by default.

Verdict: réussi iff total ≥ pass mark, every lab was evaluated, and every mandatory skill of the
skills matrix was assessed (has points in the subject).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.exam import session as sessions
from grader.platform import MANDATORY_SKILLS, SKILLS

MODE = "notation en direct par le formateur (contrôles relancés sur le cluster, pas de journal de l'apprenant)"


@dataclass(frozen=True)
class CheckLine:
    exercise: str
    check: str
    status: str
    points: float
    max: float
    message: str = ""


@dataclass(frozen=True)
class LabResult:
    lab: str
    title: str
    variant: str
    skill: str
    points: float
    max: float
    status: str                      # "évalué" | "non évalué"
    reason: str = ""
    checks: tuple[CheckLine, ...] = ()


@dataclass(frozen=True)
class QuestionResult:
    id: str
    skill: str
    chosen: tuple[str, ...]
    right: tuple[str, ...]
    points: float
    max: float
    explanation: str


@dataclass
class ExamResult:
    learner: str
    started_at: str
    deadline: str
    submitted_at: str | None
    graded_at: str
    labs: list[LabResult]
    questions: list[QuestionResult]
    pass_mark: float
    mode: str = MODE
    notes: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return round(sum(x.points for x in self.labs) + sum(q.points for q in self.questions), 4)

    @property
    def max(self) -> float:
        return round(sum(x.max for x in self.labs) + sum(q.max for q in self.questions), 4)

    @property
    def ratio(self) -> float:
        return round(self.points / self.max, 4) if self.max else 0.0

    def skills(self) -> list[dict]:
        """Every skill of the matrix (mandatory first) plus culture, with points, max and `assessed`."""
        table: dict[str, list[float]] = {}
        for lab in self.labs:
            if lab.status == "évalué":
                table.setdefault(lab.skill, [0.0, 0.0])
                table[lab.skill][0] += lab.points
                table[lab.skill][1] += lab.max
        for q in self.questions:
            table.setdefault(q.skill, [0.0, 0.0])
            table[q.skill][0] += q.points
            table[q.skill][1] += q.max
        order = [*MANDATORY_SKILLS, *[k for k in SKILLS if k not in MANDATORY_SKILLS], "culture"]
        rows = []
        for key in order:
            points, maximum = table.get(key, [0.0, 0.0])
            rows.append({"skill": key, "label": SKILLS[key].label if key in SKILLS else "Culture et processus",
                         "mandatory": key in MANDATORY_SKILLS, "points": round(points, 4), "max": round(maximum, 4),
                         "ratio": round(points / maximum, 4) if maximum else 0.0, "assessed": maximum > 0})
        return rows

    def not_assessed(self) -> list[str]:
        return [row["label"] for row in self.skills() if row["mandatory"] and not row["assessed"]]

    def verdict(self) -> tuple[bool, list[str]]:
        reasons = []
        if self.max <= 0:
            return False, ["aucun point noté"]
        if self.ratio < self.pass_mark - 1e-9:
            reasons.append(f"total {_pct(self.ratio)} < {_pct(self.pass_mark)} requis")
        for lab in self.labs:
            if lab.status != "évalué":
                reasons.append(f"{lab.title} : non évalué ({lab.reason})")
        for label in self.not_assessed():
            reasons.append(f"compétence obligatoire non évaluée : {label}")
        return not reasons, reasons

    def to_dict(self) -> dict:
        passed, reasons = self.verdict()
        return {"learner": self.learner, "started_at": self.started_at, "deadline": self.deadline,
                "submitted_at": self.submitted_at, "graded_at": self.graded_at, "mode": self.mode,
                "labs": [asdict(x) for x in self.labs], "questions": [asdict(q) for q in self.questions],
                "skills": self.skills(), "not_assessed": self.not_assessed(),
                "total": {"points": self.points, "max": self.max, "ratio": self.ratio},
                "pass_mark": self.pass_mark, "passed": passed, "reasons": reasons, "notes": self.notes}


def _pct(ratio: float) -> str:
    return f"{100 * ratio:.0f} %"


def _grade_lab(lab: sessions.DrawnLab, learner: str, folder: Path, kube, capabilities) -> LabResult:
    from grader.results import Status, score
    from grader.runner import run

    shares, lines = [], []
    for exercise_id in lab.exercises:
        exercise = sessions.known_exercise(exercise_id)
        if exercise is None:
            return LabResult(lab.lab, lab.title, lab.variant, lab.skill, 0.0, lab.points, "non évalué",
                             f"les contrôles de l'exercice « {exercise_id} » ne sont pas dans ce kit")
        report, _evidence = run(exercise, learner=learner, work_dir=folder, kube=kube, capabilities=capabilities)
        results = list(report.results)
        earned, _ = score(results)
        possible = sum(r.max_points for r in results)   # a skipped check stays in the total: not verified, not earned
        shares.append(earned / possible if possible > 0 else 0.0)
        for r in results:
            lines.append(CheckLine(exercise_id, r.check_id, r.status.value, round(r.points, 4), round(r.max_points, 4),
                                   "" if r.status is Status.PASSED else
                                   ("contrôle caché : non satisfait" if r.hidden else r.message)))
    points = round(lab.points * sum(shares) / len(shares), 4) if shares else 0.0
    return LabResult(lab.lab, lab.title, lab.variant, lab.skill, points, lab.points, "évalué", "", tuple(lines))


def grade(folder: Path, *, kube=None, capabilities: dict | None = None, now: dt.datetime | None = None) -> ExamResult:
    """Grade the session in `folder` now: labs live, QCM from the answers file, per skill."""
    folder = Path(folder)
    session = sessions.load(folder)
    graded_at = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    labs = [_grade_lab(lab, session.learner, folder, kube, capabilities) for lab in session.labs]
    quiz = sessions.questionnaire(session, folder)
    answers = quiz.answers() if quiz.path.is_file() else {}
    questions = [QuestionResult(q.id, q.skill, tuple(answers.get(q.id, ())), tuple(sorted(q.answers)),
                                q.score(answers.get(q.id, ()), session.points_each), session.points_each,
                                q.explanation) for q in quiz.questions]
    notes = []
    if not session.submitted_at:
        notes.append("copie non rendue : notée dans l'état trouvé à la correction")
    elif dt.datetime.fromisoformat(session.submitted_at) > session.deadline:
        notes.append("copie rendue après l'heure de fin")
    return ExamResult(session.learner, session.started_at, session.deadline.isoformat(), session.submitted_at,
                      graded_at.isoformat(), labs, questions, session.pass_mark, notes=notes)


def report_text(result: ExamResult) -> str:
    """The French grade sheet: per lab (with its checks), per question, per skill, verdict."""
    data = result.to_dict()
    lines = [f"Examen blanc — {result.learner} : {'RÉUSSI' if data['passed'] else 'NON RÉUSSI'} — "
             f"{result.points:g} / {result.max:g} points ({_pct(result.ratio)}, seuil {_pct(result.pass_mark)})",
             f"Mode : {result.mode}.", "", "Labs :"]
    for lab in result.labs:
        lines.append(f"  {lab.title} [{lab.variant}] : {lab.points:g} / {lab.max:g} ({lab.status}"
                     f"{' : ' + lab.reason if lab.reason else ''})")
        lines += [f"    {c.status:8} {c.exercise}/{c.check} {c.points:g}/{c.max:g} {c.message}".rstrip() for c in lab.checks]
    lines.append("QCM :")
    for q in result.questions:
        lines.append(f"  {q.id} : {q.points:g}/{q.max:g} (réponse donnée {','.join(q.chosen) or '—'} ; "
                     f"attendue {','.join(q.right)}) {q.explanation}")
    lines.append("Compétences :")
    for row in data["skills"]:
        mark = " (obligatoire)" if row["mandatory"] else ""
        state = f"{row['points']:g} / {row['max']:g}" if row["assessed"] else "non évaluée"
        lines.append(f"  {row['label']}{mark} : {state}")
    lines += [f"  ✘ {r}" for r in data["reasons"]] + [f"  note : {n}" for n in result.notes]
    return "\n".join(lines)
