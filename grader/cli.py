"""The `cpin` command: parses, calls one `grader` function per subcommand, returns an exit code.

Each subcommand lives in `grader/commands/<name>.py` with `register(subparsers)`; it sets
`func(args) -> int` as default. Command modules import heavy libraries inside `func`, so that
`cpin --help` stays instant.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from grader.argparse_fr import FrenchParser
from grader.errors import CpinError, InputError

COMMANDS = ("doctor", "tools", "cluster", "env", "lint", "check", "progress", "images", "course", "certify",
            "lab", "platform", "ci", "secrets", "rules", "cohort", "exam", "argocd")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="cpin", description="Kit d'autoformation Cloud π Native : outils, cluster local, contrôles et notes.")
    parser.add_argument("-v", "--verbose", action="store_true", help="affiche la trace complète des erreurs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    for name in COMMANDS:
        importlib.import_module(f"grader.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure ends as a French message and an exit code, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:          # --help (0) or a French usage error (2), already printed
        return done.code if isinstance(done.code, int) else 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()              # a closed pipe shows here, inside the guard, not at exit
        return code
    except CpinError as error:
        if args.verbose:
            traceback.print_exc()
        print(error.render(), file=sys.stderr)
        return 2 if isinstance(error, InputError) else 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    except BrokenPipeError:             # `cpin lint … | head`: the reader left; stop quietly
        _silence_stdout()
        return 141
    except Exception as error:  # noqa: BLE001 - the last guard: a French message, the trace only with -v
        return _unexpected(error, verbose=args.verbose)


def _unexpected(error: Exception, *, verbose: bool) -> int:
    """Report an error no command caught, in French, with the original as detail."""
    from grader.files import os_error_fr
    if verbose:
        traceback.print_exc()
    detail = f"{type(error).__name__}: {str(error)[:300]}"
    if isinstance(error, OSError):
        what, hint = f"Erreur du système : {os_error_fr(error)}", "Vérifiez le chemin, les droits et l'espace disque."
    elif isinstance(error, RecursionError):
        what, hint = "Structure trop profonde (dossiers ou données imbriqués à l'excès)", \
            "Donnez un dossier ou un fichier moins profond."
    elif isinstance(error, MemoryError):
        what, hint = "Mémoire insuffisante pour cette entrée", "Donnez une entrée plus petite."
    else:
        what, hint = f"Erreur interne du kit (détail : {detail})", \
            "Relancez avec `cpin -v …` pour la trace complète et signalez-nous ce cas."
    try:
        print(f"✘ {what}.\n  → {hint}", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
