"""`cpin rules`: the catalogue of the platform's rules (number, ID, status, dev and prod severity)."""
from __future__ import annotations

import json


def register(sub) -> None:
    parser = sub.add_parser(
        "rules", help="liste les règles de la plateforme vérifiées par le kit",
        description="Liste chaque règle : numéro (tableau des règles de la plateforme), identifiant, statut "
                    "(imposée ou conseil), sévérité en dev et en prod, ce qu'elle vérifie. Le détail : "
                    "cpin lint --explain <numéro ou identifiant>.")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="format de sortie")
    parser.set_defaults(func=run)


def run(args) -> int:
    from dataclasses import asdict

    from grader.rules.catalogue import rows, table_text
    if args.format == "json":
        print(json.dumps([asdict(row) for row in rows()], ensure_ascii=False, indent=2))
    else:
        print(table_text())
    return 0
