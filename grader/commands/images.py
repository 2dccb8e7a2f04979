"""`cpin images prepare|list|remove`: the kit's offline base images (see exercises/images.yaml)."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("images", help="images de base hors ligne des exercices conteneurs")
    actions = parser.add_subparsers(dest="images_action", required=True, metavar="ACTION")
    prepare = actions.add_parser(
        "prepare", help="construit les images du kit à partir de paquets Debian (sans registre)")
    prepare.add_argument("names", nargs="*", metavar="IMAGE",
                         help="clés de exercises/images.yaml (par défaut : toutes)")
    prepare.add_argument("--force", action="store_true",
                         help="reconstruit même si l'image existe (le cache CPIN_CACHE/images est refait)")
    prepare.set_defaults(func=run_prepare)
    listing = actions.add_parser("list", help="images du kit, présence locale, taille, équivalent public")
    listing.set_defaults(func=run_list)
    remove = actions.add_parser("remove", help="supprime les images du kit (celles qu'il a étiquetées, rien d'autre)")
    remove.set_defaults(func=run_remove)


def run_prepare(args) -> int:
    from grader import images
    outcomes = images.prepare(args.names or None, force=args.force, log=print)
    print(f"✔ {len(outcomes)} image(s) prête(s) ; mode CPIN_IMAGES={images._mode(None)}.")
    return 0


def run_list(args) -> int:
    from grader import images
    rows = images.inventory()
    print(f"{'clé':<11} {'image du kit':<22} {'présente':<9} {'taille':>9}  {'publique':<17} exercices")
    for row in rows:
        size = f"{row['size_mb']} Mo" if row["present"] else "–"
        print(f"{row['key']:<11} {row['offline']:<22} {'oui' if row['present'] else 'non':<9} {size:>9}  "
              f"{row['online'] or '–':<17} {', '.join(row['exercises']) or '–'}")
    return 0


def run_remove(args) -> int:
    from grader import images
    removed = images.remove()
    print(f"✔ {len(removed)} image(s) du kit supprimée(s) ; « cpin images prepare » les reconstruit.")
    return 0
