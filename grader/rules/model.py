"""Data of the rules engine: what a rule yields (`Finding`), what the engine returns (`Problem`).

A rule only finds (`Finding`: where, and the values its message needs); the engine turns each finding
into a `Problem` with a severity computed from the rule's level (`severity.SEVERITY`) and the environment type.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from grader.platform import ENV_TYPES  # noqa: F401 - the engine reads it from here

# Rule level (severity.SEVERITY) → severity per environment type (the platform's Kyverno Audit/Enforce split).
LEVELS: dict[str, dict[str, str]] = {
    "audit": {"dev": "warning", "prod": "error"},    # Kyverno Audit in dev/preprod, Enforce in prod
    "enforce": {"dev": "error", "prod": "error"},    # blocked or broken everywhere (or CCT "P")
    "advice": {"dev": "warning", "prod": "warning"},  # good practice the platform does not block
    "info": {"dev": "info", "prod": "info"},          # informational (mutating policies, hints)
    "tool": {},                                       # external tool: level mapped from the tool's own
}
SEVERITIES = ("error", "warning", "info")

# Artefact kinds a rule can look at; `lint_text(kind=...)` takes the same names.
KINDS = ("manifest", "dockerfile", "helm_values", "gitlab_ci")


@dataclass(frozen=True)
class Finding:
    """One fault found by a rule. `path` is the evidence (`spec/template/spec/containers/[0]/image`)."""

    path: str = ""
    args: dict[str, Any] = field(default_factory=dict)  # values for MESSAGE_FR / HINT_FR placeholders
    line: int | None = None       # set by rules that know the line (Dockerfile, hadolint)
    tool_level: str | None = None  # only for the "tool" level: the external tool's own level


def finding(path: str = "", *, line: int | None = None, **args: Any) -> Finding:
    return Finding(path=path, args=args, line=line)


@dataclass(frozen=True)
class Problem:
    """A finding with its severity, ready to show: the JSON contract of `cpin lint --format json`."""

    rule: str
    ref: int
    severity: str          # "error" | "warning" | "info"
    file: str
    line: int | None
    object: str | None     # "Kind/name" for Kubernetes objects
    message: str
    hint: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Problems(list):
    """The list of problems of one lint run; shows as French text in a terminal or notebook."""

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self)

    @property
    def input_unusable(self) -> bool:
        return any(p.rule == "input-unusable" for p in self)

    @property
    def exit_code(self) -> int:
        """0 no error, 1 at least one error, 2 some input could not be used."""
        if self.input_unusable:
            return 2
        return 1 if self.errors else 0

    def for_rule(self, rule_id: str) -> list[Problem]:
        return [p for p in self if p.rule == rule_id]

    def to_json(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self]

    def __repr__(self) -> str:
        from grader.rules.render import text
        return text(self)

    def _repr_html_(self) -> str:
        from grader.rules.render import html
        return html(self)
