"""The question bank: `exercises/questions/*.yaml` (one file per theme), validated, and its scoring rule.

Each question has an id, a French text, lettered choices, the right letters, a one-line explanation, the
skill of the skills matrix it counts for (or `culture` for culture and process) and its source in
`cpin-reference.md` (a rule number of §3.2 or a section). `validate()` returns every problem in French;
`load()` refuses a bank with any.

Scoring (documented in exercises/questions/README.md):
- `unique`: all the points if the one right letter and nothing else is chosen, else 0;
- `multiple`: points × max(0, (right letters chosen − wrong letters chosen) / number of right letters),
  so ticking everything scores 0 and missing one right letter out of three keeps two thirds.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from grader.config import REPO_ROOT
from grader.errors import InputError
from grader.files import read_text
from grader.yamlload import safe_load

BANK_DIR = REPO_ROOT / "exercises" / "questions"
SCHEMA_PATH = Path(__file__).parent / "schema" / "question-bank.schema.json"
RULES = range(1, 43)                  # the 42 rules of cpin-reference.md §3.2
SECTIONS = {"1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3",
            "4.1", "4.2", "4.3", "4.4", "4.5", "5.1", "5.2", "6", "8"}
CULTURE = "culture"


@dataclass(frozen=True)
class Question:
    id: str
    kind: str                          # "unique" | "multiple"
    text: str
    choices: tuple[tuple[str, str], ...]  # (letter, text), in file order
    answers: frozenset[str]
    explanation: str
    skill: str
    source: str
    theme: str
    modules: tuple[str, ...] = ()

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(letter for letter, _ in self.choices)

    def score(self, chosen, points: float = 1.0) -> float:
        """Points earned for the letters `chosen` (any iterable of letters; unknown letters count as wrong)."""
        picked = {str(c) for c in (chosen or ())}
        if self.kind == "unique":
            return float(points) if picked == set(self.answers) else 0.0
        good = len(picked & self.answers)
        bad = len(picked - self.answers)
        return round(float(points) * max(0.0, (good - bad) / len(self.answers)), 4)

    def public(self) -> dict:
        """What a learner may see before answering: no right letters, no explanation."""
        return {"id": self.id, "kind": self.kind, "text": self.text, "choices": dict(self.choices)}


@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _problems_in(data: object, name: str) -> list[str]:
    problems = [f"{name} : {'/'.join(map(str, e.absolute_path)) or 'racine'} : {e.message}"
                for e in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))]
    if problems:
        return problems
    for q in data["questions"]:
        where = f"{name} : question {q['id']}"
        letters = list(q["choices"])
        unknown = [a for a in q["answers"] if a not in letters]
        if unknown:
            problems.append(f"{where} : réponse(s) {', '.join(unknown)} absente(s) des choix")
        if q["kind"] == "unique" and len(q["answers"]) != 1:
            problems.append(f"{where} : une question « unique » a exactement une bonne réponse "
                            f"({len(q['answers'])} déclarées)")
        if len(set(q["answers"])) >= len(letters):
            problems.append(f"{where} : toutes les propositions sont justes, la question ne mesure rien")
        if letters != sorted(letters) or letters != [chr(ord("a") + i) for i in range(len(letters))]:
            problems.append(f"{where} : les choix se notent a, b, c… dans l'ordre")
        texts = [t.strip().lower() for t in q["choices"].values()]
        if len(set(texts)) != len(texts):
            problems.append(f"{where} : deux propositions identiques")
        source = q["source"]
        if source.startswith("règle ") and int(source.split()[1]) not in RULES:
            problems.append(f"{where} : la règle {source.split()[1]} n'existe pas (1 à 42)")
        if source.startswith("§") and source[1:] not in SECTIONS:
            problems.append(f"{where} : section {source} inconnue de cpin-reference.md")
    return problems


def validate(folder: Path = BANK_DIR) -> tuple[list[Question], list[str]]:
    """(questions, French problems): schema, exact answers, explanations, ids unique across files."""
    questions: list[Question] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        return [], [f"aucune banque de questions dans {folder}"]
    for path in files:
        try:
            data = safe_load(read_text(path), source=str(path))
        except InputError as error:
            problems.append(f"{path.name} : {error.message_fr}")
            continue
        found = _problems_in(data, path.name)
        problems += found
        if found:
            continue
        for q in data["questions"]:
            if q["id"] in seen:
                problems.append(f"{path.name} : identifiant « {q['id']} » déjà utilisé dans {seen[q['id']]}")
                continue
            seen[q["id"]] = path.name
            questions.append(Question(
                id=q["id"], kind=q["kind"], text=q["text"].strip(), choices=tuple(q["choices"].items()),
                answers=frozenset(q["answers"]), explanation=q["explanation"].strip(), skill=q["skill"],
                source=q["source"], theme=data["theme"], modules=tuple(q.get("modules") or ())))
    return questions, problems


@functools.lru_cache(maxsize=4)
def load(folder: Path = BANK_DIR) -> dict[str, Question]:
    """The bank by id; `InputError` in French listing every problem if it does not validate."""
    questions, problems = validate(folder)
    if problems:
        shown = "\n".join(f"- {p}" for p in problems[:20])
        raise InputError(f"La banque de questions ({folder}) est invalide :\n{shown}",
                         hint_fr="Corrigez les fichiers YAML ; `cpin exam banque` les vérifie.")
    return {q.id: q for q in questions}


def get(question_id: str) -> Question:
    bank = load()
    if question_id not in bank:
        raise InputError(f"Question inconnue : « {question_id} ».")
    return bank[question_id]


def for_module(module: str) -> list[Question]:
    """The questions of a module's end-of-module quiz, in bank order."""
    return [q for q in load().values() if module in q.modules]


def counts() -> dict[str, int]:
    """Number of questions per skill (and `culture`)."""
    result: dict[str, int] = {}
    for q in load().values():
        result[q.skill] = result.get(q.skill, 0) + 1
    return dict(sorted(result.items()))
