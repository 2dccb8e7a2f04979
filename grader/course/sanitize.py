"""Rebuild a submission's graded cells from the source, keyed by ids, never trusting the submission.

Like nbgrader's OverwriteCells, but a cell whose metadata was broken or deleted is still recognised:
by its grade id, else by its exact text, else by the exercise id it passes to `grade("…")`.
Test cells always come from the source (with their hidden part); a missing one is put back as late as
possible: just before the next recognised cell of the source order, else at the end (after the learner's
code); duplicates lose their grading role. Pure functions on nbformat.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

GRADE_CALL = re.compile(r"""\bgrade\(\s*["']([A-Za-z0-9_.:-]+)["']""")


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata if it is usable, else {} (damaged metadata counts as absent)."""
    meta = cell.get("metadata")
    data = meta.get("nbgrader") if isinstance(meta, dict) else None
    return data if isinstance(data, dict) and isinstance(data.get("grade_id"), str) else {}


def is_test(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def exercise_of(source_text: str) -> str | None:
    """The exercise id a test cell grades (`grade("id")`), if any."""
    found = GRADE_CALL.search(source_text)
    return found.group(1) if found else None


def _norm(text) -> str:
    text = "".join(text) if isinstance(text, list) else str(text or "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


@dataclass(frozen=True)
class Reference:
    """The cells a notebook must have, from its source (with solutions and hidden tests) and release."""
    order: tuple[str, ...]                 # grade ids in source order
    source: dict[str, NotebookNode]        # grade id → source cell (test cells are restored from here)
    release: dict[str, NotebookNode]       # grade id → release cell (metadata with checksums, stubs)
    kernelspec: dict = field(default_factory=dict)

    @property
    def tests(self) -> list[str]:
        return [gid for gid in self.order if is_test(self.source[gid])]

    def exercise(self, grade_id: str) -> str | None:
        return exercise_of(_norm(self.source[grade_id].source))


def reference(source_nb: NotebookNode, release_nb: NotebookNode) -> Reference:
    source = {nbgrader_meta(c)["grade_id"]: c for c in source_nb.cells if nbgrader_meta(c)}
    release = {nbgrader_meta(c)["grade_id"]: c for c in release_nb.cells if nbgrader_meta(c)}
    order = tuple(gid for gid in (nbgrader_meta(c)["grade_id"] for c in source_nb.cells if nbgrader_meta(c))
                  if gid in release)
    return Reference(order=order, source=source, release=release,
                     kernelspec=dict(source_nb.metadata.get("kernelspec") or {}))


def read_submission(text: str) -> NotebookNode:
    """Parse a submitted notebook leniently, cell by cell: a cell that cannot be a valid cell is rebuilt
    from its text (or dropped if it has none), so that one bad cell costs that cell, not the notebook."""
    import json

    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        nb = nbformat.reads(text, as_version=4)          # an older format: nbformat converts it
        data = {"cells": [dict(c) for c in nb.cells], "metadata": dict(nb.metadata)}
    cells = [cell for cell in map(_cell, data["cells"]) if cell is not None]
    nb = nbformat.v4.new_notebook(cells=cells)
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and _valid(nbformat.v4.new_notebook(metadata=metadata)):
        nb.metadata = nbformat.from_dict(metadata)
    return nb


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v) for v in value)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _valid(nb) -> bool:
    try:
        nbformat.validate(nb)
        return True
    except Exception:  # noqa: BLE001 - nbformat raises several kinds
        return False


def _cell(raw) -> NotebookNode | None:
    """A valid v4 cell from whatever the submission holds there (None: nothing usable)."""
    if not isinstance(raw, dict):
        return None
    kind = raw.get("cell_type")
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
        kind, nbformat.v4.new_raw_cell)
    cell = make(_text(raw.get("source")))
    metadata = raw.get("metadata")
    if isinstance(metadata, dict):
        for candidate in (metadata, {"nbgrader": metadata.get("nbgrader")} if "nbgrader" in metadata else {}):
            try:                                 # nbformat validates the cell as it builds it
                trial = make(cell.source, metadata=copy.deepcopy(candidate))
            except Exception:  # noqa: BLE001 - invalid metadata: try the next, smaller candidate
                continue
            if _valid(nbformat.v4.new_notebook(cells=[trial])):
                cell.metadata = trial.metadata
                break
    return cell


def _identify(cell, ref: Reference, used: set[str]) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    if gid in ref.source and gid not in used:
        return gid
    text = _norm(cell.get("source"))
    for candidate in ref.order:
        if candidate not in used and text and text == _norm(ref.release[candidate].source) \
                and (is_test(ref.source[candidate]) or not nbgrader_meta(cell)):
            return candidate
    called = exercise_of(text)
    if called:
        for candidate in ref.tests:
            if candidate not in used and ref.exercise(candidate) == called:
                return candidate
    return None


def _plain(cell) -> NotebookNode:
    cell = copy.deepcopy(cell)
    cell.metadata.pop("nbgrader", None)
    return cell


def _restored(cell, gid: str, ref: Reference) -> NotebookNode:
    """The cell as grading needs it: test cells from the source, answers keep the learner's text."""
    model = ref.source[gid] if is_test(ref.source[gid]) or nbgrader_meta(ref.source[gid]).get("locked") \
        and not nbgrader_meta(ref.source[gid]).get("solution") else cell
    out = copy.deepcopy(model)
    out["cell_type"] = ref.source[gid].cell_type
    out.metadata = copy.deepcopy(ref.release[gid].metadata)
    if out.cell_type == "code":
        out.outputs, out.execution_count = [], None
    else:
        out.pop("outputs", None)
        out.pop("execution_count", None)
    return out


@dataclass
class Sanitized:
    nb: NotebookNode
    notes: list[str]       # French: what was repaired, for the trainer


def sanitize(submitted: NotebookNode, ref: Reference) -> Sanitized:
    """Clear outputs, restore graded cells from the source, put back the missing test cells."""
    cells, used, notes = [], set(), []
    position: dict[str, int] = {}
    for cell in submitted.cells:
        gid = _identify(cell, ref, used)
        if gid is None:
            if nbgrader_meta(cell):
                notes.append(f"cellule « {nbgrader_meta(cell)['grade_id']} » inconnue ou en double : "
                             "rôle de notation retiré")
            plain = _plain(cell)
            if plain.get("cell_type") == "code":
                plain.outputs, plain.execution_count = [], None
            cells.append(plain)
            continue
        if nbgrader_meta(cell).get("grade_id") != gid:
            notes.append(f"cellule « {gid} » reconnue malgré des métadonnées abîmées")
        used.add(gid)
        position[gid] = len(cells)
        cells.append(_restored(cell, gid, ref))
    for gid in ref.tests:
        if gid in used:
            continue
        after = [p for p in ref.order[ref.order.index(gid) + 1:] if p in position]
        at = position[after[0]] if after else len(cells)
        cells.insert(at, _restored(ref.source[gid], gid, ref))
        position = {k: (v + 1 if v >= at else v) for k, v in position.items()}
        position[gid] = at
        notes.append(f"cellule de test « {gid} » absente : remise depuis la source")
    nb = copy.deepcopy(submitted)
    nb.cells = cells
    if ref.kernelspec:
        nb.metadata["kernelspec"] = ref.kernelspec
    return Sanitized(nb=nb, notes=notes)
