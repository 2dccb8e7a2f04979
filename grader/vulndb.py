"""The kit's training vulnerability DB for Trivy, built offline from the advisories it ships.

No Trivy DB can be downloaded here. `tools/scanner/advisories.yaml` holds a few real public
advisories (facts only) for packages the kit's images and exercises contain; `fixtures()` turns
them into the bolt-fixtures YAML that Trivy's own tests use, and the `vulndb` program (a Go module
in `tools/scanner`, on `trivy-db` + `bolt-fixtures`) writes `trivy.db` and `metadata.json` under
`<cache>/trivy/db`. Trivy then scans with `cache_dir()` and `OFFLINE_FLAGS`. The DB is rebuilt
when the advisories change (a stamp holds their digest).
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from grader import tools
from grader.config import REPO_ROOT, settings
from grader.errors import InputError

ADVISORIES = REPO_ROOT / "tools" / "scanner" / "advisories.yaml"
OFFLINE_FLAGS = ("--skip-db-update", "--skip-java-db-update", "--offline-scan")
SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")   # trivy-db's order (index = level)
# Trivy's bucket name for each ecosystem's GitHub advisories (its `ghsa` data source).
SOURCES = {"pip": ("pip::GitHub Security Advisory Pip", "GitHub Security Advisory Pip",
                   "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Apip")}
STAMP = "cpin-advisories.sha256"


@dataclass(frozen=True)
class Advisory:
    id: str
    ghsa: str
    ecosystem: str
    package: str
    vulnerable: tuple[str, ...]
    patched: tuple[str, ...]
    severity: str
    cvss: float
    title: str
    description: str
    references: tuple[str, ...]


def cache_dir() -> Path:
    """Trivy's `--cache-dir`: the DB in `db/`, scan caches beside it."""
    return settings().cache_dir / "trivy"


def db_path() -> Path:
    return cache_dir() / "db" / "trivy.db"


def load(path: Path = ADVISORIES) -> list[Advisory]:
    """The advisories of a file, checked; InputError in French naming the entry at fault."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise InputError(f"Avis de sécurité illisibles ({path.name}) : {error}") from error
    found = []
    for index, entry in enumerate(data.get("advisories") or [], 1):
        where = f"{path.name}, avis n° {index} ({entry.get('id', '?') if isinstance(entry, dict) else '?'})"
        if not isinstance(entry, dict):
            raise InputError(f"{where} : un avis est un dictionnaire.")
        missing = [k for k in ("id", "ghsa", "ecosystem", "package", "vulnerable", "patched", "severity", "title")
                   if not entry.get(k)]
        if missing:
            raise InputError(f"{where} : champs manquants : {', '.join(missing)}.")
        if entry["ecosystem"] not in SOURCES:
            raise InputError(f"{where} : écosystème « {entry['ecosystem']} » inconnu.",
                             hint_fr="Écosystèmes pris en charge : " + ", ".join(SOURCES))
        if entry["severity"] not in SEVERITIES:
            raise InputError(f"{where} : sévérité « {entry['severity']} » inconnue.",
                             hint_fr="Sévérités : " + ", ".join(SEVERITIES))
        found.append(Advisory(str(entry["id"]), str(entry["ghsa"]), entry["ecosystem"], str(entry["package"]).lower(),
                              tuple(entry["vulnerable"]), tuple(str(v) for v in entry["patched"]), entry["severity"],
                              float(entry.get("cvss") or 0), entry["title"], entry.get("description", ""),
                              tuple(entry.get("references") or ())))
    if not found:
        raise InputError(f"{path.name} ne contient aucun avis (clé `advisories`).")
    return found


def fixtures(advisories: list[Advisory]) -> dict[str, list]:
    """File name → bolt-fixtures content (the layout of trivy-db's buckets), a pure function."""
    sources, packages, details = {}, {}, []
    for adv in advisories:
        bucket, name, url = SOURCES[adv.ecosystem]
        sources[bucket] = {"ID": "ghsa", "Name": name, "URL": url}
        packages.setdefault(bucket, {}).setdefault(adv.package, []).append(
            {"key": adv.id, "value": {"PatchedVersions": list(adv.patched),
                                      "VulnerableVersions": list(adv.vulnerable)}})
        level = SEVERITIES.index(adv.severity)
        details.append({"key": adv.id, "value": {
            "Title": adv.title, "Description": adv.description, "Severity": adv.severity,
            "VendorSeverity": {"ghsa": level, "nvd": level},
            "CVSS": {"nvd": {"V3Score": adv.cvss}} if adv.cvss else {},
            "References": list(adv.references)}})
    return {
        "data-source.yaml": [{"bucket": "data-source",
                              "pairs": [{"key": k, "value": v} for k, v in sources.items()]}],
        "advisories.yaml": [{"bucket": bucket, "pairs": [{"bucket": pkg, "pairs": pairs}
                                                         for pkg, pairs in by_package.items()]}
                            for bucket, by_package in packages.items()],
        "vulnerability.yaml": [{"bucket": "vulnerability", "pairs": details}],
    }


def digest(path: Path = ADVISORIES) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(path: Path = ADVISORIES, *, force: bool = False, log=print) -> Path:
    """Write the DB under `cache_dir()/db` (only when the advisories changed); its path."""
    target = db_path().parent
    stamp = target / STAMP
    wanted = digest(path)
    if not force and stamp.is_file() and stamp.read_text().strip() == wanted and db_path().is_file():
        return db_path()
    advisories = load(path)
    cache_dir().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vulndb-", dir=cache_dir()) as tmp:
        files = []
        for name, content in fixtures(advisories).items():
            files.append(Path(tmp) / name)
            files[-1].write_text(json.dumps(content, ensure_ascii=False, indent=1))   # JSON is YAML
        fresh = Path(tmp) / "db"
        tools.run("vulndb", "-db", str(fresh), *map(str, files), timeout=120)
        (fresh / STAMP).write_text(wanted + "\n")
        old = Path(tmp) / "old"
        if target.exists():
            target.replace(old)
        fresh.replace(target)
    log(f"Base de vulnérabilités d'entraînement écrite ({len(advisories)} avis) : {db_path()}")
    return db_path()


def ensure(log=print) -> Path | None:
    """Setup step: build the DB when `vulndb` is here (None, said in French, when it is not)."""
    if tools.locate("vulndb")[0] is None:
        log("vulndb absent : base de vulnérabilités non construite (`cpin tools build vulndb`).")
        return None
    return build(log=log)


__all__ = ["Advisory", "OFFLINE_FLAGS", "build", "cache_dir", "db_path", "ensure", "fixtures", "load"]
