"""The engine: load inputs, run every rule on the targets of its kinds, give each finding its severity.

Rules only find (STYLE §2); the severity comes from the rule's level in `severity.SEVERITY` and the
environment type through `model.LEVELS`. A rule may define `prepare(targets) -> data`, called once per run with the
targets of its kinds (e.g. one hadolint process for every Dockerfile); `check` finds that data in
`ctx.prepared[ID]`. Per-run data lives in the context, never in the rule module.
A rule that crashes on odd input becomes an `info` problem naming the rule, never a traceback, and
the other rules still run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.errors import InputError
from grader.rules.inputs import Loaded, Target, add_dockerfile_text, add_yaml_text, load
from grader.rules.manifests._k8s import ref
from grader.rules.model import ENV_TYPES, KINDS, LEVELS, Finding, Problem, Problems
from grader.rules.severity import level

# hadolint's levels → ours (hadolint "error" is a likely build failure, not a platform refusal)
TOOL_LEVELS = {"error": "warning", "warning": "warning", "info": "info", "style": "info"}


@dataclass
class Context:
    """What a rule may know besides its object. No environment type here: rules do not look at it."""

    file: str
    target: Target
    objects: list[dict] = field(default_factory=list)   # every manifest object of the run
    prepared: dict[str, Any] = field(default_factory=dict)  # rule ID → what its `prepare` returned


class _Args(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def severity(rule: ModuleType, env_type: str, tool_level: str | None = None) -> str:
    lvl = level(rule.ID)
    if lvl == "tool":
        return TOOL_LEVELS.get(tool_level or "", "info")
    return LEVELS[lvl][env_type]


def _problem(rule: ModuleType, found: Finding, target: Target | None, file: str, env_type: str) -> Problem:
    args = _Args({k: v for k, v in found.args.items()})
    line = found.line
    if line is None and target is not None and found.path is not None:
        line = target.line_of(found.path)
    obj = ref(target.data) if target is not None and target.kind == "manifest" else None
    return Problem(rule=rule.ID, ref=rule.REF, severity=severity(rule, env_type, found.tool_level),
                   file=file, line=line, object=obj,
                   message=rule.MESSAGE_FR.format_map(args), hint=rule.HINT_FR.format_map(args))


def run(loaded: Loaded, *, env_type: str = "dev", rules: tuple[ModuleType, ...] | None = None) -> Problems:
    from grader.rules import RULES, get
    if env_type not in ENV_TYPES:
        raise InputError(f"Type d'environnement inconnu : {env_type!r}.", hint_fr="Valeurs possibles : dev, prod.")
    chosen = RULES if rules is None else rules
    problems: list[Problem] = [_problem(get(rule_id), found, None, file, env_type)
                               for rule_id, file, found in loaded.input_findings]
    objects = [t.data for t in loaded.targets if t.kind == "manifest"]
    prepared = {rule.ID: rule.prepare([t for t in loaded.targets if t.kind in rule.KINDS])
                for rule in chosen if hasattr(rule, "prepare")}
    for target in loaded.targets:
        problems.extend(_check_target(target, chosen, objects, prepared, env_type))
    problems.sort(key=_order)
    return Problems(problems)


def _check_target(target: Target, rules: tuple[ModuleType, ...], objects: list[dict], prepared: dict[str, Any],
                  env_type: str) -> list[Problem]:
    ctx = Context(target.file, target, objects, prepared)
    problems: list[Problem] = []
    for rule in rules:
        if target.kind not in rule.KINDS:
            continue
        try:
            for found in rule.check(target.data, ctx):
                problems.append(_problem(rule, found, target, target.file, env_type))
        except Exception as error:  # noqa: BLE001 — a rule bug must not hide the other findings
            problems.append(Problem(rule=rule.ID, ref=rule.REF, severity="info", file=target.file, line=None,
                                    object=ref(target.data) if target.kind == "manifest" else None,
                                    message=f"La règle n'a pas pu s'appliquer à cet objet ({type(error).__name__}).",
                                    hint="Vérifiez la forme de l'objet ; signalez-nous ce cas s'il est correct."))
    return problems


def _order(problem: Problem) -> tuple[Any, ...]:
    return (problem.file, problem.line or 0, problem.rule, problem.object or "", problem.message)


def lint_paths(paths: list[str | Path] | tuple[str | Path, ...], *, env_type: str = "dev",
               values: tuple[str | Path, ...] | list[str | Path] = ()) -> Problems:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise InputError("Aucun chemin à vérifier.", hint_fr="Exemple : cpin lint k8s/ Dockerfile")
    if env_type not in ENV_TYPES:
        raise InputError(f"Type d'environnement inconnu : {env_type!r}.", hint_fr="Valeurs possibles : dev, prod.")
    return run(load(list(paths), values=tuple(values), env_type=env_type), env_type=env_type)


def lint_text(text: str, *, kind: str = "manifest", env_type: str = "dev", name: str | None = None) -> Problems:
    if kind not in KINDS:
        raise InputError(f"Sorte de texte inconnue : {kind!r}.", hint_fr="Valeurs possibles : " + ", ".join(KINDS))
    shown = name or {"manifest": "<manifeste>", "dockerfile": "<Dockerfile>", "helm_values": "<values.yaml>",
                     "gitlab_ci": ".gitlab-ci-dso.yml"}[kind]
    loaded = Loaded()
    if kind == "dockerfile":
        add_dockerfile_text(text, shown, loaded)
    else:
        add_yaml_text(text, shown, kind, loaded)
    return run(loaded, env_type=env_type)
