"""Module 05-helm's own tests (what all modules share: tests/notebooks/test_content.py)."""
from notebook_content import Module, nbgrader as _nbgrader, source as _source

MODULE = "05-helm"
M = Module(MODULE)


def test_setup_cell_renders_through_the_kit_api():
    """`rendre` wraps grader.render_chart (the real helm template), not an ad-hoc subprocess call."""
    [setup] = [c for c in M.cells() if _nbgrader(c).get("grade_id") == "setup"]
    assert _nbgrader(setup) == {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3,
                                "solution": False, "task": False}
    source = _source(setup)
    assert "render_chart(chart, values=[valeurs], release=release)" in source
    assert "subprocess" not in source and "find(" not in source
