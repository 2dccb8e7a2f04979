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
    from grader.ci_notebook import render
    pipeline = ci.run(args.repo, project=args.project, app=args.app, timeout=args.timeout, log=log)
    print(render(pipeline))
    return 0 if pipeline.status == "success" else 1
