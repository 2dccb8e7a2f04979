"""The mock exam as an nbgrader assignment (`notebooks/90-examen-blanc/`), for `cpin course`.

The learner opens the session (`ouvrir`: drawn once, kept in `examen/examen.json`, which travels with
the submission), edits the lab files in `examen/<exercise>/`, deploys them (`deployer`: the pool's
deploy steps) and answers the QCM (widgets without correction). Nothing shows check details or hints.

At `cpin course grade`, nbgrader re-runs the notebook in the sandbox under the grading learner id, with
the cluster fenced to that learner's namespaces: `ouvrir` resets the labs there, `deployer` replays the
learner's files, and each grade cell (`note_lab`, `note_qcm`) runs the live checks or scores the QCM and
returns a bare number. The subject is the one recorded at the learner's start; grading recomputes the
draw from (seed, learner, seat) and scores 0 on a subject that does not match it (edited by hand).
"""
from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

from grader.config import settings
from grader.errors import CpinError
from grader.exam import grading
from grader import exam_pool as pools
from grader.exam import session as sessions
from grader.quizzes import read_answers

FOLDER = "examen"


class NotebookExam:
    def __init__(self, folder: Path, session: sessions.Session, pool_path: Path | None):
        self.folder, self.session, self.pool_path = folder, session, pool_path

    def _repr_markdown_(self) -> str:
        return "```\n" + sessions.subject_text(self.session, self.folder) + "\n```"

    def __repr__(self) -> str:
        return sessions.subject_text(self.session, self.folder)

    def genuine(self) -> bool:
        """The recorded subject is the draw of (seed, learner, seat) from the pool: not edited by hand."""
        pool = pools.load(self.pool_path or pools.POOL_PATH)
        usable = {lab.id: {v.id for v in lab.variants} for lab in pool.labs}
        questions = pools.draw_questions(pool, self.session.seed, self.session.learner)
        return (list(self.session.questions) == questions
                and all(lab.variant in usable.get(lab.lab, set()) for lab in self.session.labs))

    # ------------------------------------------------------------ the learner's gestures
    def deployer(self) -> None:
        """Put the learner's lab files on the cluster, step by step; says only what was applied or refused."""
        from grader import api
        from grader.notebook import render_chart
        self._start_services()
        for lab in self.session.labs:
            for step in lab.deploy:
                if sessions.known_exercise(step["exercise"]) is None:
                    print(f"· {lab.title} : déploiement vérifié par le formateur")
                    continue
                try:
                    if "apply" in step:
                        api.apply(self.folder / step["apply"], exercise=step["exercise"])
                        print(f"✔ {step['apply']} appliqué")
                    else:
                        rendered = render_chart(self.folder / step["chart"], values=[self.folder / step["values"]],
                                                release=step["release"])
                        (self.folder / step["output"]).write_text(rendered, encoding="utf-8")
                        api.apply(self.folder / step["output"], exercise=step["exercise"])
                        print(f"✔ {step['chart']} rendu et appliqué")
                except CpinError as error:
                    print(f"✘ {step.get('apply') or step.get('chart')} : {error.message_fr}")

    def _start_services(self) -> None:
        """Start the platform services the drawn labs need (the SOPS operator for lab 2, …); a service that
        cannot start is said in one line, and the checks that need it will fail."""
        from grader import services
        needed = sorted({name for lab in self.session.labs for exercise_id in lab.exercises
                         for name in getattr(sessions.known_exercise(exercise_id), "services", ())})
        if not needed:
            return
        try:
            services.up(needed, log=lambda message: None)
        except CpinError as error:
            print(f"✘ services {', '.join(needed)} : {error.message_fr}")

    def questionnaire(self):
        quiz = sessions.questionnaire(self.session, self.folder)
        from grader.quizzes import _display
        _display(quiz)
        return None

    # ------------------------------------------------------------ the reference answer (course self-test)
    def copier_corrige(self) -> None:
        """The kit's reference answer of each drawn lab, written over the learner's files: the solution's
        files; each `X.clair.yaml` encrypted for this cluster into `infra/templates/X.yaml`; the provided
        files the solution does not have removed; `infra/` committed."""
        for lab in self.session.labs:
            for exercise_id in lab.exercises:
                exercise = sessions.known_exercise(exercise_id)
                if exercise is None or not (exercise.directory / "solution").is_dir():
                    continue
                solution, target = exercise.directory / "solution", self.folder / exercise_id
                shutil.copytree(solution, target, dirs_exist_ok=True)
                for provided in sessions.provided_files(self.session, self.folder, self.pool_path):
                    inside = provided.relative_to(target) if provided.is_relative_to(target) else None
                    if inside is not None and not (solution / inside).exists():
                        shutil.rmtree(provided) if provided.is_dir() else provided.unlink(missing_ok=True)
                clear_files = sorted(target.glob("*.clair.yaml"))
                if clear_files:
                    from grader import sops
                    for clear in clear_files:
                        encrypted = sops.encrypt_text(clear.read_text(encoding="utf-8"), sops.public_key())
                        out = target / "infra" / "templates" / clear.name.replace(".clair.yaml", ".yaml")
                        out.write_text(encrypted, encoding="utf-8")
                if (target / "infra").is_dir():
                    sessions.commit_all(target / "infra", "Corrigé du formateur")

    def repondre_corrige(self) -> None:
        quiz = sessions.questionnaire(self.session, self.folder)
        quiz.repondre({q.id: sorted(q.answers) for q in quiz.questions})

    # ------------------------------------------------------------ grade cells
    def note_lab(self, number: int) -> float:
        """Points of lab `number` (1-based), from live checks in the current learner's namespaces; silent."""
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                if not self.genuine():
                    return 0.0
                lab = self.session.labs[number - 1]
                return float(grading._grade_lab(lab, settings().learner, self.folder, None, None).points)
            except Exception:  # noqa: BLE001 - a grade cell yields a number, never a traceback
                return 0.0

    def note_qcm(self, skill: str) -> float:
        """Points of the QCM questions of `skill`; silent."""
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                if not self.genuine():
                    return 0.0
                quiz = sessions.questionnaire(self.session, self.folder)
                answers = read_answers(quiz.path)
                return round(sum(q.score(answers.get(q.id, ()), self.session.points_each)
                                 for q in quiz.questions if q.skill == skill), 4)
            except Exception:  # noqa: BLE001
                return 0.0


def ouvrir(duree_minutes: int, graine: str, *, pool: str | Path | None = None) -> NotebookExam:
    """Open the session in ./examen (drawn at the first call, kept afterwards) and reset the labs."""
    folder = Path.cwd() / FOLDER
    pool_path = Path(pool) if pool else None
    if (folder / sessions.SESSION_FILE).is_file():
        found = sessions.load(folder)
    else:
        found = sessions.start(folder, learner=settings().learner, duration_minutes=int(duree_minutes),
                               seed=str(graine), pool_path=pool_path, prepare=False)
    sessions.prepare_labs(found, folder)
    return NotebookExam(folder, found, pool_path)


def points_per_skill(pool_path: Path | None = None) -> dict[str, float]:
    pool = pools.load(pool_path or pools.POOL_PATH)
    return {skill: count * pool.points_each for skill, count in pool.draw.items()}

