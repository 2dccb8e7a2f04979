"""The runner: every check of one exercise, in parallel, each within its time budget, into a `Report`.

The flow of one check: the check-type table (`grader.checks.registry`) gives the function → it runs
(static rules on the learner's files, live checks in the learner's namespace through the guarded
client) under `wait_until` → one `Result` per (sub-)check, with points, French message and hidden
stripping → the attempt log (with the objects as they were read).
"""
from __future__ import annotations

import dataclasses
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader import exercises as registry
from grader.config import settings
from grader.errors import CpinError
from grader.results import Report, Result, Status, score

HIDDEN_MESSAGES = {Status.PASSED: "Contrôle caché : réussi.", Status.WARNING: "Contrôle caché : réussi.",
                   Status.FAILED: "Contrôle caché : non réussi.",
                   Status.ERROR: "Contrôle caché : n'a pas pu s'exécuter."}
REQUIREMENT_FR = {
    "containers": "non vérifiable sur ce cluster simulé : aucun conteneur n'y tourne réellement "
                  "(il faut le cluster kind)",
    "docker": "non vérifiable ici : le moteur Docker ne répond pas (ces points restent dus : relancez le "
              "contrôle quand Docker tourne)",
}
# Requirements whose absence still counts the check in the total: the learner's machine should have them
# (the simulated cluster's lack of containers is the kit's choice: those checks count neither way).
COUNTED_REQUIREMENTS = frozenset({"docker"})


# ---------------------------------------------------------------- running an exercise

def _docker_available() -> bool:
    try:
        from grader.images import docker_client
        docker_client(timeout=5)
        return True
    except Exception:  # noqa: BLE001 - no Docker, no engine module: the check is skipped, not failed
        return False


def _results(exercise: registry.Exercise, spec: registry.CheckSpec, outcome) -> list[Result]:
    """Results of one check from its outcome (pure): points, French message, hidden stripping."""
    max_points = exercise.max_points(spec)
    if outcome.sub:
        weights = [sub.weight for sub in outcome.sub]
        out = []
        for sub in outcome.sub:
            single = dataclasses.replace(spec, id=f"{spec.id}/{sub.check_id}", title=f"{spec.title} — {sub.title}",
                                         hint=sub.hint or spec.hint)
            share = registry.weighted_points(max_points, weights, sub.weight)
            out.append(_result(exercise, single, sub.outcome, share))
        return out
    return [_result(exercise, spec, outcome, max_points)]


def _result(exercise, spec, outcome, max_points: float) -> Result:
    status = outcome.status
    if status in (Status.PASSED, Status.WARNING):
        message = spec.ok_message or outcome.detail
        if status is Status.WARNING and spec.ok_message and outcome.detail:
            message += f" ({outcome.detail})"
    elif status is Status.FAILED:
        message = " — ".join(m for m in (spec.ko_message, outcome.detail) if m)
    else:
        message = outcome.detail
    hint = spec.hint if status in (Status.FAILED, Status.WARNING, Status.ERROR) else ""
    evidence = outcome.evidence
    if spec.hidden and status is not Status.SKIPPED:
        message, hint, evidence = HIDDEN_MESSAGES[status], "", None
    return Result(check_id=spec.id, title=spec.title, status=status, max_points=max_points, message=message,
                  hint=hint, evidence=evidence, hidden=spec.hidden, skill=exercise.skill, counts=outcome.counts)


# Learner files that are YAML but not Kubernetes manifests.
_NOT_MANIFEST = re.compile(r"^(values.*|Chart|kustomization|sync-policy|\.gitlab-ci.*)\.ya?ml$")


def _in_chart(path: Path, top: Path) -> bool:
    return any((parent / "Chart.yaml").is_file() for parent in path.parents if parent == top or top in parent.parents)


def learner_sources(exercise: registry.Exercise, work_dir: Path) -> tuple[set, dict[str, str]]:
    """The learner's manifests (YAML learner files outside Helm charts): the (kind, name) they declare,
    and {file: French reason} for those that are missing or cannot be read as Kubernetes objects."""
    from grader.kube.manifests import load_documents
    declared: set = set()
    broken: dict[str, str] = {}
    for rel in exercise.learner_files:
        path = work_dir / rel
        if path.suffix not in (".yaml", ".yml") or _NOT_MANIFEST.match(path.name) or _in_chart(path, work_dir):
            continue
        if not path.is_file():
            broken[rel] = f"fichier « {rel} » introuvable"
            continue
        try:
            declared |= {(o["kind"], o["metadata"]["name"]) for o in load_documents(rel, base=work_dir)[1]}
        except CpinError as error:
            broken[rel] = error.message_fr.rstrip(".")
    return declared, broken


def _setup_declared(exercise: registry.Exercise) -> set:
    from grader.kube.manifests import load_documents
    out = set()
    for path in exercise.setup.apply:
        try:
            out |= {(o["kind"], o["metadata"]["name"]) for o in load_documents(path)[1]}
        except CpinError:
            continue
    return out


def _blocked(spec: registry.CheckSpec, exercise: registry.Exercise, declared: set, broken: dict[str, str],
             from_setup: set):
    """A final failure, at once, for a live check whose object should come from a learner file that is
    missing or cannot be read (waiting would not help); None otherwise (pure)."""
    from grader.checks.base import Outcome
    from grader.checks.registry import check_type
    if not broken or check_type(spec.type).offline:
        return None
    if spec.type == "policy_warnings":
        files = [f for f in (spec.params.get("files") or exercise.learner_files) if f in broken]
    else:
        kind, key = check_type(spec.type).target or (None, None)
        name = spec.params.get(key) if key else None
        target = (kind or spec.params.get("kind"), name) if name else None
        if target is not None and (target in declared or target in from_setup):
            return None  # the object comes from a file that reads, or from the exercise's setup
        files = list(broken)
    if not files:
        return None
    return Outcome.fail(" ; ".join(broken[f] for f in files) + " — corrigez ce fichier et appliquez-le : "
                        "rien à vérifier dans le cluster d'ici là", {"fichiers illisibles": {f: broken[f] for f in files}},
                        final=True)


def run(exercise: registry.Exercise, *, learner: str | None = None, work_dir: Path | None = None,
        kube=None, capabilities: dict | None = None) -> tuple[Report, dict]:
    """Run every check of `exercise`; (report, evidence: the objects as they were read)."""
    from grader.checks import registry as checks
    from grader.checks.base import CheckContext, Outcome, wait_until

    learner = learner or settings().learner
    work_dir = Path(work_dir or Path.cwd())
    evidence: dict = {}
    live = [c for c in exercise.checks if c.type not in checks.OFFLINE]
    if live and kube is None:
        from grader.cluster.lifecycle import connect
        kube, capabilities = connect(evidence=evidence)
    elif kube is not None:
        kube.evidence = evidence
    capabilities = dict(capabilities or {})
    if any("docker" in c.requires for c in exercise.checks):
        capabilities["docker"] = _docker_available()
    base = CheckContext(kube=kube, namespace=exercise.namespace(learner), work_dir=work_dir, exercise_id=exercise.id,
                        learner_files=exercise.learner_files, rules=exercise.rules,
                        capabilities=frozenset(k for k, v in capabilities.items() if v), evidence=evidence)
    declared, broken = learner_sources(exercise, work_dir) if live else (set(), {})
    from_setup = _setup_declared(exercise) if broken else set()

    def one(spec: registry.CheckSpec):
        missing = [r for r in spec.requires if r not in base.capabilities]
        if missing:
            return Outcome.skip(REQUIREMENT_FR.get(missing[0], f"non vérifiable ici ({missing[0]})"),
                                counts=any(r in COUNTED_REQUIREMENTS for r in missing))
        blocked = _blocked(spec, exercise, declared, broken, from_setup)
        if blocked is not None:
            return blocked
        ctx = dataclasses.replace(base, deadline=time.monotonic() + spec.timeout)
        fn = checks.get(spec.type)
        try:
            return wait_until(lambda: fn(ctx, spec.params), timeout=spec.timeout, retries=spec.retries)
        except Exception as error:  # noqa: BLE001 - one broken check must not sink the others
            return Outcome(Status.ERROR, f"erreur interne du contrôle ({type(error).__name__}) ; "
                                         "signalez-la au formateur", final=True)

    with ThreadPoolExecutor(max_workers=min(4, len(exercise.checks))) as pool:
        outcomes = list(pool.map(one, exercise.checks))
    results = [r for spec, outcome in zip(exercise.checks, outcomes) for r in _results(exercise, spec, outcome)]
    return Report(exercise.id, exercise.title, tuple(results)), evidence


def scaled(report: Report, exercise_points: float) -> float:
    """The grade on the exercise's scale: earned share of what could be checked (pure)."""
    earned, possible = score(list(report.results))
    if possible <= 0:
        return 0.0
    return round(min(exercise_points, max(0.0, exercise_points * earned / possible)), 2)


def record(exercise: registry.Exercise, report: Report, evidence: dict, learner: str, mode: str) -> None:
    from grader import attempts
    attempts.append(learner=learner, exercise=exercise.id, module=exercise.module, skill=exercise.skill, mode=mode,
               score=scaled(report, exercise.points), exercise_points=exercise.points, points=report.points,
               max_points=report.max_points, results=[r.to_dict() for r in report.results], evidence=evidence)
