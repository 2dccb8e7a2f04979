"""`cpin course`: the nbgrader course for trainers (generate, validate, release, collect, grade, feedback, export).

Each subcommand wraps the nbgrader command of the same role on the course's own configuration, so that
`nbgrader …` and formgrader keep working on the same directory; `grade` and `validate` use the kit's
isolated, parallel pipeline and write the scores to nbgrader's gradebook.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> None:
    parser = sub.add_parser("course", help="cours nbgrader : générer, valider, distribuer, ramasser, noter, exporter")
    parser.add_argument("--course", type=Path, default=None,
                        help="dossier du cours (défaut : $CPIN_COURSE ou <dépôt>/course)")
    steps = parser.add_subparsers(dest="step", required=True, metavar="ÉTAPE")

    p = steps.add_parser("generate", help="notebooks/<module>/ → source/ puis version élève (release/)")
    p.add_argument("modules", nargs="*", metavar="MODULE", help="modules à générer (défaut : tous)")
    p.add_argument("--notebooks", type=Path, default=None, help="dossier des notebooks sources (défaut : notebooks/)")

    p = steps.add_parser("validate", help="vérifie : solutions = note maximale, versions de départ = zéro")
    p.add_argument("assignments", nargs="*", metavar="DEVOIR", help="devoirs à valider (défaut : tous)")
    _grading_options(p)

    for name, help_fr in (("release", "dépose la version élève dans l'échange nbgrader"),
                          ("collect", "ramasse les copies rendues (submitted/)")):
        p = steps.add_parser(name, help=help_fr)
        p.add_argument("assignment", metavar="DEVOIR")

    p = steps.add_parser("grade", help="note les copies en parallèle, chacune isolée (espaces de noms, RBAC)")
    p.add_argument("assignment", metavar="DEVOIR")
    p.add_argument("--student", action="append", default=None, metavar="ÉTUDIANT", help="seulement cette copie (répétable)")
    p.add_argument("--force", action="store_true", help="renote aussi les copies déjà notées")
    p.add_argument("--from-evidence", action="store_true",
                   help="note d'après le journal de tentatives joint à la copie, pas l'état du cluster")
    _grading_options(p)

    p = steps.add_parser("feedback", help="retours HTML sans les contrôles cachés")
    p.add_argument("assignment", metavar="DEVOIR")
    p.add_argument("--release", action="store_true", help="les dépose aussi dans l'échange (release_feedback)")

    p = steps.add_parser("export", help="notes totales (nbgrader) + détail par contrôle (CSV et JSON)")
    p.add_argument("--to", type=Path, default=None, help="dossier de sortie (défaut : <cours>/cpin/export)")
    p.add_argument("--assignment", default=None, metavar="DEVOIR", help="un seul devoir pour le détail")
    parser.set_defaults(func=run)


def _grading_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=2, help="copies notées en même temps (défaut : 2)")
    p.add_argument("--cell-timeout", type=float, default=120.0, help="secondes max par cellule (défaut : 120)")
    p.add_argument("--timeout", type=float, default=600.0, help="secondes max par notebook (défaut : 600)")
    p.add_argument("--unsafe", action="store_true",
                   help="sans bac à sable (bubblewrap absent, hors Linux) : copies de confiance seulement")
    p.add_argument("--cluster", choices=("auto", "kit", "none"), default="auto",
                   help="cluster où isoler chaque copie : celui du kit (kit), aucun (none), "
                        "ou celui du kit s'il existe (auto)")


def _admin(choice: str):
    """The cluster to fence submissions on (through the context guard), or None."""
    from grader.cluster import guard
    from grader.course.fence import Admin
    from grader.errors import BackendUnavailable, ContextRefused

    if choice == "none":
        return None
    try:
        target = guard.resolve()
    except (BackendUnavailable, ContextRefused):
        if choice == "auto":
            return None
        raise
    return Admin(kubeconfig=target.kubeconfig, context=target.context)


def _options(args, **extra):
    from grader.course.autograde import Options
    from grader.errors import InputError

    if args.workers < 1:
        raise InputError("--workers doit valoir au moins 1.")
    admin = _admin(args.cluster)
    if args.unsafe:
        from grader.course.sandbox import UNSAFE_FR
        print(UNSAFE_FR, file=sys.stderr, flush=True)
    return Options(workers=args.workers, cell_timeout=args.cell_timeout, budget=args.timeout,
                   admin=admin, capabilities=_capabilities(admin), unsafe=args.unsafe, **extra)


def _capabilities(admin) -> frozenset[str]:
    """What the fenced cluster can check (its backend's capabilities), for the grader's own checks."""
    if admin is None:
        return frozenset()
    from grader.cluster import guard, lifecycle

    target = guard.resolve()
    backend = target.backend if target.backend in lifecycle.BACKENDS else "existing"
    return frozenset(k for k, v in lifecycle.get(backend).capabilities.items() if v)


def run(args) -> int:
    from grader.course import layout

    course = layout.load(args.course)
    return {"generate": _generate, "validate": _validate, "release": _release, "collect": _collect,
            "grade": _grade, "feedback": _feedback, "export": _export}[args.step](course, args)


def _generate(course, args) -> int:
    from grader.course import generate, layout

    done = generate.generate(course, args.notebooks or layout.default_notebooks(), args.modules or None)
    print(f"✔ {len(done)} devoir(s) générés : {', '.join(done)} (source/ et release/ de {course.root}).")
    return 0


def _validate(course, args) -> int:
    from grader.course import validate

    source = course.step("source")
    assignments = args.assignments or (sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else [])
    if not assignments:
        print("Aucun devoir à valider : lancez `cpin course generate`.")
        return 1
    verdicts = validate.validate(course, assignments, _options(args))
    for v in verdicts:
        mark = "✔" if v.ok else "✘"
        print(f"{mark} {v.assignment} ({'départ' if v.version == 'depart' else v.version}) : {v.score:g}/{v.max_score:g}, attendu {v.expected:g}"
              + (f" — {'; '.join(v.notes)}" if v.notes and not v.ok else ""))
    failed = [v for v in verdicts if not v.ok]
    print(f"{len(verdicts) - len(failed)}/{len(verdicts)} vérifications réussies.")
    return 1 if failed else 0


def _exchange(course) -> None:
    course.exchange.mkdir(parents=True, exist_ok=True)
    course.exchange.chmod(0o777)   # nbgrader's exchange must be writable by every learner


def _release(course, args) -> int:
    from grader.course import layout

    _exchange(course)
    layout.nbgrader(course, "release_assignment", args.assignment, "--force")
    print(f"✔ « {args.assignment} » déposé dans l'échange {course.exchange}.")
    return 0


def _collect(course, args) -> int:
    from grader.course import layout

    _exchange(course)
    layout.nbgrader(course, "collect", args.assignment, "--update")
    students = course.students(args.assignment)
    print(f"✔ {len(students)} copie(s) de « {args.assignment} » dans {course.step('submitted')}.")
    return 0


def _grade(course, args) -> int:
    from grader.course import autograde, report

    options = _options(args, force=args.force, from_evidence=args.from_evidence)
    if options.admin is None and not args.from_evidence:
        print("ℹ Pas de cluster : les copies sont notées sans espaces de noms (exercices sans cluster seulement).")
    outcomes = autograde.grade(course, args.assignment, students=args.student, options=options,
                               progress=lambda done, total, o: print(report.progress_line(done, total, o), flush=True))
    print()
    print(report.summary(outcomes))
    return 1 if any(o.status == "error" for o in outcomes) else 0


def _feedback(course, args) -> int:
    from grader.course import layout

    layout.nbgrader(course, "generate_feedback", args.assignment, "--force")
    if args.release:
        _exchange(course)
        layout.nbgrader(course, "release_feedback", args.assignment)
    print(f"✔ Retours de « {args.assignment} » dans {course.step('feedback')} (contrôles cachés masqués).")
    return 0


def _export(course, args) -> int:
    from grader.course import export, layout

    target = args.to or course.cpin_dir() / "export"
    target.mkdir(parents=True, exist_ok=True)
    totals = target / "grades.csv"
    layout.nbgrader(course, "export", "--to", str(totals))
    paths = export.write(course, target, assignment=args.assignment)
    print(f"✔ Totaux (nbgrader) : {totals}\n✔ Détail par contrôle : {paths['csv']} et {paths['json']}")
    return 0
