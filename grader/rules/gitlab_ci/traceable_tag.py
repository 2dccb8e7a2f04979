"""Image construite avec un tag traçable (SHA du commit, tag git, numéro de job).

Ce que vérifie la règle
    Pour chaque job de construction (kaniko ou buildkit du catalogue), les variables `TAG` et
    `IMAGE_NAMES` (du job ou globales), si elles sont données, font référence à `CI_COMMIT_SHA`,
    `CI_COMMIT_SHORT_SHA`, `CI_COMMIT_TAG` ou `CI_JOB_ID`, et aucun nom ne finit par `:latest`.
    Dans tout job, une image poussée à la main (`docker push`, `podman push`, `buildah push`) a elle
    aussi un tag traçable, variables du job et globales remplacées (`$IMAGE:$TAG`) ; une image sans tag
    est poussée en `:latest`.

Pourquoi
    REF 13 — bonnes pratiques « Tag d'images », services/gitops : chaque image désigne un build
    unique, ce qui permet le retour arrière ; un tag de branche (`CI_COMMIT_REF_SLUG`) est écrasé à
    chaque commit. Conseil : avertissement.

Exemple refusé
```gitlab-ci
variables:
  TAG: "${CI_COMMIT_REF_SLUG}"
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

À la place
```gitlab-ci
variables:
  TAG: "${CI_COMMIT_SHORT_SHA}"
docker-build:
  variables: {IMAGE_NAME: web}
  extends: .kaniko:simple-build-push
```

Limites connues
    Sans `TAG` ni `IMAGE_NAMES`, la valeur par défaut du catalogue (qui contient le SHA court) est
    supposée. Une variable définie ailleurs que dans le fichier (projet, groupe) n'est pas connue :
    un tag qui en dépend est jugé sur son nom. Pousser à la main est aussi la règle 16 (ci-no-docker-push).
"""
from __future__ import annotations

import re
from typing import Iterator

from grader.rules.gitlab_ci._ci import is_build_job, jobs, script_lines, variables
from grader.rules.model import Finding, finding

ID = "ci-traceable-tag"
REF = 13
KINDS = ("gitlab_ci",)
SOURCE = "https://cloud-pi-native.fr/guide/best-practices"
MESSAGE_FR = "Job {job} : {what} {problem}."
HINT_FR = "Taguez avec $CI_COMMIT_SHORT_SHA (ou $CI_COMMIT_TAG pour une version) : ex. TAG: \"${{CI_COMMIT_SHORT_SHA}}\"."
TRACEABLE = re.compile(r"CI_COMMIT_SHA|CI_COMMIT_SHORT_SHA|CI_COMMIT_TAG|CI_JOB_ID")
PUSH = re.compile(r"\b(?:docker|podman|buildah)\s+push\s+((?:--?[\w-]+(?:=\S+)?\s+)*)(\S+)")
VARIABLE = re.compile(r"\$\{?(\w+)\}?")


def _expand(text: str, values: dict[str, str]) -> str:
    """One pass of `$VAR` / `${VAR}` substitution with the file's variables (CI_* left as they are)."""
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _pushed_tag_problem(ref: str) -> str | None:
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        return "pousse sans tag, donc en :latest"
    tag = last.rsplit(":", 1)[1]
    if tag == "latest":
        return "pousse :latest"
    return None if TRACEABLE.search(tag) else "pousse un tag qui n'identifie pas un build"


def check(obj, ctx) -> Iterator[Finding]:
    for name, job in jobs(obj):
        values = variables(obj, job)
        for line in script_lines(job):
            for match in PUSH.finditer(line):
                ref = _expand(_expand(match.group(2), values), values).strip("'\"")
                problem = _pushed_tag_problem(ref)
                if problem:
                    yield finding(f"{name}/script", job=name, what=f"« {match.group(0).strip()} » ({ref})",
                                  problem=problem)
        if not is_build_job(job):
            continue
        if "TAG" in values and not TRACEABLE.search(values["TAG"]):
            yield finding(f"{name}", job=name, what=f"TAG={values['TAG']!r}", problem="n'identifie pas un build")
        if "IMAGE_NAMES" in values:
            names = values["IMAGE_NAMES"].split()
            if not any(TRACEABLE.search(n) for n in names):
                yield finding(f"{name}", job=name, what=f"IMAGE_NAMES={values['IMAGE_NAMES']!r}",
                              problem="n'a aucun tag traçable")
            elif any(n.endswith(":latest") for n in names):
                yield finding(f"{name}", job=name, what=f"IMAGE_NAMES={values['IMAGE_NAMES']!r}",
                              problem="pousse aussi :latest")
