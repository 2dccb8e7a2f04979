"""Quizzes in notebooks: `quiz(module)` shows the questions as ipywidgets, `grade_quiz(module, id)` scores one.

The learner's answers live in one file per quiz, `reponses-quiz/<quiz>.json` next to the notebook
(`{"question-id": ["b"]}`): every click rewrites it, so it travels with the submission and nbgrader's
autograde (which re-runs the notebook headless, without clicks) grades exactly what was ticked.
Each question is one graded cell of 1 point whose `metadata.cpin.skill` is the question's skill, so
quiz points count per skill in the gradebook, the export and the certificate.

`build_notebook(module)` writes the end-of-module quiz notebook (`notebooks/<module>/quiz.ipynb`) from
the bank; a test checks the committed notebooks are up to date.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader import questions as bank
from grader.errors import InputError

ANSWERS_DIR = "reponses-quiz"
MAX_ANSWERS_BYTES = 256 * 1024


def answers_path(quiz_id: str, work_dir: Path | None = None) -> Path:
    return Path(work_dir or Path.cwd()) / ANSWERS_DIR / f"{quiz_id}.json"


def read_answers(path: Path, *, strict: bool = False) -> dict[str, list[str]]:
    """The answers recorded in `path` ({} if absent); a damaged file is `InputError` if `strict`, else {}."""
    if not path.is_file():
        return {}
    try:
        if path.stat().st_size > MAX_ANSWERS_BYTES:
            raise ValueError("fichier trop gros")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("un objet JSON est attendu")
        return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in data.items()}
    except (ValueError, OSError) as error:
        if strict:
            raise InputError(f"Fichier de réponses illisible : {path} ({error}).",
                             hint_fr="Supprimez-le et répondez de nouveau au questionnaire.") from error
        return {}


def _write_answers(path: Path, answers: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(answers, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class Quiz:
    """A set of questions and the file of the learner's answers. `feedback=False` in an exam."""
    id: str
    questions: list
    path: Path
    feedback: bool = True
    _output: object = field(default=None, repr=False)

    def answers(self) -> dict[str, list[str]]:
        return read_answers(self.path, strict=True)

    def repondre(self, choix: dict[str, str | list[str]]) -> "Quiz":
        """Record answers given in code: {"question-id": "b"} or {"question-id": ["a", "c"]}."""
        known = {q.id: q for q in self.questions}
        current = read_answers(self.path)
        for qid, letters in choix.items():
            if qid not in known:
                raise InputError(f"La question « {qid} » ne fait pas partie du questionnaire « {self.id} ».")
            picked = [letters] if isinstance(letters, str) else list(letters)
            wrong = [x for x in picked if x not in known[qid].letters]
            if wrong:
                raise InputError(f"Question « {qid} » : choix inconnu(s) {', '.join(map(str, wrong))}.",
                                 hint_fr=f"Choix possibles : {', '.join(known[qid].letters)}.")
            if known[qid].kind == "unique" and len(picked) > 1:
                raise InputError(f"Question « {qid} » : une seule réponse attendue.")
            current[qid] = sorted(picked)
        _write_answers(self.path, current)
        return self

    def score(self) -> tuple[float, float, dict[str, float]]:
        answers = read_answers(self.path)
        per = {q.id: q.score(answers.get(q.id, ())) for q in self.questions}
        return round(sum(per.values()), 4), float(len(self.questions)), per

    # ---------------------------------------------------------------- rendering
    def __repr__(self) -> str:
        lines = [f"Questionnaire « {self.id} » ({len(self.questions)} questions ; réponses : {self.path})"]
        answers = read_answers(self.path)
        for n, q in enumerate(self.questions, 1):
            kind = "une réponse" if q.kind == "unique" else "plusieurs réponses possibles"
            lines.append(f"\n{n}. [{q.id}] {q.text} ({kind})")
            lines += [f"   {'☑' if letter in answers.get(q.id, ()) else '☐'} {letter}) {text}"
                      for letter, text in q.choices]
        return "\n".join(lines)

    def widget(self):
        """ipywidgets: one box per question; every change is saved; a button shows the corrections."""
        import ipywidgets as w

        answers = read_answers(self.path)
        boxes = []
        for n, q in enumerate(self.questions, 1):
            kind = "une seule réponse" if q.kind == "unique" else "plusieurs réponses possibles"
            title = w.HTML(f"<b>{n}. {_esc(q.text)}</b> <i>({kind})</i>")
            chosen = set(answers.get(q.id, ()))
            if q.kind == "unique":
                current = next(iter(chosen), None)
                picker = w.RadioButtons(options=[(f"{l}) {t}", l) for l, t in q.choices],
                                        value=current if current in q.letters else None,
                                        layout=w.Layout(width="auto"))
                picker.observe(lambda change, qid=q.id: self._on_change(qid, [change["new"]]), names="value")
                boxes.append(w.VBox([title, picker]))
            else:
                ticks = [w.Checkbox(value=l in chosen, description=f"{l}) {t}", indent=False,
                                    layout=w.Layout(width="auto")) for l, t in q.choices]
                for tick in ticks:
                    tick.observe(lambda _c, qid=q.id, ticks=ticks, q=q: self._on_change(
                        qid, [l for l, t in zip(q.letters, ticks) if t.value]), names="value")
                boxes.append(w.VBox([title, *ticks]))
        self._output = w.Output()
        items = boxes
        if self.feedback:
            button = w.Button(description="Voir la correction", icon="check")
            button.on_click(lambda _b: self._show_correction())
            items = [*boxes, button, self._output]
        return w.VBox(items)

    def _on_change(self, qid: str, letters: list) -> None:
        current = read_answers(self.path)
        current[qid] = sorted(x for x in letters if x)
        _write_answers(self.path, current)

    def correction(self) -> str:
        """Per question: the points, the right letters and the explanation (never shown in an exam)."""
        if not self.feedback:
            return "Pas de correction pendant l'examen : vos réponses sont enregistrées."
        answers = read_answers(self.path)
        lines = []
        for q in self.questions:
            got = q.score(answers.get(q.id, ()))
            mark = "✔" if got == 1 else ("◐" if got > 0 else "✘")
            lines.append(f"{mark} {q.id} : {got:g}/1 ; réponse(s) {', '.join(sorted(q.answers))}. {q.explanation}")
        return "\n".join(lines)

    def _show_correction(self) -> None:
        self._output.clear_output()
        with self._output:
            print(self.correction())


def _esc(text: str) -> str:
    import html
    return html.escape(text)


def _display(obj: Quiz) -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is None:
        return
    from IPython.display import display
    try:
        display(obj.widget())
    except ImportError:
        print(repr(obj))


def quiz(module: str, *, work_dir: str | Path | None = None, show: bool = True) -> Quiz:
    """The end-of-module quiz of `module` (shown as widgets inside Jupyter); answers saved on every click."""
    questions = bank.for_module(module)
    if not questions:
        raise InputError(f"Aucune question de quiz pour le module « {module} ».")
    found = Quiz(module, questions, answers_path(module, Path(work_dir) if work_dir else None))
    if show:
        _display(found)
    return found


def grade_quiz(module: str, question_id: str, *, work_dir: str | Path | None = None) -> float:
    """nbgrader's grade cell: the points (0 to 1) of one question, silent, 0.0 on any problem."""
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            question = bank.get(question_id)
            if module not in question.modules:
                return 0.0
            answers = read_answers(answers_path(module, Path(work_dir) if work_dir else None))
            return float(question.score(answers.get(question_id, ())))
        except Exception:  # noqa: BLE001 - a grade cell yields a number, never a traceback
            return 0.0


# --------------------------------------------------------------------------- notebooks
def _cell(kind: str, source: str, grade_id: str, *, grade=False, solution=False, locked=True, points=None,
          cpin: dict | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    cell = {"cell_type": kind, "metadata": {"nbgrader": meta}, "source": source}
    if cpin:
        cell["metadata"]["cpin"] = cpin
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def build_notebook(module: str, title: str) -> dict:
    """The quiz notebook of a module (nbgrader source: the solution cell holds the right answers)."""
    questions = bank.for_module(module)
    if not questions:
        raise InputError(f"Aucune question de quiz pour le module « {module} ».")
    intro = (f"# Quiz de fin de module — {title}\n\n"
             f"{len(questions)} questions pour vérifier ce que vous retenez du module. Cochez vos réponses dans le "
             "questionnaire ci-dessous : **chaque clic est enregistré** dans le fichier "
             f"`{ANSWERS_DIR}/{module}.json`, remis avec votre travail. Le bouton « Voir la correction » donne, "
             "pour chaque question, la bonne réponse et une explication d'une ligne.\n\n"
             "**Barème** : chaque question vaut 1 point. Question à une réponse : 1 si c'est la bonne, sinon 0. "
             "Question à plusieurs réponses : (bonnes cases cochées − mauvaises cases cochées) ÷ nombre de bonnes "
             "réponses, jamais moins de 0 ; tout cocher rapporte donc 0.")
    solution = {q.id: (sorted(q.answers)[0] if q.kind == "unique" else sorted(q.answers)) for q in questions}
    body = ",\n".join(f"    {qid!r}: {letters!r}" for qid, letters in solution.items())
    cells = [
        _cell("markdown", intro, "quiz-md-01"),
        _cell("code", f'from grader import quiz, grade_quiz\nquestionnaire = quiz("{module}")', "quiz-affichage"),
        _cell("code", "# Cette cellule sert au corrigé du formateur : vos réponses sont déjà enregistrées par vos clics.\n"
                      "# Si elle affiche NotImplementedError, c'est normal : ne la modifiez pas.\n"
                      f"### BEGIN SOLUTION\nquestionnaire.repondre({{\n{body}\n}})\n### END SOLUTION",
              "quiz-reponses", solution=True, locked=False),
    ]
    for q in questions:
        cells.append(_cell("code", f'grade_quiz("{module}", "{q.id}")', f"test_quiz_{q.id}", grade=True,
                           points=1, cpin={"skill": q.skill, "exercise": f"quiz-{module}"}))
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                                                        "name": "python3"}, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def notebook_text(module: str, title: str) -> str:
    import nbformat
    nb = nbformat.from_dict(build_notebook(module, title))
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"quiz-{index:02d}"
    return nbformat.writes(nb) + "\n"


QUIZ_MODULES = {"00-prise-en-main": "Prise en main", "01-conteneurs": "Conteneurs", "02-kubernetes": "Kubernetes",
                "03-production": "Production", "04-openshift": "OpenShift", "05-helm": "Helm",
                "09-eligibilite": "Éligibilité"}


def write_notebooks(notebooks_dir: Path) -> list[Path]:
    """(Re)write `<module>/quiz.ipynb` for every module of `QUIZ_MODULES` (run after editing the bank)."""
    written = []
    for module, title in QUIZ_MODULES.items():
        path = notebooks_dir / module / "quiz.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(notebook_text(module, title), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m grader.quizzes: regenerate the quiz notebooks from the bank
    from grader.config import REPO_ROOT
    for p in write_notebooks(REPO_ROOT / "notebooks"):
        print(p)
