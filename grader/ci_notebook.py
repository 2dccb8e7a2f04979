"""The secondary chain from a notebook: `ci_run()` runs the learner's pipeline (as `cpin ci run`) and
sums it up in French; `trivy_report()` shows the Trivy report the last pipeline kept."""
from __future__ import annotations

from pathlib import Path

from grader import ci, scan
from grader.config import settings
from grader.errors import InputError

MARKS = {"success": "✔", "failed": "✘", "allowed_failure": "⚠", "not_run": "➖", "running": "…"}


def ci_run(repo: str | Path = ".", *, timeout: float = ci.DEFAULT_TIMEOUT, quiet: bool = False) -> ci.Pipeline:
    """Start the platform services if needed, run the repository's `.gitlab-ci-dso.yml` (logs streamed
    unless `quiet`), print the jobs, the images pushed and what went wrong; the pipeline result."""
    from grader import services
    services.up(log=print)
    pipeline = ci.run(repo, timeout=timeout, log=(lambda line: None) if quiet else print)
    print(summary(pipeline.to_dict()))
    return pipeline


def summary(pipeline: dict) -> str:
    """The French summary of a pipeline result (a pure function)."""
    verdict = {"success": "réussi", "failed": "échoué", "timeout": "arrêté (délai dépassé)"}.get(
        pipeline["status"], pipeline["status"])
    lines = [f"Pipeline n° {pipeline['id']} ({pipeline['short_sha']}) : {verdict} en {pipeline['seconds']:.0f} s"]
    for job in pipeline["jobs"]:
        seconds = f" ({job['seconds']:.1f} s)" if job.get("seconds") is not None else ""
        lines.append(f"  {MARKS.get(job['status'], '?')} {job['name']} [{job['stage']}]{seconds}")
    lines += [f"  image poussée : {image['reference']} ({image['digest'][:19]}…)" for image in pipeline["images"]]
    lines += [f"  → {problem}" for problem in pipeline.get("problems") or []]
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
    path = ci.artifact(pipeline, "trivy-report.json")
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
