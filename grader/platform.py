"""Facts about the Cloud π Native platform that several parts of the kit share, in one place.

Pure data, no import of the kit: the skills matrix, environment types, label keys (one domain, `cpin.dev/*`).
"""
from __future__ import annotations

from typing import NamedTuple


class Skill(NamedTuple):
    label: str        # French
    level: str        # "obligatoire" | "conseillé"

    @property
    def mandatory(self) -> bool:
        return self.level == "obligatoire"


# The platform's skills matrix (cpin-reference.md §1.1), in its order: id → skill.
SKILLS: dict[str, Skill] = {
    "containerisation": Skill("Conteneurisation", "obligatoire"),
    "kubernetes": Skill("Kubernetes", "obligatoire"),
    "gitlab-ci": Skill("GitLab-CI", "obligatoire"),
    "gitops": Skill("GitOps", "obligatoire"),
    "helm": Skill("Helm", "conseillé"),
    "openshift": Skill("OpenShift", "conseillé"),
    "argocd": Skill("GitOps/ArgoCD", "conseillé"),
}
MANDATORY_SKILLS = tuple(key for key, skill in SKILLS.items() if skill.mandatory)

LABEL_DOMAIN = "cpin.dev"

# Environments: one namespace per (project, environment), typed dev or prod (policies warn in dev, deny in prod).
ENV_TYPES = ("dev", "prod")

# Namespace labels.
PROJECT_LABEL = f"{LABEL_DOMAIN}/project"
ENV_LABEL = f"{LABEL_DOMAIN}/env"
ENV_TYPE_LABEL = f"{LABEL_DOMAIN}/env-type"      # selects the policy bindings
KIT_NAMESPACE_LABELS = (PROJECT_LABEL, ENV_LABEL)  # identify a namespace: set by the kit only
MANAGED_BY = {"app.kubernetes.io/managed-by": "cpin"}
EXERCISES_PROJECT = "cpin-exercices"             # the "project" learner namespaces belong to

# Namespaces the grader makes for one submission.
GRADING_LABEL = f"{LABEL_DOMAIN}/grading"
ASSIGNMENT_LABEL = f"{LABEL_DOMAIN}/assignment"
LEARNER_LABEL = f"{LABEL_DOMAIN}/learner"
