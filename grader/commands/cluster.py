"""`cpin cluster`: start, stop, inspect or reset the kit's cluster (local, kind or existing)."""
from __future__ import annotations

BACKEND_CHOICES = ("auto", "local", "kind", "existing")


def register(sub) -> None:
    parser = sub.add_parser("cluster", help="démarre, arrête ou inspecte le cluster du kit")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    up = actions.add_parser("up", help="démarre le cluster (kind si possible, sinon local)")
    reset = actions.add_parser("reset", help="arrête puis redémarre un cluster vide")
    for p in (up, reset):
        p.add_argument("--backend", choices=BACKEND_CHOICES, default=None,
                       help="local | kind | existing | auto (défaut : $CPIN_BACKEND, sinon auto)")
        p.add_argument("--context", help="existing : contexte du cluster partagé (obligatoire)")
        p.add_argument("--kubeconfig", help="existing : fichier kubeconfig (défaut : $KUBECONFIG)")
        p.add_argument("--namespace", help="existing : namespace attribué")
        p.add_argument("--registry-mirror", help="kind : URL d'un proxy-cache Harbor pour docker.io "
                                                 "($CPIN_REGISTRY_MIRROR)")
        p.add_argument("--image", help="kind : image de nœud ($CPIN_KIND_IMAGE)")
        p.add_argument("--nodes", type=int, default=2, help="local : nombre de nœuds simulés (défaut 2)")
        p.add_argument("--real-node", choices=("auto", "on", "off"), default=None,
                       help="local : un vrai nœud (containerd + kubelet) à côté des nœuds simulés ; "
                            "auto = si la machine le permet (Linux, root) (défaut : $CPIN_REAL_NODE, sinon auto)")
        p.set_defaults(func=run)

    down = actions.add_parser("down", help="arrête le cluster et efface ses données")
    down.add_argument("--backend", choices=BACKEND_CHOICES[1:], default=None)
    down.set_defaults(func=run)

    status = actions.add_parser("status", help="ce qui tourne : processus, ports, santé")
    status.add_argument("--json", action="store_true", help="sortie JSON")
    status.set_defaults(func=run)

    kubeconfig = actions.add_parser("kubeconfig", help="affiche le chemin du kubeconfig du kit")
    kubeconfig.set_defaults(func=run)

    image = actions.add_parser("image-kind", help="construit hors ligne l'image de nœud kind du kit "
                                                  "(Debian + binaires du kit ; root et Docker requis)")
    image.add_argument("--force", action="store_true", help="reconstruit même si l'image est à jour")
    image.set_defaults(func=run)

    load = actions.add_parser("load", help="kind ou vrai nœud local : charge des images Docker locales")
    load.add_argument("images", nargs="+", metavar="IMAGE")
    load.set_defaults(func=run)


def _options(args) -> dict:
    import os
    backend = args.backend or "auto"
    real_node = args.real_node or os.environ.get("CPIN_REAL_NODE") or "auto"
    per_backend = {
        "local": {"nodes": args.nodes, "real_node": real_node},
        "kind": {"image": args.image, "registry_mirror": args.registry_mirror},
        "existing": {"context": args.context, "kubeconfig": args.kubeconfig, "namespace": args.namespace},
        "auto": {"image": args.image, "registry_mirror": args.registry_mirror, "real_node": real_node},
    }[backend]
    if args.context and backend != "existing":
        from grader.errors import InputError
        raise InputError("--context ne sert qu'avec --backend existing.",
                         hint_fr="Le kit crée ses propres contextes (cpin-local, kind-cpin).")
    return {k: v for k, v in per_backend.items() if v is not None}


def _print_status(status) -> None:
    state = "en marche" if status.running else "arrêté"
    print(f"Cluster {status.backend} : {state} (contexte {status.context})")
    if status.kubeconfig:
        print(f"  kubeconfig : {status.kubeconfig}")
    for c in status.components:
        symbol = {"en marche": "✔" if c.healthy else "⚠", "planté": "✘"}.get(c.state, "·")
        where = f" pid {c.pid}" if c.pid else ""
        where += f" port {c.port}" if c.port else ""
        memory = f" {c.rss_bytes / 2**20:.0f} Mio" if c.rss_bytes else ""
        health = "" if c.state != "en marche" else (" santé ok" if c.healthy else " santé KO")
        print(f"  {symbol} {c.name:<24} {c.state}{where}{memory}{health}")
        if c.state == "planté" and c.detail:
            print("    dernières lignes du journal :")
            for line in c.detail.splitlines()[-8:]:
                print(f"      {line[:160]}")
    if status.rss_bytes:
        print(f"  mémoire totale : {status.rss_bytes / 2**20:.0f} Mio")
    for note in status.notes:
        print(f"  {note}")


def run(args) -> int:
    import json

    from grader.cluster import lifecycle

    if args.action in ("up", "reset"):
        start = lifecycle.reset if args.action == "reset" else lifecycle.up
        result = start(args.backend, log=lambda m: print(f"ℹ {m}"), **_options(args))
        backend = result.backend
        print(f"✔ Cluster {backend.name} prêt en {result.seconds:.1f} s (contexte {backend.context}).")
        print(f"  export KUBECONFIG={backend.kubeconfig()}")
        for note in result.notes:
            print(f"  {note}")
        return 0
    if args.action == "image-kind":
        from grader.cluster import kindimage
        done = kindimage.build(force=args.force, log=lambda m: print(f"ℹ {m}"))
        print(f"✔ {done.tag} {done.action} ({done.seconds} s, {done.size_mb} Mo).")
        print(f"  `cpin cluster up --backend kind --image {done.tag}` l'utilise.")
        return 0
    if args.action == "down":
        name = lifecycle.down(args.backend)
        print(f"✔ Cluster {name} arrêté, données effacées.")
        return 0
    if args.action == "status":
        status = lifecycle.status()
        if args.json:
            print(json.dumps(status.to_dict(), indent=2, ensure_ascii=False, default=str))
        else:
            _print_status(status)
        return 1 if status.crashed else 0
    if args.action == "kubeconfig":
        from grader.cluster import guard
        print(guard.resolve().kubeconfig)
        return 0
    if args.action == "load":
        from grader.errors import BackendUnavailable
        backend = lifecycle.active_backend()
        if not hasattr(backend, "load"):
            raise BackendUnavailable("`cpin cluster load` ne sert qu'avec le cluster kind ou le vrai nœud local.",
                                     hint_fr="Sur le cluster local sans vrai nœud, aucune image n'est exécutée : "
                                             "rien à charger.")
        for image in args.images:
            backend.load(image)
            print(f"✔ Image {image} chargée dans le cluster {backend.name}.")
        return 0
    return 2
