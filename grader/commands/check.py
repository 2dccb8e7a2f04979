"""`cpin check ID [--format text|json]`, `cpin check --list`: runs an exercise's checks."""
from __future__ import annotations

import sys


def register(sub) -> None:
    parser = sub.add_parser("check", help="lance les contrôles d'un exercice et affiche le résultat",
                            description="Lance les contrôles d'un exercice (fichiers et cluster), les inscrit "
                                        "dans le journal des tentatives et affiche le résultat.")
    parser.add_argument("exercise", nargs="?", metavar="ID", help="identifiant de l'exercice")
    parser.add_argument("--list", action="store_true", help="liste les exercices disponibles")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="format de sortie (défaut : text)")
    parser.add_argument("--workdir", help="dossier des fichiers de l'apprenant (défaut : dossier courant)")
    parser.add_argument("--evidence", action="store_true", help="affiche aussi les éléments observés")
    parser.set_defaults(func=run)


def run(args) -> int:
    from grader import exercises, feedback
    from grader.errors import InputError
    if args.list:
        for exercise in exercises.all_exercises():
            print(f"{exercise.id:<28} {exercise.module:<20} {exercise.points:g} pt  {exercise.title}")
        return 0
    if not args.exercise:
        raise InputError("Indiquez l'identifiant de l'exercice.", hint_fr="« cpin check --list » les liste.")
    from grader import api
    report = api.check(args.exercise, work_dir=args.workdir)
    if args.format == "json":
        print(feedback.to_json(report))
    else:
        print(feedback.to_text(report, color=sys.stdout.isatty(), evidence=args.evidence))
    return 0 if report.passed else 1
