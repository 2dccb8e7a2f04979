"""Renderers of one `Report`: HTML checklist (notebook), ipywidget, terminal text, JSON.

Nothing here decides a verdict; hidden checks arrive already stripped of details by the runner.
"""
from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `results` renders itself through this module: no runtime import back
    from grader.results import Report, Result

# Keyed by `Status.value`.
_COLOURS = {"passed": "#2e7d32", "warning": "#ef6c00", "failed": "#c62828", "skipped": "#757575", "error": "#c62828"}
_ANSI = {"passed": "32", "warning": "33", "failed": "31", "skipped": "90", "error": "31"}
_LABEL = {"passed": "réussi", "warning": "réussi avec avertissement", "failed": "échoué",
          "skipped": "non vérifiable ici", "error": "n'a pas pu s'exécuter"}
_QUIET = ("passed", "skipped")  # statuses whose hint is not shown


def pts(value: float) -> str:
    """French number: 1.5 → « 1,5 »."""
    return f"{round(value, 2):g}".replace(".", ",")


def _points(result: Result) -> str:
    if result.status == "skipped":
        return f"– / {pts(result.max_points)} pt"
    return f"{pts(result.points)} / {pts(result.max_points)} pt"


def _evidence_text(evidence) -> str:
    return json.dumps(evidence, ensure_ascii=False, indent=2, default=str)


def to_html(report: Report) -> str:
    total, possible = report.points, report.max_points
    ratio = 100 * total / possible if possible else 0
    colour = "#2e7d32" if report.passed and possible else "#ef6c00" if ratio >= 50 else "#c62828"
    items = []
    for r in report.results:
        extra = ""
        if r.hint and r.status not in _QUIET:
            extra += (f"<details style='margin:2px 0 0 24px'><summary style='cursor:pointer;color:#1565c0'>Indice"
                      f"</summary><div style='padding:4px 8px'>{html.escape(r.hint)}</div></details>")
        if r.evidence not in (None, {}, []):
            extra += (f"<details style='margin:2px 0 0 24px'><summary style='cursor:pointer;color:#555'>"
                      f"Éléments observés</summary><pre style='font-size:85%;max-height:300px;overflow:auto;"
                      f"background:#f7f7f7;padding:6px'>{html.escape(_evidence_text(r.evidence))}</pre></details>")
        items.append(
            f"<li style='margin:4px 0' title='{_LABEL[r.status.value]}'>"
            f"<span style='color:{_COLOURS[r.status.value]};font-weight:bold;display:inline-block;width:20px'>"
            f"{r.status.symbol}</span><b>{html.escape(r.title)}</b>"
            f"<span style='float:right;color:#555'>{_points(r)}</span>"
            + (f"<div style='margin-left:24px;color:#333'>{html.escape(r.message)}</div>" if r.message else "")
            + extra + "</li>")
    return (f"<div class='cpin-report' style='font-family:sans-serif;border:1px solid #ddd;border-radius:6px;"
            f"padding:8px 12px;max-width:900px'>"
            f"<div><b>{html.escape(report.title)}</b> <small style='color:#777'>({html.escape(report.exercise_id)})"
            f"</small><span style='float:right;font-weight:bold;color:{colour}'>{pts(total)} / {pts(possible)} pt"
            f"</span></div>"
            f"<div style='background:#eee;border-radius:4px;height:8px;margin:6px 0'><div style='background:{colour};"
            f"width:{ratio:.0f}%;height:8px;border-radius:4px'></div></div>"
            f"<ul style='list-style:none;padding-left:0;margin:0'>{''.join(items)}</ul></div>")


def to_widget(report: Report):
    """The same checklist as an ipywidget (for dashboards that compose widgets)."""
    import ipywidgets
    return ipywidgets.HTML(value=to_html(report))


def to_text(report: Report, *, color: bool = False, evidence: bool = False) -> str:
    def paint(status, text: str) -> str:
        return f"\x1b[{_ANSI[status.value]}m{text}\x1b[0m" if color else text

    lines = [f"{report.title} ({report.exercise_id}) : {pts(report.points)} / {pts(report.max_points)} pt"]
    for r in report.results:
        lines.append(f"  {paint(r.status, r.status.symbol)} {r.title} [{_points(r)}]")
        if r.message:
            lines.append(f"      {r.message}")
        if r.hint and r.status not in _QUIET:
            lines.append(f"      → indice : {r.hint}")
        if evidence and r.evidence not in (None, {}, []):
            lines.extend("      | " + line for line in _evidence_text(r.evidence).splitlines())
    return "\n".join(lines)


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str)
