"""Checks that wrap other engines: the static linter (`grader.rules`) and the Docker image check.

Both expand into sub-checks (`Outcome.sub`), one per platform rule, so that each broken rule
costs its share of the check's points and shows its own ✔ ✘ ⚠ line.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from grader.checks.base import CheckContext, Outcome, SubCheck
from grader.errors import InputError
from grader.results import Status


def _rule_outcome(problems: list, rule_id: str, *, strict: bool = False) -> Outcome:
    """Verdict of one rule: its errors fail; its warnings warn (still score) — or fail too when `strict`,
    with its info-level findings, so that advice-level rules can be graded."""
    mine = [p for p in problems if p.rule == rule_id]
    failing = [p for p in mine if p.severity == "error" or (strict and p.severity in ("warning", "info"))]
    warnings = [p for p in mine if p.severity == "warning"]
    evidence = [{"fichier": p.file, "ligne": p.line, "objet": p.object, "message": p.message} for p in mine] or None
    if failing:
        return Outcome(Status.FAILED, " ; ".join(f"{p.file}: {p.message}" for p in failing[:3]) +
                       (f" (+{len(failing) - 3})" if len(failing) > 3 else ""), evidence, final=True)
    if warnings:
        return Outcome(Status.WARNING, " ; ".join(f"{p.file}: {p.message}" for p in warnings[:3]), evidence)
    return Outcome.ok("règle respectée")


def _hint_of(problems: list, rule_id: str) -> str:
    return next((p.hint for p in problems if p.rule == rule_id and p.hint), "")


def expand(problems: list, rule_ids: list[str], *, strict: bool = False) -> Outcome:
    """One sub-check per rule in `rule_ids`; with no list, one verdict over all errors (and warnings
    when `strict`: info-level findings of unlisted rules stay informational)."""
    if not rule_ids:
        errors = [p for p in problems if p.severity == "error" or (strict and p.severity == "warning")]
        evidence = [p.to_dict() for p in problems] or None
        if errors:
            what = "problème(s)" if strict else "erreur(s)"
            return Outcome.fail(f"{len(errors)} {what} : " + " ; ".join(f"{p.file}: {p.message}" for p in errors[:3]),
                                evidence, final=True)
        warnings = [p for p in problems if p.severity == "warning"]
        if warnings:
            return Outcome(Status.WARNING, f"{len(warnings)} avertissement(s)", evidence)
        return Outcome.ok("aucune erreur", evidence)
    verdicts = [(rule_id, _rule_outcome(problems, rule_id, strict=strict)) for rule_id in rule_ids]
    subs = tuple(SubCheck(rule_id, f"Règle {rule_id}", o.status, o.detail, _hint_of(problems, rule_id), o.evidence)
                 for rule_id, o in verdicts)
    worst = min((s.status for s in subs), key=_rank)
    return Outcome(worst, "", None, final=True, sub=subs)


def lint(ctx: CheckContext, params: dict) -> Outcome:
    """The learner's files through `grader.rules.lint_paths`; points per rule of the exercise.
    `strict: true`: a warning or an info-level finding of a listed rule is a failure too."""
    from grader import rules as engine
    files = ctx.files(params.get("files"))
    if not files:
        raise InputError("Contrôle « lint » sans fichier : indiquez params.files ou learnerFiles.")
    missing = [str(f.relative_to(ctx.work_dir)) for f in files if not f.exists()]
    if missing:
        return Outcome.fail(f"fichier(s) introuvable(s) : {', '.join(missing)}", final=True)
    hollow = [str(f.relative_to(ctx.work_dir)) for f in files if not declares_something(f)]
    if hollow:   # rules pass vacuously on nothing: an answer with no object earns none of them
        return Outcome.fail(f"aucun objet dans : {', '.join(hollow)} (fichier vide ou seulement des commentaires)",
                            final=True)
    problems = engine.lint_paths([str(f) for f in files], env_type=params.get("envType", "dev"))
    unusable = [p for p in problems if p.rule == "input-unusable"]
    if unusable:
        return Outcome.fail(f"fichier illisible : {unusable[0].file}: {unusable[0].message}", final=True)
    return expand(list(problems), list(params.get("rules") or ctx.rules), strict=bool(params.get("strict")))


def declares_something(path: Path) -> bool:
    """Whether a learner file holds anything to lint: a YAML document that is not empty, or (any other
    file) a line that is neither blank nor a comment. Unreadable YAML counts as something (the linter
    reports it)."""
    from grader.errors import InputError
    from grader.files import read_text
    from grader.yamlload import safe_load_all
    try:   # bounded: a FIFO, a device or an alias bomb is "something", and the linter's finding says why
        text = read_text(path, shown=str(path.name))
        if path.suffix in (".yaml", ".yml"):
            return any(doc not in (None, "", [], {}) for doc in safe_load_all(text, str(path.name)))
    except InputError:
        return True
    return any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())


def docker(ctx: CheckContext, params: dict) -> Outcome:
    """`grader.checks.docker.check_image` on the learner's Dockerfile: its sub-checks, as they come."""
    from grader import images
    from grader.checks import docker as engine
    context = ctx.work_dir / params.get("context", ".")
    dockerfile = params.get("dockerfile", "Dockerfile")
    if not (context / dockerfile).is_file():
        return Outcome.fail(f"Dockerfile introuvable : {Path(params.get('context', '.')) / dockerfile}", final=True)
    build_args = images.build_args(ctx.exercise_id) if ctx.exercise_id in images.load_mapping().exercises else None
    options = {key: params[name] for name, key in (
        ("target", "target"), ("port", "port"), ("healthPath", "health_path"), ("tmpfs", "tmpfs"), ("env", "env"),
        ("maxSizeMb", "max_size_mb"), ("requiredLabels", "required_labels"), ("startTimeout", "start_timeout"))
        if name in params}
    try:
        results = engine.check_image(context, dockerfile=dockerfile, build_args=build_args, **options)
    except Exception:
        if _engine_answers():
            raise
        return Outcome.skip("non vérifiable : le moteur Docker a cessé de répondre pendant le contrôle (ces points "
                            "restent dus : relancez le contrôle quand Docker tourne)", counts=True)
    subs = tuple(dataclasses.replace(r, check_id=r.check_id.split(".", 1)[-1]) for r in results)
    worst = min((s.status for s in subs), key=_rank, default=Status.PASSED)
    return Outcome(worst, "", None, final=True, sub=subs)


def _engine_answers() -> bool:
    from grader import images
    try:
        images.docker_client(timeout=5)
        return True
    except Exception:  # noqa: BLE001 - any failure to reach the engine means it does not answer
        return False


def _rank(status: Status) -> int:
    return {Status.ERROR: 0, Status.FAILED: 0, Status.WARNING: 1}.get(status, 2)
