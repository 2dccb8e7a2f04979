"""`cpin argocd status|sync|refresh|diff|history|rollback`: what the Argo CD UI gives on the platform,
read from the Application objects (their `status`), in French."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("argocd", help="applications Argo CD : état, synchronisation, écarts, historique")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    texts = {"status": "synchronisation et santé, par ressource, et la dernière erreur",
             "sync": "synchronise (bouton SYNC) et attend le résultat",
             "refresh": "relit le dépôt git (bouton REFRESH ; --hard : sans cache)",
             "diff": "les ressources qui s'écartent de git (OutOfSync, absentes)",
             "history": "les déploiements passés (révisions git)",
             "rollback": "revient à un déploiement passé par un commit git sur le dépôt d'infra"}
    for name, text in texts.items():
        action = actions.add_parser(name, help=text)
        action.add_argument("app", metavar="APPLICATION", nargs="?" if name == "status" else None,
                            help="nom de l'Application (défaut pour status : toutes)")
        if name == "refresh":
            action.add_argument("--hard", action="store_true", help="régénère les manifestes sans le cache")
        if name == "sync":
            action.add_argument("--revision", default="", help="révision git (défaut : celle de l'Application)")
            action.add_argument("--timeout", type=float, default=120, help="attente maximale en secondes")
        if name == "rollback":
            action.add_argument("id", type=int, metavar="N", help="numéro du déploiement (`cpin argocd history`)")
        action.add_argument("--context", help="contexte kube nommé explicitement (défaut : le cluster du kit)")
        action.set_defaults(func=run)


def _line(resource: dict) -> str:
    kind, name = resource.get("kind", "?"), resource.get("name", "?")
    health = (resource.get("health") or {}).get("status", "")
    message = (resource.get("health") or {}).get("message", "")
    text = f"  {resource.get('status', '?'):<10} {health:<12} {kind}/{name}"
    return text + (f" — {message}" if message else "")


def print_summary(s) -> None:
    symbol = "✔" if (s.sync, s.health) == ("Synced", "Healthy") else "✘" if s.health == "Degraded" else "⚠"
    print(f"{symbol} {s.name} : {s.sync} / {s.health}"
          + (f" à la révision {s.revision[:8]}" if s.revision else ""))
    print(f"  source : {s.repo} chemin {s.path} révision {s.target}"
          f" ; synchronisation automatique : {'oui' if s.auto_sync else 'non'}")
    for condition in s.conditions:
        print(f"  ✘ {condition}")
    if s.operation:
        phase, message = s.operation.get("phase", "?"), s.operation.get("message", "")
        print(f"  dernière synchronisation : {phase}" + (f" — {message}" if message else ""))
    for resource in s.resources:
        print(_line(resource))


def run(args) -> int:
    from grader import gitops
    from grader.cluster import guard
    from grader.kube.client import Kube
    from grader.services.argocd import require_running

    target = guard.resolve(context=args.context)
    with target.api_client() as api:
        kube = Kube(api, request_timeout=30)
        if args.action == "status":
            if args.app:
                apps = [gitops.get(kube, args.app)]
            else:
                apps = gitops.list_apps(kube)
                if not apps:
                    print("Aucune Application. `cpin env create PROJET ENV --type dev` en crée une.")
                    return 0
            summaries = [gitops.summary(app) for app in apps]
            for s in summaries:
                print_summary(s)
            return 0 if all((s.sync, s.health) == ("Synced", "Healthy") for s in summaries) else 1
        if args.action == "diff":
            s = gitops.summary(gitops.get(kube, args.app))
            drift = [r for r in s.resources if r.get("status") != "Synced"]
            if not drift:
                print(f"✔ {s.name} : aucune ressource ne s'écarte de git (révision {s.revision[:8]}).")
                return 0
            print(f"⚠ {s.name} : {len(drift)} ressource(s) s'écartent de git (révision {s.revision[:8]}) :")
            for resource in drift:
                print(_line(resource))
            return 1
        if args.action == "history":
            s = gitops.summary(gitops.get(kube, args.app))
            if not s.history:
                print(f"{s.name} : aucun déploiement encore.")
            for entry in s.history:
                print(f"  n° {entry.get('id')}  {entry.get('deployedAt', '?')}  révision {entry.get('revision', '?')[:8]}")
            return 0
        require_running()
        if args.action == "refresh":
            gitops.refresh(kube, args.app, hard=args.hard)
            print(f"✔ Rafraîchissement {'complet ' if args.hard else ''}demandé pour {args.app}.")
            return 0
        if args.action == "sync":
            gitops.sync(kube, args.app, revision=args.revision)
            s = gitops.wait(kube, args.app, timeout=args.timeout,
                            until=lambda s: s.operation.get("phase") in ("Succeeded", "Failed", "Error"))
            print_summary(s)
            return 0 if s.operation.get("phase") == "Succeeded" else 1
        from grader.services.forge import KIT_AUTHOR
        commit = gitops.rollback(gitops.get(kube, args.app), args.id, author=KIT_AUTHOR)
        print(f"✔ Commit {commit[:8]} poussé sur le dépôt d'infra : il remet le contenu du déploiement n° {args.id}."
              "\n  Argo CD le déploiera à la prochaine synchronisation (automatique, ou `cpin argocd sync`).")
        return 0
