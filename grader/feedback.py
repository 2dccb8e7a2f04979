"""Every renderer of the kit, in one place: a `Report` (HTML checklist, ipywidget, terminal text, JSON),
what `hint`, `apply` and `reset` return, and the progress per skill (`Overview`).

Nothing here decides a verdict; hidden checks arrive already stripped of details by the runner.
Nothing here imports the models it renders at run time (they call in: `Report._repr_html_` → `to_html`).
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models render themselves through this module: no runtime import back
    from grader.attempts import Overview
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
    if result.status == "skipped" and not result.counts:
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


# ---------------------------------------------------------------- what hint(), apply() and reset() return

@dataclass(frozen=True)
class Hint:
    exercise_id: str
    level: int
    text: str
    more: bool  # a further level exists

    def __repr__(self) -> str:
        tail = f"\n(indice suivant : hint(\"{self.exercise_id}\", {self.level + 1}))" if self.more else ""
        return f"Indice {self.level} : {self.text}{tail}"

    def _repr_html_(self) -> str:
        tail = (f"<div style='color:#777;font-size:90%'>Indice suivant : "
                f"<code>hint(\"{html.escape(self.exercise_id)}\", {self.level + 1})</code></div>") if self.more else ""
        return (f"<div style='border-left:4px solid #1565c0;padding:4px 10px;font-family:sans-serif'>"
                f"<b>Indice {self.level}</b><div>{html.escape(self.text)}</div>{tail}</div>")


@dataclass(frozen=True)
class Applied:
    namespace: str
    objects: tuple[dict, ...]

    @property
    def warnings(self) -> list[str]:
        """French texts of the server's warnings (platform policies first-hand)."""
        return [w for o in self.objects for w in o["avertissements"]]

    def __repr__(self) -> str:
        lines = [f"Appliqué dans « {self.namespace} » :"]
        for o in self.objects:
            lines.append(f"  ✔ {o['objet']}")
            lines.extend(f"    ⚠ {w}" for w in o["avertissements"])
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<li><span style='color:#2e7d32'>✔</span> {html.escape(o['objet'])}"
            + "".join(f"<div style='color:#ef6c00;margin-left:20px'>⚠ {html.escape(w)}</div>"
                      for w in o["avertissements"]) + "</li>" for o in self.objects)
        return (f"<div style='font-family:sans-serif'>Appliqué dans « {html.escape(self.namespace)} » :"
                f"<ul style='list-style:none;padding-left:8px'>{items}</ul></div>")


@dataclass(frozen=True)
class ResetDone:
    exercise_id: str
    namespace: str
    deleted: tuple[str, ...]
    applied: tuple[str, ...]

    def __repr__(self) -> str:
        return (f"Exercice « {self.exercise_id} » remis à zéro dans « {self.namespace} » : "
                f"{len(self.deleted)} objet(s) supprimé(s), {len(self.applied)} objet(s) de départ appliqué(s).")

    def _repr_html_(self) -> str:
        return f"<div style='font-family:sans-serif'>↺ {html.escape(repr(self))}</div>"


# ---------------------------------------------------------------- progress per skill

def _fr(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def progress_text(view: Overview, width: int = 24) -> str:
    lines = [f"Progression de {view.learner} par compétence (matrice de compétences de la plateforme)"]
    for s in view.skills:
        if not s.total:   # no exercise for this skill yet: nothing the learner can do, so no red 0 %
            lines.append(f"  {s.label:<16} {'·' * width} à venir : pas encore d'exercice ({s.level})")
            continue
        filled = round(width * s.percent / 100)
        lines.append(f"  {s.label:<16} {'█' * filled}{'░' * (width - filled)} {s.percent:5.1f} %  "
                     f"{_fr(s.earned)}/{_fr(s.possible)} pts, {s.done}/{s.total} exercice(s) ({s.level})")
    if view.history:
        lines.append("")
        lines.append("Historique des tentatives :")
        for a in view.history[-50:]:
            lines.append(f"  {a.at[:19].replace('T', ' ')}  {a.exercise:<28} {_fr(a.score)}/{_fr(a.exercise_points)}"
                         f"  ({a.mode})")
    return "\n".join(lines)


def progress_html(view: Overview) -> str:
    rows = []
    for s in view.skills:
        if not s.total:   # no exercise for this skill yet: « à venir », greyed, never a red 0 %
            rows.append(
                f"<tr style='color:#777'><td style='padding:2px 8px;white-space:nowrap'>{html.escape(s.label)}"
                f" <small>({html.escape(s.level)})</small></td>"
                f"<td style='padding:2px 8px' colspan='2'><i>à venir</i> : pas encore d'exercice</td></tr>")
            continue
        colour = "#2e7d32" if s.percent >= 80 else "#f9a825" if s.percent >= 40 else "#c62828"
        rows.append(
            f"<tr><td style='padding:2px 8px;white-space:nowrap'>{html.escape(s.label)}"
            f" <small style='color:#777'>({html.escape(s.level)})</small></td>"
            f"<td style='width:60%;padding:2px 8px'><div style='background:#eee;border-radius:4px;height:14px'>"
            f"<div style='background:{colour};width:{s.percent}%;height:14px;border-radius:4px'></div></div></td>"
            f"<td style='padding:2px 8px;white-space:nowrap'>{s.percent:g} % · {_fr(s.earned)}/{_fr(s.possible)} pts"
            f" · {s.done}/{s.total}</td></tr>")
    parts = [f"<div class='cpin-progress' style='font-family:sans-serif;max-width:900px'>"
             f"<h4 style='margin:4px 0'>Progression de {html.escape(view.learner)} par compétence</h4>"
             f"<table style='border-collapse:collapse;width:100%'>{''.join(rows)}</table>"]
    if view.history:
        items = "".join(
            f"<tr><td style='padding:1px 8px'>{html.escape(a.at[:19].replace('T', ' '))}</td>"
            f"<td style='padding:1px 8px'>{html.escape(a.exercise)}</td>"
            f"<td style='padding:1px 8px'>{_fr(a.score)}/{_fr(a.exercise_points)}</td>"
            f"<td style='padding:1px 8px;color:#777'>{html.escape(a.mode)}</td></tr>" for a in reversed(view.history[-50:]))
        parts.append(f"<details><summary>Historique ({len(view.history)} tentative(s))</summary>"
                     f"<table style='border-collapse:collapse'>{items}</table></details>")
    parts.append("</div>")
    return "".join(parts)
