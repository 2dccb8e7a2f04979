"""Path matching for live checks: dotted paths into an object (`spec.containers[name=web].image`),
the operators an exercise may use on a value (`exists`, `oneOf`, `min`, `max`, `contains`, `matches`,
quantities compared by value), and the `object` check built on them.

A check function is `fn(ctx, params) -> Outcome` and looks once; `grader.checks.base.wait_until`
polls it. A failure that waiting cannot fix is `final`.
"""
from __future__ import annotations

import re
from typing import Any

from grader.checks.base import CheckContext, Outcome
from grader.errors import InputError

# ------------------------------------------------------------------ dotted paths

_TOKEN = re.compile(r"\.?([^.\[\]]+)|\[([^\]]+)\]")
_MISSING = object()


def parse_path(path: str) -> list:
    """`spec.containers[0].image`, `containers[name=web]`, `metadata.labels[app.kubernetes.io/name]`."""
    tokens: list = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if not match or match.end() == pos:
            raise InputError(f"Chemin « {path} » illisible à la position {pos}.")
        name, bracket = match.groups()
        if name is not None:
            tokens.append(name)
        elif bracket.lstrip("-").isdigit():
            tokens.append(int(bracket))
        elif "=" in bracket:
            key, _, value = bracket.partition("=")
            tokens.append((key, value))
        else:
            tokens.append(bracket)
        pos = match.end()
    return tokens


def lookup(obj: Any, path: str) -> Any:
    """Value at `path` in `obj`, or `_MISSING`."""
    node = obj
    for token in parse_path(path):
        if isinstance(token, int):
            node = node[token] if isinstance(node, list) and -len(node) <= token < len(node) else _MISSING
        elif isinstance(token, tuple):
            key, value = token
            node = next((item for item in node if isinstance(item, dict) and str(item.get(key)) == value),
                        _MISSING) if isinstance(node, list) else _MISSING
        else:
            node = node.get(token, _MISSING) if isinstance(node, dict) else _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def _quantity(value: Any):
    from kubernetes.utils import parse_quantity
    return parse_quantity(value)


def matches(actual: Any, expected: Any) -> bool:
    """Does `actual` satisfy `expected`? Scalars compare equal (quantities by value); a dict is an
    operator: `exists`, `oneOf`, `min`, `max`, `contains`, `matches`."""
    if isinstance(expected, dict) and expected and set(expected) <= {"exists", "oneOf", "min", "max", "contains",
                                                                      "matches"}:
        if "exists" in expected and (actual is not _MISSING) != bool(expected["exists"]):
            return False
        if actual is _MISSING:
            return "exists" in expected and not expected["exists"]
        if "oneOf" in expected and not any(matches(actual, e) for e in expected["oneOf"]):
            return False
        try:
            if "min" in expected and _quantity(actual) < _quantity(expected["min"]):
                return False
            if "max" in expected and _quantity(actual) > _quantity(expected["max"]):
                return False
        except (ValueError, TypeError):
            return False
        if "contains" in expected and not (isinstance(actual, (str, list, dict)) and expected["contains"] in actual):
            return False
        if "matches" in expected and not re.fullmatch(expected["matches"], str(actual)):
            return False
        return True
    if actual is _MISSING:
        return False
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if actual == expected:
        return True
    if isinstance(expected, (str, int, float)) and isinstance(actual, (str, int, float)) \
            and not isinstance(expected, bool) and not isinstance(actual, bool):
        try:
            return _quantity(actual) == _quantity(expected)
        except (ValueError, TypeError):
            return str(actual) == str(expected)
    return False


def _show(value: Any) -> str:
    return "absent" if value is _MISSING else repr(value) if not isinstance(value, str) else f"« {value} »"


def _summary(obj: dict, paths) -> dict:
    """Learner-facing evidence: the object's identity and the values looked at."""
    meta = obj.get("metadata", {})
    out = {"objet": f"{obj.get('kind')}/{meta.get('name')}"}
    for path in paths:
        value = lookup(obj, path)
        out[path] = None if value is _MISSING else value
    return out


# ------------------------------------------------------------------ object exists and fields match

def object_matches(ctx: CheckContext, params: dict) -> Outcome:
    kind, name = params["kind"], params["name"]
    obj = ctx.kube.get(kind, name, ctx.namespace, params.get("apiVersion", ""))
    if params.get("absent"):
        return Outcome.ok(f"{kind} « {name} » absent, comme attendu") if obj is None else \
            Outcome.fail(f"{kind} « {name} » existe encore")
    if obj is None:
        return Outcome.fail(f"{kind} « {name} » introuvable dans l'espace de noms « {ctx.namespace} »", final=True)
    expect = params.get("expect") or {}
    wrong = [(path, lookup(obj, path)) for path, want in expect.items() if not matches(lookup(obj, path), want)]
    evidence = _summary(obj, expect)
    if not wrong:
        return Outcome.ok(f"{kind} « {name} » conforme", evidence)
    details = "; ".join(f"« {p} » vaut {_show(v)} (attendu : {_show(expect[p])})" for p, v in wrong)
    final = not any(p.startswith("status") for p, _ in wrong)
    return Outcome.fail(details, evidence, final=final)
