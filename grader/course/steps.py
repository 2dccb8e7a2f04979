"""The steps of grading one notebook, each a function `(ctx) -> None` on a `NotebookContext`.

`sanitize → execute → score → reports → evidence → explain`. During `execute`, the test cells that
call `grade("id")` are judged by the grader's own process (`grader.course.judge`), never by the kernel.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import nbformat

from grader.course import evidence, execute, judge, sanitize, scoring
from grader.errors import CpinError

if TYPE_CHECKING:
    from grader.course.autograde import Options


@dataclass
class NotebookContext:
    """What the steps of one notebook share (no string-keyed state)."""
    name: str
    submitted_text: str | None
    ref: sanitize.Reference
    sandbox: execute.Sandbox
    options: "Options"
    submission: Path                 # the collected files, untouched by the learner's code
    nb: nbformat.NotebookNode | None = None
    execution: execute.Execution | None = None
    scores: list[scoring.CellScore] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reports: dict[str, list[dict]] = field(default_factory=dict)   # exercise id → check results used
    learner: str = ""
    student: str = ""
    verdicts: dict[str, judge.Verdict] = field(default_factory=dict)  # grade id → the grader's own result


def step_sanitize(ctx: NotebookContext) -> None:
    if ctx.submitted_text is None:
        ctx.notes.append(f"{ctx.name}.ipynb absent de la copie : note zéro")
        ctx.nb = None
        return
    try:
        submitted = sanitize.read_submission(ctx.submitted_text)
    except Exception as error:  # noqa: BLE001 - unreadable JSON is the learner's fault, scored zero
        ctx.notes.append(f"{ctx.name}.ipynb illisible ({type(error).__name__}) : note zéro")
        ctx.nb = None
        return
    result = sanitize.sanitize(submitted, ctx.ref)
    ctx.nb = result.nb
    ctx.notes.extend(result.notes)


def judges_for(ctx: NotebookContext) -> dict:
    """Test cells that call `grade("id")`: computed by the grader (live) or left to the evidence, never
    by the kernel."""
    out = {}
    for index, cell in enumerate(ctx.nb.cells):
        gid = sanitize.nbgrader_meta(cell).get("grade_id")
        if gid not in ctx.ref.source or not sanitize.is_test(cell) or gid in ctx.verdicts:
            continue
        exercise = ctx.ref.exercise(gid)
        if exercise is None:
            continue
        ctx.verdicts[gid] = judge.Verdict(exercise, 0.0, (), "non atteinte")
        out[index] = _judging(ctx, gid, exercise)
    return out


def _judging(ctx: NotebookContext, gid: str, exercise: str):
    def run() -> list:
        if ctx.options.from_evidence:
            return []
        verdict = judge.judge(exercise, learner=ctx.learner, workdir=ctx.sandbox.workdir, admin=ctx.options.admin,
                              capabilities=ctx.options.capabilities)
        ctx.verdicts[gid] = verdict
        max_score = float(sanitize.nbgrader_meta(ctx.ref.release[gid]).get("points", 0) or 0)
        return judge.outputs(round(verdict.share * max_score, 4))
    return run


def step_execute(ctx: NotebookContext) -> None:
    if ctx.nb is None:
        return
    ctx.execution = execute.run(ctx.nb, ctx.sandbox, cell_timeout=ctx.options.cell_timeout,
                                budget=ctx.options.budget,
                                kernel_name=(ctx.ref.kernelspec or {}).get("name") or "python3",
                                judges=judges_for(ctx))
    if ctx.execution.timed_out:
        ctx.notes.append(f"{ctx.name}.ipynb : temps maximal ({ctx.options.budget:.0f} s) dépassé")
    if ctx.execution.died:
        ctx.notes.append(f"{ctx.name}.ipynb : le noyau s'est arrêté pendant l'exécution")


def step_score(ctx: NotebookContext) -> None:
    """nbgrader's rule for the cells the kernel ran; the grader's verdict for the judged ones."""
    if ctx.nb is None:
        ctx.scores = scoring.cell_scores(nbformat.v4.new_notebook(), ctx.ref, completed=set(), failed=set())
        return
    scores = scoring.cell_scores(ctx.nb, ctx.ref, completed=ctx.execution.completed,
                                 failed=ctx.execution.failed, interrupted=ctx.execution.interrupted)
    ctx.scores = [scoring.CellScore(c.grade_id, round(ctx.verdicts[c.grade_id].share * c.max_score, 4), c.max_score,
                                    ctx.verdicts[c.grade_id].note)
                  if c.grade_id in ctx.verdicts and not ctx.options.from_evidence else c for c in scores]


def step_evidence(ctx: NotebookContext) -> None:
    """With --from-evidence: cells that call `grade(id)` score from the best attempt of the shipped log."""
    if not ctx.options.from_evidence:
        return
    log = evidence.shipped_log(ctx.submission)
    if log is None:
        ctx.notes.append(f"pas de journal {evidence.SHIPPED_LOG} dans la copie : exercices notés zéro")
    try:
        best = evidence.best_attempts(log, student=ctx.student, learner=ctx.learner) if log else {}
    except CpinError as error:
        ctx.notes.append(error.message_fr)
        best = {}
    updated = []
    for cell in ctx.scores:
        exercise = ctx.ref.exercise(cell.grade_id)
        if exercise is None:
            updated.append(cell)
            continue
        attempt = best.get(exercise)
        if attempt is None:
            updated.append(scoring.CellScore(cell.grade_id, 0.0, cell.max_score, "aucune tentative dans le journal"))
            continue
        ctx.reports[exercise] = attempt.results
        updated.append(scoring.CellScore(cell.grade_id, round(attempt.share * cell.max_score, 4), cell.max_score,
                                         f"d'après la meilleure tentative ({attempt.when})"))
    ctx.scores = updated
    if ctx.nb is not None:
        _show_evidence_scores(ctx.nb, {c.grade_id: c for c in updated if ctx.ref.exercise(c.grade_id)})


def _show_evidence_scores(nb, cells: dict[str, scoring.CellScore]) -> None:
    """Test cells show the score the evidence gave, not what the live run printed."""
    from nbformat.v4 import new_output

    for cell in nb.cells:
        score = cells.get(sanitize.nbgrader_meta(cell).get("grade_id"))
        if score is not None and cell.cell_type == "code":
            cell.outputs = [new_output("stream", name="stdout",
                                       text=f"Noté sur le journal de tentatives : {score.note}.\n"),
                            new_output("execute_result", data={"text/plain": repr(float(score.score or 0.0))},
                                       execution_count=cell.get("execution_count"))]


def step_reports(ctx: NotebookContext) -> None:
    """Live grading: the check results of the grader's own verdicts (never the kernel's attempt log)."""
    if not ctx.options.from_evidence:
        ctx.reports = {v.exercise: list(v.results) for v in ctx.verdicts.values() if v.results}


def step_explain(ctx: NotebookContext) -> None:
    """Each `grade(id)` test cell also shows the checklist behind its number: messages and evidence as
    the learner saw them (hidden checks keep their generic message), never check code or expectations."""
    if ctx.nb is None:
        return
    from nbformat.v4 import new_output

    from grader import feedback
    from grader.results import Report, Result

    for cell in ctx.nb.cells:
        gid = sanitize.nbgrader_meta(cell).get("grade_id")
        exercise = ctx.ref.exercise(gid) if gid in ctx.ref.source else None
        results = ctx.reports.get(exercise or "")
        if not results or cell.cell_type != "code":
            continue
        try:
            report = Report(exercise, exercise, tuple(Result.from_dict(r) for r in results))
            shown = new_output("display_data", data={"text/html": feedback.to_html(report),
                                                     "text/plain": feedback.to_text(report)})
        except Exception:  # noqa: BLE001 - an unreadable record only loses the explanation
            continue
        # before the score: nbgrader reads the first execute_result, and feedback shows the list first
        cell.outputs = [shown, *cell.outputs]


STEPS: tuple[Callable[[NotebookContext], None], ...] = (
    step_sanitize, step_execute, step_score, step_reports, step_evidence, step_explain)


