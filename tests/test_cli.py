"""The devgpt console script, run as a user would run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest


def devgpt(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "devgpt_magic.cli", *args], capture_output=True, text=True,
                          env=full_env, input=stdin, timeout=300)


def test_cmd_json_with_local_model():
    out = devgpt("cmd", "--fast", "--json", "show", "the", "current", "directory")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == "smollm2-135m" and data["mode"] == "fast"
    assert data["commands"] or data["invalid_reason"]


def test_cmd_text_has_footer_and_risk():
    out = devgpt("cmd", "--fast", "list", "files", "in", "/tmp")
    assert out.returncode == 0, out.stderr
    assert "smollm2-135m" in out.stderr and "local" in out.stderr and " s" in out.stderr
    assert "risk:" in out.stdout or "Not a terminal task" in out.stdout


def test_models_lists_keys_without_values():
    key = "sk-test-" + "abc123" * 6
    out = devgpt("models", "--json", env={"OPENAI_API_KEY": key})
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["gpt-4o"]["key_present"] is True and rows["claude-haiku-4-5"]["key_present"] is False
    assert rows["smollm2-135m"]["local"] is True
    assert key not in out.stdout + out.stderr
    text = devgpt("models", env={"OPENAI_API_KEY": key})
    assert "smollm2-135m *" in text.stdout and key not in text.stdout


def test_models_stars_the_default_the_engine_uses(tmp_path):
    """The CLI once starred the local model while DEVGPT_MODEL pointed elsewhere."""
    rows = {r["name"]: r for r in json.loads(devgpt("models", "--json", env={"DEVGPT_MODEL": "gpt4o"}).stdout)}
    assert rows["gpt-4o"]["default"] and not rows["smollm2-135m"]["default"]
    assert "gpt-4o *" in devgpt("models", env={"DEVGPT_MODEL": "gpt4o"}).stdout
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    text = devgpt("models", env={"DEVGPT_LOCAL_MODEL": str(gguf)}).stdout
    assert f"gguf:{gguf} *" in text and "smollm2-135m *" not in text
    assert "qwen2.5-coder-1.5b" in text and "not downloaded" in text


def test_service_status_and_stop(tmp_path):
    env = {"DEVGPT_RUNTIME_DIR": str(tmp_path / "rt")}
    assert "not running" in devgpt("service", env=env).stdout
    assert devgpt("cmd", "--fast", "--no-cache", "print", "the", "date", env=env).returncode == 0
    status = json.loads(devgpt("service", "status", "--json", env=env).stdout)
    assert status["requests_served"] == 1 and len(status["models"]) == 1
    text = devgpt("service", env=env).stdout
    assert f"pid {status['pid']}" in text and "SmolLM2-135M-Instruct.Q4_1.gguf" in text and "MB in memory" in text
    assert f"Stopped the local model service (pid {status['pid']}" in devgpt("service", "stop", env=env).stdout
    assert "not running" in devgpt("service", env=env).stdout


@pytest.mark.parametrize("args,expected", [
    (("cmd", "--model", "gtp4o", "list files"), "Did you mean: gpt4o"),
    (("cmd", "--model", "gpt4o", "list files"), "OPENAI_API_KEY"),
    (("cmd", " "), "Nothing to do"),
    (("explain", "--model", "sonnet", "ls"), "ANTHROPIC_API_KEY"),
])
def test_bad_input_one_line_errors(args, expected):
    out = devgpt(*args)
    assert out.returncode == 2
    assert expected in out.stderr and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_chat_one_shot_and_interactive():
    out = devgpt("chat", "Say hello.")
    assert out.returncode == 0 and out.stdout.strip()
    out = devgpt("chat", stdin="Name a shell.\n/reset\n/exit\n")
    assert out.returncode == 0 and "History cleared" in out.stderr


# --- cmd --run: confirmation comes from a person at the terminal, never from stdin -----------------------
def queue_commands(vendor, *commands: str) -> dict[str, str]:
    """The fake OpenAI-compatible vendor suggests exactly these commands; returns the env to reach it."""
    from fake_vendor import Reply
    from vendor_payloads import openai_chat

    reply = {"input": "r", "error": 0, "commands": [
        {"seq": i, "cmd_to_execute": c, "cmd_explanations": ["does it"], "arg_explanations": {}}
        for i, c in enumerate(commands, 1)]}
    vendor.queue(Reply(200, openai_chat(json.dumps(reply))))
    return {"DEVGPT_OPENAI_BASE_URL": vendor.url + "/v1"}


RUN = ("cmd", "--run", "--no-cache", "--model", "openai:m")


def detached(*args: str, env: dict[str, str], cwd, stdin: str = "") -> subprocess.CompletedProcess:
    """devgpt without a controlling terminal (a new session), as under cron, CI or a pipe from a script."""
    return subprocess.run([sys.executable, "-m", "devgpt_magic.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, input=stdin, timeout=300, cwd=cwd, start_new_session=True)


def test_a_pipe_cannot_confirm(vendor, tmp_path):
    env = queue_commands(vendor, "touch marker.txt")
    out = detached(*RUN, "make a marker", env=env, cwd=tmp_path, stdin="y\nyes\n")
    assert out.returncode == 2 and not (tmp_path / "marker.txt").exists()
    assert out.stderr.count("\n") == 1 and "terminal" in out.stderr and "Traceback" not in out.stderr
    assert vendor.requests == []  # refused before the model was asked


def test_yes_skips_the_question_for_safe_commands_only(vendor, tmp_path):
    env = queue_commands(vendor, "touch marker.txt")
    out = detached(*RUN, "--yes", "make a marker", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "marker.txt").exists() and "$ touch marker.txt" in out.stdout
    (tmp_path / "keep.txt").write_text("keep")
    env = queue_commands(vendor, "rm -rf ./*")
    out = detached(*RUN, "--yes", "clean this folder", env=env, cwd=tmp_path, stdin="yes\n")
    assert out.returncode == 2 and (tmp_path / "keep.txt").exists()
    error = [line for line in out.stderr.splitlines() if line.startswith("devgpt: error:")]  # after the footer
    assert len(error) == 1 and "--yes never covers it" in error[0] and "Traceback" not in out.stderr
    out = detached("cmd", "--yes", "--model", "openai:m", "x", env=env, cwd=tmp_path)
    assert out.returncode == 2 and "--yes only goes with --run" in out.stderr and out.stderr.count("\n") == 1
    for count in ("-1", "9"):
        out = detached("cmd", "--alternatives", count, "--model", "openai:m", "x", env=env, cwd=tmp_path)
        assert out.returncode == 2 and "--alternatives takes 0 to 8" in out.stderr and out.stderr.count("\n") == 1


def on_terminal(vendor, tmp_path, pipe: str, request: str):
    """devgpt on a real terminal (a pty), with ``pipe`` written to its stdin by printf."""
    import shlex

    import pexpect

    command = " ".join(shlex.quote(a) for a in (sys.executable, "-m", "devgpt_magic.cli", *RUN, request))
    return pexpect.spawn("/bin/bash", ["-c", f"printf {shlex.quote(pipe)} | {command}"], cwd=str(tmp_path),
                         env={**os.environ, "DEVGPT_OPENAI_BASE_URL": vendor.url + "/v1"}, encoding="utf-8",
                         timeout=240)


def test_the_terminal_answers_not_the_pipe(vendor, tmp_path):
    queue_commands(vendor, "touch marker.txt")
    child = on_terminal(vendor, tmp_path, "y\nyes\n", "make a marker")
    child.expect_exact("[y/N] ")
    child.sendline("")  # Enter: the default, No; the y waiting on stdin counts for nothing
    child.expect(pexpect_eof())
    assert "Nothing was run" in child.before and not (tmp_path / "marker.txt").exists()
    child.close()
    assert child.exitstatus == 0
    child = on_terminal(vendor, tmp_path, "", "make a marker")
    child.expect_exact("[y/N] ")
    child.sendline("y")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0 and (tmp_path / "marker.txt").exists()


def test_dangerous_needs_yes_typed_on_the_terminal(vendor, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "f").write_text("x")
    queue_commands(vendor, "rm -rf ./*")
    child = on_terminal(vendor, victim, "y\nyes\n", "clean this folder")
    child.expect_exact("[y/N] ")
    child.sendline("y")
    child.expect_exact("Type yes to run it anyway: ")
    child.sendline("y")
    child.expect(pexpect_eof())
    child.close()
    assert (victim / "f").exists() and "Nothing was run" in child.before
    child = on_terminal(vendor, victim, "", "clean this folder")
    child.expect_exact("[y/N] ")
    child.sendline("y")
    child.expect_exact("Type yes to run it anyway: ")
    child.sendline("yes")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0 and not (victim / "f").exists()


def pexpect_eof():
    import pexpect

    return pexpect.EOF


def test_chat_says_when_a_reply_was_cut_at_the_token_limit(vendor):
    from fake_vendor import Reply
    from vendor_payloads import openai_chunks

    vendor.queue(Reply(200, events=openai_chunks(["on and on"], finish="length")))
    out = devgpt("chat", "--model", "openai:m", "Talk.", env={"DEVGPT_OPENAI_BASE_URL": vendor.url + "/v1"})
    assert out.returncode == 0 and "on and on" in out.stdout
    assert "cut off at the token limit" in out.stderr


def test_regular_mode_shows_the_command_while_explaining_it(tmp_path):
    """On a terminal, a model that explains after deciding: the command shows first and is erased when the card
    comes (so it is not there twice); the card holds the same command lines."""
    import pexpect

    tests = os.path.dirname(__file__)
    code = ("import sys; from support import explaining_after; explaining_after(); "
            "from devgpt_magic.cli import main; sys.exit(main(sys.argv[1:]))")
    child = pexpect.spawn(sys.executable, ["-c", code, "cmd", "list the files in this folder, newest first"],
                          cwd=str(tmp_path), env={**os.environ, "CI": "1", "PYTHONPATH": os.pathsep.join(
                              [tests, os.environ.get("PYTHONPATH", "")])}, encoding="utf-8", timeout=240)
    child.expect_exact("(explaining each part...)")
    note = child.before
    child.expect(pexpect_eof())
    after = child.before
    child.close()
    assert child.exitstatus == 0, after
    decided = [line.strip() for line in note.splitlines() if re.search(r"(\d+\. )?\$ ", line)]
    assert decided and after.lstrip("\r\n").startswith("\x1b[")  # the note is erased before anything else
    card = [line.strip() for line in after.splitlines()]
    assert all(any(line.endswith(d) for line in card) for d in decided)


def test_a_pipe_gets_no_decided_note(monkeypatch, capsys):
    from devgpt_magic import cli
    from support import explaining_after

    explaining_after(monkeypatch)
    assert cli.main(["cmd", "list", "the", "files", "in", "this", "folder,", "newest", "first"]) == 0
    out, err = capsys.readouterr()
    assert "explaining" not in err and "\x1b" not in err and "$ " in out and "risk:" in out


def test_a_servers_error_message_reaches_the_terminal_without_escape_sequences(vendor, tmp_path):
    """An OpenAI-compatible server's error text is printed; a hostile one could write to the clipboard (OSC 52)
    or erase lines with escape sequences. They are shown as text (an attacker's review found them raw)."""
    from fake_vendor import Reply

    hostile = "bad request\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2K\x1b[1A\u202etxt.exe"
    vendor.queue(Reply(400, {"error": {"message": hostile, "type": "invalid_request_error", "code": None}}))
    out = detached("cmd", "--no-cache", "--model", "openai:m", "list files",
                   env={"DEVGPT_OPENAI_BASE_URL": vendor.url + "/v1"}, cwd=tmp_path)
    assert out.returncode == 2 and "devgpt: error:" in out.stderr and "bad request" in out.stderr
    assert not any(ch in out.stderr for ch in "\x1b\x07\u202e")


def test_yes_never_covers_commands_that_are_dangerous_together(vendor, tmp_path):
    """`ln -s ~ h` is safe and `rm -rf h/*` caution; one after the other they delete the home folder. They run
    as they were judged: together, so --yes does not cover them (a review deleted a home this way)."""
    home = tmp_path / "home"
    (home / "important").mkdir(parents=True)
    env = {**queue_commands(vendor, "ln -s ~ h", "rm -rf h/*"), "HOME": str(home)}
    out = detached(*RUN, "--yes", "tidy up", env=env, cwd=tmp_path)
    assert out.returncode == 2 and "--yes never covers it" in out.stderr and "with the commands before it" in out.stderr
    assert (home / "important").exists() and not (tmp_path / "h").exists()
