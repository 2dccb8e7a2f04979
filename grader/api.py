"""What notebooks call: `check`, `grade`, `hint`, `reset`, `apply`, `render_chart`, `progress`.

The flow of one check: the registry finds the exercise → each check runs (static rules on the
learner's files, live checks in the learner's namespace through the guarded client), in parallel,
each with its own time budget → one `Result` per (sub-)check → the attempt log (with the objects
as they were read) → a `Report` that renders itself (`grader.feedback`).

Imported inside IPython, this module registers a handler so that a `CpinError` shows its French
message and hint instead of a traceback (the cell still ends in error).
"""
from __future__ import annotations

import contextlib
import dataclasses
import html
import io
import logging
import re
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader import exercises as registry
from grader.config import settings
from grader.errors import CpinError, InputError
from grader.platform import MANAGED_BY
from grader.results import Report, Result, Status, score

HIDDEN_MESSAGES = {Status.PASSED: "Contrôle caché : réussi.", Status.WARNING: "Contrôle caché : réussi.",
                   Status.FAILED: "Contrôle caché : non réussi.",
                   Status.ERROR: "Contrôle caché : n'a pas pu s'exécuter."}
REQUIREMENT_FR = {
    "containers": "non vérifiable sur ce cluster simulé : aucun conteneur n'y tourne réellement "
                  "(il faut le cluster kind)",
    "docker": "non vérifiable ici : le moteur Docker ne répond pas",
}


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
        weights = [s[3] for s in outcome.sub]
        out = []
        for suffix, title, sub, weight, hint in outcome.sub:
            single = dataclasses.replace(spec, id=f"{spec.id}/{suffix}", title=f"{spec.title} — {title}",
                                         hint=hint or spec.hint)
            share = registry.weighted_points(max_points, weights, weight)
            out.append(_result(exercise, single, sub, share))
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
                  hint=hint, evidence=evidence, hidden=spec.hidden, skill=exercise.skill)


# Learner files that are YAML but not Kubernetes manifests.
_NOT_MANIFEST = re.compile(r"^(values.*|Chart|kustomization|\.gitlab-ci.*)\.ya?ml$")


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
            return Outcome.skip(REQUIREMENT_FR.get(missing[0], f"non vérifiable ici ({missing[0]})"))
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


def _record(exercise: registry.Exercise, report: Report, evidence: dict, learner: str, mode: str) -> None:
    from grader import progress as log
    log.append(learner=learner, exercise=exercise.id, module=exercise.module, skill=exercise.skill, mode=mode,
               score=scaled(report, exercise.points), exercise_points=exercise.points, points=report.points,
               max_points=report.max_points, results=[r.to_dict() for r in report.results], evidence=evidence)


# ---------------------------------------------------------------- notebook API

def check(exercise_id: str, *, work_dir: str | Path | None = None) -> Report:
    """Run the exercise's checks, log the attempt, and return the report (a checklist in a notebook)."""
    exercise = registry.get(exercise_id)
    learner = settings().learner
    report, evidence = run(exercise, learner=learner, work_dir=Path(work_dir) if work_dir else None)
    _record(exercise, report, evidence, learner, "check")
    return report


@contextlib.contextmanager
def _silenced():
    """No warning, no log line, nothing on stderr (nbgrader gives 0 to a cell that writes to stderr)."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def grade(exercise_id: str, *, work_dir: str | Path | None = None) -> float:
    """The points for nbgrader's partial credit: a bare float in [0, points]; silent; 0.0 on any failure."""
    with _silenced():
        try:
            exercise = registry.get(exercise_id)
            learner = settings().learner
            report, evidence = run(exercise, learner=learner, work_dir=Path(work_dir) if work_dir else None)
        except Exception:  # noqa: BLE001 - a grade cell must yield a number, never a traceback
            return 0.0
        try:
            _record(exercise, report, evidence, learner, "grade")
        except Exception:  # noqa: BLE001 - the grade stands even if the log cannot be written
            pass
        return float(scaled(report, exercise.points))


@dataclass(frozen=True)
class Hint:
    exercise_id: str
    level: int
    text: str
    more: bool  # a further level exists

    def __repr__(self) -> str:
        tail = f"\n(indice suivant : hint(\"{self.exercise_id}\", {self.level + 1}))" if self.more else ""
        return f"Indice {self.level} : {self.text}{tail}"

    def _repr_html_(self) -> str:
        tail = (f"<div style='color:#777;font-size:90%'>Indice suivant : "
                f"<code>hint(\"{html.escape(self.exercise_id)}\", {self.level + 1})</code></div>") if self.more else ""
        return (f"<div style='border-left:4px solid #1565c0;padding:4px 10px;font-family:sans-serif'>"
                f"<b>Indice {self.level}</b><div>{html.escape(self.text)}</div>{tail}</div>")


def hint(exercise_id: str, level: int = 1) -> Hint:
    """The exercise's hint of the given level (1: a nudge, 2: closer to the answer)."""
    exercise = registry.get(exercise_id)
    if not exercise.hints:
        raise InputError(f"L'exercice « {exercise_id} » n'a pas d'indice.")
    if level not in exercise.hints:
        raise InputError(f"Pas d'indice de niveau {level} pour « {exercise_id} ».",
                         hint_fr=f"Niveaux disponibles : {', '.join(map(str, sorted(exercise.hints)))}.")
    return Hint(exercise_id, level, exercise.hints[level], level + 1 in exercise.hints)


@dataclass(frozen=True)
class Applied:
    namespace: str
    objects: tuple[dict, ...]

    @property
    def warnings(self) -> list[str]:
        """French texts of the server's warnings (platform policies first-hand)."""
        return [w for o in self.objects for w in o["avertissements"]]

    def __repr__(self) -> str:
        lines = [f"Appliqué dans « {self.namespace} » :"]
        for o in self.objects:
            lines.append(f"  ✔ {o['objet']}")
            lines.extend(f"    ⚠ {w}" for w in o["avertissements"])
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li><span style='color:#2e7d32'>✔</span> {html.escape(o['objet'])}"
            + "".join(f"<div style='color:#ef6c00;margin-left:20px'>⚠ {html.escape(w)}</div>"
                      for w in o["avertissements"]) + "</li>" for o in self.objects)
        return (f"<div style='font-family:sans-serif'>Appliqué dans « {html.escape(self.namespace)} » :"
                f"<ul style='list-style:none;padding-left:8px'>{items}</ul></div>")


def _target(exercise: str | None, namespace: str | None) -> tuple[str, registry.Exercise | None]:
    if exercise:
        found = registry.get(exercise)
        return found.namespace(settings().learner), found
    if namespace:
        return namespace, None
    raise InputError("Indiquez l'exercice : apply(\"fichier.yaml\", exercise=\"identifiant\").")


def apply(path_or_text: str | Path, *, exercise: str | None = None, namespace: str | None = None) -> Applied:
    """Server-side apply of a file or YAML text (or `render_chart`'s output) into the learner's namespace;
    keeps the server's warnings (platform policies, Pod Security) in French."""
    from grader.cluster.envs import provision
    from grader.cluster.lifecycle import connect
    from grader.kube.manifests import apply_objects, load_documents
    _, objects = load_documents(path_or_text, base=Path.cwd())
    target, _ = _target(exercise, namespace)
    kube, _caps = connect()
    if exercise is None:
        existing = kube.get("Namespace", target)
        labels = ((existing or {}).get("metadata") or {}).get("labels") or {}
        if existing is not None and labels.get("app.kubernetes.io/managed-by") != MANAGED_BY["app.kubernetes.io/managed-by"]:
            raise InputError(f"L'espace de noms « {target} » n'a pas été créé par le kit : je n'y écris rien.",
                             hint_fr="Utilisez apply(..., exercise=\"identifiant\").")
    provision(kube, target, labels=registry.namespace_labels(target))
    return Applied(target, tuple(apply_objects(kube, objects, target)))


HELM_TIMEOUT = 60.0


class RenderedChart(str):
    """The manifests `helm template` rendered (a `str`: `apply()` takes it, `Path.write_text` writes it)."""

    source: str = "rendu Helm"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def render_chart(chart_dir: str | Path, values: list | tuple | str | Path = (), release: str = "cpin",
                 namespace: str | None = None) -> RenderedChart:
    """Render a Helm chart with the real `helm template` (Kubernetes 1.36); the manifests as text.

    `values`: values files applied in order after the chart's `values.yaml` (the last one wins).
    Errors are French: chart or values file missing, helm missing, the chart does not render.
    """
    from grader import tools
    from grader.errors import ToolFailed
    chart = Path(chart_dir)
    if not (chart / "Chart.yaml").is_file():
        raise InputError(f"Chart Helm « {chart_dir} » introuvable : il faut un dossier qui contient Chart.yaml.",
                         hint_fr="Vérifiez le chemin (relatif au dossier du notebook).")
    files = [values] if isinstance(values, (str, Path)) else list(values)
    for item in files:
        if not Path(item).is_file():
            raise InputError(f"Fichier de valeurs « {item} » introuvable.",
                             hint_fr="Vérifiez le chemin ; exécutez d'abord la cellule qui l'écrit.")
    if not isinstance(release, str) or not release:
        raise InputError("Indiquez le nom de la release : render_chart(chart, values=[...], release=\"nom\").")
    command = [str(tools.find("helm")), "template", release, str(chart), "--kube-version", "1.36.0"]
    command += [arg for item in files for arg in ("--values", str(item))]
    command += ["--namespace", namespace] if namespace else []
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=HELM_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"helm template n'a pas fini en {HELM_TIMEOUT:g} s.", command=command,
                         hint_fr="Relancez ; si cela persiste, vérifiez « cpin doctor ».") from error
    if done.returncode != 0:
        raise ToolFailed(f"Le chart « {chart_dir} » ne se rend pas (helm template a échoué).", command=command,
                         output=done.stderr, hint_fr="La première ligne « Error: » de helm nomme le gabarit ou "
                                                    "la valeur en cause, et souvent la ligne.")
    rendered = RenderedChart(done.stdout)
    rendered.source = f"rendu du chart « {chart_dir} »"
    return rendered


@dataclass(frozen=True)
class ResetDone:
    exercise_id: str
    namespace: str
    deleted: tuple[str, ...]
    applied: tuple[str, ...]

    def __repr__(self) -> str:
        return (f"Exercice « {self.exercise_id} » remis à zéro dans « {self.namespace} » : "
                f"{len(self.deleted)} objet(s) supprimé(s), {len(self.applied)} objet(s) de départ appliqué(s).")

    def _repr_html_(self) -> str:
        return f"<div style='font-family:sans-serif'>↺ {html.escape(repr(self))}</div>"


def reset(exercise_id: str, *, timeout: float = 60.0, work_dir: str | Path | None = None) -> ResetDone:
    """Put the exercise's namespace back to its starting state.

    Deletes the objects of `reset.delete` and `setup.delete`, and those declared in the learner's
    files and in the setup manifests; waits until they are gone; then applies the setup manifests.
    Other exercises' objects in the same namespace are left alone.
    """
    from grader.cluster.envs import provision
    from grader.cluster.lifecycle import connect
    from grader.kube.manifests import apply_objects, delete_refs, load_documents
    exercise = registry.get(exercise_id)
    namespace = exercise.namespace(settings().learner)
    kube, _caps = connect()
    provision(kube, namespace, labels=registry.namespace_labels(namespace))
    refs = [(r.kind, r.apiVersion, r.name, r.labelSelector) for r in (*exercise.reset.delete, *exercise.setup.delete)]
    base = Path(work_dir or Path.cwd())
    setup_objects = [o for path in exercise.setup.apply for o in load_documents(path)[1]]
    for rel in exercise.learner_files:
        try:
            refs += [(o["kind"], o["apiVersion"], o["metadata"]["name"], "") for o in load_documents(base / rel)[1]]
        except CpinError:
            continue  # a missing or broken learner file declares nothing to delete
    refs += [(o["kind"], o["apiVersion"], o["metadata"]["name"], "") for o in setup_objects]
    deleted = delete_refs(kube, namespace, refs, timeout=timeout)
    applied = apply_objects(kube, setup_objects, namespace) if setup_objects else []
    return ResetDone(exercise.id, namespace, tuple(deleted), tuple(a["objet"] for a in applied))


def progress(learner: str | None = None, *, history: bool = True):
    """Progress per skill of the skills matrix, and the attempt history (a chart in a notebook)."""
    from grader import progress as log
    return log.overview(learner, history=history)


# ---------------------------------------------------------------- errors in a notebook

def notebook_error(shell, etype, value, tb, tb_offset=None) -> None:
    """IPython custom exception handler: a `CpinError` shows as its French message and hint, no traceback.

    IPython discards what a custom handler returns, so the handler shows the lines itself, as the cell's
    `error` output (`_showtraceback`: what ipykernel sends to the notebook). The cell still ends with status
    `error` (IPython records the exception), so nbgrader and nbval count it as a failed cell."""
    lines = value.render().splitlines() if isinstance(value, CpinError) else [str(value)]
    shell._showtraceback(etype, value, ["\x1b[1;31m" + lines[0] + "\x1b[0m", *lines[1:]])


def _register_notebook_errors() -> None:
    """In IPython (Jupyter), show `CpinError`s through `notebook_error`; elsewhere, do nothing."""
    ipython = sys.modules.get("IPython")  # not imported: not inside IPython (and no import cost)
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((CpinError,), notebook_error)


_register_notebook_errors()
