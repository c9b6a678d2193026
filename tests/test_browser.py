"""End to end in a real browser: JupyterLab on loopback with a token, the side panel, the tiny local model.

Debian's chromium driven by Playwright for Python (never ``playwright install``). Screenshots of the panel in
the light and dark themes are saved under ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from conftest import free_port, stop

    root = tmp_path_factory.mktemp("lab")
    settings = root / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    work = root / "work"
    work.mkdir()
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                           "source": "print('first cell')"}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (work / "demo.ipynb").write_text(json.dumps(notebook))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces")}
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
                             f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError((root / "lab.log").read_text()[-3000:])
    yield {"base": base, "token": token, "settings": settings, "work": work}
    stop(proc, log)


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(180_000)
        yield page
        browser.close()


def notebook_sources(page) -> list[str]:
    return page.eval_on_selector_all(".jp-Notebook .jp-Cell .jp-InputArea-editor",
                                     "nodes => nodes.map(n => n.textContent)")


def open_panel(page) -> None:
    page.keyboard.press("Control+Shift+Y")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-input", state="visible")


def test_panel_command_insert_and_chat(lab, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{lab['base']}/lab/tree/demo.ipynb?token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="visible")
    page.click(".jp-Notebook .jp-Cell")
    open_panel(page)
    # the model picker is filled from the server
    page.wait_for_function("document.querySelectorAll('#devgpt-panel .jp-DevGPT-model option').length > 5")
    assert page.input_value("#devgpt-panel .jp-DevGPT-model") == "smollm2-135m"

    # Command mode: a real suggestion from the local model, shown as a card
    page.check("#devgpt-panel .jp-DevGPT-fast")
    page.fill("#devgpt-panel .jp-DevGPT-input", "list all files in this folder")
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-card .jp-DevGPT-command")
    command = page.text_content("#devgpt-panel .jp-DevGPT-card .jp-DevGPT-command")
    assert command.strip()
    assert page.is_visible("#devgpt-panel .jp-DevGPT-badge")
    page.screenshot(path=str(ARTIFACTS / "panel-command-light.png"))

    # Insert: a new !command cell below the active cell, not executed
    before = notebook_sources(page)
    page.click("#devgpt-panel .jp-DevGPT-card .jp-DevGPT-insert")
    page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > {len(before)}")
    after = notebook_sources(page)
    assert len(after) == len(before) + 1
    assert any(source.startswith("!") and command.strip()[:10] in source for source in after)

    # Chat mode: the reply streams in, then renders as Markdown
    page.click("#devgpt-panel [data-mode=chat]")
    page.fill("#devgpt-panel .jp-DevGPT-input", "What does the ls command do? Answer in two sentences.")
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    lengths = set()
    deadline = time.time() + 300
    while time.time() < deadline:
        text = page.eval_on_selector_all("#devgpt-panel .jp-DevGPT-reply .jp-DevGPT-markdown",
                                         "nodes => nodes.map(n => n.textContent).join('')")
        lengths.add(len(text))
        if page.eval_on_selector_all("#devgpt-panel .jp-DevGPT-reply .jp-DevGPT-footer",
                                     "nodes => nodes.some(n => n.textContent.length > 0)"):
            break
        time.sleep(0.05)
    assert len([n for n in lengths if n > 0]) > 1, "the reply should arrive in pieces"
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-reply .jp-RenderedMarkdown")
    assert "smollm2-135m" in page.text_content("#devgpt-panel .jp-DevGPT-reply .jp-DevGPT-footer")
    page.screenshot(path=str(ARTIFACTS / "panel-chat-light.png"))

    # errors show inline, as one line
    page.select_option("#devgpt-panel .jp-DevGPT-model", "claude-haiku-4-5")
    page.fill("#devgpt-panel .jp-DevGPT-input", "hello")
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-error")
    assert "ANTHROPIC_API_KEY" in page.text_content("#devgpt-panel .jp-DevGPT-error")

    # dark theme
    themes = lab["settings"] / "@jupyterlab" / "apputils-extension" / "themes.jupyterlab-settings"
    themes.write_text(json.dumps({"theme": "JupyterLab Dark"}))
    page.reload()
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="visible")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
    open_panel(page)
    page.click("#devgpt-panel [data-mode=command]")
    page.fill("#devgpt-panel .jp-DevGPT-input", "show disk usage of this folder")
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-card, #devgpt-panel .jp-DevGPT-invalid")
    page.screenshot(path=str(ARTIFACTS / "panel-dark.png"))
    for name in ("panel-command-light.png", "panel-chat-light.png", "panel-dark.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000

