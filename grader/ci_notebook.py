"""The secondary chain from a notebook: `ci_run()` runs the learner's pipeline (as `cpin ci run`) and
sums it up in French (`render`, shared with the CLI); `trivy_report()` shows the Trivy report the last
pipeline kept."""
from __future__ import annotations

from pathlib import Path

from grader import ci, ci_artifacts, scan
from grader.config import settings
from grader.errors import InputError


def ci_run(repo: str | Path = ".", *, timeout: float = ci.DEFAULT_TIMEOUT, quiet: bool = False) -> ci.Pipeline:
    """Start the platform services if needed, run the repository's `.gitlab-ci-dso.yml` (logs streamed
    unless `quiet`), print the jobs, the images pushed and what went wrong; the pipeline result."""
    from grader import services
    services.up(log=print)
    pipeline = ci.run(repo, timeout=timeout, log=(lambda line: None) if quiet else print)
    print(render(pipeline))
    return pipeline


def render(pipeline: ci.Pipeline) -> str:
    """The French summary of a pipeline result (`cpin ci run` and `ci_run()`)."""
    symbols = {"success": "✔", "failed": "✘", "allowed_failure": "⚠", "not_run": "·", "running": "…"}
    words = {"success": "réussi", "failed": "échoué", "allowed_failure": "échoué (autorisé)",
             "not_run": "non lancé", "running": "interrompu"}
    verdict = {"success": "réussi", "failed": "en échec", "timeout": "arrêté (délai dépassé)"}[pipeline.status]
    lines = [f"{'✔' if pipeline.status == 'success' else '✘'} Pipeline n° {pipeline.id} {verdict} en "
             f"{pipeline.seconds:.1f} s ({pipeline.project}/{pipeline.app}, {pipeline.branch}, {pipeline.short_sha})"]
    for job in pipeline.jobs:
        took = f" {job.seconds:.1f} s" if job.seconds is not None else ""
        lines.append(f"  {symbols[job.status]} {job.stage:<14} {job.name:<24} {words[job.status]}{took}")
    for image in pipeline.images:
        lines.append(f"  ⇪ image publiée : {image['reference']} ({image['digest'][:19]}…)")
    for job, files in pipeline.artifacts.items():
        lines += [f"  ⎘ artefact de {job} : {path}" for path in files]
    for problem in pipeline.problems:
        lines.append(f"  → {problem}")
    failed = [j for j in pipeline.jobs if j.status == "failed" and j.log]
    for job in failed:
        lines.append(f"  journal de {job.name} ({job.log}), dernières lignes :")
        with open(job.log, errors="replace") as f:
            lines += [f"    {line.rstrip()[:200]}" for line in f.readlines()[-12:]]
    return "\n".join(lines)


def trivy_report(repo: str | Path = ".", *, project: str | None = None) -> list[scan.Vulnerability]:
    """Print the vulnerabilities of the Trivy report kept by the repository's last pipeline, most
    severe first, with the version that fixes each; return them."""
    import json
    repo = Path(repo).expanduser().resolve()
    project = project or ci.slug(settings().learner)
    pipeline = ci.last_pipeline(project, ci.slug(repo.name))
    if pipeline is None:
        raise InputError(f"Aucun pipeline n'a encore tourné pour {repo.name}.", hint_fr="Lancez ci_run() d'abord.")
    path = ci_artifacts.artifact(pipeline, "trivy-report.json")
    if path is None:
        raise InputError(f"Le pipeline n° {pipeline['id']} n'a pas gardé de rapport Trivy.",
                         hint_fr="Ajoutez un job qui étend .trivy:image-scan (fichier trivy-ci.yml du catalogue).")
    report = json.loads(path.read_text())
    found = scan.parse(report)
    print(f"Rapport Trivy de {report.get('ArtifactName', '?')} : {len(found)} vulnérabilité(s)")
    for v in found:
        fix = f"corrigée en {v.fixed}" if v.fixed else "pas de correctif"
        print(f"  {v.severity:<8} {v.id:<16} {v.package} {v.installed} ({fix}) : {v.title}")
    return found
