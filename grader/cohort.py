"""A cohort on one shared cluster: per learner, fenced namespaces and a kubeconfig limited to them.

For each learner of the roster, `provision` makes (through the grading fence, `grader.course.fence`):
- the namespace of every exercise (`cpin-<learner>-<module>`…, with the labels the exercises ask for), and
  a console-like pair `cpin-<learner>-dev` (policies warn) / `cpin-<learner>-prod` (policies deny), each
  with the console's quota, pull secret and network policies;
- a ServiceAccount `apprenant-<learner>` in the cohort's own namespace `cpin-cohorte-<cohort>` (learners have
  no right there: they cannot delete or re-token their identity), bound to the `admin` role in the learner's
  namespaces and nowhere else: no cluster-wide read, nothing of another learner;
- a kubeconfig holding a token of that account (renewed by running `provision` again).
`revoke` deletes the learners' namespaces and accounts: their tokens stop working at once.
Everything is idempotent; nothing is done on a cluster the trainer did not name.
"""
from __future__ import annotations

import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader.errors import InputError
from grader.platform import ENV_TYPE_LABEL, LABEL_DOMAIN, LEARNER_LABEL, MANAGED_BY

COHORT_LABEL = f"{LABEL_DOMAIN}/cohort"
COHORT_MANAGER = "cpin-cohort"        # field manager of the cohort's labels
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
MAX_LEARNER = 30     # cpin-<learner>-<module>-psa stays within 63 characters
MAX_COHORT = 40
MAX_ROSTER_BYTES = 2**20
WORKERS = 4          # learners provisioned at once


@dataclass(frozen=True)
class Access:
    """What one learner was given."""
    learner: str
    namespaces: tuple[str, ...]
    kubeconfig: Path
    expires: str | None
    new: bool            # False: was already there (brought back in line, token renewed)


@dataclass(frozen=True)
class Member:
    """A learner as `members` finds them on the cluster."""
    learner: str
    namespaces: tuple[str, ...]
    account: bool


def identity_namespace(cohort: str) -> str:
    return f"cpin-cohorte-{cohort}"


def account_name(learner: str) -> str:
    return f"apprenant-{learner}"


def context_name(cohort: str) -> str:
    return f"cohorte-{cohort}"


def check_name(cohort: str) -> str:
    if not _NAME.match(cohort or "") or len(cohort) > MAX_COHORT:
        raise InputError(f"Nom de cohorte invalide : « {cohort} ».",
                         hint_fr=f"Minuscules, chiffres et tirets, {MAX_COHORT} caractères au plus.")
    return cohort


def parse_roster(text: str, source: str = "liste") -> list[str]:
    """Learner ids, one a line (`#` starts a comment); every bad line is named in one French error (pure)."""
    learners: list[str] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not _NAME.match(line) or len(line) > MAX_LEARNER:
            problems.append(f"ligne {number} : « {line[:80]} » n'est pas un identifiant valable")
        elif line in learners:
            problems.append(f"ligne {number} : « {line} » est déjà dans la liste")
        else:
            learners.append(line)
    if problems:
        raise InputError(f"{source} : " + " ; ".join(problems[:10]) + ("…" if len(problems) > 10 else "") + ".",
                         hint_fr=f"Un identifiant par ligne : minuscules, chiffres et tirets, {MAX_LEARNER} "
                                 "caractères au plus (il entre dans le nom des espaces de noms).")
    if not learners:
        raise InputError(f"{source} : aucun apprenant.", hint_fr="Un identifiant par ligne, par exemple « alice ».")
    return learners


def read_roster(path: Path) -> list[str]:
    from grader.files import read_text
    if Path(path).is_file() and Path(path).stat().st_size > MAX_ROSTER_BYTES:
        raise InputError(f"{path} : fichier trop gros pour une liste d'apprenants.")
    return parse_roster(read_text(Path(path)), str(path))


def spaces(cohort: str, learner: str, root: Path | None = None) -> list:
    """The learner's namespaces, as the fence makes them: exercises first (the first is home), then dev/prod."""
    from grader import exercises
    from grader.course.fence import Space

    ours = {COHORT_LABEL: cohort, LEARNER_LABEL: learner}
    found: list[Space] = []
    for exercise in exercises.all_exercises(root):
        name = exercise.namespace(learner)
        if any(space.name == name for space in found):
            continue
        labels = {**exercises.namespace_labels(name, root), **ours}
        found.append(Space(name, labels, env_type=labels.get(ENV_TYPE_LABEL, "dev")))
    for env in ("dev", "prod"):
        found.append(Space(f"cpin-{learner}-{env}", dict(ours), env_type=env, project=f"cpin-{learner}", env=env))
    return found


def _identity(admin, cohort: str) -> None:
    """The cohort's namespace, holding the learners' accounts (no learner has any right in it)."""
    from grader.cluster import kubeconfig as kc
    from grader.kube.client import Kube
    with kc.api_client(admin.kubeconfig, admin.context) as api:
        Kube(api).apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {
            "name": identity_namespace(cohort), "labels": {**MANAGED_BY, COHORT_LABEL: cohort}}},
            None, field_manager=COHORT_MANAGER)


def provision(admin, cohort: str, learners: list[str], out_dir: Path, *, days: float = 7,
              root: Path | None = None) -> list[Access]:
    """Give every learner their fenced namespaces and kubeconfig `<out_dir>/<learner>/kubeconfig`."""
    from grader.course.fence import fence

    check_name(cohort)
    seconds = int(days * 86400)
    if seconds < 600:
        raise InputError("Durée de validité trop courte : 10 minutes au moins.")
    already = {m.learner for m in members(admin, cohort) if m.account}
    _identity(admin, cohort)

    def one(learner: str) -> Access:
        learner_spaces = spaces(cohort, learner, root)
        path = out_dir / learner / "kubeconfig"
        expires = fence(admin, learner_spaces, path, context=context_name(cohort),
                        identity=(identity_namespace(cohort), account_name(learner)), token_seconds=seconds,
                        reconcile=True, label_manager=COHORT_MANAGER)
        return Access(learner, tuple(s.name for s in learner_spaces), path, expires, learner not in already)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(one, learners))


def members(admin, cohort: str) -> list[Member]:
    """The cohort's learners on the cluster: their namespaces, and whether their account still exists."""
    from grader.cluster import kubeconfig as kc
    from grader.kube.client import Kube

    check_name(cohort)
    with kc.api_client(admin.kubeconfig, admin.context) as api:
        kube = Kube(api)
        by_learner: dict[str, list[str]] = defaultdict(list)
        for ns in kube.list("Namespace", label_selector=f"{COHORT_LABEL}={cohort},{LEARNER_LABEL}", record=False):
            if not ns["metadata"].get("deletionTimestamp"):
                by_learner[ns["metadata"]["labels"][LEARNER_LABEL]].append(ns["metadata"]["name"])
        accounts = set()
        if kube.get("Namespace", identity_namespace(cohort)) is not None:
            prefix = account_name("")
            accounts = {sa["metadata"]["name"][len(prefix):]
                        for sa in kube.list("ServiceAccount", identity_namespace(cohort), record=False)
                        if sa["metadata"]["name"].startswith(prefix)}
    return [Member(learner, tuple(sorted(by_learner.get(learner, ()))), learner in accounts)
            for learner in sorted(set(by_learner) | accounts)]


def revoke(admin, cohort: str, learners: list[str] | None = None, out_dir: Path | None = None) -> list[Member]:
    """Delete the learners' namespaces and accounts (all of the cohort's if `learners` is None); those removed.

    With the whole cohort gone, its own namespace goes too. Kubeconfigs written under `out_dir` are deleted.
    """
    from grader.cluster import kubeconfig as kc
    from grader.kube.client import Kube

    found = members(admin, cohort)
    chosen = [m for m in found if learners is None or m.learner in learners]
    with kc.api_client(admin.kubeconfig, admin.context) as api:
        kube = Kube(api)
        for member in chosen:
            kube.delete("ServiceAccount", account_name(member.learner), identity_namespace(cohort))
            for ns in member.namespaces:
                kube.delete("Namespace", ns, None)
            if out_dir is not None:
                (out_dir / member.learner / "kubeconfig").unlink(missing_ok=True)
        if learners is None or {m.learner for m in found} <= set(learners):
            kube.delete("Namespace", identity_namespace(cohort), None)
    return chosen
