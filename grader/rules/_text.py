"""Linear-time text searches for rules that look for "A, then later B" in one command line.

A regex such as `curl\\b.*\\s-T\\s` backtracks from every `curl` to the end of the line: quadratic on a
long line of `curl curl curl …`. `find_then` finds the first A of each segment and searches B once
after it: if the first A has no B after it, no later A of the same segment has one either.
"""
from __future__ import annotations

import re


def find_then(text: str, first: re.Pattern, then: re.Pattern, stops: str = "\n") -> str | None:
    """Text from the first `first` to the following `then`, within one segment (split on `stops`)."""
    segments = re.split("[" + re.escape(stops) + "]", text) if stops else [text]
    for segment in segments:
        start = first.search(segment)
        if start is None:
            continue
        end = then.search(segment, start.end())
        if end is not None:
            return segment[start.start():end.end()]
    return None
