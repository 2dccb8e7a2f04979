"""Facts about the Cloud π Native platform that several parts of the kit share, in one place.

Pure data, no import of the kit: label keys (one domain, `cpin.dev/*`), environment types.
"""
from __future__ import annotations

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
