"""Renderers of lint problems: French text (terminal, notebook), HTML (notebook), JSON, SARIF 2.1.0."""
from __future__ import annotations

import html as _html
import json
from itertools import groupby
from typing import Iterable

from grader.rules.model import Problem

SYMBOLS = {"error": "✘", "warning": "⚠", "info": "ℹ"}
WORDS = {"error": ("erreur", "erreurs"), "warning": ("avertissement", "avertissements"), "info": ("info", "infos")}
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def summary(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    if not problems:
        return "✔ Aucun problème trouvé."
    counts = []
    for level in ("error", "warning", "info"):
        count = sum(p.severity == level for p in problems)
        counts.append(f"{count} {WORDS[level][count > 1]}")
    return "Bilan : " + ", ".join(counts) + "."


def text(problems: Iterable[Problem]) -> str:
    """Grouped by file; one line per problem, the hint below it. No colours (notebook-safe)."""
    problems = list(problems)
    lines: list[str] = []
    for file, group in groupby(problems, key=lambda p: p.file):
        lines.append(f"{file}")
        for p in group:
            where = f"l.{p.line}" if p.line else "—"
            obj = f" {p.object}" if p.object else ""
            lines.append(f"  {SYMBOLS[p.severity]} {where:>6}{obj} : {p.message} [{p.rule}]")
            if p.hint:
                lines.append(f"           → {p.hint}")
        lines.append("")
    lines.append(summary(problems))
    return "\n".join(lines)


def html(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    colours = {"error": "#b00020", "warning": "#a05a00", "info": "#555"}
    parts = ["<div class='cpin-lint'>"]
    for file, group in groupby(problems, key=lambda p: p.file):
        parts.append(f"<p><b><code>{_html.escape(file)}</code></b></p><ul>")
        for p in group:
            where = f"ligne {p.line}" if p.line else ""
            obj = f" <code>{_html.escape(p.object)}</code>" if p.object else ""
            parts.append(f"<li style='color:{colours[p.severity]}'>{SYMBOLS[p.severity]} {where}{obj} : "
                         f"{_html.escape(p.message)} <small>[{_html.escape(p.rule)}]</small><br>"
                         f"<span style='color:#333'>→ {_html.escape(p.hint)}</span></li>")
        parts.append("</ul>")
    parts.append(f"<p>{_html.escape(summary(problems))}</p></div>")
    return "".join(parts)


def as_json(problems: Iterable[Problem]) -> str:
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2)


def sarif(problems: Iterable[Problem]) -> str:
    from grader.rules import get
    from grader.rules.severity import level
    problems = list(problems)
    rule_ids = sorted({p.rule for p in problems})
    rules = []
    for rule_id in rule_ids:
        module = get(rule_id)
        title = (module.__doc__ or rule_id).strip().splitlines()[0]
        rules.append({"id": rule_id, "shortDescription": {"text": title}, "helpUri": module.SOURCE,
                      "properties": {"ref": module.REF, "severity": level(rule_id)}})
    results = []
    for p in problems:
        location = {"physicalLocation": {"artifactLocation": {"uri": p.file}}}
        if p.line:
            location["physicalLocation"]["region"] = {"startLine": p.line}
        if p.object:
            location["logicalLocations"] = [{"name": p.object}]
        results.append({"ruleId": p.rule, "ruleIndex": rule_ids.index(p.rule), "level": SARIF_LEVELS[p.severity],
                        "message": {"text": f"{p.message} → {p.hint}"}, "locations": [location]})
    document = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
                "runs": [{"tool": {"driver": {"name": "cpin lint", "informationUri":
                                              "https://cloud-pi-native.fr/guide/best-practices", "rules": rules}},
                          "results": results}]}
    return json.dumps(document, ensure_ascii=False, indent=2)
