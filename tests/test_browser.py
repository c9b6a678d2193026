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


#: A model reply (here arriving through a loaded history file) that tries to run script in the page.
EVIL_REPLY = ("Run **ls-bold-marker** first.\n\n"
              "<img src=x onerror=\"window.__pwned='img';document.title='pwned'\">\n\n"
              "<script>window.__pwned='script';document.title='pwned'</script>\n\n"
              "```bash\necho '<b>in-code</b>'\n```")
#: The same kind of payload as trusted HTML output: proves this page would run it if it were let through.
CONTROL_CODE = ("from IPython.display import HTML\n"
                "HTML('<img src=x onerror=\"window.__control=1\"><span>control-shown</span>')")
EVIL_CODE = ("%load_ext devgpt_magic\n"
             "%devgpt history --load evil-history.json\n"
             "%devgpt history\n"
             "from devgpt_magic.engine import Engine\n"
             "from devgpt_magic.results import CommandResult\n"
             "from devgpt_magic.schema import CommandStep, Suggestion\n"
             "payload = '<img src=y onerror=\"window.__pwned=\\'card\\';document.title=\\'pwned\\'\">'\n"
             "steps = [CommandStep(command='ls -la', explanations=['card-explanation ' + payload], "
             "arguments={payload: payload})]\n"
             "CommandResult(Engine._assess(Suggestion(request='r', commands=steps)), local=True, shell=get_ipython())")


@pytest.fixture(scope="module")
def lab(tmp_path_factory, service_dir):
    from conftest import KEY_VARS, free_port, stop

    root = tmp_path_factory.mktemp("lab")
    settings = root / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    work = root / "work"
    work.mkdir()
    notebook = {"cells": [{"cell_type": "code", "id": "only-cell", "metadata": {}, "execution_count": None,
                           "outputs": [],
                           "source": "print('first cell')"}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (work / "demo.ipynb").write_text(json.dumps(notebook))
    card_code = ("%load_ext devgpt_magic\n"
                 "from devgpt_magic.engine import Engine\n"
                 "from devgpt_magic.results import CommandResult\n"
                 "from devgpt_magic.schema import CommandStep, Suggestion\n"
                 "steps = [CommandStep(command='echo hi-from-card > card-ran.txt; cat card-ran.txt')]\n"
                 "CommandResult(Engine._assess(Suggestion(request='r', commands=steps)), local=True, shell=get_ipython())")
    (work / "cards.ipynb").write_text(json.dumps(dict(notebook, cells=[dict(notebook["cells"][0], source=card_code)])))
    (work / "evil-history.json").write_text(json.dumps({"version": 1, "messages": [
        {"role": "user", "content": "hello <svg onload=\"window.__pwned='svg';document.title='pwned'\"></svg>"},
        {"role": "assistant", "content": EVIL_REPLY}]}))
    (work / "evil.ipynb").write_text(json.dumps(dict(notebook, cells=[
        dict(notebook["cells"][0], id="control", source=CONTROL_CODE),
        dict(notebook["cells"][0], id="evil", source=EVIL_CODE)])))
    port, token = free_port(), secrets.token_hex(16)
    # module fixtures start before clean_env: give the server (and its kernels) the same clean, empty state
    env = {name: value for name, value in os.environ.items() if name not in KEY_VARS}
    env.update(DEVGPT_RUNTIME_DIR=str(service_dir),  # the run's local model service, stopped at its end
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
               HF_HUB_OFFLINE="1", DEVGPT_CACHE_DIR=str(root / "cache"), DEVGPT_MODELS_DIR=str(root / "models"))
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
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh context per test, so one test's open documents never decide what the next one sees."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(180_000)
    yield page
    context.close()


def open_notebook(page, lab, name: str, workspace: str) -> None:
    """Open one notebook in its own, reset workspace: the only document on screen, its kernel idle."""
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{name}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="visible")
    page.wait_for_selector("#jp-main-statusbar :text('Python 3 (ipykernel) | Idle')", timeout=120_000)
    page.wait_for_selector(".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator[data-status=idle]")


def notebook_sources(page) -> list[str]:
    return page.eval_on_selector_all(".jp-Notebook .jp-Cell .jp-InputArea-editor",
                                     "nodes => nodes.map(n => n.textContent)")


def open_panel(page) -> None:
    page.keyboard.press("Control+Shift+Y")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-input", state="visible")


def test_panel_command_insert_and_chat(lab, page):
    ARTIFACTS.mkdir(exist_ok=True)
    open_notebook(page, lab, "demo.ipynb", "panel")
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
    # the editor's text has no line breaks: a warning comment line, if any, runs into the command
    assert any("!" + command.strip()[:10] in source or (source.startswith("%%bash") and command.strip()[:10] in source)
               for source in after)  # verbatim, not run

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



def test_command_card_in_a_notebook(lab, page):
    """The kernel's card (ipywidgets) in JupyterLab: Insert adds the cell at once, nothing runs before Confirm."""
    ran = lab["work"] / "card-ran.txt"
    open_notebook(page, lab, "cards.ipynb", "cards")
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")
    insert = page.locator(".jp-OutputArea button:has-text('Insert as cell')")
    insert.wait_for(timeout=180_000)
    before = len(notebook_sources(page))
    insert.click()
    page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > {before}")
    assert any("!echo hi-from-card > card-ran.txt; cat card-ran.txt" in src for src in notebook_sources(page))
    page.wait_for_selector(".jp-OutputArea :text('Inserted the command')")  # the front end's answer reached the card
    assert not ran.exists()  # inserted, not run
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator(".jp-OutputArea button:has-text('Copy')").first.click()
    page.wait_for_selector(".jp-OutputArea :text('Copied to the clipboard')")
    assert page.evaluate("navigator.clipboard.readText()") == "echo hi-from-card > card-ran.txt; cat card-ran.txt"
    page.locator(".jp-OutputArea button:has-text('Run')").first.click()
    page.locator(".jp-OutputArea button:has-text('Confirm')").first.wait_for()
    page.wait_for_timeout(1000)
    assert not ran.exists() and "exit code" not in page.text_content(".jp-OutputArea")  # Run alone runs nothing
    page.locator(".jp-OutputArea button:has-text('Confirm')").first.click()
    page.wait_for_selector(".jp-OutputArea :text('exit code 0')", timeout=120_000)
    assert ran.read_text().strip() == "hi-from-card"  # in the kernel's working directory, like !command
    assert page.locator(".jp-OutputArea pre:has-text('hi-from-card')").count() > 0  # output streamed into the card
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook-card.png"))


def test_model_html_runs_nothing_in_jupyterlab(lab, page):
    """A reply (from a loaded history) and a card's explanations with <img onerror> / <script>: shown as text,
    nothing runs, and the Markdown around them still renders."""
    open_notebook(page, lab, "evil.ipynb", "evil")
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")  # the control cell
    page.wait_for_selector(".jp-OutputArea :text('control-shown')")
    page.wait_for_function("window.__control === 1")  # trusted HTML output would run such a payload here
    page.keyboard.press("Shift+Enter")  # the history and the card
    page.wait_for_selector(".jp-OutputArea strong:has-text('ls-bold-marker')")  # Markdown still renders
    page.wait_for_selector(".jp-OutputArea pre code:has-text(\"echo '<b>in-code</b>'\")")  # code block, literal
    page.locator(".jp-OutputArea button:has-text('Insert as cell')").wait_for(timeout=180_000)
    page.wait_for_timeout(2000)  # time for any onerror handler to have fired
    text = page.eval_on_selector_all(".jp-OutputArea", "nodes => nodes.map(n => n.innerText).join('\\n')")
    assert "<img src=x onerror=" in text and "<script>" in text and "card-explanation <img src=y" in text
    assert page.evaluate("window.__pwned") is None
    assert page.title() != "pwned"
    sources = page.eval_on_selector_all(".jp-OutputArea img", "nodes => nodes.map(n => n.getAttribute('src'))")
    assert len(sources) == 1 and "/x" in sources[0]  # only the control's image became an element (URL resolved)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook-escaped-html.png"))
