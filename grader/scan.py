"""Trivy (pinned in tools/scanner) as a second opinion next to `cpin lint`, fully offline.

`config(path)`: `trivy config` with the checks embedded in the binary (never downloaded:
`--skip-check-update`), on manifests, Helm charts or Dockerfiles.
`vulnerabilities(target)`: `trivy fs` on a directory (lock files) or `trivy image` on an image of the
kit's registry, against the kit's training DB (`grader/vulndb.py`), never updated from the network.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from grader import tools, vulndb
from grader.errors import CpinError, InputError, ToolFailed

ORDER = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}


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
                    "--cache-dir", str(vulndb.cache_dir()), str(path), timeout=timeout)
    report = json.loads(out or "{}")
    found = []
    for result in report.get("Results") or []:
        for item in result.get("Misconfigurations") or []:
            if item.get("Status", "FAIL") == "FAIL":
                found.append(Misconfiguration(item.get("ID", "?"), item.get("Severity", "?"), item.get("Title", ""),
                                              result.get("Target", ""), item.get("Message", "")))
    return sorted(found, key=lambda m: (ORDER.get(m.severity, 4), m.id, m.target))


@dataclass(frozen=True)
class Vulnerability:
    id: str           # CVE-…
    severity: str
    package: str
    installed: str
    fixed: str        # versions that fix it, "" if none
    title: str
    target: str       # lock file or layer path where the package was found

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def vulnerabilities(target: Path | str, *, image: bool = False, credentials: tuple[str, str] | None = None,
                    timeout: float = 300) -> tuple[list[Vulnerability], dict]:
    """(findings most severe first, Trivy's JSON report) of a directory (`trivy fs`) or of an image
    reference in a registry (`trivy image --image-src remote`, plain HTTP on loopback), offline."""
    vulndb.build(log=lambda message: None)
    if image:
        args = ["image", "--image-src", "remote", "--insecure"]
    else:
        if not Path(target).exists():
            raise InputError(f"{target} n'existe pas : rien à analyser.")
        args = ["fs"]
    env = {}
    if credentials:
        env = {"TRIVY_USERNAME": credentials[0], "TRIVY_PASSWORD": credentials[1]}
    command = [*args, "--quiet", "--scanners", "vuln", "--format", "json", *vulndb.OFFLINE_FLAGS,
               "--cache-dir", str(vulndb.cache_dir()), str(target)]
    try:
        out = tools.run("trivy", *command, timeout=timeout, env=env)
    except ToolFailed as error:
        if image and ("MANIFEST_UNKNOWN" in error.output or "NAME_UNKNOWN" in error.output):
            raise InputError(f"L'image {target} n'existe pas dans le registre : rien à analyser.",
                             hint_fr="Vérifiez le nom et l'étiquette (le job de construction l'a-t-il poussée ?).") from error
        raise
    report = json.loads(out or "{}")
    return parse(report), report


def parse(report: dict) -> list[Vulnerability]:
    """Findings of a Trivy JSON report, most severe first (a pure function)."""
    found = []
    for result in report.get("Results") or []:
        for item in result.get("Vulnerabilities") or []:
            found.append(Vulnerability(item.get("VulnerabilityID", "?"), item.get("Severity", "UNKNOWN"),
                                       item.get("PkgName", "?"), item.get("InstalledVersion", ""),
                                       item.get("FixedVersion", ""), item.get("Title", ""),
                                       result.get("Target", "")))
    return sorted(found, key=lambda v: (ORDER.get(v.severity, 4), v.id, v.package))


def runner_env() -> dict[str, str]:
    """The runner's configuration for `.trivy:image-scan`: the kit's trivy on PATH, its training DB,
    never a download (the platform's scan job has trivy in its image and a DB mirror)."""
    trivy, _ = tools.locate("trivy")
    if trivy is None:
        return {}
    try:
        vulndb.build(log=lambda message: None)
    except CpinError:
        pass                                   # the job then says the DB is missing, in its log
    return {"PATH": f"{trivy.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "TRIVY_CACHE_DIR": str(vulndb.cache_dir()), "TRIVY_SKIP_DB_UPDATE": "true",
            "TRIVY_SKIP_JAVA_DB_UPDATE": "true", "TRIVY_OFFLINE_SCAN": "true", "TRIVY_NO_PROGRESS": "true"}
