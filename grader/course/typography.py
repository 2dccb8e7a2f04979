"""French typography of learner-facing prose: non-breaking spaces before « : ; ! ? » and inside guillemets.

Code (`inline`, fenced blocks) and links are left alone. Used on the notebooks' Markdown cells; the notebook
tests check that no plain space remains where French wants a non-breaking one.
"""
from __future__ import annotations

import re

NBSP, NNBSP = "\u00a0", "\u202f"
_PROTECTED = re.compile(r"(```.*?```|`[^`\n]*`|\]\([^)]*\)|<[^>\n]*>|https?://\S+)", re.S)
_RULES = ((re.compile(r"(?<=\S) :(?=\s|$)", re.M), NBSP + ":"),
          (re.compile(r"(?<=\S) ([;!?])(?=\s|$|[»)*])", re.M), NNBSP + r"\1"),
          (re.compile(r"« "), "«" + NBSP),
          (re.compile(r" »"), NBSP + "»"))
# what `plain_spaces` reports: a plain space where a non-breaking one belongs
_PLAIN = re.compile(r"(?<=\S) [:;!?](?=\s|$)|« | »", re.M)


def _prose(text: str) -> list[tuple[bool, str]]:
    """The text cut into (is_prose, piece)."""
    pieces, last = [], 0
    for match in _PROTECTED.finditer(text):
        pieces.append((True, text[last:match.start()]))
        pieces.append((False, match.group(0)))
        last = match.end()
    pieces.append((True, text[last:]))
    return pieces


def french(text: str) -> str:
    """The text with French non-breaking spaces in its prose."""
    out = []
    for is_prose, piece in _prose(text):
        if is_prose:
            for pattern, replacement in _RULES:
                piece = pattern.sub(replacement, piece)
        out.append(piece)
    return "".join(out)


def plain_spaces(text: str) -> list[str]:
    """Where the prose still has a plain space before « : ; ! ? » or inside guillemets (with some context)."""
    found = []
    for is_prose, piece in _prose(text):
        if is_prose:
            found += [piece[max(0, m.start() - 20):m.end() + 5] for m in _PLAIN.finditer(piece)]
    return found
