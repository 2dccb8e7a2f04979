"""Module 09 « Éligibilité »: the self-assessment of the learner's own application, and its French report.

The items are data (`exercises/09-eligibilite/autoevaluation.yaml`): the Cloud Native Application model
(cpin-reference.md §3.1) and the twelve factors, each tied to the platform rule that enforces it and to
the kit module that teaches it. Answers are « oui », « non » or « ? » (je ne sais pas). The report says
what blocks (a prerequisite answered « non »), what to change, what to check, and where to learn it.
It is a self-assessment: never graded, never a verdict of the platform.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from grader.config import REPO_ROOT
from grader.errors import InputError
from grader.files import read_text
from grader.yamlload import safe_load

ITEMS_PATH = REPO_ROOT / "exercises" / "09-eligibilite" / "autoevaluation.yaml"
ANSWERS = {"oui": "oui", "non": "non", "?": "?", "je ne sais pas": "?", "o": "oui", "n": "non"}
MODULES = {"00-prise-en-main": "Module 00 — Prise en main", "01-conteneurs": "Module 01 — Conteneurs",
           "02-kubernetes": "Module 02 — Kubernetes", "03-production": "Module 03 — Production",
           "04-openshift": "Module 04 — OpenShift", "05-helm": "Module 05 — Helm",
           "09-eligibilite": "Module 09 — Éligibilité"}


@dataclass(frozen=True)
class Item:
    id: str
    factor: str
    question: str
    blocking: bool
    change: str
    module: str
    source: str


@functools.lru_cache(maxsize=2)
def items(path: Path = ITEMS_PATH) -> tuple[Item, ...]:
    data = safe_load(read_text(path), source=str(path))
    if not isinstance(data, dict) or data.get("kind") != "SelfAssessment" or not isinstance(data.get("items"), list):
        raise InputError(f"{path} : un document « kind: SelfAssessment » avec une liste « items » est attendu.")
    found, seen = [], set()
    for raw in data["items"]:
        try:
            item = Item(**raw)
        except TypeError as error:
            raise InputError(f"{path} : élément invalide ({error}).") from error
        if item.id in seen or item.module not in MODULES:
            raise InputError(f"{path} : « {item.id} » en double ou module inconnu ({item.module}).")
        seen.add(item.id)
        found.append(item)
    return tuple(found)


@dataclass(frozen=True)
class Report:
    application: str
    blocking: tuple[Item, ...]
    to_change: tuple[Item, ...]
    to_check: tuple[Item, ...]
    ready: tuple[Item, ...]

    @property
    def verdict(self) -> str:
        if self.blocking:
            return "pas éligible en l'état"
        if self.to_check:
            return "éligibilité à confirmer"
        return "prérequis remplis d'après vos réponses"

    def markdown(self) -> str:
        lines = [f"# Auto-évaluation d'éligibilité — {self.application}", "",
                 f"**Bilan : {self.verdict}.** Ce rapport reprend vos réponses ; il ne remplace pas la revue "
                 "d'éligibilité menée avec l'équipe de la plateforme (étape 2 du parcours).", ""]
        for title, group in (("Ce qui bloque", self.blocking), ("Ce qu'il faut changer", self.to_change),
                             ("Ce qu'il faut vérifier", self.to_check)):
            lines.append(f"## {title} ({len(group)})")
            if not group:
                lines.append("Rien.")
            for item in group:
                lines.append(f"- **{item.factor}** — {item.question} → {item.change} "
                             f"*(à apprendre : {MODULES[item.module]} ; source : {item.source})*")
            lines.append("")
        lines.append(f"## Déjà prêt ({len(self.ready)})")
        lines += [f"- {item.factor} — {item.question}" for item in self.ready] or ["Rien pour l'instant."]
        modules = sorted({i.module for i in (*self.blocking, *self.to_change, *self.to_check)})
        if modules:
            lines += ["", "## Par où commencer", *[f"- {MODULES[m]}" for m in modules]]
        return "\n".join(lines) + "\n"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return self.markdown()


def evaluate(answers: dict[str, str], *, application: str = "mon application") -> Report:
    """The report for `answers` ({item id: "oui" | "non" | "?"}); unknown ids or answers: French error."""
    known = {item.id: item for item in items()}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InputError(f"Question(s) inconnue(s) : {', '.join(unknown)}.",
                         hint_fr=f"Identifiants possibles : {', '.join(known)}.")
    normalised = {}
    for key, value in answers.items():
        answer = ANSWERS.get(str(value).strip().lower())
        if answer is None:
            raise InputError(f"Réponse « {value} » pour « {key} » : répondez « oui », « non » ou « ? ».")
        normalised[key] = answer
    groups: dict[str, list[Item]] = {"blocking": [], "to_change": [], "to_check": [], "ready": []}
    for item in items():
        answer = normalised.get(item.id, "?")
        if answer == "oui":
            groups["ready"].append(item)
        elif answer == "?":
            groups["to_check"].append(item)
        else:
            groups["blocking" if item.blocking else "to_change"].append(item)
    return Report(application, *(tuple(groups[k]) for k in ("blocking", "to_change", "to_check", "ready")))


def write_report(answers: dict[str, str], destination: str | Path, *, application: str = "mon application") -> Report:
    """Evaluate and write the French report (Markdown) to `destination`."""
    report = evaluate(answers, application=application)
    Path(destination).write_text(report.markdown(), encoding="utf-8")
    return report
