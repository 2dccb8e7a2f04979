"""`cpin lint`: the platform's rules on manifests, Helm charts, Dockerfiles and `.gitlab-ci-dso.yml`.

Exit code: 0 no error, 1 at least one error, 2 some input could not be used.
"""
from __future__ import annotations

import inspect
import sys

from grader.platform import ENV_TYPES


def register(sub) -> None:
    parser = sub.add_parser(
        "lint", help="vérifie les règles de la plateforme sur des fichiers",
        description="Vérifie les règles Cloud π Native sur des manifestes, charts Helm, Dockerfiles et "
                    ".gitlab-ci-dso.yml. Code de sortie : 0 sans erreur, 1 avec au moins une erreur, "
                    "2 si une entrée est inutilisable.")
    parser.add_argument("paths", nargs="*", metavar="CHEMIN", help="fichiers ou dossiers à vérifier")
    parser.add_argument("--env-type", choices=ENV_TYPES, default="dev",
                        help="type d'environnement : dev (Kyverno en Audit → avertissements) ou prod "
                             "(Enforce → erreurs) ; défaut : dev")
    parser.add_argument("--values", action="append", default=[], metavar="FICHIER",
                        help="fichier de valeurs Helm (répétable) ; défaut : values-<env-type>.yaml du chart s'il existe")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="format de sortie")
    parser.add_argument("--explain", metavar="RÈGLE", help="affiche la documentation d'une règle (numéro, ex. 18, ou identifiant, ex. require-labels) et s'arrête ; la liste : cpin rules")
    parser.set_defaults(func=run)


def run(args) -> int:
    from grader.errors import InputError
    from grader.rules import lint_paths, render
    if args.explain:
        from grader.rules.catalogue import PROCESS_ROWS, find
        from grader.rules.severity import words
        if args.explain.strip() in PROCESS_ROWS:
            print(f"Règle {args.explain.strip()} · {PROCESS_ROWS[args.explain.strip()]}")
            return 0
        for index, rule in enumerate(find(args.explain)):
            said = words(rule.ID)
            print(("\n" + "─" * 72 + "\n\n" if index else "")
                  + f"Règle {rule.REF} · {rule.ID} · {said['status']} (dev : {said['dev']}, prod : {said['prod']})"
                  + f" · {', '.join(rule.KINDS)}\n")
            print(inspect.cleandoc(rule.__doc__ or ""))
            print(f"\nSource : {rule.SOURCE}")
        return 0
    if not args.paths:
        raise InputError("Aucun chemin à vérifier.", hint_fr="Exemple : cpin lint k8s/ Dockerfile .gitlab-ci-dso.yml")
    problems = lint_paths(args.paths, env_type=args.env_type, values=tuple(args.values))
    output = {"text": render.text, "json": render.as_json, "sarif": render.sarif}[args.format](problems)
    sys.stdout.write(output + "\n")
    return problems.exit_code
