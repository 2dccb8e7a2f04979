"""`cpin tools [list|build|fetch]`: the pinned binaries, where they come from, how to get them."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("tools", help="outils épinglés (kubectl, helm, kind, kwok, etcd, kube-*, registry, gitlab-ci-local)")
    parser.set_defaults(func=run, action="list")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="liste les outils, leur version et leur origine")
    build = actions.add_parser("build", help="construit les outils depuis les modules Go et npm (hors ligne)")
    build.add_argument("names", nargs="*", help="outils à construire (défaut : tous)")
    build.add_argument("--force", action="store_true", help="reconstruit même si le cache existe")
    fetch = actions.add_parser("fetch", help="télécharge les versions officielles (empreintes SHA-256 vérifiées)")
    fetch.add_argument("names", nargs="*", help="outils à télécharger (défaut : tous)")
    fetch.add_argument("--mirror", metavar="URL", help="miroir (Harbor, Nexus…) qui remplace l'hôte d'origine")
    fetch.add_argument("--force", action="store_true")
    actions.add_parser("ensure", help="construit (Go présent) ou télécharge ce qui manque ; utilisé par `make`")


def run(args) -> int:
    import shutil

    from grader import tools

    if args.action == "build":
        tools.build(args.names or None, force=args.force)
    elif args.action == "fetch":
        names = args.names or tools.fetchable()
        mirrors = {n: args.mirror for n in names} if args.mirror else None
        tools.fetch(names, base_urls=mirrors, force=args.force)
    elif args.action == "ensure":
        tools.ensure()
        from grader import vulndb
        vulndb.ensure()
        code = print_status(tools.status())
        return code if shutil.which("go") else 0  # without Go, the kind backend still works
    return print_status(tools.status())


def print_status(rows) -> int:
    missing_required = False
    for row in rows:
        if row.ok:
            print(f"✔ {row.name:<24} {row.version:<10} {row.origin:<15} {row.path}")
        else:
            missing_required |= row.required
            need = "requis" if row.required else "optionnel"
            print(f"✘ {row.name:<24} {row.version:<10} absent ({need})")
    if missing_required:
        print("\n→ Outils manquants : hors ligne `cpin tools build` (Go ≥ 1.26), avec internet `cpin tools fetch`.")
        return 1
    return 0
