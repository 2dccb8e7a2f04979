"""argparse in French: the `cpin` parser's usage, section titles and error messages.

argparse builds its English texts with gettext; rather than change the standard library for the
whole process, this subclass translates what it prints. An unknown message keeps its original as detail.
"""
from __future__ import annotations

import argparse
import re
import sys

_ERRORS = [
    (r"the following arguments are required: (.*)", "arguments obligatoires manquants : {0}"),
    (r"unrecognized arguments: (.*)", "arguments non reconnus : {0}"),
    (r"invalid choice: (.*) \(choose from (.*)\)", "choix invalide : {0} (choix possibles : {1})"),
    (r"expected one argument", "une valeur est attendue"),
    (r"expected at most one argument", "au plus une valeur est attendue"),
    (r"expected at least one argument", "au moins une valeur est attendue"),
    (r"expected (\d+) arguments?", "{0} valeur(s) attendue(s)"),
    (r"invalid int value: (.*)", "nombre entier invalide : {0}"),
    (r"invalid float value: (.*)", "nombre invalide : {0}"),
    (r"invalid (\S+) value: (.*)", "valeur invalide ({0}) : {1}"),
    (r"ambiguous option: (\S+) could match (.*)", "option ambiguë : {0} peut désigner {1}"),
    (r"not allowed with argument (.*)", "incompatible avec l'argument {0}"),
    (r"one of the arguments (.*) is required", "un des arguments {0} est obligatoire"),
    (r"ignored explicit argument (.*)", "valeur ignorée : {0}"),
]


def translate(message: str) -> str:
    """An argparse error message in French (the original kept as detail when unknown)."""
    argument = re.fullmatch(r"argument (\S+?): (.*)", message, re.S)
    if argument:
        return f"argument {argument.group(1)} : {translate(argument.group(2))}"
    for pattern, french in _ERRORS:
        match = re.fullmatch(pattern, message, re.S)
        if match:
            return french.format(*match.groups())
    return f"arguments invalides (détail : {message})"


class FrenchParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks French; sub-parsers made by `add_subparsers` are French too."""

    def __init__(self, *args, **kwargs):
        wanted = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if wanted:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="affiche cette aide et s'arrête")

    def format_usage(self) -> str:
        return _french_usage(super().format_usage())

    def format_help(self) -> str:
        return _french_usage(super().format_help())

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {translate(message)}\n"
                     f"  → `{self.prog} --help` décrit les arguments possibles.\n")


def _french_usage(text: str) -> str:
    return re.sub(r"^usage: ", "utilisation : ", text, flags=re.M)
