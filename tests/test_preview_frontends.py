"""devgpt preview / run / undo / cmd --preview as a user runs them (subprocesses, a real terminal for the
confirmation), and %devgpt preview / run / undo in a real InteractiveShell."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from devgpt_magic.sandbox import availability

from test_preview import snapshot

needs_bwrap = pytest.mark.skipif(not availability().ok, reason="needs bubblewrap (apt-get install bubblewrap)")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "w"
    (root / "logs").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\n")
    for n in range(3):
        (root / "logs" / f"{n}.tmp").write_text(f"log {n}\n")
    return root


def devgpt(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """devgpt without a controlling terminal (its own session), as from a script."""
    return subprocess.run([sys.executable, "-m", "devgpt_magic.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=120, start_new_session=True)


def on_terminal(cwd: Path, *args: str, env: dict[str, str] | None = None):  # noqa: ANN201 - pexpect.spawn
    import pexpect

    command = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "devgpt_magic.cli", *args))
    return pexpect.spawn("/bin/bash", ["-c", f"printf 'y\\nyes\\n' | {command}"], cwd=str(cwd),
                         env={**os.environ, **(env or {})}, encoding="utf-8", timeout=120)


def finish(child) -> str:  # noqa: ANN001
    import pexpect

    child.expect(pexpect.EOF)
    child.close()
    return child.before


@needs_bwrap
def test_cli_preview_text_and_json(folder):
    before = snapshot(folder)
    out = devgpt("preview", "rm logs/*.tmp && sed -i s/alpha/beta/ a.txt", cwd=folder)
    assert out.returncode == 0, out.stderr
    assert "deletes 3 files; rewrites 1 file" in out.stdout and "logs/0.tmp" in out.stdout and "+beta" in out.stdout
    data = json.loads(devgpt("preview", "--json", "ls", "logs", cwd=folder).stdout)
    assert data["effects"] == "changes nothing" and data["stdout"] == "0.tmp\n1.tmp\n2.tmp\n"
    assert snapshot(folder) == before


def test_cli_preview_without_bubblewrap_is_one_line(folder, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    out = devgpt("preview", "ls", cwd=folder, env={"PATH": str(empty)})
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "apt-get install bubblewrap" in out.stderr and "Traceback" not in out.stderr


@needs_bwrap
def test_cli_run_then_undo(folder):
    before = snapshot(folder)
    child = on_terminal(folder, "run", "sed -i s/alpha/ALPHA/ a.txt && touch made.txt")
    child.expect_exact("[y/N] ")
    child.sendline("")  # No; the y waiting on stdin counts for nothing
    assert "Nothing was run" in finish(child) and snapshot(folder) == before
    child = on_terminal(folder, "run", "sed -i s/alpha/ALPHA/ a.txt && touch made.txt")
    child.expect_exact("rewrites 1 file; creates 1 file")
    child.expect_exact("[y/N] ")
    child.sendline("y")
    text = finish(child)
    assert child.exitstatus == 0 and "Undo with: devgpt undo " in text
    assert (folder / "a.txt").read_text() == "ALPHA\n" and (folder / "made.txt").exists()
    run_id = text.split("Undo with: devgpt undo ")[1].split()[0]
    listed = devgpt("undo", "--list", cwd=folder)
    assert run_id in listed.stdout and "can undo" in listed.stdout
    out = devgpt("undo", run_id, cwd=folder)
    assert out.returncode == 0 and "restored 1 and removed 1" in out.stdout, out.stderr
    assert snapshot(folder) == before
    again = devgpt("undo", cwd=folder)
    assert again.returncode == 2 and "no run to undo" in again.stderr and again.stderr.count("\n") == 1


@needs_bwrap
def test_cli_run_dangerous_by_effects_needs_yes(folder, monkeypatch):
    """`rm logs/*.tmp` reads as caution; its preview deletes more than the threshold, so yes must be typed."""
    env = {"DEVGPT_PREVIEW_DANGER_FILES": "2"}
    child = on_terminal(folder, "run", "rm logs/*.tmp", env=env)
    child.expect_exact("DANGEROUS")
    child.expect_exact("[y/N] ")
    child.sendline("y")
    child.expect_exact("Type yes to run it anyway: ")
    child.sendline("y")
    assert "Nothing was run" in finish(child) and len(list((folder / "logs").iterdir())) == 3
    child = on_terminal(folder, "run", "rm logs/*.tmp", env=env)
    child.expect_exact("[y/N] ")
    child.sendline("y")
    child.expect_exact("Type yes to run it anyway: ")
    child.sendline("yes")
    finish(child)
    assert child.exitstatus == 0 and not list((folder / "logs").iterdir())
    assert devgpt("undo", cwd=folder).returncode == 0 and len(list((folder / "logs").iterdir())) == 3


def test_cli_run_needs_a_terminal(folder):
    out = devgpt("run", "touch x", cwd=folder)
    assert out.returncode == 2 and "terminal" in out.stderr and out.stderr.count("\n") == 1
    assert not (folder / "x").exists()


@needs_bwrap
def test_cli_cmd_preview(vendor, folder):
    from test_cli import queue_commands

    env = queue_commands(vendor, "rm logs/1.tmp")
    out = devgpt("cmd", "--preview", "--no-cache", "--model", "openai:m", "delete log one", cwd=folder, env=env)
    assert out.returncode == 0, out.stderr
    assert "$ rm logs/1.tmp" in out.stdout and "deletes 1 file" in out.stdout and "logs/1.tmp" in out.stdout
    assert "its preview deletes 1 file" in out.stdout  # the risk line names the effect
    assert (folder / "logs" / "1.tmp").exists()
    refused = devgpt("cmd", "--preview", "--json", "--model", "openai:m", "x", cwd=folder, env=env)
    assert refused.returncode == 2 and "leave out --json" in refused.stderr


# --- magics ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ip():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "devgpt_magic")
    yield shell
    shell.run_line_magic("unload_ext", "devgpt_magic")


@pytest.fixture
def answers(monkeypatch):
    given: list[str] = []
    asked: list[str] = []

    def fake_input(prompt=""):  # noqa: ANN001, ANN202
        asked.append(prompt)
        return given.pop(0)

    monkeypatch.setattr("builtins.input", fake_input)
    return given, asked


@needs_bwrap
def test_magic_preview_run_undo(ip, folder, monkeypatch, answers, capsys):
    given, asked = answers
    monkeypatch.chdir(folder)
    before = snapshot(folder)
    result = ip.run_line_magic("devgpt", "preview rm logs/0.tmp")
    assert [Path(c.path).name for c in result.deleted] == ["0.tmp"] and snapshot(folder) == before
    assert "deletes 1 file" in capsys.readouterr().out
    given.append("n")
    ip.run_line_magic("devgpt", "run rm logs/0.tmp")
    assert "Nothing was run" in capsys.readouterr().out and snapshot(folder) == before
    given.append("y")
    ip.run_line_magic("devgpt", "run rm logs/0.tmp")
    out = capsys.readouterr().out
    assert not (folder / "logs" / "0.tmp").exists() and ip.user_ns["_exit_code"] == 0
    magics = ip.magics_manager.registry["DevGPTMagics"]
    assert magics.last_run.run_id in out and "Undo with" in out
    ip.run_line_magic("devgpt", "undo --list")
    assert magics.last_run.run_id in capsys.readouterr().out
    ip.run_line_magic("devgpt", "undo")
    assert "restored 1" in capsys.readouterr().out and snapshot(folder) == before
    ip.run_line_magic("devgpt", "undo")
    assert "no run to undo" in capsys.readouterr().err


@needs_bwrap
def test_magic_run_dangerous_by_effects_needs_yes(ip, folder, monkeypatch, answers, capsys):
    given, asked = answers
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DEVGPT_PREVIEW_DANGER_FILES", "2")
    given += ["y", "y"]
    ip.run_line_magic("devgpt", "run rm logs/*.tmp")
    assert "Type yes" in asked[-1] and len(list((folder / "logs").iterdir())) == 3
    given += ["y", "yes"]
    ip.run_line_magic("devgpt", "run --timeout 5 rm logs/*.tmp")
    assert not list((folder / "logs").iterdir())


def test_magic_preview_options_and_html(ip, folder, monkeypatch, capsys):
    from IPython.core.error import UsageError

    monkeypatch.chdir(folder)
    with pytest.raises(UsageError, match="belongs to another action"):
        ip.run_line_magic("devgpt", "undo --timeout 3")
    published: list[dict] = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, *a, **k: published.append(data))
    result = ip.run_line_magic("devgpt", "preview echo '<b>x</b>'")
    html = published[-1]["text/html"] if result.available else result.html()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
