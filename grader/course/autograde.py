"""Isolated, parallel, resumable autograde whose scores land in nbgrader's gradebook.

Per submission, in a process of its own (`grader.course.workers`): copy the files into a fresh
sandbox (`grader.course.sandbox`), fence namespaces for it (if a cluster is used), then for each
notebook run the steps of `grader.course.steps` (sanitize → execute, with the grade cells judged by
the grader itself → score → reports → evidence → explain). The main process alone writes the autograded
notebooks, the gradebook and a grading record (which makes the run resumable); a failure becomes an
`error` outcome and never sinks the batch. Namespaces are deleted after each submission.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from grader.course import execute, fence as fencing, sandbox as jails, sanitize, scoring
from grader.course.steps import STEPS, NotebookContext
from grader.config import REPO_ROOT, settings
from grader.course.layout import Course, venv_path
from grader.errors import CpinError, InputError

RECORD_VERSION = 1


@dataclass(frozen=True)
class Options:
    workers: int = 2
    cell_timeout: float = 120.0      # seconds per cell
    budget: float = 600.0            # seconds per notebook
    force: bool = False
    from_evidence: bool = False
    admin: fencing.Admin | None = None   # a cluster to fence namespaces on; None: no cluster access
    context: str = "cpin-local"          # context name in the fenced kubeconfig (what the kit expects)
    capabilities: frozenset[str] = frozenset()   # the cluster's (grader.cluster.base), for the checks
    unsafe: bool = False                 # run kernels unconfined (no bubblewrap): trusted copies only


@dataclass(frozen=True)
class NotebookPaths:
    name: str
    source: Path
    release: Path


@dataclass(frozen=True)
class Job:
    assignment: str
    student: str
    submission: Path
    notebooks: tuple[NotebookPaths, ...]
    fingerprint: str
    options: Options


@dataclass
class SubmissionResult:
    assignment: str
    student: str
    status: str                      # ok | timeout | error | skipped
    seconds: float = 0.0
    score: float = 0.0
    max_score: float = 0.0
    notebooks: dict[str, str] = field(default_factory=dict)          # name → autograded notebook JSON
    scores: dict[str, list[dict]] = field(default_factory=dict)      # name → CellScore dicts
    unchanged: dict[str, list[str]] = field(default_factory=dict)    # name → untouched answer cells
    rows: list[dict] = field(default_factory=list)                   # per-check rows
    notes: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    fingerprint: str = ""
    mode: str = "live"


# --------------------------------------------------------------------------- one submission (worker)
def learner_id(student: str) -> str:
    """The learner id a submission is graded under: ASCII, DNS-safe, short, distinct per student id."""
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", student).encode("ascii", "ignore")
                  .decode().lower()).strip("-")[:20].strip("-")
    return f"g-{slug or 'x'}-{hashlib.sha256(student.encode()).hexdigest()[:6]}"


EXAM_ASSIGNMENT = "90-examen-blanc"


def namespaces_for(learner: str, assignment: str) -> tuple[str, ...]:
    """The namespaces a learner's exercises of this module use (the registry's naming), default first."""
    from grader import exercises

    default = exercises.Exercise(id=assignment, module=assignment, title="", skill="", points=1, checks=(),
                                 directory=Path(".")).namespace(learner)
    names = [default]
    try:
        for ex in exercises.all_exercises():
            # The mock exam (grader.exam.notebook) draws its labs from other modules: this learner's namespaces
            # of every module, still nobody else's.
            if (ex.module == assignment or assignment == EXAM_ASSIGNMENT) and ex.namespace(learner) not in names:
                names.append(ex.namespace(learner))
    except CpinError:
        pass
    return tuple(names)


def grade_submission(job: Job) -> SubmissionResult:
    """Grade one submission in its own sandbox, environment and namespaces."""
    start = time.monotonic()
    outcome = SubmissionResult(job.assignment, job.student, "ok", fingerprint=job.fingerprint,
                      mode="evidence" if job.options.from_evidence else "live")
    readonly = jails.readonly_paths(*_kit_paths(job.assignment))
    work = Path(tempfile.mkdtemp(prefix=f"cpin-grade-{os.getpid()}-")).resolve()
    uid, lease = jails.claim_uid()
    jail = jails.Jail(root=work, uid=uid, unsafe=job.options.unsafe, readonly=readonly)
    fence = None
    try:
        shutil.copytree(job.submission, jail.home, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        jail.prepare()
        learner = learner_id(job.student)
        # HOME is the sandbox, so the pinned tools' cache is passed explicitly.
        env = {"CPIN_LEARNER": learner, "CPIN_DATA": jail.inside(jail.data), "CPIN_CACHE": str(settings().cache_dir),
               "CPIN_EXERCISES": str(settings().exercises_dir), "PATH": venv_path()}
        if job.options.admin is not None and not job.options.from_evidence:
            namespaces = namespaces_for(learner, job.assignment)
            kubeconfig = jail.data / "local" / "kubeconfig"
            fence = fencing.open_fence(job.options.admin, learner, namespaces, kubeconfig,
                                       context=job.options.context, assignment=job.assignment)
            # The context guard trusts a kit kubeconfig by its recorded CA: record the fenced one's.
            from grader.cluster import guard
            guard.record_identity("local", jail.data)
            jail.prepare()                       # the kubeconfig belongs to the sandbox's uid
            outcome.namespaces = list(namespaces)
            env.update({"KUBECONFIG": jail.inside(kubeconfig), "CPIN_NAMESPACE": namespaces[0]})
        sandbox = execute.Sandbox(jail=jail, env=env)
        for paths in job.notebooks:
            submitted = job.submission / f"{paths.name}.ipynb"
            ref = sanitize.reference(nbformat.read(paths.source, as_version=4),
                                     nbformat.read(paths.release, as_version=4))
            ctx = NotebookContext(name=paths.name, ref=ref, sandbox=sandbox, options=job.options, submission=job.submission,
                                  submitted_text=_read_capped(submitted), learner=learner,
                                  student=job.student)
            for step in STEPS:
                step(ctx)
            outcome.rows += [r.to_dict() for r in scoring.check_rows(job.student, job.assignment, ref,
                                                                     ctx.scores, ctx.reports)]
            outcome.scores[paths.name] = [asdict(s) for s in ctx.scores]
            outcome.unchanged[paths.name] = _unchanged_answers(ctx.nb) if ctx.nb is not None else []
            if ctx.nb is not None:
                outcome.notebooks[paths.name] = nbformat.writes(ctx.nb)
            outcome.notes += ctx.notes
            if ctx.execution is not None and ctx.execution.timed_out:
                outcome.status = "timeout"
    except CpinError as error:
        outcome.status = "error"
        outcome.notes.append(error.message_fr)
    except Exception as error:  # noqa: BLE001 - one broken submission never sinks the batch
        outcome.status = "error"
        outcome.notes.append(f"erreur interne : {type(error).__name__}: {error}")
    finally:
        if fence is not None:
            fencing.close(fence)
        jail.remove()
        if lease is not None:
            os.close(lease)
    outcome.score = round(sum(c["score"] or 0.0 for cells in outcome.scores.values() for c in cells), 4)
    outcome.max_score = round(sum(c["max_score"] for cells in outcome.scores.values() for c in cells), 4)
    outcome.seconds = round(time.monotonic() - start, 3)
    return outcome


NOTEBOOK_MAX = 20 * 1024 ** 2       # a larger submitted notebook is not read (scored zero, with a note)


def _read_capped(path: Path) -> str | None:
    if not path.is_file() or path.is_symlink():
        return None
    if path.stat().st_size > NOTEBOOK_MAX:
        return "{}"
    return path.read_text(errors="replace")


def _kit_paths(assignment: str) -> tuple[Path, ...]:
    """What a kernel reads of the kit besides its code: the pinned tools and this module's exercises
    (without their `solution/` folders, which are not bound)."""
    out = [settings().tools_dir]
    modules = [settings().exercises_dir / assignment]
    if assignment == EXAM_ASSIGNMENT:   # the mock exam's labs come from every module
        modules = sorted(p for p in settings().exercises_dir.iterdir() if p.is_dir() and p.name[:2].isdigit())
    for module in modules:
        if module.is_dir():
            for exercise in sorted(module.iterdir()):
                if exercise.is_dir():
                    out += [p for p in sorted(exercise.iterdir()) if p.name != "solution"]
    return tuple(out) + _quiz_paths(assignment)


def _quiz_paths(assignment: str) -> tuple[Path, ...]:
    """The question bank (module quizzes and the exam's QCM), the tools' version pins (go.mod, checksums: read
    when a kernel looks up helm) and, for the exam, its pool and provided files."""
    from grader import questions, tools
    out = [questions.BANK_DIR] if questions.BANK_DIR.is_dir() else []
    out += [p for p in (tools.GO_MODULE_DIR / "go.mod", tools.CHECKSUMS_FILE) if p.is_file()]
    out += sorted(tools.GO_MODULE_DIR.glob("*/go.mod"))
    if assignment == EXAM_ASSIGNMENT:
        from grader import exam_pool as pool
        out.append(pool.POOL_PATH)
        out += sorted({REPO_ROOT / src for lab in pool.load().labs for v in lab.variants for src, _ in v.files})
    return tuple(out)


def _unchanged_answers(nb) -> list[str]:
    from nbgrader.utils import compute_checksum

    out = []
    for cell in nb.cells:
        meta = sanitize.nbgrader_meta(cell)
        if meta.get("solution") and meta.get("checksum") == compute_checksum(cell):
            out.append(meta["grade_id"])
    return out


# --------------------------------------------------------------------------- the batch (main process)
def fingerprint(submission: Path, notebooks: tuple[NotebookPaths, ...], mode: str) -> str:
    digest = hashlib.sha256(f"v{RECORD_VERSION}:{mode}".encode())
    for path in sorted(p for p in submission.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(submission)).encode() + b"\0" + path.read_bytes() + b"\0")
    for paths in notebooks:
        digest.update(paths.source.read_bytes())
    return digest.hexdigest()


def record_path(course: Course, assignment: str, student: str) -> Path:
    return course.cpin_dir() / "grading" / assignment / f"{student}.json"


def read_record(course: Course, assignment: str, student: str) -> dict | None:
    try:
        return json.loads(record_path(course, assignment, student).read_text())
    except (FileNotFoundError, ValueError):
        return None


def persist(course: Course, outcome: SubmissionResult) -> None:
    """Autograded notebooks + gradebook + grading record, in that order (the record marks it done)."""
    from grader.course import gradebook

    submission = course.step("submitted") / outcome.student / outcome.assignment
    target = course.step("autograded") / outcome.student / outcome.assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(submission, target, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    for name, text in outcome.notebooks.items():
        (target / f"{name}.ipynb").write_text(text)
    scores = {name: [scoring.CellScore(**c) for c in cells] for name, cells in outcome.scores.items()}
    gradebook.save(course, outcome.assignment, outcome.student, scores,
                   {k: set(v) for k, v in outcome.unchanged.items()}, gradebook.read_timestamp(submission),
                   self_reported=outcome.mode == "evidence")
    path = record_path(course, outcome.assignment, outcome.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {k: v for k, v in asdict(outcome).items() if k != "notebooks"}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    os.replace(tmp, path)


def plan(course: Course, assignment: str, students: list[str] | None, options: Options) -> tuple[list[Job], list[SubmissionResult]]:
    """Jobs to run, and the submissions skipped because already graded (same files, same mode)."""
    sources = course.source_notebooks(assignment)
    notebooks = tuple(NotebookPaths(p.stem, p, course.step("release") / assignment / p.name) for p in sources)
    missing = [str(n.release) for n in notebooks if not n.release.is_file()]
    if missing:
        raise InputError(f"Version élève absente : {', '.join(missing)}.", hint_fr="Lancez `cpin course generate`.")
    available = course.students(assignment)
    chosen = students or available
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise InputError(f"Pas de copie de {', '.join(unknown)} pour « {assignment} ».",
                         hint_fr="Lancez `cpin course collect` ou vérifiez submitted/<étudiant>/<devoir>/.")
    mode = "evidence" if options.from_evidence else "live"
    jobs, skipped = [], []
    for student in chosen:
        submission = course.step("submitted") / student / assignment
        fp = fingerprint(submission, notebooks, mode)
        record = read_record(course, assignment, student)
        if record and record.get("fingerprint") == fp and record.get("status") != "error" and not options.force:
            skipped.append(SubmissionResult(assignment, student, "skipped", score=record.get("score", 0.0),
                                   max_score=record.get("max_score", 0.0), fingerprint=fp, mode=mode))
            continue
        jobs.append(Job(assignment, student, submission, notebooks, fp, options))
    return jobs, skipped


def preload() -> None:
    """Import the heavy modules once in the parent: every forked grading process starts with them."""
    import jupyter_client  # noqa: F401
    import nbclient  # noqa: F401
    import nbgrader.utils  # noqa: F401


def work_dirs(pid: int) -> list[Path]:
    """The folders a grading process made (named after its pid), to delete if it was killed."""
    return sorted(Path(tempfile.gettempdir()).glob(f"cpin-grade-{pid}-*"))


def lost(job: Job, reason: str) -> SubmissionResult:
    return SubmissionResult(job.assignment, job.student, "error", notes=[reason], fingerprint=job.fingerprint,
                   mode="evidence" if job.options.from_evidence else "live")


def run_jobs(jobs: list[Job], workers: int):
    """(job, outcome) for each job as it ends, each graded in its own process; a death is one error."""
    from grader.course import workers as processes

    preload()
    pids: dict[int, int] = {}

    def started(job: Job, pid: int) -> None:
        pids[id(job)] = pid

    try:
        for job, outcome in processes.run(jobs, grade_submission, workers=workers, lost=lost, started=started):
            for folder in work_dirs(pids.pop(id(job), -1)):
                shutil.rmtree(folder, ignore_errors=True)
            yield job, outcome
    finally:
        for pid in pids.values():
            for folder in work_dirs(pid):
                shutil.rmtree(folder, ignore_errors=True)


def safe_persist(course: Course, outcome: SubmissionResult) -> SubmissionResult:
    """`persist`, or the submission turned into an error (French line) with nothing half-saved."""
    try:
        persist(course, outcome)
        return outcome
    except Exception as error:  # noqa: BLE001 - a locked/damaged gradebook or a full disk: this copy only
        target = course.step("autograded") / outcome.student / outcome.assignment
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.suppress(OSError):
            target.parent.rmdir()            # the student's folder, if this was all it held
        record_path(course, outcome.assignment, outcome.student).unlink(missing_ok=True)
        what = ("disque plein" if isinstance(error, OSError) and error.errno == 28 else
                "carnet de notes verrouillé ou endommagé" if "sqlite" in type(error).__module__ + str(error).lower()
                or "database" in str(error).lower() else f"{type(error).__name__}")
        outcome.status = "error"
        outcome.notes.append(f"note calculée ({outcome.score:g}/{outcome.max_score:g}) mais non enregistrée : "
                             f"{what}. Corrigez puis relancez la même commande (elle reprend cette copie).")
        return outcome


def grade(course: Course, assignment: str, *, students: list[str] | None = None, options: Options = Options(),
          progress: Callable[[int, int, SubmissionResult], None] | None = None) -> list[SubmissionResult]:
    """Grade every (or the named) submission(s) of `assignment`; returns one outcome per submission."""
    jails.require(options.unsafe)
    jobs, outcomes = plan(course, assignment, students, options)
    total = len(jobs) + len(outcomes)
    done = len(outcomes)
    for outcome in outcomes:
        if progress:
            progress(outcomes.index(outcome) + 1, total, outcome)
    if not jobs:
        return outcomes
    fenced = options.admin is not None and not options.from_evidence
    if fenced:
        fencing.sweep(options.admin, assignment)
    running = run_jobs(jobs, options.workers)
    try:
        for _job, outcome in running:
            if outcome.status != "error":
                outcome = safe_persist(course, outcome)
            outcomes.append(outcome)
            done += 1
            if progress:
                progress(done, total, outcome)
    finally:                 # Ctrl-C included: stop the children, delete their folders and namespaces
        running.close()
        if fenced:
            try:
                fencing.sweep(options.admin, assignment)
            except Exception:  # noqa: BLE001 - the next run sweeps again
                pass
    order = {s: i for i, s in enumerate(students or course.students(assignment))}
    return sorted(outcomes, key=lambda o: order.get(o.student, 0))
