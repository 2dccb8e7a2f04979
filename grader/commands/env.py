"""`cpin env`: environments like the platform console makes them (namespace, quota, pull secret)."""
from __future__ import annotations

from grader.platform import ENV_TYPES


def register(sub) -> None:
    parser = sub.add_parser("env", help="crée ou supprime un environnement (namespace <projet>-<env>)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="crée l'environnement PROJET-ENV")
    create.add_argument("project", metavar="PROJET")
    create.add_argument("env", metavar="ENV")
    create.add_argument("--type", dest="env_type", choices=ENV_TYPES, required=True,
                        help="dev : règles en avertissement ; prod : règles bloquantes")
    gitops = create.add_argument_group("GitOps (quand Argo CD tourne : `cpin platform up argocd`)")
    gitops.add_argument("--infra-repo", default="infra", metavar="DÉPÔT",
                        help="dépôt d'infra PROJET/DÉPÔT sur la forge, créé s'il manque (défaut : infra)")
    gitops.add_argument("--path", default=".", help="chemin du chart dans le dépôt (défaut : .)")
    gitops.add_argument("--revision", default="HEAD", help="révision suivie (défaut : HEAD)")
    gitops.add_argument("--auto-sync", action="store_true",
                        help="synchronisation automatique, avec élagage et auto-réparation (défaut : non)")
    delete = actions.add_parser("delete", help="supprime l'environnement PROJET-ENV et tout son contenu")
    delete.add_argument("project", metavar="PROJET")
    delete.add_argument("env", metavar="ENV")
    listing = actions.add_parser("list", help="liste les environnements du kit")
    for p in (create, delete, listing):
        p.add_argument("--context", help="contexte kube nommé explicitement (défaut : le cluster du kit)")
        p.set_defaults(func=run)


def run(args) -> int:
    from grader.cluster import envs, guard

    target = guard.resolve(context=args.context)
    with target.api_client() as api:
        if args.action == "create":
            env = envs.create_env(api, args.project, args.env, args.env_type)
            print(f"✔ Environnement {env.namespace} ({env.env_type}) prêt sur {target.context} : "
                  f"quota 4 CPU / 8 Gi, {envs.PULL_SECRET}, politiques réseau.")
            _gitops(api, args, env)
        elif args.action == "delete":
            gone = envs.delete_env(api, args.project, args.env)
            name = envs.namespace_name(args.project, args.env)
            print(f"✔ Environnement {name} supprimé." if gone else f"Environnement {name} absent : rien à faire.")
        else:
            for env in envs.list_envs(api):
                print(f"{env.namespace:<40} {env.env_type}")
    return 0


def _gitops(api, args, env) -> None:
    """The infra repo and the Application of the environment, when Argo CD is installed."""
    from grader import gitops, services
    from grader.kube.client import Kube

    kube = Kube(api, request_timeout=30)
    if not gitops.argocd_installed(kube):
        print("ℹ Argo CD n'est pas installé : pas d'Application. `cpin platform up argocd`, puis relancez "
              "cette commande (elle est idempotente).")
        return
    forge = services.get("forge")
    forge.start()
    app = gitops.create_for_env(kube, forge, project=args.project, env=args.env, namespace=env.namespace,
                                repo=args.infra_repo, path=args.path, revision=args.revision,
                                auto_sync=args.auto_sync)
    source = app["spec"]["source"]
    print(f"✔ Application Argo CD {app['metadata']['name']} : dépôt {source['repoURL']}, chemin {source['path']}, "
          f"révision {source['targetRevision']}, valeurs {' + '.join(source['helm']['valueFiles'])}, "
          f"synchronisation automatique {'activée' if args.auto_sync else 'désactivée'}.")
