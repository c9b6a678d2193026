"""The devgpt console script, run as a user would run it."""

from __future__ import annotations

import json
import os
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


def test_run_asks_and_defaults_to_no(tmp_path):
    out = devgpt("cmd", "--fast", "--run", "create an empty file called marker.txt", stdin="\n")
    assert out.returncode == 0
    assert "Nothing was run" in out.stdout or "Not a terminal task" in out.stdout
