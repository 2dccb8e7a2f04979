"""The exam pool (`exercises/examen/pool.yaml`) and the per-learner draw.

The draw is a pure function of (seed, learner, seat): a learner gets the same subject each time the
session is rebuilt, and two seats side by side (`seat` n and n+1) never get the same variant of a lab
that has more than one. Variants whose `requires` the exam cluster cannot meet are left out of the draw.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from grader.config import REPO_ROOT
from grader.errors import InputError
from grader.files import read_text
from grader.yamlload import safe_load

POOL_PATH = REPO_ROOT / "exercises" / "examen" / "pool.yaml"
KNOWN_REQUIREMENTS = ("containers", "docker")


@dataclass(frozen=True)
class Variant:
    id: str
    title: str
    exercises: tuple[str, ...]
    requires: tuple[str, ...] = ()
    files: tuple[tuple[str, str], ...] = ()   # (repository-relative source, exam-folder-relative destination)
    deploy: tuple[dict, ...] = ()              # {exercise, apply} or {exercise, chart, values, release, output}


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    points: float
    skill: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True)
class Pool:
    pass_mark: float
    points_each: float
    draw: dict[str, int]           # skill -> number of questions
    labs: tuple[Lab, ...]
    path: Path


def _need(data: dict, key: str, where: str, kind: type | tuple):
    if key not in data:
        raise InputError(f"{where} : clé « {key} » manquante.")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"{where} : « {key} » a un type inattendu.")
    return value


def load(path: Path = POOL_PATH) -> Pool:
    """The pool, checked: French errors naming the file and the key."""
    from grader.platform import SKILLS
    data = safe_load(read_text(path), source=str(path))
    where = str(path)
    if not isinstance(data, dict) or data.get("kind") != "ExamPool" or data.get("apiVersion") != "cpin.dev/v1":
        raise InputError(f"{where} : un document « kind: ExamPool » (apiVersion cpin.dev/v1) est attendu.")
    unknown = set(data) - {"apiVersion", "kind", "passMark", "qcm", "labs"}
    if unknown:
        raise InputError(f"{where} : clé(s) inconnue(s) : {', '.join(sorted(unknown))}.")
    pass_mark = float(_need(data, "passMark", where, (int, float)))
    qcm = _need(data, "qcm", where, dict)
    draw = {str(k): int(v) for k, v in _need(qcm, "draw", f"{where} qcm", dict).items()}
    for skill in draw:
        if skill not in SKILLS and skill != "culture":
            raise InputError(f"{where} : qcm.draw : compétence inconnue « {skill} ».")
    labs, seen = [], set()
    for raw in _need(data, "labs", where, list):
        lw = f"{where} : lab {raw.get('id', '?')}"
        variants = []
        for v in _need(raw, "variants", lw, list):
            requires = tuple(v.get("requires") or ())
            bad = [r for r in requires if r not in KNOWN_REQUIREMENTS]
            if bad:
                raise InputError(f"{lw} : exigence inconnue {', '.join(bad)} (connues : containers, docker).")
            vid = _need(v, "id", lw, str)
            if vid in seen:
                raise InputError(f"{lw} : identifiant de variante « {vid} » en double.")
            seen.add(vid)
            files = []
            for f in v.get("files") or ():
                if not isinstance(f, dict) or set(f) != {"from", "to"} or ".." in f"{f['from']}/{f['to']}".split("/") \
                        or str(f["to"]).startswith("/") or not (REPO_ROOT / str(f["from"])).exists():
                    raise InputError(f"{lw} : variante {vid} : fichier fourni invalide ou introuvable : {f}.")
                files.append((str(f["from"]), str(f["to"])))
            deploy = [dict(step) for step in v.get("deploy") or ()]
            for step in deploy:
                if set(step) not in ({"exercise", "apply"}, {"exercise", "chart", "values", "release", "output"}) \
                        or any(".." in str(x).split("/") or str(x).startswith("/") for x in step.values()):
                    raise InputError(f"{lw} : variante {vid} : étape de déploiement invalide : {step}.",
                                     hint_fr="{exercise, apply} ou {exercise, chart, values, release, output}.")
            variants.append(Variant(vid, _need(v, "title", lw, str),
                                    tuple(_need(v, "exercises", lw, list)), requires, tuple(files), tuple(deploy)))
        if not variants:
            raise InputError(f"{lw} : aucune variante.")
        labs.append(Lab(_need(raw, "id", lw, str), _need(raw, "title", lw, str),
                        float(_need(raw, "points", lw, (int, float))), _need(raw, "skill", lw, str), tuple(variants)))
    return Pool(pass_mark, float(_need(qcm, "pointsEach", f"{where} qcm", (int, float))), draw, tuple(labs), path)


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def draw_labs(pool: Pool, seed: str, learner: str, *, seat: int | None = None,
              capabilities: frozenset[str] = frozenset()) -> list[tuple[Lab, Variant]]:
    """One variant per lab. With a seat number, seats n and n+1 differ on every lab with 2+ variants."""
    chosen = []
    for lab in pool.labs:
        usable = [v for v in lab.variants if set(v.requires) <= set(capabilities)] or list(lab.variants[:1])
        if seat is not None:
            offset = _rng(seed, lab.id).randrange(len(usable))
            variant = usable[(offset + seat) % len(usable)]
        else:
            variant = _rng(seed, learner, lab.id).choice(usable)
        chosen.append((lab, variant))
    return chosen


def draw_questions(pool: Pool, seed: str, learner: str) -> list[str]:
    """Question ids drawn per skill (`qcm.draw`), in a learner-specific order."""
    from grader import questions
    bank = list(questions.load().values())
    rng = _rng(seed, learner, "qcm")
    picked: list[str] = []
    for skill, count in pool.draw.items():
        candidates = sorted(q.id for q in bank if q.skill == skill)
        if len(candidates) < count:
            raise InputError(f"La banque n'a que {len(candidates)} question(s) « {skill} » ; le tirage en demande {count}.")
        picked += rng.sample(candidates, count)
    rng.shuffle(picked)
    return picked
