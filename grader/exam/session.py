"""An exam session: the drawn subject, the clock, the answers, the submission.

The session lives in the learner's exam folder (`examen.json`); the QCM answers in
`reponses-quiz/examen.json` (the quiz file format). While a session runs, `<data>/exam/active-<learner>.json`
names its exercises, so that `check()` and `hint()` refuse them: no hints, no check details during the
exam, only « soumis ». The grade comes at the end, from the trainer's live run (`grading.py`).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.config import REPO_ROOT, settings
from grader.errors import InputError
from grader import exam_pool as pools
from grader.exam_marker import active_marker, exercises_in_exam  # noqa: F401 - part of the session's API

FORMAT = "cpin-examen-blanc/1"
SESSION_FILE = "examen.json"
QUIZ_ID = "examen"
MIN_MINUTES, MAX_MINUTES = 10, 8 * 60


@dataclass(frozen=True)
class DrawnLab:
    lab: str
    title: str
    points: float
    skill: str
    variant: str
    variant_title: str
    exercises: tuple[str, ...]
    deploy: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Session:
    learner: str
    seed: str
    seat: int | None
    started_at: str
    duration_minutes: int
    labs: tuple[DrawnLab, ...]
    questions: tuple[str, ...]
    points_each: float
    pass_mark: float
    submitted_at: str | None = None
    format: str = FORMAT

    @property
    def deadline(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.started_at) + dt.timedelta(minutes=self.duration_minutes)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["deadline"] = self.deadline.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Session":
        try:
            if data.get("format") != FORMAT:
                raise ValueError("format")
            labs = tuple(DrawnLab(**{**lab, "exercises": tuple(lab["exercises"]),
                                     "deploy": tuple(lab.get("deploy") or ())}) for lab in data["labs"])
            return cls(learner=data["learner"], seed=data["seed"], seat=data["seat"], started_at=data["started_at"],
                       duration_minutes=int(data["duration_minutes"]), labs=labs, questions=tuple(data["questions"]),
                       points_each=float(data["points_each"]), pass_mark=float(data["pass_mark"]),
                       submitted_at=data.get("submitted_at"))
        except (KeyError, TypeError, ValueError) as error:
            raise InputError("Fichier de session d'examen illisible ou modifié.",
                             hint_fr="Demandez au formateur de relancer la session.") from error


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load(folder: Path) -> Session:
    path = Path(folder) / SESSION_FILE
    if not path.is_file():
        raise InputError(f"Pas de session d'examen dans {folder}.", hint_fr="Lancez `cpin exam demarrer`.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise InputError(f"{path} : session illisible.") from error
    return Session.from_dict(data)


def start(folder: Path, *, learner: str, duration_minutes: int, seed: str, seat: int | None = None,
          capabilities: frozenset[str] = frozenset(), pool_path: Path | None = None, prepare: bool = True,
          now: dt.datetime | None = None) -> Session:
    """Draw the subject, copy the provided files, reset the labs' namespaces, start the clock."""
    if not (MIN_MINUTES <= duration_minutes <= MAX_MINUTES):
        raise InputError(f"Durée de l'examen invalide : {duration_minutes} min (de {MIN_MINUTES} à {MAX_MINUTES}).")
    folder = Path(folder)
    if (folder / SESSION_FILE).exists():
        raise InputError(f"Une session d'examen existe déjà dans {folder}.",
                         hint_fr="Choisissez un autre dossier : une session ne se relance pas.")
    pool = pools.load(pool_path or pools.POOL_PATH)
    drawn = pools.draw_labs(pool, seed, learner, seat=seat, capabilities=capabilities)
    session = Session(
        learner=learner, seed=seed, seat=seat, started_at=_now(now).isoformat(), duration_minutes=duration_minutes,
        labs=tuple(DrawnLab(lab.id, lab.title, lab.points, lab.skill, v.id, v.title, v.exercises, v.deploy)
                   for lab, v in drawn),
        questions=tuple(pools.draw_questions(pool, seed, learner)), points_each=pool.points_each,
        pass_mark=pool.pass_mark)
    folder.mkdir(parents=True, exist_ok=True)
    for _lab, variant in drawn:
        for source, target in variant.files:
            src, dst = REPO_ROOT / source, folder / target
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(src, dst, dirs_exist_ok=True) if src.is_dir() else shutil.copy(src, dst)
    if prepare:
        if settings().learner != session.learner:
            raise InputError(f"L'apprenant de la session ({session.learner}) n'est pas celui de ce poste "
                             f"({settings().learner}).", hint_fr="Réglez CPIN_LEARNER avant `cpin exam demarrer`.")
        prepare_labs(session, folder)
    _write(folder / SESSION_FILE, session.to_dict())
    _write(active_marker(learner), {"folder": str(folder.resolve()), "deadline": session.deadline.isoformat(),
                             "exercises": sorted({e for lab in session.labs for e in lab.exercises})})
    return session


def known_exercise(exercise_id: str):
    """The kit exercise, or None if this kit cannot grade it (unknown id, or check types it does not know)."""
    from grader import exercises as registry
    try:
        return registry.get(exercise_id)
    except InputError:
        return None


def prepare_labs(session: Session, folder: Path) -> None:
    """Reset each known lab exercise in the current learner's namespaces (what an earlier training left is
    removed, the setup objects are applied); where the exercise's answer is a git repository (`infra/`),
    that repository exists, empty, for the learner to commit into."""
    from grader import api
    for lab in session.labs:
        for exercise_id in lab.exercises:
            exercise = known_exercise(exercise_id)
            if exercise is not None:
                (folder / exercise_id).mkdir(exist_ok=True)
                api.reset(exercise_id, work_dir=folder)
                if (exercise.directory / "solution" / "infra").is_dir():
                    _git_repo(folder / exercise_id / "infra")


def provided_files(session: Session, folder: Path, pool_path: Path | None = None) -> list[Path]:
    """The files the drawn variants copied into the exam folder (as they are named there)."""
    pool = pools.load(pool_path or pools.POOL_PATH)
    variants = {(lab.id, v.id): v for lab in pool.labs for v in lab.variants}
    return [folder / target for drawn in session.labs
            for _source, target in getattr(variants.get((drawn.lab, drawn.variant)), "files", ())]


def _git_repo(repo: Path) -> None:
    from grader.services.forge import git
    (repo / "templates").mkdir(parents=True, exist_ok=True)
    if not (repo / ".git").exists():
        git("init", "-q", "-b", "main", cwd=repo)


def commit_all(repo: Path, message: str) -> None:
    """Commit everything in `repo` (made a repository if needed) under the learner's training identity."""
    from grader.services.forge import git
    _git_repo(repo)
    git("add", "-A", cwd=repo)
    if git("status", "--porcelain", cwd=repo).strip():
        git("-c", "user.name=Apprenant", "-c", "user.email=apprenant@formation.local",
            "commit", "-q", "-m", message, cwd=repo)


def questionnaire(session: Session, folder: Path):
    """The QCM as a quiz without feedback (`Quiz.feedback` False: no correction shown)."""
    from grader import questions
    from grader.quizzes import Quiz, answers_path
    return Quiz(QUIZ_ID, [questions.get(q) for q in session.questions], answers_path(QUIZ_ID, folder), feedback=False)


def _running(session: Session, now: dt.datetime | None) -> None:
    if session.submitted_at:
        raise InputError("Copie déjà rendue : elle ne se modifie plus.")
    if _now(now) > session.deadline:
        raise InputError(f"Temps écoulé (fin à {session.deadline.strftime('%H:%M')} UTC) : réponse refusée.",
                         hint_fr="Rendez votre copie : `cpin exam rendre`.")


def answer(folder: Path, question_id: str, letters: list[str], *, now: dt.datetime | None = None) -> str:
    """Record an answer; says only « enregistré » (no correction during the exam)."""
    session = load(folder)
    _running(session, now)
    if question_id not in session.questions:
        raise InputError(f"La question « {question_id} » n'est pas dans votre sujet.")
    questionnaire(session, folder).repondre({question_id: letters})
    return "enregistré"


def submit(folder: Path, *, now: dt.datetime | None = None) -> str:
    """Hand in: the session is closed; the result comes from the trainer's live grading."""
    session = load(folder)
    if session.submitted_at:
        raise InputError("Copie déjà rendue.")
    data = {**session.to_dict(), "submitted_at": _now(now).isoformat()}
    _write(Path(folder) / SESSION_FILE, data)
    marker = active_marker(session.learner)
    try:
        if json.loads(marker.read_text(encoding="utf-8")).get("folder") == str(Path(folder).resolve()):
            marker.unlink()
    except (OSError, ValueError):
        pass
    return "soumis"


def subject_text(session: Session, folder: Path) -> str:
    """The subject in French: labs (titles only: no hints, no checks) and the QCM."""
    lines = [f"# Examen blanc du kit d'autoformation — {session.learner}",
             f"Début {session.started_at[11:16]} UTC, durée {session.duration_minutes} min, "
             f"fin {session.deadline.strftime('%H:%M')} UTC. Seuil de réussite {100 * session.pass_mark:.0f} %.",
             "Pendant l'examen : pas d'indice, pas de détail des contrôles. La note vient à la fin, "
             "de la correction en direct par le formateur.", "", "## Labs"]
    for n, lab in enumerate(session.labs, 1):
        lines.append(f"{n}. {lab.title} — {lab.points:g} point(s) : {lab.variant_title}")
        for exercise in lab.exercises:
            found = known_exercise(exercise)
            what = found.title if found is not None else "(consigne remise par le formateur)"
            lines.append(f"   - exercice « {exercise} » : {what} (dossier {folder / exercise})")
            if found is not None and found.learner_files:
                lines.append(f"     fichiers rendus : {', '.join(found.learner_files)}")
            if found is not None and (found.directory / "solution" / "infra").is_dir():
                lines.append(f"     dépôt git : {folder / exercise / 'infra'} (commitez-y vos fichiers ; aucune "
                             "valeur en clair dans l'historique)")
    lines += ["", f"## QCM ({len(session.questions)} questions, {session.points_each:g} point chacune)",
              "Répondez avec `cpin exam repondre ID LETTRES` (par exemple `cpin exam repondre q-id a,c`)."]
    for q in questionnaire(session, folder).questions:
        kind = "une réponse" if q.kind == "unique" else "plusieurs réponses possibles"
        lines.append(f"\n[{q.id}] {q.text} ({kind})")
        lines += [f"   {letter}) {text}" for letter, text in q.choices]
    return "\n".join(lines)
