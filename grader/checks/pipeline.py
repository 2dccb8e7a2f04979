"""Checks on the learner's secondary chain: the last pipeline `cpin ci run` kept for a repository,
the image it pushed to the kit's registry, and its Trivy report (an artefact of the pipeline).

Common params: `repo` (the learner's repository, relative to the work dir; default "."), `app`
(its name on the forge; default the repository folder's slug) and `project` (default the learner's).
A result that does not match the repository's HEAD, or a working tree with uncommitted changes, is
stale: the check fails and asks for a new `cpin ci run` (never a pass on an old pipeline).
The static `ci-*` rules on `.gitlab-ci-dso.yml` are the `lint` check type (params.rules).
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from grader.checks.base import CheckContext, Outcome
from grader.results import Status

RUN = "lancez le pipeline : `cpin ci run --repo {repo}` (ou `ci_run()` dans le notebook)"


def _where(ctx: CheckContext, params: dict) -> tuple[Path, str, str]:
    from grader import ci
    from grader.config import settings
    repo = (ctx.work_dir / params.get("repo", ".")).resolve()
    return repo, params.get("project") or ci.slug(settings().learner), params.get("app") or ci.slug(repo.name)


def _git(repo: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def last(ctx: CheckContext, params: dict) -> tuple[dict | None, Outcome | None]:
    """(the last pipeline of the learner's repository, None) or (None, the failure that says why)."""
    from grader import ci
    repo, project, app = _where(ctx, params)
    pipeline = ci.last_pipeline(project, app)
    run = RUN.format(repo=repo)
    if pipeline is None:
        return None, Outcome.fail(f"aucun pipeline n'a encore tourné pour {project}/{app} : {run}", final=True)
    head = _git(repo, "rev-parse", "HEAD")
    if head != pipeline.get("commit_sha"):
        return None, Outcome.fail(f"le dernier pipeline ({pipeline.get('short_sha')}) n'a pas tourné sur le "
                                  f"dernier commit du dépôt : {run}", final=True)
    if _git(repo, "status", "--porcelain"):
        return None, Outcome.fail(f"des modifications du dépôt ne sont pas passées dans un pipeline : {run}",
                                  final=True)
    return pipeline, None


def pipeline_passed(ctx: CheckContext, params: dict) -> Outcome:
    """The last pipeline of the repository succeeded (allowed failures still pass, as on GitLab)."""
    pipeline, failure = last(ctx, params)
    if failure:
        return failure
    evidence = {"pipeline": pipeline["id"], "statut": pipeline["status"],
                "jobs": {j["name"]: j["status"] for j in pipeline["jobs"]}}
    if pipeline["status"] != "success":
        why = " ".join(pipeline.get("problems") or []) or f"statut {pipeline['status']}"
        return Outcome.fail(f"le pipeline n° {pipeline['id']} a échoué : {why}", evidence, final=True)
    return Outcome.ok(f"pipeline n° {pipeline['id']} réussi ({pipeline['short_sha']})", evidence)


def _templates(repo: Path) -> dict[str, list[str]]:
    """Job name → the templates it extends, from the learner's file."""
    from grader import ci
    data = ci.read_ci_file(repo / ci.CI_FILE)
    found = {}
    for name, job in data.items():
        if isinstance(job, dict) and not name.startswith("."):
            extends = job.get("extends") or []
            found[name] = [extends] if isinstance(extends, str) else [str(e) for e in extends]
    return found


def pipeline_jobs(ctx: CheckContext, params: dict) -> Outcome:
    """Jobs of the last pipeline in the order of `params.order` (templates; `a|b` = either), each one
    run and not failed, and the first job of the pipeline reading the secrets (rule 33)."""
    pipeline, failure = last(ctx, params)
    if failure:
        return failure
    repo, _, _ = _where(ctx, params)
    templates = _templates(repo)
    jobs = pipeline["jobs"]
    order = [step.split("|") for step in params.get("order") or [".vault:read_secret"]]
    evidence = [{"job": j["name"], "stage": j["stage"], "statut": j["status"],
                 "modèles": templates.get(j["name"], [])} for j in jobs]
    if not jobs or ".vault:read_secret" not in templates.get(jobs[0]["name"], []):
        return Outcome.fail("le premier job du pipeline doit lire les secrets (extends: .vault:read_secret, dans "
                            "le premier stage) : les autres jobs en reçoivent les variables", evidence, final=True)
    position = -1
    for step in order:
        index = next((i for i, j in enumerate(jobs) if set(step) & set(templates.get(j["name"], []))), None)
        if index is None:
            return Outcome.fail(f"aucun job n'étend {' ou '.join(step)}", evidence, final=True)
        if index < position:
            return Outcome.fail(f"le job {jobs[index]['name']} ({' ou '.join(step)}) tourne trop tôt : l'ordre "
                                f"attendu est {' → '.join('|'.join(s) for s in order)}", evidence, final=True)
        if jobs[index]["status"] not in ("success", "allowed_failure"):
            return Outcome.fail(f"le job {jobs[index]['name']} n'a pas réussi ({jobs[index]['status']})",
                                evidence, final=True)
        position = index
    return Outcome.ok("jobs présents, dans l'ordre : " + " → ".join(
        next(j["name"] for j in jobs if set(s) & set(templates.get(j["name"], []))) for s in order), evidence)


def registry_image(ctx: CheckContext, params: dict) -> Outcome:
    """The pipeline pushed `<project>/<image>` to the kit's registry with a tag traceable to the commit
    (its short or full SHA, rule 13), and the registry still holds it under that tag."""
    from grader import services
    pipeline, failure = last(ctx, params)
    if failure:
        return failure
    project = pipeline["project"]
    image = params.get("image") or pipeline["app"]
    repository = f"{project}/{image}"
    registry = services.get("registry")
    if not registry.running() or not registry.probe(registry.port)[0]:
        return Outcome(Status.ERROR, "le registre du kit est arrêté : impossible de vérifier l'image "
                                     "(`cpin platform up`)", final=True)
    tags = registry.tags(repository)
    evidence = {"dépôt": repository, "étiquettes": tags, "poussées": pipeline.get("images") or []}
    outside = [i["repository"] for i in pipeline.get("images") or [] if not i["repository"].startswith(project + "/")]
    if outside:
        return Outcome.fail(f"image(s) poussée(s) hors du chemin du projet {project}/ : {', '.join(outside)}",
                            evidence, final=True)
    traceable = [t for t in (pipeline["short_sha"], pipeline["commit_sha"]) if t in tags]
    if not traceable:
        only = " (seulement latest : il ne dit pas quel commit tourne)" if "latest" in tags else ""
        return Outcome.fail(f"aucune étiquette de {repository} ne désigne le commit {pipeline['short_sha']}{only} : "
                            "étiquetez avec $CI_COMMIT_SHORT_SHA", evidence, final=True)
    digest = registry.digest(repository, traceable[0])
    pushed = {i["digest"] for i in pipeline.get("images") or [] if i["repository"] == repository}
    if digest not in pushed:
        return Outcome.fail(f"{repository}:{traceable[0]} n'est pas l'image poussée par le pipeline "
                            f"n° {pipeline['id']}", evidence, final=True)
    return Outcome.ok(f"{registry.address}/{repository}:{traceable[0]}", evidence)


def scan_report(ctx: CheckContext, params: dict) -> Outcome:
    """The pipeline's Trivy report (artefact `trivy-report.json`) is about the image of this commit and
    holds no vulnerability of `params.severity` (default CRITICAL); a suppressed one must be justified
    (a `statement` in .trivyignore.yaml)."""
    from grader import ci_artifacts
    pipeline, failure = last(ctx, params)
    if failure:
        return failure
    path = ci_artifacts.artifact(pipeline, params.get("artifact", "trivy-report.json"))
    if path is None:
        return Outcome.fail("le pipeline n'a pas gardé de rapport Trivy : ajoutez un job qui étend "
                            ".trivy:image-scan (trivy-ci.yml)", final=True)
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        return Outcome.fail(f"rapport Trivy illisible ({path.name}) : {error}", final=True)
    name = report.get("ArtifactName", "")
    if not name.endswith(":" + pipeline["short_sha"]) and not name.endswith(":" + pipeline["commit_sha"]):
        return Outcome.fail(f"le rapport porte sur {name or '?'}, pas sur l'image du commit {pipeline['short_sha']}",
                            final=True)
    gate = set(params.get("severity") or ["CRITICAL"])
    results = report.get("Results") or []
    found = [v for r in results for v in r.get("Vulnerabilities") or [] if v.get("Severity") in gate]
    excused = [f for r in results for f in r.get("ExperimentalModifiedFindings") or []]
    evidence = {"image": name, "bloquantes": [f"{v['VulnerabilityID']} {v['PkgName']} {v.get('InstalledVersion')}"
                                              for v in found],
                "exceptions": [{"id": (f.get("Finding") or {}).get("VulnerabilityID"),
                                "justification": f.get("Statement", "")} for f in excused]}
    if found:
        listed = ", ".join(f"{v['VulnerabilityID']} ({v['PkgName']} {v.get('InstalledVersion')} → "
                           f"{v.get('FixedVersion') or 'pas de correctif'})" for v in found[:4])
        return Outcome.fail(f"{len(found)} vulnérabilité(s) {'/'.join(sorted(gate))} : {listed}", evidence, final=True)
    bare = [e["id"] for e in evidence["exceptions"] if len((e["justification"] or "").strip()) < 10]
    if bare:
        return Outcome.fail(f"exception(s) sans justification : {', '.join(map(str, bare))} (ajoutez `statement` "
                            "dans .trivyignore.yaml : pourquoi ce risque est accepté)", evidence, final=True)
    return Outcome.ok(f"aucune vulnérabilité {'/'.join(sorted(gate))} dans {name}"
                      + (f" ({len(excused)} exception(s) justifiée(s))" if excused else ""), evidence)
