"""A real browser (Debian's Chromium, driven by Playwright) opens module 00 in the learner's workspace,
runs the cells down to the first check and sees the kit's French report. The screenshot stays in the
test's tmp directory (CI artefact)."""
from __future__ import annotations

import json
import shutil

import pytest

from grader import workspace

pytestmark = [pytest.mark.slow, pytest.mark.cluster]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _cells_to_first_check(notebook) -> int:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and "check(" in "".join(c["source"])) + 1


def test_module_00_first_check_renders_in_french(lab_server_on_cluster, tmp_path):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    if not shutil.which("chromium"):
        pytest.fail("Debian's chromium is missing: .ci/run installs it")
    server = lab_server_on_cluster
    notebook = workspace.first_notebook(server.lab)
    relative = notebook.relative_to(server.lab).as_posix()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server.url}/lab/tree/{relative}?token={server.token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            # keys typed before the kernel is idle can be lost on a loaded machine: wait for « Inactif »
            page.wait_for_selector(".jp-StatusBar-Widget >> text=Inactif", timeout=180_000)
            menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
            assert "Fichier" in menus and "Nbgrader" not in menus        # French, no authoring menu
            page.locator(".jp-Notebook .jp-Cell").first.click()
            for _ in range(_cells_to_first_check(notebook)):
                page.keyboard.press("Shift+Enter")
                page.wait_for_timeout(200)
            report = page.wait_for_selector(".cpin-report", timeout=180_000)
            text = report.inner_text()
            page.screenshot(path=str(tmp_path / "module-00.png"), full_page=False)
        finally:
            browser.close()
    assert "intro-configmap" in text and " pt" in text
