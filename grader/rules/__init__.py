"""The platform's rules (cpin-reference.md §3.2) as data, and the lint API.

Python API (notebooks, checks, the `cpin lint` command):

    from grader.rules import lint_paths, lint_text
    problems = lint_paths(["k8s/", "Dockerfile"], env_type="prod", values=["values-prod.yaml"])
    problems = lint_text(cell_text, kind="manifest")      # or "dockerfile", "gitlab_ci", "helm_values"
    problems.exit_code, problems.errors, problems.to_json()   # a list of `Problem`, shown as French text

- `lint_paths(paths, *, env_type="dev", values=())`: files and folders (Helm charts rendered by
  `helm template` with `values` or the chart's `values-<env_type>.yaml`), returns `Problems`.
- `lint_text(text, *, kind="manifest", env_type="dev", name=None)`: one text, e.g. a notebook cell.
- `get(rule_id)`: the module of a rule (`ID`, `REF`, `KINDS`, `MESSAGE_FR`, `HINT_FR`,
  `SOURCE`, `check(obj, ctx)`); its docstring is what `cpin lint --explain ID` prints.
- `RULES`: every rule, listed by hand below (no discovery, STYLE §1).

Severity: the engine derives it from the rule's level in `severity.SEVERITY` (the one table) and `env_type` (`model.LEVELS`): `audit` → warning in
dev, error in prod (Kyverno Audit → Enforce); `enforce` → error everywhere; `advice` → warning;
`info` → info.
"""
from __future__ import annotations

from types import ModuleType

from grader.errors import CpinError
from grader.rules.dockerfile import (arbitrary_uid, base_tag, entrypoint_script, hadolint, logs_stdout, no_runtime_install,
                                     no_secret_env, no_sshd, no_tls_bypass, no_write_at_start, port_above_1024,
                                     small_final_image, user_non_root)
from grader.rules.engine import lint_paths, lint_text
from grader.rules.gitlab_ci import (clear_secret, coverage_report, dependency_sources, file_name, kaniko_build,
                                    no_docker_push, quality_jobs, read_secret_first, traceable_tag)
from grader.rules.helm import values_no_clear_secret, values_traceable_tag
from grader.rules.input import empty, unusable
from grader.rules.manifests import (admin_tasks, cm_no_credentials, container_logs_stdout, config_from_env, container_port,
                                    disallow_hostpath, disallow_latest_tag, harbor_pull_secret, hpa_recommended,
                                    image_pull_policy, ingress_tls, job_history_ttl, known_publisher, label_values,
                                    limit_pvc_size, name_length, network_policy, no_added_capabilities, no_fixed_ids,
                                    no_privilege_escalation, no_session_affinity, probe_health_path, probes_both,
                                    qos_best_effort, qos_guaranteed, quota_fits, recommended_labels, require_labels, require_probes,
                                    require_resources, restrict_nodeport, restrict_registries, schema,
                                    stateless_no_pvc, unknown_kind)
from grader.rules.model import Problem, Problems
from grader.rules.secrets import cm_clear_secret, no_literal_secret_env, no_plain_secret, sops_encrypted, vault_static_secret

__all__ = ["RULES", "get", "lint_paths", "lint_text", "Problem", "Problems"]

RULES: tuple[ModuleType, ...] = (
    # inputs and schema (REF 0: outside the table)
    unusable, empty, schema, unknown_kind, hadolint,
    # Dockerfile
    user_non_root, arbitrary_uid, port_above_1024, no_write_at_start, no_runtime_install, no_sshd,
    base_tag, no_secret_env, logs_stdout, small_final_image, no_tls_bypass, entrypoint_script,
    # manifests
    no_fixed_ids, no_privilege_escalation, no_added_capabilities, disallow_hostpath, container_port,
    require_probes, probes_both, require_resources, qos_guaranteed, qos_best_effort, quota_fits, disallow_latest_tag,
    image_pull_policy, restrict_registries, known_publisher, harbor_pull_secret, require_labels,
    recommended_labels, label_values, restrict_nodeport, limit_pvc_size, cm_no_credentials, config_from_env,
    no_session_affinity, stateless_no_pvc, admin_tasks, job_history_ttl, network_policy, name_length,
    probe_health_path, hpa_recommended, ingress_tls, container_logs_stdout,
    # secrets
    no_plain_secret, sops_encrypted, vault_static_secret, no_literal_secret_env, cm_clear_secret,
    # Helm values
    values_no_clear_secret, values_traceable_tag,
    # .gitlab-ci-dso.yml
    file_name, read_secret_first, kaniko_build, traceable_tag, quality_jobs, no_docker_push, coverage_report,
    dependency_sources, clear_secret,
)
_BY_ID: dict[str, ModuleType] = {rule.ID: rule for rule in RULES}


def get(rule_id: str) -> ModuleType:
    """The rule module of an ID; a French error naming the known IDs otherwise."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise CpinError(f"Règle inconnue : {rule_id!r}.",
                        hint_fr="Règles connues : " + ", ".join(sorted(_BY_ID))) from None
