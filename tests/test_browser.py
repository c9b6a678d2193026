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
              "![leak](http://127.0.0.1:9/leak.png?d=secret) and ![ref-leak][r]\n\n[r]: http://127.0.0.1:9/r.png\n\n"
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


SAVED_CARD_CODE = """\
%load_ext devgpt_magic
from devgpt_magic.engine import Engine
from devgpt_magic.results import CommandResult
from devgpt_magic.schema import CommandStep, Suggestion, Usage
steps = [CommandStep(command="echo saved-card-ran", explanations=["Prints saved-card-ran to the screen."],
                     arguments={"saved-card-ran": "the text to print"}),
         CommandStep(command="rm -rf ~", explanations=["Deletes the whole home folder."])]
s = Suggestion(request="r", commands=steps, usage=Usage(model="fixed-suggestion", prompt_tokens=1, completion_tokens=2))
CommandResult(Engine._assess(s), local=True, shell=get_ipython())"""

PREVIEW_CARD_CODE = """\
%load_ext devgpt_magic
import os, pathlib
os.chdir("previewed")
from devgpt_magic.engine import Engine
from devgpt_magic.results import CommandResult
from devgpt_magic.schema import CommandStep, Suggestion
s = Suggestion(request="r", commands=[CommandStep(command="rm logs/*.tmp", explanations=["Deletes the .tmp logs."])])
CommandResult(Engine._assess(s, os.getcwd()), local=True, shell=get_ipython())"""

CHAT_CODE = """\
%load_ext devgpt_magic"""

#: notebooks the lab fixture writes (name -> cell sources)
NOTEBOOKS = {"saved.ipynb": [SAVED_CARD_CODE], "preview.ipynb": [PREVIEW_CARD_CODE],
             "chat.ipynb": [CHAT_CODE, "%%devgpt_chat --model gpt-4o\nShow me how to clean up."],
             "paneldir/panel.ipynb": ["print('panel notebook')"]}


@pytest.fixture(scope="module")
def lab(tmp_path_factory, service_dir, smollm2_path, vendor):
    """JupyterLab with the user's own local model configured (``DEVGPT_LOCAL_MODEL``: the tiny model under another
    name), and an OpenAI-compatible fake vendor behind ``gpt-4o`` for deterministic cards and replies."""
    from support import KEY_VARS, free_port, stop

    root = tmp_path_factory.mktemp("lab")
    models = root / "models"
    models.mkdir()
    (models / "my-tiny.gguf").symlink_to(smollm2_path)
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
               HF_HUB_OFFLINE="1", DEVGPT_CACHE_DIR=str(root / "cache"), DEVGPT_MODELS_DIR=str(models),
               DEVGPT_LOCAL_MODEL=str(models / "my-tiny.gguf"), DEVGPT_OPENAI_BASE_URL=vendor.url + "/v1")
    for folder in (work / "previewed", work / "paneldir"):
        (folder / "logs").mkdir(parents=True)
        for n in range(3):
            (folder / "logs" / f"{n}.tmp").write_text(f"log {n}\n")
    for name, source in NOTEBOOKS.items():
        (work / name).write_text(json.dumps(dict(notebook, cells=[dict(notebook["cells"][0], id=f"c{i}", source=code)
                                                                  for i, code in enumerate(source)])))
    # gpt-4o-mini (the fake vendor) explains after deciding in this server, as the local Qwen models do
    config = root / "lab_config.py"
    config.write_text(f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                      f"from support import explaining_after\nexplaining_after(name='gpt-4o-mini')\n")
    log = open(root / "lab.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
                             f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
                             f"--config={config}"],
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
    yield {"base": base, "token": token, "settings": settings, "work": work, "root": root,
           "default": f"gguf:{models / 'my-tiny.gguf'}"}
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
    # the configured default (DEVGPT_LOCAL_MODEL), the same model %devgpt cmd uses (issue 16: was smollm2-135m)
    assert page.input_value("#devgpt-panel .jp-DevGPT-model") == lab["default"]

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
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-reply .jp-RenderedHTMLCommon")
    assert "my-tiny.gguf" in page.text_content("#devgpt-panel .jp-DevGPT-reply .jp-DevGPT-footer")
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
    # fast: the theme is under test, not the tiny model's regular-mode explanations (up to 2,400 tokens: minutes
    # on a slow CI machine)
    page.check("#devgpt-panel .jp-DevGPT-fast")
    page.fill("#devgpt-panel .jp-DevGPT-input", "show disk usage of this folder")
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-card, #devgpt-panel .jp-DevGPT-invalid, "
                           "#devgpt-panel .jp-DevGPT-error")
    assert not page.is_visible("#devgpt-panel .jp-DevGPT-error"), page.text_content("#devgpt-panel")
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
    # a `!` line when the kernel's $SHELL is bash, else a %%bash cell (notebook_sources joins a cell's lines)
    assert any("echo hi-from-card > card-ran.txt; cat card-ran.txt" in src for src in notebook_sources(page))
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


# --- issue 16: cards that survive saving, a panel that uses the right model -------------------------------------
def shut_down_kernels(lab) -> None:
    """What a kernel restart (or closing Jupyter) does to the widgets: every kernel, and its widget models, gone."""
    sessions = json.load(urllib.request.urlopen(f"{lab['base']}/api/sessions?token={lab['token']}"))
    for session in sessions:
        request = urllib.request.Request(f"{lab['base']}/api/sessions/{session['id']}?token={lab['token']}",
                                         method="DELETE")
        urllib.request.urlopen(request)


def save_notebook(page) -> None:
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Control+s")
    page.wait_for_selector(".lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)")


def card(page, n: int = 0):
    return page.locator(".jp-OutputArea .devgpt-command-card").nth(n)


def test_saved_cards_survive_a_kernel_restart(lab, page):
    """Run a card, save, end the kernel, reopen: the command, explanations, argument table, risk and the run's
    outcome are on the page (the static twin), and no "model not found" line is."""
    open_notebook(page, lab, "saved.ipynb", "saved")
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")
    card(page).locator("button:has-text('Run'):visible").first.wait_for(timeout=180_000)
    assert not page.locator(".jp-OutputArea .devgpt-static").first.is_visible()  # the live card stands alone
    card(page).locator("button:has-text('Run'):visible").first.click()
    card(page).locator("button:has-text('Confirm'):visible").first.click()
    page.wait_for_selector(".jp-OutputArea :text('exit code 0')", timeout=120_000)
    page.wait_for_timeout(1000)  # the labextension rewrites the static twin with the run
    save_notebook(page)
    saved = json.loads((lab["work"] / "saved.ipynb").read_text())
    static = [o for o in saved["cells"][0]["outputs"] if o.get("metadata", {}).get("devgpt")]
    assert len(static) == 1 and "ran: exit code 0" in "".join(static[0]["data"]["text/html"])
    shut_down_kernels(lab)

    fresh = page.context.browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        reopened = fresh.new_page()
        reopened.set_default_timeout(180_000)
        open_notebook(reopened, lab, "saved.ipynb", "saved-again")
        reopened.wait_for_selector(".jp-OutputArea .devgpt-static", state="visible")
        reopened.wait_for_timeout(2000)  # time for the widget manager to give up on the old models
        text = reopened.eval_on_selector(".jp-OutputArea .devgpt-static", "n => n.innerText")
        for expected in ("echo saved-card-ran", "Prints saved-card-ran to the screen.", "argument", "the text to print",
                         "safe", "ran: exit code 0", "rm -rf ~", "Deletes the whole home folder.", "dangerous",
                         "home folder", "fixed-suggestion"):
            assert expected in text, expected
        assert reopened.evaluate("[...document.querySelectorAll('.jp-OutputArea-output')].filter(n => n.offsetParent "
                                 "!== null && n.textContent.includes('Error displaying widget')).length") == 0
        ARTIFACTS.mkdir(exist_ok=True)
        reopened.screenshot(path=str(ARTIFACTS / "notebook-saved-cards-reopened.png"))
    finally:
        fresh.close()


def test_notebook_card_preview_run_and_undo(lab, page):
    """Preview shows what the command would delete (the files stay), Run runs it with undo, Undo brings them back."""
    logs = lab["work"] / "previewed" / "logs"
    before = sorted(p.name for p in logs.iterdir())
    open_notebook(page, lab, "preview.ipynb", "preview")
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")
    card(page).locator("button:has-text('Preview')").wait_for(timeout=180_000)
    card(page).locator("button:has-text('Preview')").click()
    page.wait_for_selector(".jp-OutputArea .devgpt-preview :text('3 paths deleted')", timeout=120_000)
    assert "logs/0.tmp" in page.text_content(".jp-OutputArea .devgpt-preview")
    assert sorted(p.name for p in logs.iterdir()) == before  # previewed, not run
    assert "its preview deletes 3 files" in card(page).inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook-card-preview.png"))
    card(page).locator("button:has-text('Run'):visible").first.click()
    card(page).locator("button:has-text('Confirm'):visible").first.click()
    page.wait_for_selector(".jp-OutputArea :text('exit code 0')", timeout=120_000)
    assert list(logs.iterdir()) == []
    card(page).locator("button[title='restore what this run changed']").click()
    page.wait_for_selector(".jp-OutputArea :text('Undid run')", timeout=60_000)
    assert sorted(p.name for p in logs.iterdir()) == before
    page.screenshot(path=str(ARTIFACTS / "notebook-card-run-undo.png"))


def explain_reply(command: str, arguments: dict) -> dict:
    from vendor_payloads import openai_chat

    return openai_chat(json.dumps({"input": command, "error": 0, "commands": [
        {"seq": 1, "cmd_to_execute": command, "cmd_explanations": ["Deletes the .tmp files in the logs folder."],
         "arg_explanations": arguments}]}))


def test_panel_shows_the_command_while_explaining_it(lab, page, vendor):
    """A model that explains after deciding: the command shows as soon as it is decided, then the card replaces
    it (the explanation is held back 4 s by the fake vendor, so the in-between state can be seen)."""
    from fake_vendor import Reply
    from vendor_payloads import openai_chat

    open_notebook(page, lab, "demo.ipynb", "decided")
    open_panel(page)
    page.wait_for_function("document.querySelectorAll('#devgpt-panel .jp-DevGPT-model option').length > 5")
    page.select_option("#devgpt-panel .jp-DevGPT-model", "gpt-4o-mini")
    page.uncheck("#devgpt-panel .jp-DevGPT-fast")
    vendor.queue(Reply(200, openai_chat(json.dumps({"commands": ["ls -t <b>x</b>"]}))))
    vendor.queue(Reply(200, explain_reply("ls -t <b>x</b>", {"-t": "newest first"}), delay=4))
    page.fill("#devgpt-panel .jp-DevGPT-input", "list the files here, newest first")
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-decided .jp-DevGPT-command", timeout=30_000)
    assert page.text_content("#devgpt-panel .jp-DevGPT-decided .jp-DevGPT-command") == "ls -t <b>x</b>"
    assert page.locator("#devgpt-panel .jp-DevGPT-decided b").count() == 0  # text, never markup
    assert "CAUTION" in page.text_content("#devgpt-panel .jp-DevGPT-decided .jp-DevGPT-reasons")  # risk shows now
    assert page.text_content("#devgpt-panel .jp-DevGPT-busyText") == "Explaining…"
    assert page.locator("#devgpt-panel .jp-DevGPT-card").count() == 0  # nothing to run yet
    page.screenshot(path=str(ARTIFACTS / "panel-decided.png"))
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-card .jp-DevGPT-args")
    assert page.locator("#devgpt-panel .jp-DevGPT-decided").count() == 0
    card = page.locator("#devgpt-panel .jp-DevGPT-card").last
    assert card.locator(".jp-DevGPT-command").inner_text() == "ls -t <b>x</b>" and "newest first" in card.inner_text()


OVERFLOW_JS = """() => {
  const panel = document.querySelector('#devgpt-panel');
  const box = panel.getBoundingClientRect();
  const outside = [...panel.querySelectorAll('*')].filter(n => {
    const r = n.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (r.right > box.right + 1 || r.left < box.left - 1);
  }).map(n => n.className || n.tagName);
  return {width: box.width, scrollWidth: panel.scrollWidth, clientWidth: panel.clientWidth, outside};
}"""


def test_panel_at_250px_default_model_explain_preview_insert(lab, page, vendor):
    """The configured default is selected and labelled with its file; Explain (a deterministic reply) shows the
    argument notes; Preview shows the changes; Insert says where and scrolls there; errors keep the text and never
    mention --model; at 250 px nothing overflows; the sidebar can be dragged narrower."""
    from fake_vendor import Reply

    open_notebook(page, lab, "paneldir/panel.ipynb", "panel250")
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Control+Shift+Y")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-input", state="visible")
    assert page.evaluate("document.activeElement.classList.contains('jp-DevGPT-input')")  # Ctrl+Shift+Y focuses it
    page.wait_for_function("document.querySelectorAll('#devgpt-panel .jp-DevGPT-model option').length > 5")
    assert page.input_value("#devgpt-panel .jp-DevGPT-model") == lab["default"]
    label = page.eval_on_selector("#devgpt-panel .jp-DevGPT-model", "s => s.selectedOptions[0].textContent")
    assert label == "local: my-tiny.gguf (default)"
    assert page.evaluate("document.querySelector('#devgpt-panel').getBoundingClientRect().width") == 250

    # a preset that is not on disk offers Pull
    page.select_option("#devgpt-panel .jp-DevGPT-model", "qwen2.5-coder-1.5b")
    assert page.is_visible("#devgpt-panel .jp-DevGPT-pull") and "1.1 GB" in page.text_content(
        "#devgpt-panel .jp-DevGPT-pull")
    # fast belongs to Command mode only
    page.click("#devgpt-panel [data-mode=chat]")
    assert not page.is_visible("#devgpt-panel .jp-DevGPT-fastLabel")
    page.click("#devgpt-panel [data-mode=command]")
    assert page.is_visible("#devgpt-panel .jp-DevGPT-fastLabel")

    # an error keeps the text, in one line, without the CLI's flag
    page.select_option("#devgpt-panel .jp-DevGPT-model", "claude-haiku-4-5")
    request = "list every file in this folder, " + "sorted by size and then by name " * 4
    page.fill("#devgpt-panel .jp-DevGPT-input", request)
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-error")
    error = page.text_content("#devgpt-panel .jp-DevGPT-error")
    assert "ANTHROPIC_API_KEY" in error and "--model" not in error and "choose another model in the picker" in error
    assert page.input_value("#devgpt-panel .jp-DevGPT-input") == request.strip()

    # Explain with deterministic model replies: the argument table (with a header) lists only what is in the
    # command, an option this machine's help does not know gets a note, the risk shows
    page.select_option("#devgpt-panel .jp-DevGPT-model", "gpt-4o")
    page.click("#devgpt-panel [data-mode=explain]")
    vendor.queue(Reply(200, explain_reply("ls -l --frobnicate", {"-l": "long listing", "--frobnicate": "made up",
                                                                  "--color=auto": "not in the command"})))
    page.fill("#devgpt-panel .jp-DevGPT-input", "ls -l --frobnicate")
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-card .jp-DevGPT-argNote")
    noted = page.locator("#devgpt-panel .jp-DevGPT-card").last
    assert "not in `ls --help` on this machine" in noted.locator(".jp-DevGPT-argNote").inner_text()
    assert noted.locator("th").all_text_contents() == ["argument", "meaning"]
    assert "--color" not in noted.inner_text()
    command = "rm -v logs/*.tmp"
    vendor.queue(Reply(200, explain_reply(command, {"-v": "say what is removed", "--recursive": "not in the command",
                                                    "logs/*.tmp": "every .tmp file in logs, " + "long words " * 8})))
    page.fill("#devgpt-panel .jp-DevGPT-input", command)
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")
    page.wait_for_function("document.querySelectorAll('#devgpt-panel .jp-DevGPT-card').length === 2")
    panel_card = page.locator("#devgpt-panel .jp-DevGPT-card").last
    assert [row.inner_text().split("\t")[0] for row in panel_card.locator("tbody tr").all()] == ["-v", "logs/*.tmp"]
    assert "caution" in panel_card.locator(".jp-DevGPT-badge").inner_text()

    # Preview in the side panel: the changes in the notebook's folder, the files untouched, the risk raised
    logs = lab["work"] / "paneldir" / "logs"
    panel_card.locator(".jp-DevGPT-previewButton").click()
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-preview :text('3 paths deleted')", timeout=120_000)
    assert len(list(logs.iterdir())) == 3
    assert "its preview deletes 3 files" in panel_card.locator(".jp-DevGPT-reasons").inner_text()

    # Insert: feedback, and the notebook shows the new cell
    before = len(notebook_sources(page))
    panel_card.locator(".jp-DevGPT-insert").click()
    page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > {before}")
    assert "Inserted as cell 2" in panel_card.locator(".jp-DevGPT-feedback").inner_text()
    sources = notebook_sources(page)
    assert any(src.startswith("%%bash") and "# CAUTION: " in src and "its preview deletes 3 files" in src
               and "rm -v logs/*.tmp" in src for src in sources), sources
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    panel_card.locator(".jp-DevGPT-copy").click()
    panel_card.locator(".jp-DevGPT-feedback:has-text('Copied to the clipboard')").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == command

    # at 250 px nothing overflows sideways: picker, placeholder, tables, long errors, long requests
    page.wait_for_timeout(300)
    overflow = page.evaluate(OVERFLOW_JS)
    assert overflow["width"] == 250 and overflow["outside"] == [] and overflow["scrollWidth"] <= overflow["clientWidth"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel-250px.png"))
    page.locator("#devgpt-panel").screenshot(path=str(ARTIFACTS / "panel-250px-only.png"))

    # and the sidebar can be dragged narrower than JupyterLab's usual 250 px
    handle = page.evaluate("""() => { const hs = [...document.querySelectorAll('#jp-main-split-panel > .lm-SplitPanel-handle')]
        .filter(h => !h.classList.contains('lm-mod-hidden')); const r = hs[hs.length - 1].getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2]; }""")
    page.mouse.move(*handle)
    page.mouse.down()
    page.mouse.move(handle[0] + 200, handle[1], steps=8)
    page.mouse.up()
    page.wait_for_timeout(500)
    narrow = page.evaluate(OVERFLOW_JS)
    assert narrow["width"] < 250 and narrow["outside"] == []


def chat_in_the_panel(page, lab, workspace: str, message: str) -> None:
    """Open the panel beside paneldir/panel.ipynb and send ``message`` in Chat mode to gpt-4o (the fake vendor)."""
    open_notebook(page, lab, "paneldir/panel.ipynb", workspace)
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    open_panel(page)
    page.wait_for_function("document.querySelectorAll('#devgpt-panel .jp-DevGPT-model option').length > 5")
    page.select_option("#devgpt-panel .jp-DevGPT-model", "gpt-4o")
    page.click("#devgpt-panel [data-mode=chat]")
    page.fill("#devgpt-panel .jp-DevGPT-input", message)
    page.press("#devgpt-panel .jp-DevGPT-input", "Enter")


def test_panel_chat_code_buttons_truncation_and_headings(lab, page, vendor):
    """A reply's code blocks get Copy and Insert (a dangerous shell block only after "Yes, insert it", with its
    warning line); a reply cut at the token limit says so; a model's # lines stay small."""
    from fake_vendor import Reply
    from vendor_payloads import openai_chunks

    vendor.queue(Reply(200, events=openai_chunks(["# A huge title\n\nRun this:\n\n",
                                                  "```bash\nrm -rf ~\n```\n\nand this:\n\n",
                                                  "```python\nprint('hi')\n```\n"], finish="length")))
    chat_in_the_panel(page, lab, "panelchat", "How do I clean up?")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-reply .jp-DevGPT-codeTools")
    assert "Cut off at the token limit" in page.text_content("#devgpt-panel .jp-DevGPT-truncated")
    h1 = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#devgpt-panel .jp-DevGPT-reply h1')).fontSize)")
    body = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#devgpt-panel .jp-DevGPT-reply p')).fontSize)")
    assert h1 <= body * 1.2
    tools = page.locator("#devgpt-panel .jp-DevGPT-reply .jp-DevGPT-codeTools")
    assert tools.count() == 2
    before = len(notebook_sources(page))
    tools.nth(0).locator(".jp-DevGPT-codeInsert").click()
    page.locator(".jp-Dialog button:has-text('Yes, insert it')").click()  # the danger is named first
    page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > {before}")
    assert any(src.startswith("%%bash") and "# DANGEROUS: " in src and "rm -rf ~" in src
               for src in notebook_sources(page))
    tools.nth(1).locator(".jp-DevGPT-codeInsert").click()
    page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > {before + 1}")
    assert "print('hi')" in notebook_sources(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel-chat-code-buttons.png"))


def test_notebook_chat_reply_code_buttons(lab, page, vendor):
    """Under a %%devgpt_chat reply in a notebook, the labextension adds Copy / Insert to each code block."""
    from fake_vendor import Reply
    from vendor_payloads import openai_chunks

    vendor.queue(Reply(200, events=openai_chunks(["Try:\n\n```bash\nls -la\n```\n"])))
    open_notebook(page, lab, "chat.ipynb", "chat")
    page.click(".jp-Notebook .jp-Cell .jp-InputArea-editor")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(".jp-OutputArea .devgpt-markdown .jp-DevGPT-codeTools", timeout=120_000)
    before = len(notebook_sources(page))
    page.locator(".jp-OutputArea .jp-DevGPT-codeInsert").first.click()
    page.wait_for_function(f"document.querySelectorAll('.jp-Notebook .jp-Cell').length > {before}")
    assert any(src.startswith("%%bash") and "ls -la" in src for src in notebook_sources(page))


def test_panel_stop_ends_a_streaming_reply_and_follows_it(lab, page, vendor):
    """A reply that streams for a minute: the transcript follows it as it grows; Stop ends the fetch, the server
    stops reading the model's stream (the vendor sees it hang up), and the panel is ready for the next message.
    (The same hang-up stopping the local model mid-reply: test_server_access.)"""
    from fake_vendor import Reply
    from vendor_payloads import openai_chunks

    lines = [f"Line {n} of a reply that goes on and on.\n\n" for n in range(1, 601)]
    vendor.queue(Reply(200, events=openai_chunks(lines), event_delay=0.1))
    chat_in_the_panel(page, lab, "panelstop", "Tell me everything.")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-stop", state="visible")
    gap = ("() => { const t = document.querySelector('#devgpt-panel .jp-DevGPT-transcript');"
           " return [t.scrollHeight - t.scrollTop - t.clientHeight, t.scrollHeight > t.clientHeight]; }")
    deadline = time.time() + 60
    followed = 0
    while time.time() < deadline and followed < 3:  # a reply longer than the panel, followed as it grows
        distance, overflowing = page.evaluate(gap)
        if overflowing:
            assert distance < 60, distance
            followed += 1
        time.sleep(0.5)
    assert followed == 3, "the reply should grow past the panel's height while the view follows it"
    assert page.is_visible("#devgpt-panel .jp-DevGPT-stop") and not vendor.hangups
    page.click("#devgpt-panel .jp-DevGPT-stop")
    page.wait_for_selector("#devgpt-panel .jp-DevGPT-truncated:has-text('Stopped')")
    assert page.locator("#devgpt-panel :text('Stopped')").count() == 1  # said once, under the reply
    deadline = time.time() + 30
    while time.time() < deadline and not vendor.hangups:
        time.sleep(0.2)
    assert vendor.hangups and vendor.hangups[0] < len(lines), "the server should stop reading the model's reply"
    shown = page.text_content("#devgpt-panel .jp-DevGPT-reply")
    assert "Line 1 of" in shown and "Line 600 of" not in shown
    assert page.is_hidden("#devgpt-panel .jp-DevGPT-busy") and page.is_enabled("#devgpt-panel .jp-DevGPT-send")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel-stopped.png"))
