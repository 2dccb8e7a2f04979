"""The learner's JupyterLab, asked through its REST API: French, no news, no nbgrader authoring UI."""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.slow


def _page_config(server) -> dict:
    status, html = server.get("/lab")
    assert status == 200
    return json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', html, re.S).group(1))


def test_the_lab_speaks_french(lab_server):
    setting = lab_server.json("/lab/api/settings/@jupyterlab/translation-extension:plugin")
    assert setting["settings"]["locale"] == "fr_FR"
    languages = lab_server.json("/lab/api/translations/")["data"]
    assert "fr_FR" in languages
    assert "Fichier" in json.dumps(lab_server.json("/lab/api/translations/fr_FR")["data"], ensure_ascii=False)


def test_no_news_and_no_update_check(lab_server):
    setting = lab_server.json("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    assert setting["settings"]["fetchNews"] == "false"
    assert setting["settings"]["checkForUpdates"] is False
    assert _page_config(lab_server)["news"] == {"disabled": True}


def test_no_nbgrader_authoring_ui(lab_server):
    config = _page_config(lab_server)
    assert "@jupyter/nbgrader" in config["disabledExtensions"]
    assert lab_server.get("/formgrader")[0] == 404
    assert lab_server.get("/create_assignment")[0] == 404


def test_the_lab_opens_on_the_workspace(lab_server):
    listing = lab_server.json("/api/contents")
    names = {item["name"] for item in listing["content"]}
    assert "00-prise-en-main" in names and "notebooks" not in names
