"""The `cpin` command: parses, calls one `grader` function per subcommand, returns an exit code.

Each subcommand lives in `grader/commands/<name>.py` with `register(subparsers)`; it sets
`func(args) -> int` as default. Command modules import heavy libraries inside `func`, so that
`cpin --help` stays instant.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from grader.errors import CpinError, InputError

COMMANDS = ("doctor", "tools", "cluster", "env", "lint", "check", "progress", "images", "course", "certify",
            "lab", "platform", "ci")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpin", description="Kit d'autoformation Cloud π Native : outils, cluster local, contrôles et notes.")
    parser.add_argument("-v", "--verbose", action="store_true", help="affiche la trace complète des erreurs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    for name in COMMANDS:
        importlib.import_module(f"grader.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CpinError as error:
        if args.verbose:
            traceback.print_exc()
        print(error.render(), file=sys.stderr)
        return 2 if isinstance(error, InputError) else 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
