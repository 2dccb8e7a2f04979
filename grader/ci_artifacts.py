"""Artefacts of a pipeline: copied out of gitlab-ci-local's work clone (which the next run deletes)
into `<data dir>/ci/<projet>/<app>/artifacts/<pipeline id>/<job>/`, and found again by file name."""
from __future__ import annotations

import shutil
from pathlib import Path


def keep(work: Path, target: Path, jobs: list[str]) -> dict[str, list[str]]:
    """Copy each job's artefacts (gitlab-ci-local keeps them in `.gitlab-ci-local/artifacts/<job>/`)
    out of the work clone, which the next run deletes; job → kept files."""
    kept: dict[str, list[str]] = {}
    shutil.rmtree(target, ignore_errors=True)
    for job in jobs:
        source = work / ".gitlab-ci-local" / "artifacts" / job
        if not source.is_dir():
            continue
        files = [p for p in sorted(source.rglob("*")) if p.is_file() and ".gitlab-ci-reports" not in p.parts]
        for path in files:
            destination = target / job / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            kept.setdefault(job, []).append(str(destination))
    return kept


def artifact(pipeline: dict, name: str) -> Path | None:
    """The kept artefact `name` (a file name) of a pipeline result, from any job, or None."""
    for files in (pipeline.get("artifacts") or {}).values():
        for path in files:
            if Path(path).name == name and Path(path).is_file():
                return Path(path)
    return None
