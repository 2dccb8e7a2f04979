"""Exercise registry: reads `exercises/<module>/<id>/exercise.yaml`, validated strictly.

The schema is `grader/schema/exercise.schema.json` (documented in `exercises/README.md`). Any
unknown key, missing key or bad value raises `InputError` in French, naming the file and the key.
"""
from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.checks.registry import TYPES
from grader.config import settings
from grader.errors import InputError
from grader.files import read_text
from grader.yamlload import safe_load
from grader.platform import ENV_TYPE_LABEL, ENV_TYPES, KIT_NAMESPACE_LABELS

SCHEMA_PATH = Path(__file__).parent / "schema" / "exercise.schema.json"
MAX_EXERCISE_BYTES = 2**20   # an exercise.yaml is a few kB
DEFAULT_NAMESPACE = "cpin-{learner}-{module}"

# Retries per check; `exercise.yaml` may override them (default timeouts and implied capabilities:
# `grader.checks.registry.TYPES`).
DEFAULT_RETRIES = 3

# `namespaceLabels`: label syntax of Kubernetes, and the keys an exercise may set on its namespace.
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_PSA_PREFIX = "pod-security.kubernetes.io/"
_PSA_MODES = ("enforce", "audit", "warn")
_PSA_LEVELS = ("privileged", "baseline", "restricted")
_PSA_VERSION = re.compile(r"^(latest|v1\.[0-9]{1,3})$")
_KIT_LABELS = KIT_NAMESPACE_LABELS  # identify the namespace: set by the kit only


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    apiVersion: str = ""
    name: str = ""
    labelSelector: str = ""


@dataclass(frozen=True)
class Steps:
    delete: tuple[ObjectRef, ...] = ()
    apply: tuple[Path, ...] = ()  # absolute paths inside the exercise directory


@dataclass(frozen=True)
class CheckSpec:
    id: str
    type: str
    points: float  # a weight: scaled so that the exercise's checks add up to `Exercise.points`
    title: str
    params: dict = field(default_factory=dict)
    timeout: float = 3.0
    retries: int = DEFAULT_RETRIES
    hidden: bool = False
    requires: tuple[str, ...] = ()
    ok_message: str = ""
    ko_message: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Exercise:
    id: str
    module: str
    title: str
    skill: str
    points: float
    checks: tuple[CheckSpec, ...]
    directory: Path
    namespace_template: str = DEFAULT_NAMESPACE
    learner_files: tuple[str, ...] = ()
    services: tuple[str, ...] = ()          # platform services the exercise needs running
    rules: tuple[str, ...] = ()
    hints: dict[int, str] = field(default_factory=dict)
    setup: Steps = Steps()
    reset: Steps = Steps()
    namespace_labels: dict[str, str] = field(default_factory=dict)  # this exercise's share of the namespace's

    def namespace(self, learner: str) -> str:
        """The learner's namespace for this exercise (a valid DNS label)."""
        try:
            name = self.namespace_template.format(learner=_dns_label(learner), module=self.module, exercise=self.id)
        except (IndexError, KeyError, ValueError) as error:   # the schema refuses these; data built by hand may not
            raise InputError(f"Modèle d'espace de noms invalide : « {self.namespace_template} » ({type(error).__name__}).",
                             hint_fr="Seuls {learner}, {module} et {exercise} sont permis entre accolades.") from error
        return _dns_label(name)

    def namespace_pattern(self) -> re.Pattern:
        """The namespaces this exercise can live in, whoever the learner (`{learner}` matches any label)."""
        sentinel = "qqapprenantqq"
        name = self.namespace(sentinel)
        return re.compile(re.escape(name).replace(sentinel, "[a-z0-9]([a-z0-9-]*[a-z0-9])?") + r"\Z")

    def max_points(self, check: CheckSpec) -> float:
        """Points a check is worth: its weight scaled to the exercise total (pure)."""
        return weighted_points(self.points, [c.points for c in self.checks], check.points)


def weighted_points(total: float, weights: list[float], weight: float) -> float:
    """Share of `total` that `weight` gets among `weights` (all zero → nothing)."""
    whole = sum(weights)
    return round(total * weight / whole, 4) if whole > 0 else 0.0


def _dns_label(text: str) -> str:
    out = "".join(c if c.isalnum() or c == "-" else "-" for c in text.lower().replace("_", "-"))
    out = out.strip("-")[:63].rstrip("-")
    return out or "apprenant"


def exercises_root() -> Path:
    """Where exercises live: `$CPIN_EXERCISES` or `<repo>/exercises` (see `grader.config`)."""
    return settings().exercises_dir


# ---------------------------------------------------------------- loading and validation

@functools.lru_cache(maxsize=1)
def _validator():
    import jsonschema
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _where(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(racine)"


def _leaf_errors(error):
    """Descend into `if/then`, `oneOf` and `allOf` wrappers to the errors that name a key."""
    if error.context:
        for sub in error.context:
            yield from _leaf_errors(sub)
    else:
        yield error


def _french(error) -> str:
    where = _where(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - allowed) if isinstance(error.instance, dict) else []
        keys = ", ".join(f"« {k} »" for k in unknown) or "?"
        return f"clé inconnue {keys} dans « {where} » ; clés permises : {', '.join(sorted(allowed))}"
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"clé obligatoire « {missing} » absente dans « {where} »"
    if kind in ("enum", "const"):
        allowed = error.validator_value if kind == "enum" else [error.validator_value]
        return f"valeur « {error.instance} » non permise pour « {where} » ; valeurs possibles : " + \
            ", ".join(str(v) for v in allowed)
    if kind == "type":
        return f"« {where} » doit être de type {error.validator_value} (trouvé : {type(error.instance).__name__})"
    if kind == "oneOf":
        return f"« {where} » : indiquez exactement une des variantes possibles"
    if kind == "pattern":
        return (f"« {where} » : {error.instance!r} n'a pas la forme attendue "
                "(minuscules, chiffres et tirets ; chemins relatifs sans « .. »)")
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"« {where} » : {error.instance!r} hors des bornes permises ({kind} {error.validator_value})"
    if kind in ("minItems", "minProperties", "minLength"):
        return f"« {where} » ne doit pas être vide"
    if kind == "uniqueItems":
        return f"« {where} » contient des doublons"
    return f"valeur invalide pour « {where} » : {error.instance!r} ({kind})"


def validate(data: Any, source: str) -> None:
    """Raise `InputError` (French, naming `source` and the keys) unless `data` fits the schema."""
    if not isinstance(data, dict):
        raise InputError(f"{source} : le fichier doit contenir un objet YAML (clé: valeur).",
                         hint_fr="Commencez par « apiVersion: cpin.dev/v1 » et « kind: Exercise ».")
    problems: list[str] = [f"« {where} » : nombre non fini ({value}) interdit ; donnez un nombre"
                           for where, value in _non_finite(data)]
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        for leaf in _leaf_errors(error):
            text = _french(leaf)
            if text not in problems:
                problems.append(text)
    checks = data.get("checks") if isinstance(data.get("checks"), list) else []
    ids = [c.get("id") for c in checks if isinstance(c, dict)]
    for dup in sorted({i for i in ids if ids.count(i) > 1 and i}):
        problems.append(f"identifiant de contrôle « {dup} » en double dans « checks »")
    if problems:
        shown = problems[:6] + ([f"… et {len(problems) - 6} autre(s)"] if len(problems) > 6 else [])
        raise InputError(f"{source} : exercice invalide :\n  - " + "\n  - ".join(shown),
                         hint_fr="Le format est décrit dans exercises/README.md.")


def _non_finite(data: Any) -> list[tuple[str, float]]:
    """Paths of NaN and infinite numbers (`.nan`, `.inf`), which JSON Schema bounds let through."""
    found, stack = [], [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            found.append((_where(path), node))
        elif isinstance(node, dict):
            stack.extend(((*path, str(k)), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))
    return sorted(found)


def label_problems(labels: dict) -> list[str]:
    """French problems of a `namespaceLabels` map (pure): label syntax, allowed keys and values."""
    problems = []
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        where = f"« namespaceLabels.{key} »"
        if not _LABEL_NAME.match(name) or len(name) > 63 or (prefix and not re.fullmatch(
                r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", prefix)):
            problems.append(f"{where} : ce n'est pas une clé d'étiquette Kubernetes valide "
                            "(préfixe DNS facultatif, « / », nom de 63 caractères au plus)")
            continue
        if not isinstance(value, str) or len(value) > 63 or (value and not _LABEL_NAME.match(value)):
            problems.append(f"{where} : {value!r} n'est pas une valeur d'étiquette valide "
                            "(63 caractères au plus : lettres, chiffres, « - », « _ », « . »)")
            continue
        if key.startswith(_PSA_PREFIX):
            mode, _, suffix = name.partition("-")
            if mode not in _PSA_MODES or suffix not in ("", "version"):
                problems.append(f"{where} : clé Pod Security inconnue ; clés possibles : " + ", ".join(
                    f"{_PSA_PREFIX}{m}{s}" for m in _PSA_MODES for s in ("", "-version")))
            elif suffix == "" and value not in _PSA_LEVELS:
                problems.append(f"{where} : niveau « {value} » inconnu ; niveaux possibles : {', '.join(_PSA_LEVELS)}")
            elif suffix == "version" and not _PSA_VERSION.match(value):
                problems.append(f"{where} : version « {value} » invalide (« latest » ou « v1.36 » par exemple)")
        elif prefix == "cpin.dev" and key not in _KIT_LABELS:
            if key == ENV_TYPE_LABEL and value not in ENV_TYPES:
                problems.append(f"{where} : « {value} » n'est pas un type d'environnement (dev ou prod)")
        else:
            problems.append(f"{where} : clé non permise ; seules les clés pod-security.kubernetes.io/* et "
                            f"cpin.dev/* (sauf {', '.join(_KIT_LABELS)}, posées par le kit) sont acceptées")
    return problems


def _steps(raw: dict | None, directory: Path, source: str, key: str) -> Steps:
    raw = raw or {}
    files = []
    for rel in raw.get("apply", []):
        path = directory / rel
        if not path.is_file():
            raise InputError(f"{source} : « {key}.apply » cite « {rel} », fichier introuvable.")
        files.append(path)
    return Steps(delete=tuple(ObjectRef(**ref) for ref in raw.get("delete", [])), apply=tuple(files))


def load_file(path: Path) -> Exercise:
    """Read and validate one `exercise.yaml`."""
    source = str(path)
    data = safe_load(read_text(path, limit=MAX_EXERCISE_BYTES), source)
    if isinstance(data, dict) and isinstance(data.get("hints"), dict):
        data["hints"] = {str(k): v for k, v in data["hints"].items()}  # YAML reads `1:` as an int
    validate(data, source)
    problems = label_problems(data.get("namespaceLabels") or {})
    if problems:
        raise InputError(f"{source} : exercice invalide :\n  - " + "\n  - ".join(problems),
                         hint_fr="Le format est décrit dans exercises/README.md.")
    directory = path.parent
    if data["id"] != directory.name or data["module"] != directory.parent.name:
        raise InputError(f"{source} : « id » ({data['id']}) et « module » ({data['module']}) doivent être les noms "
                         f"du dossier ({directory.parent.name}/{directory.name}).")
    checks = []
    for raw in data["checks"]:
        requires = tuple(dict.fromkeys([*raw.get("requires", []), *TYPES[raw["type"]].requires]))
        messages = raw.get("messages", {})
        checks.append(CheckSpec(
            id=raw["id"], type=raw["type"], points=float(raw["points"]), title=raw["title"],
            params=dict(raw.get("params") or {}), timeout=float(raw.get("timeout", TYPES[raw["type"]].timeout)),
            retries=int(raw.get("retries", DEFAULT_RETRIES)), hidden=bool(raw.get("hidden", False)),
            requires=requires, ok_message=messages.get("ok", ""), ko_message=messages.get("ko", ""),
            hint=raw.get("hint", "")))
    return Exercise(
        id=data["id"], module=data["module"], title=data["title"], skill=data["skill"], points=float(data["points"]),
        checks=tuple(checks), directory=directory, namespace_template=data.get("namespace", DEFAULT_NAMESPACE),
        learner_files=tuple(data.get("learnerFiles", [])), services=tuple(data.get("services", [])), rules=tuple(data.get("rules", [])),
        hints={int(k): v for k, v in (data.get("hints") or {}).items()},
        setup=_steps(data.get("setup"), directory, source, "setup"),
        reset=_steps(data.get("reset"), directory, source, "reset"),
        namespace_labels=dict(data.get("namespaceLabels") or {}))


_cache: dict[Path, tuple[float, Exercise]] = {}


def _cached(path: Path) -> Exercise:
    mtime = path.stat().st_mtime
    hit = _cache.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    exercise = load_file(path)
    _cache[path] = (mtime, exercise)
    return exercise


def all_exercises(root: Path | None = None, *, include_examples: bool = False) -> list[Exercise]:
    """Every exercise under `root`, sorted by module then id; ids must be unique."""
    root = root or exercises_root()
    found: dict[str, Exercise] = {}
    for path in sorted(root.glob("*/*/exercise.yaml")):
        if path.parent.parent.name.startswith("_") and not include_examples:
            continue
        exercise = _cached(path)
        if exercise.id in found:
            raise InputError(f"{path} : l'identifiant « {exercise.id} » existe déjà "
                             f"({found[exercise.id].directory / 'exercise.yaml'}).")
        found[exercise.id] = exercise
    exercises = sorted(found.values(), key=lambda e: (e.module, e.id))
    shared: dict[str, list[Exercise]] = {}
    for exercise in exercises:
        shared.setdefault(exercise.namespace_pattern().pattern, []).append(exercise)
    for group in shared.values():
        merge_labels(group)
    return exercises


def merge_labels(exercises: list[Exercise]) -> dict[str, str]:
    """The labels of exercises that share a namespace, merged; a conflict is a French `InputError`."""
    merged: dict[str, str] = {}
    owner: dict[str, Exercise] = {}
    for exercise in exercises:
        for key, value in exercise.namespace_labels.items():
            if key in merged and merged[key] != value:
                first = owner[key]
                raise InputError(
                    f"{exercise.directory / 'exercise.yaml'} : exercice invalide : « namespaceLabels.{key} » vaut "
                    f"« {value} », or l'exercice « {first.id} » ({first.directory / 'exercise.yaml'}), qui partage "
                    f"le même espace de noms, lui donne « {merged[key]} ».",
                    hint_fr="Les exercices d'un même espace de noms doivent s'accorder sur ses étiquettes ; "
                            "sinon, donnez à l'un d'eux son propre « namespace ».")
            merged[key] = value
            owner.setdefault(key, exercise)
    return merged


def namespace_labels(namespace: str, root: Path | None = None) -> dict[str, str]:
    """Labels the exercises living in `namespace` ask for (merged over all of them, whoever the learner)."""
    exercises = [e for e in all_exercises(root, include_examples=True) if e.namespace_pattern().match(namespace)]
    return merge_labels(exercises)


def get(exercise_id: str, root: Path | None = None) -> Exercise:
    """The exercise named `exercise_id` (examples under `_examples/` included)."""
    if not isinstance(exercise_id, str):
        raise InputError(f"L'identifiant d'exercice doit être un texte entre guillemets, pas {type(exercise_id).__name__} "
                         f"({str(exercise_id)[:40]}).", hint_fr="Par exemple : check(\"k8s-deploy\").")
    root = root or exercises_root()
    plausible = re.fullmatch(r"[\w-][\w.-]{0,99}", exercise_id) and exercise_id not in (".", "..")
    matches = sorted(root.glob(f"*/{exercise_id}/exercise.yaml")) if plausible else []
    if not matches:
        known = ", ".join(e.id for e in all_exercises(root)) if root.is_dir() else ""
        raise InputError(f"Exercice « {exercise_id} » inconnu.",
                         hint_fr=f"Exercices disponibles : {known}" if known else "Vérifiez l'identifiant.")
    if len(matches) > 1:
        raise InputError(f"Exercice « {exercise_id} » présent dans plusieurs modules : "
                         + ", ".join(str(m.parent.parent.name) for m in matches))
    return _cached(matches[0])
