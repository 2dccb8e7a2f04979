"""Trivy (pinned in tools/scanner) as a second opinion next to `cpin lint`, fully offline.

`config(path)`: `trivy config` with the checks embedded in the binary (never downloaded:
`--skip-check-update`), on manifests, Helm charts or Dockerfiles. Image scans need a vulnerability
DB, which cannot be downloaded here; building a training DB offline is future work.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader import tools
from grader.config import settings
from grader.errors import InputError


@dataclass(frozen=True)
class Misconfiguration:
    id: str           # e.g. KSV-0017
    severity: str     # LOW | MEDIUM | HIGH | CRITICAL
    title: str
    target: str       # file, relative to the scanned path
    message: str


def config(path: Path | str, *, timeout: float = 180) -> list[Misconfiguration]:
    """Failed checks of `trivy config` on a file or directory, most severe first."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} n'existe pas : rien à analyser.")
    out = tools.run("trivy", "config", "--quiet", "--skip-check-update", "--format", "json",
                    "--cache-dir", str(settings().cache_dir / "trivy"), str(path), timeout=timeout)
    report = json.loads(out or "{}")
    found = []
    for result in report.get("Results") or []:
        for item in result.get("Misconfigurations") or []:
            if item.get("Status", "FAIL") == "FAIL":
                found.append(Misconfiguration(item.get("ID", "?"), item.get("Severity", "?"), item.get("Title", ""),
                                              result.get("Target", ""), item.get("Message", "")))
    order = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}
    return sorted(found, key=lambda m: (order.get(m.severity, 4), m.id, m.target))
