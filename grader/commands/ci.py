"""`cpin ci run|last`: run the repository's `.gitlab-ci-dso.yml` on the kit's forge, registry and catalogue."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("ci", help="lance le pipeline .gitlab-ci-dso.yml du dépôt (forge et registre locaux)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    run_parser = actions.add_parser("run", help="commit, push vers la forge, puis exécution du pipeline")
    last = actions.add_parser("last", help="résultat du dernier pipeline (JSON)")
    for p in (run_parser, last):
        p.add_argument("--repo", default=".", help="racine du dépôt applicatif (défaut : dossier courant)")
        p.add_argument("--project", help="projet de la forge (défaut : identifiant de l'apprenant, $CPIN_LEARNER)")
        p.add_argument("--app", help="nom du dépôt dans la forge (défaut : nom du dossier)")
        p.set_defaults(func=run)
    run_parser.add_argument("--timeout", type=float, default=900, help="durée maximale du pipeline en secondes")
    run_parser.add_argument("--quiet", action="store_true", help="n'affiche pas les journaux des jobs")


def render(pipeline) -> str:
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
    for problem in pipeline.problems:
        lines.append(f"  → {problem}")
    failed = [j for j in pipeline.jobs if j.status == "failed" and j.log]
    for job in failed:
        lines.append(f"  journal de {job.name} ({job.log}), dernières lignes :")
        with open(job.log, errors="replace") as f:
            lines += [f"    {line.rstrip()[:200]}" for line in f.readlines()[-12:]]
    return "\n".join(lines)


def run(args) -> int:
    import json
    from pathlib import Path

    from grader import ci

    if args.action == "last":
        from grader.config import settings
        project = args.project or ci.slug(settings().learner)
        app = args.app or ci.slug(Path(args.repo).resolve().name)
        result = ci.last_pipeline(project, app)
        if result is None:
            print(f"Aucun pipeline pour {project}/{app} : `cpin ci run`.")
            return 1
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    log = (lambda line: None) if args.quiet else (lambda line: print(f"  │ {line}", flush=True))
    pipeline = ci.run(args.repo, project=args.project, app=args.app, timeout=args.timeout, log=log)
    print(render(pipeline))
    return 0 if pipeline.status == "success" else 1
