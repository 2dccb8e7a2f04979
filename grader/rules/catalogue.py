"""The rule catalogue for learners: every rule with its number, ID, what it checks and its level.

`cpin rules` prints `rows()`; `cpin lint --explain 18` and `--explain require-labels` go through
`find(key)`: a number of the §3.2 table gives every rule of that row, an ID gives its rule.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from grader.errors import InputError
from grader.rules.severity import level, words


# Rows of the §3.2 table that no file can show: rules of the way of working, told in words.
PROCESS_ROWS = {
    "31": "règle de processus, sans analyse de fichier. Sur la plateforme, seul Argo CD applique les "
          "manifestes, charts Helm ou Kustomize du dépôt git : jamais de kubectl apply à la main. Dans le kit, "
          "apply() et kubectl apply ne servent qu'à apprendre sur votre cluster local.",
    "41": "règle de processus, sans analyse de fichier. Le code et l'infrastructure sont versionnés dans git, "
          "dans un dépôt joignable depuis Internet (public ou privé).",
}


@dataclass(frozen=True)
class Row:
    ref: int           # row of cpin-reference.md §3.2 (0: outside the table)
    id: str
    title: str         # first line of the rule's docstring: what it checks
    kinds: tuple[str, ...]
    level: str         # severity.SEVERITY
    status: str        # French: « imposée (Kyverno) », « conseil »…
    dev: str           # the linter's word in a dev environment
    prod: str          # … and in prod


def _row(rule: ModuleType) -> Row:
    said = words(rule.ID)
    title = (rule.__doc__ or rule.ID).strip().splitlines()[0].rstrip(".")
    return Row(rule.REF, rule.ID, title, tuple(rule.KINDS), level(rule.ID), said["status"], said["dev"], said["prod"])


def rows() -> list[Row]:
    """Every rule, in the order of the §3.2 table."""
    from grader.rules import RULES
    return sorted((_row(rule) for rule in RULES), key=lambda row: (row.ref, row.id))


def find(key: str) -> list[ModuleType]:
    """The rules a learner names: a number (« règle 18 ») or an ID (`require-labels`)."""
    from grader.rules import RULES, get
    key = key.strip()
    if key.isdigit():
        found = [rule for rule in RULES if rule.REF == int(key)]
        if not found:
            numbers = sorted({rule.REF for rule in RULES if rule.REF})
            raise InputError(f"Aucune règle du kit ne porte le numéro {key}.",
                             hint_fr="Numéros connus : " + ", ".join(map(str, numbers)) + " (liste : cpin rules).")
        return found
    try:
        return [get(key)]
    except Exception as error:
        raise InputError(f"Règle inconnue : {key!r}.",
                         hint_fr="Donnez un numéro (18) ou un identifiant (require-labels) ; la liste : cpin rules.") \
            from error


def table_text() -> str:
    """`cpin rules` as text: one line per rule."""
    lines = ["N°  Identifiant                          Statut              Dev            Prod           "
             "Ce qu'elle vérifie"]
    for row in rows():
        number = str(row.ref) if row.ref else "—"
        lines.append(f"{number:<3} {row.id:<36} {row.status:<19} {row.dev:<14} {row.prod:<14} {row.title}")
    for number, text in PROCESS_ROWS.items():
        lines.append(f"{number:<3} {'(processus)':<36} {'imposée':<19} {'—':<14} {'—':<14} {text.split('. ')[1]}")
    lines.append("\nDétail d'une règle : cpin lint --explain <numéro ou identifiant>, par exemple "
                 "cpin lint --explain 18.")
    return "\n".join(lines)
