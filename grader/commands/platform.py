"""`cpin platform up|down|status`: the platform's services on the laptop (forge, registry)."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("platform", help="services de la plateforme en local : forge git, registre d'images")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (("up", "démarre les services (sans effet sur ceux qui tournent déjà)"),
                       ("down", "arrête les services, sans processus restant ; leurs données restent"),
                       ("status", "ce qui tourne : processus, adresses, santé")):
        action = actions.add_parser(name, help=text)
        action.add_argument("services", nargs="*", metavar="SERVICE", help="services visés (défaut : tous)")
        if name == "status":
            action.add_argument("--json", action="store_true", help="sortie JSON")
        action.set_defaults(func=run)


def print_status(rows) -> None:
    from grader.services import SERVICES

    for row in rows:
        symbol = {"en marche": "✔" if row.healthy else "⚠", "planté": "✘"}.get(row.state, "·")
        where = f" {row.address}" if row.address else ""
        where += f" pid {row.pid}" if row.pid and row.state == "en marche" else ""
        memory = f" {row.rss_bytes / 2**20:.0f} Mio" if row.rss_bytes else ""
        print(f"{symbol} {row.name:<10} {row.state}{where}{memory}  — tient lieu de {row.stands_for}")
        print(f"    {SERVICES[row.name].subset}")
        if row.state == "planté" and row.detail:
            for line in row.detail.splitlines()[-8:]:
                print(f"      {line[:160]}")


def run(args) -> int:
    import json

    from grader import services

    if args.action == "up":
        rows = services.up(args.services or None, log=lambda m: print(f"ℹ {m}"))
        print_status(rows)
        return 0 if all(r.healthy for r in rows) else 1
    if args.action == "down":
        services.down(args.services or None)
        print("✔ Services arrêtés (leurs dépôts et images restent sous le répertoire de données).")
        return 0
    rows = services.status(args.services or None)
    if args.json:
        print(json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False))
    else:
        print_status(rows)
    return 1 if any(r.state == "planté" for r in rows) else 0
