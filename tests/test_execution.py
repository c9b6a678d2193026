"""What runs is byte for byte what was shown and assessed: no IPython expansion, lines kept, the user's shell.

Each payload below was rated safe by the danger rules and, run through IPython's ``!``, did something else.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from devgpt_magic.context import Context
from devgpt_magic.execution import RunOutcome, run_command, run_confirmed, user_shell
from devgpt_magic.safety import assess


@pytest.fixture
def shell(tmp_path, monkeypatch):
    ip = InteractiveShell.instance()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHELL", "/bin/bash")
    return ip


def test_braces_are_not_python(shell, tmp_path):
    """`ls {'; touch F'}` ran `ls ; touch F` through `!`."""
    outcome = run_confirmed(shell, "ls {'; touch F'}")
    assert not (tmp_path / "F").exists()
    assert outcome.exit_code != 0 and "{; touch F}" in outcome.output  # ls was given the literal word


def test_python_in_braces_never_runs_in_the_kernel(shell, tmp_path):
    """`echo "{__import__('pathlib').Path('F').touch()}"` ran Python in the kernel through `!`."""
    command = "echo \"{__import__('pathlib').Path('F').touch()}\""
    outcome = run_confirmed(shell, command)
    assert not (tmp_path / "F").exists()
    assert outcome.ok and outcome.output == "{__import__('pathlib').Path('F').touch()}\n"


def test_heredoc_lines_are_kept(shell, tmp_path):
    """A heredoc joined into one line turned its body into a command (`; rm -rf ~` in the attack)."""
    command = "cat <<EOF\n; touch F\nEOF"
    outcome = run_confirmed(shell, command)
    assert not (tmp_path / "F").exists()
    assert outcome.ok and outcome.output == "; touch F\n"
    assert outcome.command == command  # recorded exactly as given


def test_dollar_names_come_from_the_shell_not_the_user_namespace(shell):
    shell.user_ns["devgpt_probe"] = "from-python"
    outcome = run_confirmed(shell, 'echo "[$devgpt_probe]"')
    assert outcome.output == "[]\n"
    outcome = run_confirmed(shell, "devgpt_probe=from-shell; echo $devgpt_probe")
    assert outcome.output == "from-shell\n"


def test_exit_code_cwd_and_stderr_recorded(shell, tmp_path):
    outcome = run_confirmed(shell, "pwd; echo oops >&2; exit 3")
    assert outcome.exit_code == 3 and shell.user_ns["_exit_code"] == 3 and not outcome.ok
    assert outcome.output.splitlines() == [str(tmp_path), "oops"]
    assert run_confirmed(shell, "true").ok and shell.user_ns["_exit_code"] == 0


def test_users_shell_is_used_when_the_check_reads_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SHELL", "/bin/bash")
    assert run_command('echo "${BASH_VERSION:+bash}"', cwd=str(tmp_path)).output == "bash\n"
    (tmp_path / "bin").mkdir()
    for name in ("bash", "sh"):
        fake = tmp_path / "bin" / name
        fake.write_text(f'#!/bin/sh\necho "{name} got: $2"\n')
        fake.chmod(0o755)
    monkeypatch.setenv("SHELL", str(tmp_path / "bin" / "bash"))  # the text goes to it verbatim
    assert run_command("ls {a,b}; x", cwd=str(tmp_path)).output == "bash got: ls {a,b}; x\n"
    assert Context.current().shell == "bash"


def test_sh_is_replaced_by_bash_because_dash_reads_quotes_and_escapes_otherwise(monkeypatch, tmp_path):
    """dash has no $'...' quoting: what bash reads as one echo, dash reads as an echo, a deletion and another
    echo. The check reads bash, so a $SHELL of /bin/sh runs commands in bash (a review deleted a home this way)."""
    monkeypatch.setenv("SHELL", "/bin/sh")
    command = "echo $'a\\' ; touch ran ; echo ' # '"
    assert assess(command).level == "safe"
    assert user_shell().endswith("/bash")
    run_command(command, cwd=str(tmp_path))
    assert not (tmp_path / "ran").exists()


def test_a_shell_the_check_cannot_read_is_replaced_by_bash(monkeypatch, tmp_path):
    """zsh runs code from a glob qualifier that a bash reading calls a plain ls: commands run in bash, and
    the model is told bash, so what runs is what was checked."""
    fake = tmp_path / "zsh"
    fake.write_text('#!/bin/sh\necho "zsh got: $2"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("SHELL", str(fake))
    command = "ls *(e:'touch ran':)"
    assert assess(command).level != "dangerous"  # read as bash nothing here runs code; so it must run as bash
    assert "syntax error" in run_command(command, cwd=str(tmp_path)).output and not (tmp_path / "ran").exists()
    assert run_command('echo "${BASH_VERSION:+bash}"', cwd=str(tmp_path)).output == "bash\n"
    assert user_shell().endswith("/bash") and Context.current().shell == "bash"
    for missing in (str(tmp_path / "missing"), ""):
        monkeypatch.setenv("SHELL", missing)
        assert user_shell().endswith("/bash")
    monkeypatch.delenv("SHELL")
    assert user_shell().endswith("/bash")


class Recorder:
    """A stdout stand-in that notes when each piece of output arrived."""

    def __init__(self) -> None:
        self.pieces: list[tuple[float, str]] = []

    def write(self, text: str) -> int:
        self.pieces.append((time.monotonic(), text))
        return len(text)

    def flush(self) -> None:
        pass


def test_output_streams_as_it_comes(tmp_path):
    out = Recorder()
    outcome = run_command("echo first; sleep 1; echo second", cwd=str(tmp_path), out=out)
    assert outcome.output == "first\nsecond\n"
    first = next(t for t, text in out.pieces if "first" in text)
    second = next(t for t, text in out.pieces if "second" in text)
    assert second - first > 0.5  # the first line was shown while the command was still running


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.timeout(60)
def test_interrupt_kills_the_whole_process_group(tmp_path):
    """A kernel interrupt (KeyboardInterrupt in the kernel) ends the command and what it started."""
    out = Recorder()
    main = threading.get_ident()

    def interrupt() -> None:
        deadline = time.time() + 20
        while not (tmp_path / "pid").exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        signal.pthread_kill(main, signal.SIGINT)

    # a kernel turns SIGINT into KeyboardInterrupt; an in-process server or shell started by an earlier test in
    # the same pytest process may have left another handler behind, so the kernel's is set for this test
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=interrupt, daemon=True).start()
    started = time.monotonic()
    try:
        outcome = run_command("sleep 300 & echo $! > pid; echo started; wait", cwd=str(tmp_path), out=out)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - started < 15
    assert isinstance(outcome, RunOutcome) and outcome.interrupted and not outcome.ok
    assert "started" in outcome.output and "interrupted" in outcome.output.splitlines()[-1]
    grandchild = int((tmp_path / "pid").read_text())
    deadline = time.time() + 5
    while _alive(grandchild) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_recorded_output_masks_credentials(monkeypatch, tmp_path):
    """The card keeps a run's output in its static copy, which is saved in the notebook: `printenv` after one
    confirmation must not write the OpenAI key into the .ipynb (a review found it there)."""
    import io

    key = "sk-proj-" + "A1b2C3d4" * 6
    monkeypatch.setenv("OPENAI_API_KEY", key)
    live = io.StringIO()
    outcome = run_command("printenv OPENAI_API_KEY", cwd=str(tmp_path), out=live)
    assert key in live.getvalue()  # the person who ran it sees what it printed
    assert key not in outcome.output and outcome.output.strip()
